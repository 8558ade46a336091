import type pg from 'pg';
import type { VoteDecision } from '@countersign/contracts';
import type { VerifiedIdentity } from '@countersign/platform/auth';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export interface Owner {
  subject: string;
  issuer: string;
}

/** A passkey always belongs to the token's subject and issuer, never to anyone a body names. */
export const ownerOf = (identity: VerifiedIdentity): Owner => ({ subject: identity.requester.subject, issuer: identity.requester.issuer });

export interface StoredPasskey {
  credentialId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  signCount: number;
  transports: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type ChallengePurpose = 'register' | 'step_up';

export interface StoredChallenge {
  challenge: string;
  purpose: ChallengePurpose;
  subject: string;
  issuer: string;
  reviewId: string | null;
  decision: VoteDecision | null;
  nonce: string | null;
}

interface PasskeyRow {
  credential_id: string;
  public_key: Buffer;
  sign_count: string;
  transports: string[];
  created_at: Date;
  last_used_at: Date | null;
}

const toPasskey = (r: PasskeyRow): StoredPasskey => ({
  credentialId: r.credential_id,
  publicKey: new Uint8Array(r.public_key),
  signCount: Number(r.sign_count),
  transports: r.transports,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

const COLUMNS = 'credential_id, public_key, sign_count, transports, created_at, last_used_at';

/** policy.passkeys and policy.webauthn_challenges, in raw pg like the rest of the service. */
export const passkeyStore = {
  async listOf(db: Queryable, owner: Owner): Promise<StoredPasskey[]> {
    const { rows } = await db.query<PasskeyRow>(`SELECT ${COLUMNS} FROM policy.passkeys WHERE subject = $1 AND issuer = $2 ORDER BY created_at`, [owner.subject, owner.issuer]);
    return rows.map(toPasskey);
  },

  /** Only the owner's own passkey: another person's credential id finds nothing. */
  async findOwned(db: Queryable, owner: Owner, credentialId: string): Promise<StoredPasskey | undefined> {
    const { rows } = await db.query<PasskeyRow>(`SELECT ${COLUMNS} FROM policy.passkeys WHERE credential_id = $1 AND subject = $2 AND issuer = $3`, [
      credentialId,
      owner.subject,
      owner.issuer,
    ]);
    return rows[0] ? toPasskey(rows[0]) : undefined;
  },

  /** False when the credential id is already registered (to anyone). */
  async insert(db: Queryable, owner: Owner, p: { credentialId: string; publicKey: Uint8Array; signCount: number; transports: string[] }): Promise<boolean> {
    const { rowCount } = await db.query(
      `INSERT INTO policy.passkeys (credential_id, subject, issuer, public_key, sign_count, transports) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (credential_id) DO NOTHING`,
      [p.credentialId, owner.subject, owner.issuer, Buffer.from(p.publicKey), p.signCount, JSON.stringify(p.transports)],
    );
    return rowCount === 1;
  },

  async markUsed(db: Queryable, credentialId: string, signCount: number, at: Date): Promise<void> {
    await db.query('UPDATE policy.passkeys SET sign_count = $2, last_used_at = $3 WHERE credential_id = $1', [credentialId, signCount, at]);
  },

  async saveChallenge(db: Queryable, c: StoredChallenge, expiresAt: Date, now: Date): Promise<void> {
    // Expired challenges are swept on the way: no timer needed, and the table stays small.
    await db.query('DELETE FROM policy.webauthn_challenges WHERE expires_at < $1', [now]);
    await db.query(
      `INSERT INTO policy.webauthn_challenges (challenge, purpose, subject, issuer, review_id, decision, nonce, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [c.challenge, c.purpose, c.subject, c.issuer, c.reviewId, c.decision, c.nonce, expiresAt],
    );
  },

  /** Single use: the row is deleted as it is read, so a replayed answer finds nothing. */
  async consumeChallenge(db: Queryable, challenge: string, purpose: ChallengePurpose, owner: Owner, now: Date): Promise<StoredChallenge | undefined> {
    const { rows } = await db.query<{ challenge: string; purpose: ChallengePurpose; subject: string; issuer: string; review_id: string | null; decision: VoteDecision | null; nonce: string | null }>(
      `DELETE FROM policy.webauthn_challenges WHERE challenge = $1 AND purpose = $2 AND subject = $3 AND issuer = $4 AND expires_at > $5
       RETURNING challenge, purpose, subject, issuer, review_id, decision, nonce`,
      [challenge, purpose, owner.subject, owner.issuer, now],
    );
    const r = rows[0];
    return r ? { challenge: r.challenge, purpose: r.purpose, subject: r.subject, issuer: r.issuer, reviewId: r.review_id, decision: r.decision, nonce: r.nonce } : undefined;
  },
};
