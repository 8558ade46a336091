import { Inject, Injectable } from '@nestjs/common';
import { ReviewRequestedV1 } from '@countersign/contracts';
import type { Prisma, PrismaClient } from '@countersign/platform/db';
import type { CountedVote, RequestedReview } from '../channels/review-channel.js';
import { PRISMA } from '../database/prisma.provider.js';
import { StoredOutcome } from './stored-outcome.js';

/** A delivery as the worker sees it after claiming it. */
export interface ClaimedDelivery {
  id: string;
  reviewId: string;
  intentId: string;
  channel: string;
  status: 'pending' | 'delivered' | 'skipped' | 'failed';
  externalRef: string | null;
  nonce: string | null;
  attempts: number;
  version: number;
  shownVersion: number;
  deliveredAt: Date | null;
  notifiedEventId: string | null;
  notifiedAt: Date | null;
}

export interface ReviewState {
  intentId: string;
  requestedEventId: string;
  review: RequestedReview;
  outcome: StoredOutcome | null;
  votes: CountedVote[];
  approvals: number;
  quorum: number;
}

const ReviewData = ReviewRequestedV1.schema.shape.data;

/**
 * Marks every delivery of a review as out of date so the worker re-renders it. A row that is idle
 * becomes due now; one that is leased or backing off keeps its time, so two workers never update the
 * same message at once and a failing channel keeps its backoff.
 */
export async function markChanged(db: Prisma.TransactionClient | PrismaClient, reviewId: string, now: Date): Promise<void> {
  await db.$executeRaw`UPDATE notifier.deliveries
    SET version = version + 1, next_attempt_at = COALESCE(next_attempt_at, ${now}::timestamptz)
    WHERE review_id = ${reviewId}::uuid AND status NOT IN ('skipped', 'failed')`;
}

/** The SQL side of delivery: claiming due rows, recording each step, scheduling the next attempt. */
@Injectable()
export class DeliveryStore {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * Takes up to `limit` due deliveries and leases them until `leaseUntil` (the lease is the retry time
   * if this process dies mid-call). SKIP LOCKED lets several copies of notifier share the work.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    return this.prisma.$queryRaw<ClaimedDelivery[]>`UPDATE notifier.deliveries d
      SET attempts = d.attempts + 1, next_attempt_at = ${leaseUntil}
      FROM (SELECT id FROM notifier.deliveries WHERE next_attempt_at <= ${now}
            ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED) due
      WHERE d.id = due.id
      RETURNING d.id, d.review_id AS "reviewId", d.intent_id AS "intentId", d.channel, d.status,
        d.external_ref AS "externalRef", d.nonce, d.attempts, d.version, d.shown_version AS "shownVersion",
        d.delivered_at AS "deliveredAt", d.notified_event_id AS "notifiedEventId", d.notified_at AS "notifiedAt"`;
  }

  async reviewState(reviewId: string): Promise<ReviewState | undefined> {
    const row = await this.prisma.notifierReview.findUnique({ where: { reviewId } });
    if (!row) return undefined;
    const votes = await this.prisma.notifierVote.findMany({ where: { reviewId }, orderBy: { occurredAt: 'asc' } });
    const review = ReviewData.parse(row.review);
    const last = votes.at(-1);
    return {
      intentId: row.intentId,
      requestedEventId: row.requestedEventId,
      review,
      outcome: row.outcome === null ? null : StoredOutcome.parse(row.outcome),
      votes: votes.map((v) => ({
        decision: v.decision === 'reject' ? 'reject' : 'approve',
        subject: v.voterSubject,
        ...(v.reason !== null ? { reason: v.reason } : {}),
      })),
      approvals: last?.approvals ?? 0,
      quorum: last?.quorum ?? review.requirement.quorum,
    };
  }

  async markPosted(id: string, ref: string | null, version: number, now: Date): Promise<void> {
    await this.prisma.delivery.update({
      where: { id },
      data: { status: 'delivered', externalRef: ref, deliveredAt: now, shownVersion: version },
    });
  }

  async markSkipped(id: string): Promise<void> {
    await this.prisma.delivery.update({ where: { id }, data: { status: 'skipped', nextAttemptAt: null } });
  }

  async markNotified(id: string, now: Date): Promise<void> {
    await this.prisma.delivery.update({ where: { id }, data: { notifiedAt: now } });
  }

  async markShown(id: string, version: number): Promise<void> {
    await this.prisma.$executeRaw`UPDATE notifier.deliveries SET shown_version = GREATEST(shown_version, ${version})
      WHERE id = ${id}::uuid`;
  }

  /** After a successful attempt: idle if nothing is left to do, else due again at once (a change came in meanwhile). */
  async finish(id: string, now: Date): Promise<void> {
    await this.prisma.$executeRaw`UPDATE notifier.deliveries
      SET attempts = 0, last_error = NULL,
          next_attempt_at = CASE
            WHEN status IN ('skipped', 'failed') THEN NULL
            WHEN status = 'pending' OR (notified_at IS NULL AND notified_event_id IS NOT NULL) OR shown_version < version THEN ${now}::timestamptz
            ELSE NULL END
      WHERE id = ${id}::uuid`;
  }

  /** The channel refused the delivery for good (410 Gone): nothing more is sent for it, not even updates. */
  async markRefused(id: string, error: string): Promise<void> {
    await this.prisma.delivery.update({ where: { id }, data: { status: 'failed', lastError: error.slice(0, 1000), attempts: 0, nextAttemptAt: null } });
  }

  async fail(id: string, error: string, retryAt: Date): Promise<void> {
    await this.prisma.delivery.update({ where: { id }, data: { lastError: error.slice(0, 1000), nextAttemptAt: retryAt } });
  }

  /** The delivery a chat button or dialog points at; the nonce makes a guessed or stale value useless. */
  async findByNonce(reviewId: string, channel: string, nonce: string) {
    return this.prisma.delivery.findFirst({ where: { reviewId, channel, nonce } });
  }

  async findDelivered(reviewId: string, channel: string) {
    return this.prisma.delivery.findFirst({ where: { reviewId, channel, status: 'delivered', externalRef: { not: null } } });
  }
}
