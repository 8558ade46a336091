import { createHash } from 'node:crypto';
import type { Requester, SubmitIntentRequest } from '@countersign/contracts';
import { canonicalJson } from '@countersign/domain';
import { validationFailed } from '../../errors/intake-error.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,128}$/;

/** Header value → key; absent is fine, malformed is a 400 naming the header. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header) || !KEY.test(header)) {
    throw validationFailed([{ path: 'Idempotency-Key', message: 'must be 1..128 visible ASCII characters' }], 'header');
  }
  return header;
}

/**
 * What a retry must match: the parsed body (so key order and tag order do not matter) and the issuer
 * (keys are stored per subject; two issuers with the same subject must not share each other's intents).
 */
export function requestHashOf(request: SubmitIntentRequest, requester: Requester): string {
  return createHash('sha256').update(canonicalJson({ issuer: requester.issuer, request }), 'utf8').digest('hex');
}

export type IdempotencyDecision = { kind: 'replay'; intentId: string } | { kind: 'conflict' };

/** A key already used by this requester: the same request replays, a different one is refused. */
export function decideOnExistingKey(existing: { requestHash: string; intentId: string }, requestHash: string): IdempotencyDecision {
  return existing.requestHash === requestHash ? { kind: 'replay', intentId: existing.intentId } : { kind: 'conflict' };
}
