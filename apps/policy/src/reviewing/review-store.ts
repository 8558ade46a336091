import type pg from 'pg';
import type { GrantTerms, Requester, ReviewKind, ReviewRequirement, StepUpAssertion, VoteChannel, VoteDecision, Voter } from '@countersign/contracts';
import type { CountedVote, ReviewSnapshot, ReviewState } from '@countersign/domain';
import type { ReviewerView } from '../classification/classify-intent/plan-classifications.js';

/** A review under its row lock, with what its outcome events need besides the snapshot. */
export interface LockedReview {
  snapshot: ReviewSnapshot;
  /** The intent that opened the review. */
  intentId: string;
  /** Every intent the review decides: the opener and identical intents that joined it. */
  intentIds: string[];
  grant: GrantTerms;
  kind: ReviewKind;
  /** What reviewers may see (null only for reviews opened before it was kept). */
  masked: ReviewerView | null;
}

interface ReviewRow {
  id: string;
  intent_id: string;
  state: ReviewState;
  requirement: ReviewRequirement;
  expires_at: Date;
  created_at: Date;
  intent_hash: string;
  requester: Requester | null;
  escalated_steps: number;
  reminded: boolean;
  grant_terms: GrantTerms | null;
  intent_ids: string[] | null;
  kind: ReviewKind;
  masked: ReviewerView | null;
}

const SELECT_REVIEW = `SELECT r.id, r.intent_id, r.state, r.requirement, r.expires_at, r.created_at, r.kind, r.masked,
       coalesce(r.intent_hash, d.intent_hash) AS intent_hash, r.requester, r.escalated_steps, r.reminded, d.grant_terms,
       (SELECT array_agg(ri.intent_id::text ORDER BY ri.created_at, ri.intent_id) FROM policy.review_intents ri WHERE ri.review_id = r.id) AS intent_ids
  FROM policy.reviews r JOIN policy.decisions d ON d.intent_id = r.intent_id`;

async function withVotes(client: pg.PoolClient, rows: ReviewRow[]): Promise<LockedReview[]> {
  if (rows.length === 0) return [];
  const { rows: votes } = await client.query<{
    review_id: string;
    voter: Voter;
    decision: VoteDecision;
    channel: VoteChannel;
    break_glass: boolean;
    reason: string | null;
    step_up: StepUpAssertion | null;
  }>(
    'SELECT review_id, voter, decision, channel, break_glass, reason, step_up FROM policy.votes WHERE review_id = ANY($1::uuid[]) ORDER BY created_at, id',
    [rows.map((r) => r.id)],
  );
  return rows.map((row) => {
    // Reviews are only written with both (see record-classifications); a row without them predates votes.
    if (!row.requester || !row.grant_terms) throw new Error(`review ${row.id} lacks its requester or grant terms`);
    const counted: CountedVote[] = votes
      .filter((v) => v.review_id === row.id)
      .map((v) => ({
        voter: v.voter,
        decision: v.decision,
        channel: v.channel,
        breakGlass: v.break_glass,
        ...(v.reason ? { reason: v.reason } : {}),
        ...(v.step_up ? { stepUp: v.step_up } : {}),
      }));
    return {
      intentId: row.intent_id,
      intentIds: row.intent_ids ?? [row.intent_id],
      grant: row.grant_terms,
      kind: row.kind,
      masked: row.masked,
      snapshot: {
        id: row.id,
        intentHash: row.intent_hash,
        requester: row.requester,
        requirement: row.requirement,
        state: row.state,
        openedAt: row.created_at,
        expiresAt: row.expires_at,
        votes: counted,
        escalatedSteps: row.escalated_steps,
        reminded: row.reminded,
      },
    };
  });
}

export const reviewStore = {
  /** The review and its votes, locked until the transaction ends: votes on one review are serialised. */
  async lock(client: pg.PoolClient, reviewId: string): Promise<LockedReview | undefined> {
    const { rows } = await client.query<ReviewRow>(`${SELECT_REVIEW} WHERE r.id = $1 FOR UPDATE OF r`, [reviewId]);
    return (await withVotes(client, rows))[0];
  },

  /** Pending reviews whose next timer is due, locked; SKIP LOCKED lets several copies share the work. */
  async lockDue(client: pg.PoolClient, now: Date, limit: number): Promise<LockedReview[]> {
    const { rows } = await client.query<ReviewRow>(
      `${SELECT_REVIEW} WHERE r.state = 'pending' AND r.next_timer_at <= $1 ORDER BY r.next_timer_at LIMIT $2 FOR UPDATE OF r SKIP LOCKED`,
      [now, limit],
    );
    return withVotes(client, rows);
  },

  /** Pending reviews by dedup key (intent hash + requester), for the intents of a batch. */
  async pendingByKey(pool: pg.Pool, keys: ReadonlyArray<{ intentHash: string; requesterKey: string }>): Promise<Array<{ id: string; intentHash: string; requesterKey: string }>> {
    if (keys.length === 0) return [];
    const { rows } = await pool.query<{ id: string; intent_hash: string; requester_key: string }>(
      `SELECT id, intent_hash, requester_key FROM policy.reviews
       WHERE state = 'pending' AND (intent_hash, requester_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [keys.map((k) => k.intentHash), keys.map((k) => k.requesterKey)],
    );
    return rows.map((r) => ({ id: r.id, intentHash: r.intent_hash, requesterKey: r.requester_key }));
  },

  /** The intent a review belongs to, for events about the review written before it is locked. */
  async intentOf(pool: pg.Pool, reviewId: string): Promise<string | null> {
    const { rows } = await pool.query<{ intent_id: string }>('SELECT intent_id FROM policy.reviews WHERE id = $1', [reviewId]);
    return rows[0]?.intent_id ?? null;
  },

  /** Read-only view for GET /v1/reviews/:id. */
  async find(client: pg.PoolClient, reviewId: string): Promise<LockedReview | undefined> {
    const { rows } = await client.query<ReviewRow>(`${SELECT_REVIEW} WHERE r.id = $1`, [reviewId]);
    return (await withVotes(client, rows))[0];
  },

  /** Pending reviews, newest first; only those `requester` opened when one is given. */
  async listPending(client: pg.PoolClient, opts: { limit: number; requester?: { subject: string; issuer: string } }): Promise<LockedReview[]> {
    const { rows } = opts.requester
      ? await client.query<ReviewRow>(
          `${SELECT_REVIEW} WHERE r.state = 'pending' AND r.requester->>'subject' = $2 AND r.requester->>'issuer' = $3 ORDER BY r.created_at DESC, r.id DESC LIMIT $1`,
          [opts.limit, opts.requester.subject, opts.requester.issuer],
        )
      : await client.query<ReviewRow>(`${SELECT_REVIEW} WHERE r.state = 'pending' ORDER BY r.created_at DESC, r.id DESC LIMIT $1`, [opts.limit]);
    return withVotes(client, rows);
  },

  /** A post-hoc review of a break-glass approval: same intent, same requester, its own row. */
  async insertPostHoc(
    client: pg.PoolClient,
    row: { id: string; of: LockedReview; requirement: ReviewRequirement; openedAt: Date; expiresAt: Date; nextTimerAt: Date },
  ): Promise<void> {
    await client.query(
      `INSERT INTO policy.reviews (id, intent_id, kind, state, requirement, expires_at, intent_hash, requester, next_timer_at, created_at, masked)
       VALUES ($1, $2, 'post_hoc', 'pending', $3, $4, $5, $6, $7, $8, $9)`,
      [
        row.id,
        row.of.intentId,
        JSON.stringify(row.requirement),
        row.expiresAt,
        row.of.snapshot.intentHash,
        JSON.stringify(row.of.snapshot.requester),
        row.nextTimerAt,
        row.openedAt,
        row.of.masked === null ? null : JSON.stringify(row.of.masked),
      ],
    );
  },

  async insertVote(client: pg.PoolClient, id: string, reviewId: string, vote: CountedVote): Promise<void> {
    await client.query(
      `INSERT INTO policy.votes (id, review_id, voter_subject, voter_issuer, voter, decision, channel, break_glass, reason, step_up)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [id, reviewId, vote.voter.subject, vote.voter.issuer, JSON.stringify(vote.voter), vote.decision, vote.channel, vote.breakGlass, vote.reason ?? null, vote.stepUp ? JSON.stringify(vote.stepUp) : null],
    );
  },

  async update(
    client: pg.PoolClient,
    reviewId: string,
    change: { state?: ReviewState; decidedAt?: Date; outcomeReason?: string; escalatedSteps?: number; reminded?: boolean; nextTimerAt: Date | null },
  ): Promise<void> {
    await client.query(
      `UPDATE policy.reviews SET state = coalesce($2, state), decided_at = coalesce($3, decided_at),
              outcome_reason = coalesce($4, outcome_reason), escalated_steps = coalesce($5, escalated_steps),
              reminded = coalesce($6, reminded), next_timer_at = $7
       WHERE id = $1`,
      [reviewId, change.state ?? null, change.decidedAt ?? null, change.outcomeReason ?? null, change.escalatedSteps ?? null, change.reminded ?? null, change.nextTimerAt],
    );
  },
};
