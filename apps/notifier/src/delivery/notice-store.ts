import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@countersign/platform/db';
import { z } from 'zod';
import type { NoticeDetails } from '../channels/review-channel.js';
import { PRISMA } from '../database/prisma.provider.js';

/** A notice as the worker sees it after claiming it, with the delivery it belongs next to. */
export interface ClaimedNotice {
  id: string;
  reviewId: string;
  channel: string;
  details: NoticeDetails;
  attempts: number;
  deliveryId: string;
  intentId: string;
  deliveryStatus: 'delivered' | 'skipped' | 'failed';
  externalRef: string | null;
  nonce: string | null;
}

export const StoredNoticeDetails = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reminder'), expiresAt: z.string() }),
  z.object({ kind: z.literal('escalated'), afterSeconds: z.number(), groups: z.array(z.string()) }),
]);

export interface NewNotice {
  sourceEventId: string;
  reviewId: string;
  details: NoticeDetails;
}

/** The SQL side of reminder and escalation notices: recording, claiming, and the end of each one. */
@Injectable()
export class NoticeStore {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * One notice per channel the review went out on (or is still waiting to go out on): external
   * channels only, never where the channel skipped or refused the review. A redelivered event adds
   * nothing (unique per source event and channel). Returns how many were new.
   */
  async record(n: NewNotice, channels: string[], newId: () => string, now: Date): Promise<number> {
    const deliveries = await this.prisma.delivery.findMany({
      where: { reviewId: n.reviewId, channel: { in: channels }, status: { in: ['pending', 'delivered'] } },
      select: { channel: true },
    });
    if (deliveries.length === 0) return 0;
    const { count } = await this.prisma.notice.createMany({
      data: deliveries.map((d) => ({
        id: newId(),
        reviewId: n.reviewId,
        channel: d.channel,
        kind: n.details.kind,
        sourceEventId: n.sourceEventId,
        details: n.details,
        status: 'pending',
        nextAttemptAt: now,
      })),
      skipDuplicates: true,
    });
    return count;
  }

  /**
   * Takes up to `limit` due notices whose review message is no longer pending (a notice never goes out
   * before the review it is about) and leases them until `leaseUntil`.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedNotice[]> {
    const rows = await this.prisma.$queryRaw<Array<Omit<ClaimedNotice, 'details'> & { details: unknown }>>`UPDATE notifier.notices n
      SET attempts = n.attempts + 1, next_attempt_at = ${leaseUntil}
      FROM (SELECT x.id FROM notifier.notices x
            JOIN notifier.deliveries d ON d.review_id = x.review_id AND d.channel = x.channel
            WHERE x.next_attempt_at <= ${now} AND d.status <> 'pending'
            ORDER BY x.next_attempt_at LIMIT ${limit} FOR UPDATE OF x SKIP LOCKED) due,
           notifier.deliveries d
      WHERE n.id = due.id AND d.review_id = n.review_id AND d.channel = n.channel
      RETURNING n.id, n.review_id AS "reviewId", n.channel, n.details, n.attempts, d.id AS "deliveryId",
        d.intent_id AS "intentId", d.status AS "deliveryStatus", d.external_ref AS "externalRef", d.nonce`;
    return rows.map((r) => ({ ...r, details: StoredNoticeDetails.parse(r.details) }));
  }

  async end(id: string, status: 'sent' | 'skipped' | 'failed', now: Date, error?: string): Promise<void> {
    await this.prisma.notice.update({
      where: { id },
      data: { status, nextAttemptAt: null, ...(status === 'sent' ? { sentAt: now, lastError: null } : {}), ...(error ? { lastError: error.slice(0, 1000) } : {}) },
    });
  }

  async fail(id: string, error: string, retryAt: Date): Promise<void> {
    await this.prisma.notice.update({ where: { id }, data: { lastError: error.slice(0, 1000), nextAttemptAt: retryAt } });
  }
}
