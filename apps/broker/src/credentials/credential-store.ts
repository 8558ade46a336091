import type { CountersignEvent } from '@countersign/contracts';
import type { PrismaClient } from '@countersign/platform/db';
import type { Db } from '../grants/grant-store.js';
import type { CredentialHandle, UseWindow } from './credential-provider.js';

export type CredentialState = 'minted' | 'active' | 'removed';

export interface CredentialRow {
  grantId: string;
  kind: string;
  handle: CredentialHandle;
  state: CredentialState;
  startBy: Date | null;
  endBy: Date | null;
  attempts: number;
}

/** A credential the release job must look at, with what it needs of its grant. */
export interface DueCredential extends CredentialRow {
  grantState: string;
  jti: string;
  intentId: string;
}

/** Failed removals are retried with a growing pause, so that an unreachable target is not hammered. */
const MAX_BACKOFF_SECONDS = 300;

/** SQL of broker.credentials; each change is one conditional UPDATE, so copies of broker never clash. */
export class CredentialStore {
  constructor(private readonly prisma: PrismaClient) {}

  async findByGrant(grantId: string, db: Db = this.prisma): Promise<CredentialRow | undefined> {
    const rows = await db.$queryRaw<CredentialRow[]>`SELECT grant_id::text AS "grantId", kind, handle, state,
        start_by AS "startBy", end_by AS "endBy", attempts
      FROM broker.credentials WHERE grant_id = ${grantId}::uuid`;
    return rows[0];
  }

  /** minted → active at redeem, inside the redeem's transaction. */
  async activate(db: Db, grantId: string, window: UseWindow, now: Date): Promise<void> {
    await db.$executeRaw`UPDATE broker.credentials SET state = 'active', activated_at = ${now}::timestamptz,
        start_by = ${window.startBy}::timestamptz, end_by = ${window.endBy}::timestamptz
      WHERE grant_id = ${grantId}::uuid AND state = 'minted'`;
  }

  /** In use or of a grant that ended unused, and not waiting out a failed attempt. */
  async due(now: Date, limit: number): Promise<DueCredential[]> {
    return this.prisma.$queryRaw<DueCredential[]>`SELECT c.grant_id::text AS "grantId", c.kind, c.handle, c.state,
        c.start_by AS "startBy", c.end_by AS "endBy", c.attempts, g.state AS "grantState", g.jti::text AS jti,
        g.intent_id::text AS "intentId"
      FROM broker.credentials c JOIN broker.grants g ON g.id = c.grant_id
      WHERE c.state <> 'removed' AND (c.state = 'active' OR g.state IN ('expired', 'revoked'))
        AND (c.next_attempt_at IS NULL OR c.next_attempt_at <= ${now}::timestamptz)
      ORDER BY c.created_at LIMIT ${limit}`;
  }

  /**
   * True for the one caller that marked it (several copies of broker may race on it); only that one
   * writes `event` to the outbox, in the same statement.
   */
  async removed(grantId: string, why: string, now: Date, event: CountersignEvent): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<unknown[]>`WITH removed AS (
        UPDATE broker.credentials
        SET state = 'removed', removed_at = ${now}::timestamptz, removed_reason = ${why}, next_attempt_at = NULL
        WHERE grant_id = ${grantId}::uuid AND state <> 'removed'
        RETURNING grant_id)
      INSERT INTO broker.outbox (event_id, event)
        SELECT ${event.id}::uuid, ${JSON.stringify(event)}::jsonb FROM removed
      RETURNING event_id`;
    return rows.length === 1;
  }

  /** Of `handles`, those that belong to a credential not removed yet (JSONB equality: key order does not matter). */
  async live(kind: string, handles: CredentialHandle[]): Promise<CredentialHandle[]> {
    if (handles.length === 0) return [];
    const json = handles.map((h) => JSON.stringify(h));
    const rows = await this.prisma.$queryRaw<Array<{ handle: CredentialHandle }>>`SELECT handle FROM broker.credentials
      WHERE kind = ${kind} AND state <> 'removed' AND handle = ANY(${json}::jsonb[])`;
    return rows.map((r) => r.handle);
  }

  async failed(grantId: string, attempts: number, now: Date): Promise<void> {
    const pause = Math.min(2 ** Math.min(attempts, 16), MAX_BACKOFF_SECONDS);
    await this.prisma.$executeRaw`UPDATE broker.credentials SET attempts = attempts + 1,
        next_attempt_at = ${new Date(now.getTime() + pause * 1000)}::timestamptz
      WHERE grant_id = ${grantId}::uuid AND state <> 'removed'`;
  }
}
