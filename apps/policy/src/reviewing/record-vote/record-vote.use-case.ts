import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { CountersignEvent, VoteRefusal } from '@countersign/contracts';
import { decideVote, nextTimerAt, type ReviewState, type VoteRequest } from '@countersign/domain';
import { inTransaction, PgOutbox } from '@countersign/platform/db';
import { PG_POOL } from '@countersign/platform/nest';
import { Clock, IdGenerator } from '@countersign/platform/runtime';
import { ReviewEvents } from '../review-events.js';
import { reviewStore, type LockedReview } from '../review-store.js';

export const VOTES_CONSUMER = 'policy-votes';

export interface VoteCommand {
  /** The review.vote_cast event this vote arrived as; a second delivery of it changes nothing. */
  eventId: string;
  reviewId: string;
  intentId: string | null;
  vote: VoteRequest;
  /** Published with the outcome when the vote did not come through NATS (the API path). */
  cast?: CountersignEvent;
}

export type VoteVerdict =
  | { counted: true; state: ReviewState; approvals: number; quorum: number }
  | { counted: false; code: VoteRefusal; reason: string };

export interface RecordVoteResult {
  verdict: VoteVerdict;
  duplicate: boolean;
  outgoing: CountersignEvent[];
}

/**
 * One vote, under the review's row lock: decideVote (libs/domain) says whether it counts and what it
 * decides; the vote row, the review's new state, the marker of the cast event and the outgoing events
 * (vote recorded or refused, then the outcome) commit together, and are published after commit
 * through the outbox, so a crash in between delays them and never loses them.
 */
@Injectable()
export class RecordVote {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(PgOutbox) private readonly outbox: PgOutbox,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(IdGenerator) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: VoteCommand): Promise<RecordVoteResult> {
    const result = await inTransaction(this.pool, async (client) => {
      const fresh = await client.query(
        `INSERT INTO policy.processed_events (event_id, consumer) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [cmd.eventId, VOTES_CONSUMER],
      );
      if (fresh.rowCount === 0) {
        // Nothing to publish again: the first run wrote its events to the outbox, which publishes them.
        const stored = await client.query<{ outgoing: CountersignEvent[] }>('SELECT outgoing FROM policy.processed_events WHERE event_id = $1', [cmd.eventId]);
        const outgoing = stored.rows[0]?.outgoing ?? [];
        return { verdict: verdictOf(outgoing), duplicate: true, outgoing };
      }
      const decided = await this.decide(client, cmd);
      await client.query('UPDATE policy.processed_events SET outgoing = $2 WHERE event_id = $1', [cmd.eventId, JSON.stringify(decided.outgoing)]);
      await this.outbox.write(client, decided.outgoing);
      return decided;
    });
    if (!result.duplicate) await this.outbox.publish(this.pool, result.outgoing);
    return result;
  }

  /**
   * A break-glass approval stands at once, and every approver group is asked to look back at it: a
   * post-hoc review with the rule's groups and quorum, no break-glass of its own, a week to decide.
   */
  private async openPostHoc(client: pg.PoolClient, review: LockedReview, events: ReviewEvents, now: Date): Promise<CountersignEvent> {
    const requirement = { ...review.snapshot.requirement, breakGlass: false, escalation: [], ttlSeconds: POST_HOC_TTL_SECONDS };
    const expiresAt = new Date(now.getTime() + POST_HOC_TTL_SECONDS * 1000);
    const id = this.ids.next();
    const next = nextTimerAt({ openedAt: now, expiresAt, requirement, escalatedSteps: 0, reminded: false });
    await reviewStore.insertPostHoc(client, { id, of: review, requirement, openedAt: now, expiresAt, nextTimerAt: next });
    return events.postHocRequested(review, { id, requirement, expiresAt });
  }

  private async decide(client: pg.PoolClient, cmd: VoteCommand): Promise<RecordVoteResult> {
    const now = this.clock.now();
    const events = new ReviewEvents(this.ids, now, cmd.cast?.id ?? cmd.eventId);
    const before = cmd.cast ? [cmd.cast] : [];
    const review = await reviewStore.lock(client, cmd.reviewId);
    if (!review) {
      const reason = 'no review with this id';
      const refused = events.refused(cmd.reviewId, cmd.intentId, cmd.vote, 'REVIEW_NOT_FOUND', reason);
      return { verdict: { counted: false, code: 'REVIEW_NOT_FOUND', reason }, duplicate: false, outgoing: [...before, refused] };
    }
    const decided = decideVote(review.snapshot, cmd.vote, now);
    if (decided.kind === 'refused') {
      const refused = events.refused(cmd.reviewId, review.intentId, cmd.vote, decided.code, decided.reason);
      return { verdict: { counted: false, code: decided.code, reason: decided.reason }, duplicate: false, outgoing: [...before, refused] };
    }
    await reviewStore.insertVote(client, this.ids.next(), review.snapshot.id, decided.vote);
    const outgoing = [...before, events.recorded(review, decided.vote, decided.approvals)];
    const votes = [...review.snapshot.votes, decided.vote];
    let state: ReviewState = 'pending';
    if (decided.outcome) {
      state = decided.outcome;
      await reviewStore.update(client, review.snapshot.id, {
        state,
        decidedAt: now,
        ...(decided.vote.reason ? { outcomeReason: decided.vote.reason } : {}),
        nextTimerAt: null,
      });
      if (review.kind === 'post_hoc') {
        outgoing.push(events.concluded(review, decided.outcome, votes, decided.vote.decision === 'reject' ? decided.vote.reason : undefined));
      } else if (decided.outcome === 'rejected') {
        outgoing.push(...events.rejected(review, decided.vote));
      } else {
        outgoing.push(...events.approved(review, votes));
        if (decided.vote.breakGlass) outgoing.push(await this.openPostHoc(client, review, events, now));
      }
    }
    return {
      verdict: { counted: true, state, approvals: decided.approvals, quorum: review.snapshot.requirement.quorum },
      duplicate: false,
      outgoing,
    };
  }
}

/** How long the approver groups have to look back at a break-glass approval. */
export const POST_HOC_TTL_SECONDS = 7 * 86_400;

/** The verdict a stored outcome stands for, so that a repeated request gets the same answer. */
function verdictOf(outgoing: readonly CountersignEvent[]): VoteVerdict {
  for (const e of outgoing) {
    if (e.type === 'review.vote_refused') return { counted: false, code: e.data.code, reason: e.data.reason };
  }
  const recorded = outgoing.find((e) => e.type === 'review.vote_recorded');
  const outcome = outgoing.find((e) => e.type === 'intent.approved' || e.type === 'intent.rejected' || e.type === 'review.concluded');
  if (recorded?.type === 'review.vote_recorded') {
    let state: ReviewState = 'pending';
    if (outcome?.type === 'intent.approved') state = 'approved';
    else if (outcome?.type === 'intent.rejected') state = 'rejected';
    else if (outcome?.type === 'review.concluded' && outcome.data.outcome !== 'expired') state = outcome.data.outcome;
    return { counted: true, state, approvals: recorded.data.approvals, quorum: recorded.data.quorum };
  }
  return { counted: false, code: 'REVIEW_NOT_FOUND', reason: 'the vote left no record' };
}
