import type { CountersignEvent, Resource } from '@countersign/contracts';
import { Prisma, type PrismaClient } from '@countersign/platform/db';
import type { CredentialHandle } from '../credentials/credential-provider.js';

export type GrantState = 'issued' | 'claimed' | 'redeemed' | 'expired' | 'revoked';

export interface GrantRow {
  id: string;
  intentId: string;
  jti: string;
  intentHash: string;
  requesterSubject: string;
  requesterIssuer: string;
  audience: string;
  action: string;
  resource: Resource;
  state: GrantState;
  claimBy: Date;
  useTtlSeconds: number;
  expiresAt: Date | null;
  tokenSha256: string | null;
  claimedAt: Date | null;
  /** The key that signed the token handed out at claim. */
  kid: string | null;
}

export interface IntentRecord {
  intentId: string;
  intentHash: string;
  requesterSubject: string;
  requesterIssuer: string;
  action: string;
  resource: Resource;
  /** The intent's exact arguments: what a credential provider grants. */
  args: Record<string, unknown>;
}

export type NewGrant = Omit<GrantRow, 'state' | 'expiresAt' | 'tokenSha256' | 'claimedAt' | 'kid'>;

/** A connection or an open transaction: what runs inside a claim or redeem also commits with it. */
export type Db = PrismaClient | Prisma.TransactionClient;

/** Claim and redeem hold the grant's row lock while a provider talks to its target; bounded here. */
const CREDENTIAL_TX = { maxWait: 10_000, timeout: 30_000 };

const GRANT_COLUMNS = Prisma.raw(`id::text AS "id", intent_id::text AS "intentId", jti::text AS "jti",
  intent_hash AS "intentHash", requester_subject AS "requesterSubject", requester_issuer AS "requesterIssuer",
  audience, action, resource, state, claim_by AS "claimBy", use_ttl_seconds AS "useTtlSeconds",
  expires_at AS "expiresAt", token_sha256 AS "tokenSha256", claimed_at AS "claimedAt", kid`);

/** Outbox rows written by the same statement as the transition they report. */
function outboxInsert(events: readonly CountersignEvent[]): Prisma.Sql {
  const values = events.map((e) => Prisma.sql`(${e.id}::uuid, ${JSON.stringify(e)}::jsonb)`);
  return Prisma.sql`INSERT INTO broker.outbox (event_id, event) VALUES ${Prisma.join(values)} ON CONFLICT DO NOTHING`;
}

/**
 * SQL of the grants table. Every state change is one conditional UPDATE, so that concurrent callers
 * (and copies of broker) race on the row lock and exactly one wins.
 */
export class GrantStore {
  constructor(private readonly prisma: PrismaClient) {}

  async findByIntentId(intentId: string): Promise<GrantRow | undefined> {
    const rows = await this.prisma.$queryRaw<GrantRow[]>`SELECT ${GRANT_COLUMNS} FROM broker.grants
      WHERE intent_id = ${intentId}::uuid`;
    return rows[0];
  }

  async findByJti(jti: string): Promise<GrantRow | undefined> {
    const rows = await this.prisma.$queryRaw<GrantRow[]>`SELECT ${GRANT_COLUMNS} FROM broker.grants
      WHERE jti = ${jti}::uuid`;
    return rows[0];
  }

  /**
   * issued → claimed, only for the requester and inside the claim window, in one transaction with the
   * claim's event and the credential `mint` creates (it is handed the intent's recorded arguments). The
   * row stays locked meanwhile, so a concurrent claim waits and then finds it claimed: one mint per grant.
   * Resolves to what `mint` made, or to undefined (without calling it) when the grant is not claimable
   * by this identity now.
   */
  async claim<T>(
    c: {
      intentId: string;
      requesterSubject: string;
      requesterIssuer: string;
      now: Date;
      expiresAt: Date;
      tokenSha256: string;
      kid: string;
      event: CountersignEvent;
    },
    mint: (args: Record<string, unknown> | null) => Promise<{ value: T; credential: { kind: string; handle: CredentialHandle } | null }>,
  ): Promise<T | undefined> {
    return this.prisma.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<Array<{ id: string; args: Record<string, unknown> | null }>>`
        SELECT g.id::text AS id, i.args FROM broker.grants g LEFT JOIN broker.intents i ON i.intent_id = g.intent_id
        WHERE g.intent_id = ${c.intentId}::uuid AND g.state = 'issued' AND g.claim_by > ${c.now}::timestamptz
          AND g.requester_subject = ${c.requesterSubject} AND g.requester_issuer = ${c.requesterIssuer}
        FOR UPDATE OF g`;
      const grant = locked[0];
      if (!grant) return undefined;
      const { value, credential } = await mint(grant.args);
      await tx.$executeRaw`UPDATE broker.grants SET state = 'claimed', expires_at = ${c.expiresAt}::timestamptz,
          claimed_at = ${c.now}::timestamptz, token_sha256 = ${c.tokenSha256}, kid = ${c.kid}
        WHERE id = ${grant.id}::uuid`;
      if (credential) {
        await tx.$executeRaw`INSERT INTO broker.credentials (grant_id, kind, handle, state)
          VALUES (${grant.id}::uuid, ${credential.kind}, ${JSON.stringify(credential.handle)}::jsonb, 'minted')`;
      }
      await tx.$executeRaw`${outboxInsert([c.event])}`;
      return value;
    }, CREDENTIAL_TX);
  }

  /**
   * claimed → redeemed, once, for the token whose hash was stored at claim, before it expires; one
   * statement with its event. With `during` (a credential to enable), one transaction instead: the
   * winner enables it while concurrent redeems wait on the row lock, and a failure there leaves the
   * grant claimed.
   */
  async redeem(r: { jti: string; tokenSha256: string; now: Date; event: CountersignEvent }, during?: (tx: Db) => Promise<void>): Promise<boolean> {
    const statement = (db: Db) => db.$queryRaw<unknown[]>`WITH redeemed AS (
        UPDATE broker.grants SET state = 'redeemed', redeemed_at = ${r.now}::timestamptz
        WHERE jti = ${r.jti}::uuid AND state = 'claimed' AND token_sha256 = ${r.tokenSha256}
          AND expires_at > ${r.now}::timestamptz
        RETURNING id)
      INSERT INTO broker.outbox (event_id, event)
        SELECT ${r.event.id}::uuid, ${JSON.stringify(r.event)}::jsonb FROM redeemed
      RETURNING event_id`;
    if (!during) return (await statement(this.prisma)).length === 1;
    return this.prisma.$transaction(async (tx) => {
      if ((await statement(tx)).length !== 1) return false;
      await during(tx);
      return true;
    }, CREDENTIAL_TX);
  }

  /**
   * issued | claimed → revoked, and redeemed → revoked while its credential is not removed yet, in one
   * statement with its event; the row lock orders it against a concurrent claim, redeem or sweep.
   * Resolves to the state it was taken from, or undefined when it was not revocable any more.
   */
  async revoke(intentId: string, event: CountersignEvent): Promise<'issued' | 'claimed' | 'redeemed' | undefined> {
    const rows = await this.prisma.$queryRaw<Array<{ from: 'issued' | 'claimed' | 'redeemed' }>>`WITH target AS (
        SELECT id, state FROM broker.grants WHERE intent_id = ${intentId}::uuid FOR UPDATE),
      revoked AS (
        UPDATE broker.grants g SET state = 'revoked' FROM target t
        WHERE g.id = t.id AND (t.state IN ('issued', 'claimed') OR (t.state = 'redeemed' AND EXISTS (
          SELECT 1 FROM broker.credentials c WHERE c.grant_id = t.id AND c.state <> 'removed')))
        RETURNING t.state AS from_state),
      recorded AS (
        INSERT INTO broker.outbox (event_id, event)
          SELECT ${event.id}::uuid, ${JSON.stringify(event)}::jsonb FROM revoked)
      SELECT from_state AS "from" FROM revoked`;
    return rows[0]?.from;
  }

  /**
   * Expires up to `limit` grants past their deadline and records one event per row, in one
   * transaction. SKIP LOCKED lets copies of broker sweep side by side without waiting on each other;
   * the state condition in the UPDATE makes each row expire (and be reported) once.
   */
  async expireDue(
    now: Date,
    limit: number,
    eventsFor: (rows: Array<GrantRow & { stage: 'unclaimed' | 'unused' }>) => CountersignEvent[],
  ): Promise<CountersignEvent[]> {
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Array<GrantRow & { stage: 'unclaimed' | 'unused' }>>`WITH due AS (
          SELECT id AS due_id, state AS old_state FROM broker.grants
          WHERE (state = 'issued' AND claim_by <= ${now}::timestamptz)
             OR (state = 'claimed' AND expires_at <= ${now}::timestamptz)
          ORDER BY claim_by LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        UPDATE broker.grants g SET state = 'expired' FROM due
        WHERE g.id = due.due_id AND g.state = due.old_state
        RETURNING ${GRANT_COLUMNS},
          CASE due.old_state WHEN 'issued' THEN 'unclaimed' ELSE 'unused' END AS stage`;
      if (rows.length === 0) return [];
      const events = eventsFor(rows);
      await tx.$executeRaw`${outboxInsert(events)}`;
      return events;
    });
  }
}
