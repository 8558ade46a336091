import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mapApiError } from '@countersign/platform/nest';
import { signSlackRequest } from '@countersign/testing';
import { verifySlackSignature } from './verify-signature.js';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D';
const now = new Date('2026-11-22T10:00:00Z');
const ts = Math.floor(now.getTime() / 1000);

function request(headers: Record<string, string>, raw = body) {
  return { rawBody: Buffer.from(raw), timestamp: headers['x-slack-request-timestamp'], signature: headers['x-slack-signature'] };
}

function refusal(fn: () => unknown): { status: number; code: string } {
  try {
    fn();
  } catch (error) {
    const mapped = mapApiError(error);
    return { status: mapped.status, code: mapped.body.error.code };
  }
  throw new Error('expected a refusal');
}

describe('verifySlackSignature (v0)', () => {
  it('accepts what Slack signs and returns the signature as the replay key', () => {
    const headers = signSlackRequest(secret, body, ts);
    expect(verifySlackSignature(request(headers), secret, now)).toEqual({ signature: headers['x-slack-signature'], timestamp: now });
  });

  it("matches Slack's documented example", () => {
    // From Slack's "Verifying requests" guide: the same secret, timestamp and body give this signature.
    const example = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const sig = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
    const at = new Date(1531420618 * 1000);
    expect(verifySlackSignature({ rawBody: Buffer.from(example), timestamp: '1531420618', signature: sig }, secret, at).signature).toBe(sig);
  });

  it('refuses a forged signature, a tampered body and a different secret with 401 SIGNATURE_INVALID', () => {
    const forged = { ...signSlackRequest(secret, body, ts), 'x-slack-signature': `v0=${'ab'.repeat(32)}` };
    expect(refusal(() => verifySlackSignature(request(forged), secret, now))).toEqual({ status: 401, code: 'SIGNATURE_INVALID' });
    const headers = signSlackRequest(secret, body, ts);
    expect(refusal(() => verifySlackSignature(request(headers, `${body}x`), secret, now)).code).toBe('SIGNATURE_INVALID');
    expect(refusal(() => verifySlackSignature(request(signSlackRequest('another-secret', body, ts)), secret, now)).code).toBe('SIGNATURE_INVALID');
  });

  it('refuses a signature over another timestamp (the timestamp is part of what is signed)', () => {
    const headers = { ...signSlackRequest(secret, body, ts), 'x-slack-request-timestamp': String(ts - 1) };
    expect(refusal(() => verifySlackSignature(request(headers), secret, now)).code).toBe('SIGNATURE_INVALID');
  });

  it('refuses a malformed signature value without throwing anything but a 401', () => {
    for (const sig of ['v0=', 'v0=zz', `v0=${'A'.repeat(64)}`, `v0=${'a'.repeat(63)}`, `v0=${'a'.repeat(66)}`]) {
      const headers = { ...signSlackRequest(secret, body, ts), 'x-slack-signature': sig };
      expect(refusal(() => verifySlackSignature(request(headers), secret, now))).toEqual({ status: 401, code: 'SIGNATURE_INVALID' });
    }
  });

  it('refuses a stale or future timestamp (more than 5 minutes away) with 401 TIMESTAMP_STALE, even if correctly signed', () => {
    for (const at of [ts - 301, ts + 301, ts - 86_400]) {
      expect(refusal(() => verifySlackSignature(request(signSlackRequest(secret, body, at)), secret, now))).toEqual({
        status: 401,
        code: 'TIMESTAMP_STALE',
      });
    }
    expect(() => verifySlackSignature(request(signSlackRequest(secret, body, ts - 300)), secret, now)).not.toThrow();
  });

  it('refuses missing headers with 401 SIGNATURE_MISSING and a non-numeric timestamp with TIMESTAMP_INVALID', () => {
    const headers = signSlackRequest(secret, body, ts);
    for (const drop of ['x-slack-signature', 'x-slack-request-timestamp']) {
      const partial = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== drop));
      expect(refusal(() => verifySlackSignature(request(partial), secret, now))).toEqual({ status: 401, code: 'SIGNATURE_MISSING' });
    }
    const odd = { ...headers, 'x-slack-request-timestamp': '1e9' };
    expect(refusal(() => verifySlackSignature(request(odd), secret, now)).code).toBe('TIMESTAMP_INVALID');
  });

  it('refuses any version but v0 with 401 SIGNATURE_VERSION_UNSUPPORTED', () => {
    const hex = createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
    for (const sig of [`v1=${hex}`, hex, `V0=${hex}`, `v0=${hex}=`]) {
      const headers = { ...signSlackRequest(secret, body, ts), 'x-slack-signature': sig };
      expect(refusal(() => verifySlackSignature(request(headers), secret, now))).toEqual({ status: 401, code: 'SIGNATURE_VERSION_UNSUPPORTED' });
    }
  });
});
