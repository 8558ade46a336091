import { z } from 'zod';

/** A review's outcome as notifier keeps it (notifier.reviews.outcome). */
export const StoredOutcome = z.object({
  kind: z.enum(['approved', 'rejected', 'expired', 'withdrawn']),
  /** intent.approved's approvers; who rejected comes from the counted votes instead. */
  approvers: z.array(z.string()).default([]),
  reason: z.string().optional(),
  eventId: z.string(),
});
export type StoredOutcome = z.infer<typeof StoredOutcome>;
