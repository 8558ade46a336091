import { Inject, Injectable } from '@nestjs/common';
import type { EventOf, ReviewVoteRecordedV1 } from '@countersign/contracts';
import type { PrismaClient } from '@countersign/platform/db';
import { Clock } from '@countersign/platform/runtime';
import { PRISMA } from '../database/prisma.provider.js';
import { markChanged } from '../delivery/delivery-store.js';
import { DeliveryWorker } from '../delivery/delivery-worker.js';

/** review.vote_recorded → kept for "votes so far" (and who rejected), messages marked for re-rendering. */
@Injectable()
export class RecordVote {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    private readonly worker: DeliveryWorker,
  ) {}

  async execute(event: EventOf<typeof ReviewVoteRecordedV1>): Promise<boolean> {
    const { reviewId, decision, voter, reason, approvals, quorum } = event.data;
    const changed = await this.prisma.$transaction(async (tx) => {
      const inserted = await tx.notifierVote.createMany({
        data: [{ eventId: event.id, reviewId, decision, voterSubject: voter.subject, reason: reason ?? null, approvals, quorum, occurredAt: new Date(event.occurredAt) }],
        skipDuplicates: true,
      });
      if (inserted.count > 0) await markChanged(tx, reviewId, this.clock.now());
      return inserted.count > 0;
    });
    if (changed) this.worker.kick();
    return changed;
  }
}
