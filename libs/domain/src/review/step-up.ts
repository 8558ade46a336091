import { createHash } from 'node:crypto';
import type { StepUpAssertion, VoteDecision } from '@countersign/contracts';
import { canonicalJson } from '../canonical-json.js';

/** Names the purpose inside the hashed value, so a step-up challenge can never pass for any other. */
export const STEP_UP_PURPOSE = 'countersign.step-up.v1';

export interface StepUpBinding {
  reviewId: string;
  intentHash: string;
  decision: VoteDecision;
  /** Random, base64url; makes every challenge single-use even for the same review and decision. */
  nonce: string;
}

/**
 * The WebAuthn challenge of a step-up vote: base64url SHA-256 over the canonical JSON of the review,
 * its intent hash, the decision and a nonce. The passkey's signature covers the challenge, so it
 * covers this exact intent and decision; an auditor recomputes it from the vote event alone.
 */
export function stepUpChallenge(b: StepUpBinding): string {
  const canonical = canonicalJson({ purpose: STEP_UP_PURPOSE, reviewId: b.reviewId, intentHash: b.intentHash, decision: b.decision, nonce: b.nonce });
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/**
 * What the step-up check (WebAuthn verification, done by the service before deciding) found. decideVote
 * stays pure: it only reads this verdict.
 */
export type StepUpCheck =
  | { kind: 'none' }
  | { kind: 'verified'; assertion: StepUpAssertion }
  | { kind: 'failed'; code: 'STEP_UP_STALE_LOGIN' | 'PASSKEY_INVALID'; reason: string };

export const NO_STEP_UP: StepUpCheck = { kind: 'none' };
