import { createHmac, timingSafeEqual } from 'node:crypto';
import { NotifierError } from '../errors/notifier-error.js';

/** Slack's own bound: a request signed more than five minutes from now (either way) is refused. */
export const SLACK_TIMESTAMP_TOLERANCE_SECONDS = 300;

export interface SlackRequestToVerify {
  rawBody: Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
}

export interface VerifiedSlackRequest {
  /** `v0=<hex>`: unique per request body and timestamp, so it also serves as the replay key. */
  signature: string;
  timestamp: Date;
}

/**
 * Slack's v0 scheme: `v0=` + hex HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`), compared in
 * constant time, with the timestamp within five minutes of our clock. Runs before the body is parsed,
 * over the exact bytes received: a re-serialised body would not match.
 */
export function verifySlackSignature(req: SlackRequestToVerify, signingSecret: string, now: Date): VerifiedSlackRequest {
  const { timestamp, signature } = req;
  if (!timestamp || !signature) {
    throw new NotifierError('SIGNATURE_MISSING', 'X-Slack-Request-Timestamp and X-Slack-Signature are required');
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new NotifierError('TIMESTAMP_INVALID', 'X-Slack-Request-Timestamp must be Unix seconds');
  const seconds = Number(timestamp);
  if (Math.abs(now.getTime() / 1000 - seconds) > SLACK_TIMESTAMP_TOLERANCE_SECONDS) {
    throw new NotifierError('TIMESTAMP_STALE', 'the request timestamp is more than 5 minutes away from our clock');
  }
  const [version, hex, ...rest] = signature.split('=');
  if (version !== 'v0' || rest.length > 0) {
    throw new NotifierError('SIGNATURE_VERSION_UNSUPPORTED', 'only v0 Slack signatures are accepted');
  }
  const expected = createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(req.rawBody).digest();
  // Decoding first gives equal-length buffers for timingSafeEqual; a malformed value is compared anyway
  // (against zeros) and then refused, so its shape does not change the timing of the comparison.
  const wellFormed = /^[0-9a-f]{64}$/.test(hex ?? '');
  const given = wellFormed ? Buffer.from(hex ?? '', 'hex') : Buffer.alloc(expected.length);
  const valid = timingSafeEqual(given, expected) && wellFormed;
  if (!valid) throw new NotifierError('SIGNATURE_INVALID', 'the Slack signature does not match the request');
  return { signature, timestamp: new Date(seconds * 1000) };
}
