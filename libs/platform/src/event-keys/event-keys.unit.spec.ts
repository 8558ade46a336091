import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEvent, GrantIssuedV1, IntentSubmittedV1, IntentWithdrawnV1, SERVICE_NAMES, type ServiceName } from '@countersign/contracts';
import { canonicalJson } from '@countersign/domain';
import { flattenedVerify, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { Ed25519Key } from '../crypto/ed25519-key.js';
import { sha256Hex } from '../crypto/sha256.js';
import { EventKeyRing, eventKeysJson, signedView, signingKeyVariable, type EventPublicKey } from './index.js';

const keys = new Map(SERVICE_NAMES.map((s) => [s, Ed25519Key.generate()] as const));
const publicKeys: EventPublicKey[] = SERVICE_NAMES.map((service) => ({ service, jwk: { ...keys.get(service)!.publicJwk(), kid: keys.get(service)!.kid } }));
const ring = (s: ServiceName) => EventKeyRing.create(s, keys.get(s)!, publicKeys);
const verifier = ring('audit').verifier;

const envelope = { occurredAt: new Date('2026-12-01T00:00:00Z'), intentId: '0190f5a0-0000-7000-8000-000000000002', actor: { kind: 'service' as const, id: 'x' } };
const withdrawn = createEvent(IntentWithdrawnV1, { ...envelope, id: '0190f5a0-0000-7000-8000-000000000001', data: { reason: 'not needed' } });
const intent = {
  action: 'db.export',
  resource: { kind: 'db', id: 'orders', env: 'prod', tags: ['pii'] },
  args: { password: 'hunter2hunter2' },
  justification: 'for jane.doe@example.com',
  requester: { kind: 'pipeline' as const, subject: 'ci', issuer: 'urn:test', groups: [] },
};
const submitted = createEvent(IntentSubmittedV1, { ...envelope, id: '0190f5a0-0000-7000-8000-000000000003', data: { intent, intentHash: 'c'.repeat(64) } });
const signed = <E extends { type: string }>(service: ServiceName, e: E) => ({ ...e, signature: ring(service).signer.sign(e) });

describe('event signatures', () => {
  it('signs the RFC 8785 form as a standard detached EdDSA JWS with the kid in the header', async () => {
    const event = signed('intake', withdrawn);
    const [header, payload, sig] = event.signature.split('.');
    expect(payload).toBe('');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'EdDSA', kid: keys.get('intake')!.kid });
    // An independent JOSE implementation accepts it over the canonical bytes.
    const key = await importJWK(keys.get('intake')!.publicJwk(), 'EdDSA');
    const canonical = canonicalJson({ ...withdrawn });
    const r = await flattenedVerify({ protected: header!, payload: Buffer.from(canonical).toString('base64url'), signature: sig! }, key);
    expect(Buffer.from(r.payload).toString()).toBe(canonical);
    expect(verifier.verifyEvent(event)).toEqual({ ok: true, kid: keys.get('intake')!.kid, service: 'intake' });
  });

  it('does not depend on key order or whitespace, and survives the JSON round trip a consumer sees', () => {
    const event = signed('intake', withdrawn);
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(event).reverse()), null, 2)) as typeof event;
    expect(verifier.verifyEvent(reordered).ok).toBe(true);
    const again = IntentWithdrawnV1.schema.parse(JSON.parse(JSON.stringify(event)));
    expect(verifier.verifyEvent(again).ok).toBe(true);
  });

  it('refuses a tampered field, a missing signature, an unknown key and a foreign algorithm', () => {
    const event = signed('intake', withdrawn);
    expect(verifier.verifyEvent({ ...event, data: { reason: 'changed' } })).toMatchObject({ ok: false, reason: expect.stringMatching(/does not verify/), service: 'intake' });
    expect(verifier.verifyEvent({ ...event, intentId: null } as never)).toMatchObject({ ok: false });
    expect(verifier.verifyEvent(withdrawn)).toMatchObject({ ok: false, reason: expect.stringMatching(/no service signature/) });
    const stranger = Ed25519Key.generate();
    const forged = EventKeyRing.create('intake', stranger, [{ service: 'intake', jwk: { ...stranger.publicJwk(), kid: stranger.kid } }]).signer.sign(withdrawn);
    expect(verifier.verifyEvent({ ...withdrawn, signature: forged })).toMatchObject({ ok: false, reason: `signed with unknown key ${stranger.kid}` });
    const hs = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: keys.get('intake')!.kid })).toString('base64url')}..${event.signature.split('..')[1]}`;
    expect(verifier.verifyEvent({ ...withdrawn, signature: hs })).toMatchObject({ ok: false, reason: expect.stringMatching(/not EdDSA/) });
    expect(verifier.verifyEvent({ ...withdrawn, signature: 'not-a-jws' })).toMatchObject({ ok: false, reason: expect.stringMatching(/detached compact JWS/) });
  });

  it('refuses a valid signature from a service that does not own the type', () => {
    const grant = createEvent(GrantIssuedV1, {
      ...envelope,
      id: '0190f5a0-0000-7000-8000-000000000009',
      data: { grantId: '0190f5a0-0000-7000-8000-00000000000a', jti: '0190f5a0-0000-7000-8000-00000000000b', intentHash: 'a'.repeat(64), audience: 't', claimBy: '2026-12-01T00:05:00.000Z' },
    });
    expect(verifier.verifyEvent(signed('broker', grant)).ok).toBe(true);
    expect(verifier.verifyEvent(signed('policy', grant))).toMatchObject({ ok: false, service: 'policy', reason: 'grant.issued may not be emitted by policy (key ' + keys.get('policy')!.kid + ')' });
  });

  it('covers the withheld arguments of intent.submitted by one digest, verifiable from the stored view', () => {
    const event = signed('intake', submitted);
    const view = signedView(event);
    expect(JSON.stringify(view)).not.toContain('hunter2');
    expect(JSON.stringify(view)).not.toContain('jane.doe');
    expect(view).toMatchObject({
      withheld: { fields: ['data.intent.args', 'data.intent.justification'], sha256: sha256Hex(canonicalJson([intent.args, intent.justification])) },
      data: { intentHash: 'c'.repeat(64), intent: { action: 'db.export' } },
    });
    expect(verifier.verifyEvent(event).ok).toBe(true);
    // A consumer holding the real arguments notices a change to them…
    expect(verifier.verifyEvent({ ...event, data: { ...event.data, intent: { ...intent, args: { password: 'other' } } } }).ok).toBe(false);
    // …and an auditor holding only the stored view verifies it as is.
    const stored = JSON.parse(JSON.stringify(view)) as unknown;
    expect(verifier.verifyView('intent.submitted', stored, event.signature).ok).toBe(true);
    expect(verifier.verifyView('intent.submitted', { ...view, actor: { kind: 'user', id: 'mallory' } }, event.signature).ok).toBe(false);
  });
});

describe('EventKeyRing.fromEnv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'event-keys-'));
  const keyFile = join(dir, 'intake.pem');
  const keysFile = join(dir, 'keys.json');
  writeFileSync(keyFile, keys.get('intake')!.toPem());
  writeFileSync(keysFile, JSON.stringify(eventKeysJson(publicKeys)));

  it('loads the key and the keys file named by the variables', () => {
    const r = EventKeyRing.fromEnv('intake', { INTAKE_EVENT_SIGNING_KEY_FILE: keyFile, EVENT_KEYS_FILE: keysFile });
    expect(r.toJSON()).toEqual({ service: 'intake', kid: keys.get('intake')!.kid });
    expect(JSON.stringify(r)).not.toContain('PRIVATE');
    expect(r.jwks().keys.map((k) => k.service)).toEqual([...SERVICE_NAMES]);
  });

  it('names the variable of every problem, never a key', () => {
    expect(signingKeyVariable('notifier')).toBe('NOTIFIER_EVENT_SIGNING_KEY_FILE');
    expect(() => EventKeyRing.fromEnv('intake', {})).toThrow(/INTAKE_EVENT_SIGNING_KEY_FILE: required[\s\S]*EVENT_KEYS_FILE: required/);
    expect(() => EventKeyRing.fromEnv('intake', { INTAKE_EVENT_SIGNING_KEY_FILE: join(dir, 'nope.pem'), EVENT_KEYS_FILE: keysFile })).toThrow(/INTAKE_EVENT_SIGNING_KEY_FILE: cannot read .*nope\.pem \(ENOENT\)/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ keys: [{ ...eventKeysJson(publicKeys).keys[0], service: 'mallory' }] }));
    expect(() => EventKeyRing.fromEnv('intake', { INTAKE_EVENT_SIGNING_KEY_FILE: keyFile, EVENT_KEYS_FILE: join(dir, 'bad.json') })).toThrow(/EVENT_KEYS_FILE: .*keys\.0\.service/);
    // The policy service's process given intake's key: its own kid is listed, but for another service.
    expect(() => EventKeyRing.fromEnv('policy', { POLICY_EVENT_SIGNING_KEY_FILE: keyFile, EVENT_KEYS_FILE: keysFile })).toThrow(/EVENT_KEYS_FILE: the keys file lists key .* for intake, not for policy/);
    try {
      EventKeyRing.fromEnv('policy', { POLICY_EVENT_SIGNING_KEY_FILE: keyFile, EVENT_KEYS_FILE: keysFile });
    } catch (error) {
      expect(String(error)).not.toContain('PRIVATE KEY');
    }
  });
});
