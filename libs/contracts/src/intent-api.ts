import { z } from 'zod';
import { IntentState, Resource, Sha256Hex } from './intent.js';

/**
 * Intake's HTTP answers, as clients (the SDK, the CLI) parse them. Loose objects: a field intake adds
 * later must not break a client built today.
 */
export const SubmitIntentResponse = z.looseObject({
  id: z.uuid(),
  state: IntentState,
  intentHash: Sha256Hex,
});
export type SubmitIntentResponse = z.infer<typeof SubmitIntentResponse>;

/** `GET /v1/intents/:id` (and the withdraw answer): the intent as its requester may see it. */
export const IntentViewResponse = z.looseObject({
  id: z.uuid(),
  state: IntentState,
  action: z.string(),
  resource: Resource,
  intentHash: Sha256Hex,
  decision: z.string().nullable(),
  reasons: z.array(z.string()).nullable(),
  ruleIds: z.array(z.string()).nullable(),
  reviewId: z.uuid().nullable(),
});
export type IntentViewResponse = z.infer<typeof IntentViewResponse>;

/** `POST /v1/intents/:id/withdraw`: an optional note for the audit trail and the reviewers. */
export const WithdrawIntentRequest = z.strictObject({
  reason: z.string().trim().min(1).max(2000).optional(),
});
export type WithdrawIntentRequest = z.infer<typeof WithdrawIntentRequest>;

/** Intake's error codes a client may branch on (`{ error: { code, message, issues? } }`). */
export const IntakeErrorBody = z.object({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type IntakeErrorBody = z.infer<typeof IntakeErrorBody>;

/** States after which waiting for a decision is over (`granted`: the requester may claim now). */
export const SETTLED_STATES: readonly IntentState[] = [
  'granted',
  'claimed',
  'redeemed',
  'denied',
  'rejected',
  'expired',
  'withdrawn',
  'grant_expired',
  'revoked',
];
