import type { CountersignEvent, Resource } from '@countersign/contracts';
import { Prisma, type PrismaClient } from '@countersign/platform/db';

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
}

export interface IntentRecord {
  intentId: string;
  intentHash: string;
  requesterSubject: string;
  requesterIssuer: string;
  action: string;
  resource: Resource;
}

export type NewGrant = Omit<GrantRow, 'state' | 'expiresAt' | 'tokenSha256'>;

const GRANT_COLUMNS = Prisma.raw(`id::text AS "id", intent_id::text AS "intentId", jti::text AS "jti",
  intent_hash AS "intentHash", requester_subject AS "requesterSubject", requester_issuer AS "requesterIssuer",
  audience, action, resource, state, claim_by AS "claimBy", use_ttl_seconds AS "useTtlSeconds",
  expires_at AS "expiresAt", token_sha256 AS "tokenSha256"`);

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

  /** issued → claimed, only for the requester and inside the claim window; records the event atomically. */
  async claim(c: {
    intentId: string;
    requesterSubject: string;
    requesterIssuer: string;
    now: Date;
    expiresAt: Date;
    tokenSha256: string;
    kid: string;
    event: CountersignEvent;
  }): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<unknown[]>`WITH claimed AS (
        UPDATE broker.grants SET state = 'claimed', expires_at = ${c.expiresAt}::timestamptz,
          claimed_at = ${c.now}::timestamptz, token_sha256 = ${c.tokenSha256}, kid = ${c.kid}
        WHERE intent_id = ${c.intentId}::uuid AND state = 'issued' AND claim_by > ${c.now}::timestamptz
          AND requester_subject = ${c.requesterSubject} AND requester_issuer = ${c.requesterIssuer}
        RETURNING id)
      INSERT INTO broker.outbox (event_id, event)
        SELECT ${c.event.id}::uuid, ${JSON.stringify(c.event)}::jsonb FROM claimed
      RETURNING event_id`;
    return rows.length === 1;
  }

  /** claimed → redeemed, once, for the token whose hash was stored at claim, before it expires. */
  async redeem(r: { jti: string; tokenSha256: string; now: Date; event: CountersignEvent }): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<unknown[]>`WITH redeemed AS (
        UPDATE broker.grants SET state = 'redeemed', redeemed_at = ${r.now}::timestamptz
        WHERE jti = ${r.jti}::uuid AND state = 'claimed' AND token_sha256 = ${r.tokenSha256}
          AND expires_at > ${r.now}::timestamptz
        RETURNING id)
      INSERT INTO broker.outbox (event_id, event)
        SELECT ${r.event.id}::uuid, ${JSON.stringify(r.event)}::jsonb FROM redeemed
      RETURNING event_id`;
    return rows.length === 1;
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
