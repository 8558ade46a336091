import type { KeyObject } from 'node:crypto';
import { ownsEventType, type ServiceName } from '@countersign/contracts';
import { canonicalJson } from '@countersign/domain';
import { ed25519PublicKey, verifyEd25519, type Ed25519Key, type JWK } from '../crypto/ed25519-key.js';
import { signingBytes } from './signed-view.js';

/** What an EventPublisher asks for: the detached JWS of one event (its `signature` field, if any, ignored). */
export interface EventSigner {
  sign(event: { type: string }): string;
}

export type SignatureCheck =
  | { ok: true; kid: string; service: ServiceName }
  | { ok: false; reason: string; kid?: string; service?: ServiceName };

/** One service's public event key, as the keys file lists it. */
export interface EventPublicKey {
  service: ServiceName;
  jwk: JWK & { kid: string };
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** RFC 7515 signing input with a base64url payload: `b64(header) . b64(payload)`. */
function signingInput(headerB64: string, payload: Uint8Array): Buffer {
  return Buffer.from(`${headerB64}.${b64url(payload)}`, 'ascii');
}

/**
 * Signs events with one service's key. The header (`{"alg":"EdDSA","kid":…}`) is encoded once; per
 * event the cost is the canonical form, its base64url and one Ed25519 signature.
 */
export class ServiceEventSigner implements EventSigner {
  private readonly headerB64: string;

  constructor(
    readonly service: ServiceName,
    private readonly key: Ed25519Key,
  ) {
    this.headerB64 = b64url(JSON.stringify({ alg: 'EdDSA', kid: key.kid }));
  }

  get kid(): string {
    return this.key.kid;
  }

  sign(event: { type: string }): string {
    const input = signingInput(this.headerB64, signingBytes(event));
    return `${this.headerB64}..${this.key.sign(input).toString('base64url')}`;
  }
}

interface KnownKey {
  service: ServiceName;
  key: KeyObject;
}

/**
 * Checks that an event was signed by a key of a service that owns its type. Keys are imported once;
 * decoded headers are cached (a service signs thousands of events under one header).
 */
export class EventVerifier {
  private readonly keys = new Map<string, KnownKey>();
  private readonly headers = new Map<string, { kid: string } | { error: string }>();

  constructor(readonly publicKeys: readonly EventPublicKey[]) {
    for (const { service, jwk } of publicKeys) {
      const key = ed25519PublicKey(jwk);
      if (key) this.keys.set(jwk.kid, { service, key });
    }
  }

  /** The service a kid belongs to, if the keys file lists it. */
  serviceOf(kid: string): ServiceName | undefined {
    return this.keys.get(kid)?.service;
  }

  /** Verifies an envelope as received (its `signature` field against its signed view). */
  verifyEvent(event: { type: string; signature?: string | undefined }): SignatureCheck {
    if (!event.signature) return { ok: false, reason: 'the event carries no service signature' };
    return this.check(event.type, event.signature, () => signingBytes(event));
  }

  /**
   * Verifies a stored audit record: `view` is already the signed view (what audit stores as payload),
   * so it is canonicalised as is, never re-derived.
   */
  verifyView(type: string, view: unknown, signature: string | null | undefined): SignatureCheck {
    if (!signature) return { ok: false, reason: 'no service signature is recorded for the event' };
    return this.check(type, signature, () => Buffer.from(canonicalJson(view), 'utf8'));
  }

  private check(type: string, jws: string, payload: () => Buffer): SignatureCheck {
    const [headerB64, empty, sigB64, ...extra] = jws.split('.');
    if (!headerB64 || empty !== '' || !sigB64 || extra.length > 0) return { ok: false, reason: 'the signature is not a detached compact JWS' };
    const header = this.header(headerB64);
    if ('error' in header) return { ok: false, reason: header.error };
    const known = this.keys.get(header.kid);
    if (!known) return { ok: false, reason: `signed with unknown key ${header.kid}`, kid: header.kid };
    const who = { kid: header.kid, service: known.service };
    if (!ownsEventType(known.service, type)) {
      return { ok: false, reason: `${type} may not be emitted by ${known.service} (key ${header.kid})`, ...who };
    }
    let bytes: Buffer;
    try {
      bytes = payload();
    } catch {
      return { ok: false, reason: 'the event is not serialisable as JSON', ...who };
    }
    if (!verifyEd25519(known.key, signingInput(headerB64, bytes), Buffer.from(sigB64, 'base64url'))) {
      return { ok: false, reason: `the signature of ${known.service} (key ${header.kid}) does not verify: the event was altered or forged`, ...who };
    }
    return { ok: true, ...who };
  }

  private header(b64: string): { kid: string } | { error: string } {
    let cached = this.headers.get(b64);
    if (!cached) {
      cached = decodeHeader(b64);
      // Bounded: forged headers must not grow the cache without limit.
      if (this.headers.size < 1024) this.headers.set(b64, cached);
    }
    return cached;
  }
}

function decodeHeader(b64: string): { kid: string } | { error: string } {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'));
  } catch {
    return { error: 'the signature header is not JSON' };
  }
  if (header === null || typeof header !== 'object') return { error: 'the signature header is not an object' };
  const { alg, kid, crit, b64: b64flag } = header as Record<string, unknown>;
  if (alg !== 'EdDSA') return { error: `signature algorithm ${String(alg)} is not EdDSA` };
  if (typeof kid !== 'string' || kid === '') return { error: 'the signature header names no kid' };
  // Nothing here understands extensions (RFC 7515 §4.1.11), and an unencoded payload would change the input.
  if (crit !== undefined || b64flag !== undefined) return { error: 'the signature header carries unsupported parameters' };
  return { kid };
}
