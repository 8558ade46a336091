import { ownerSigner } from '@countersign/platform/event-keys';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, IntentSubmittedV1, ReviewVoteCastV1, type CountersignEvent, type Intent } from '@countersign/contracts';
import { intentHash, stepUpChallenge } from '@countersign/domain';
import { DEV_ISSUER, type DemoIdentity, type MintOptions } from '@countersign/platform/auth';
import { EventPublisher } from '@countersign/platform/nats';
import { UuidV7Generator } from '@countersign/platform/runtime';
import { expectEventually } from '@countersign/testing';
import { startPolicyHarness, type PolicyHarness } from '../policy-harness.spec.js';
import { SoftwareAuthenticator } from './software-authenticator-harness.spec.js';

const ids = new UuidV7Generator();
const ORIGIN = 'http://localhost:3006';

const POLICY = `apiVersion: countersign.dev/v1
kind: Policy
rules:
  - id: rolebinding
    match: { action: [k8s.rolebinding.create] }
    effect: review
    approvers: [security]
    quorum: 2
    stepUp: true
`;

const who = (name: string, groups: string[]): DemoIdentity => ({ name, kind: 'user', groups, scopes: ['reviews:vote'] });
const bob = who('bob', ['security']);
const dana = who('dana', ['security']);
const erin = who('erin', ['security']);

type Json = Record<string, unknown> & { error?: { code: string; message: string } };

describe('passkeys and step-up votes (real NATS + Postgres, a software authenticator)', () => {
  let h: PolicyHarness;
  const bobKey = new SoftwareAuthenticator(ORIGIN);
  const danaKey = new SoftwareAuthenticator(ORIGIN);
  const erinKey = new SoftwareAuthenticator(ORIGIN);
  const ofType = (type: string) => h.seen.filter((e) => e.type === type);

  beforeAll(async () => {
    h = await startPolicyHarness({ database: 'cs_step_up', policyFiles: { 'policy.yaml': POLICY } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** A token from a sign-in `ageSeconds` ago (auth_time), or one without auth_time. */
  const token = (identity: DemoIdentity, ageSeconds: number | null = 5) => {
    const opts: MintOptions = ageSeconds === null ? {} : { authTime: new Date(Date.now() - ageSeconds * 1000) };
    return h.issuer.mint(identity, opts);
  };

  async function call(method: string, path: string, bearer: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${h.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function register(identity: DemoIdentity, key: SoftwareAuthenticator) {
    const options = await call('POST', '/v1/passkeys/registration-options', await token(identity));
    expect(options.status).toBe(200);
    const credential = key.register(options.body as never);
    return { credential, answer: await call('POST', '/v1/passkeys', await token(identity), { credential }) };
  }

  async function openReview(): Promise<{ intentId: string; reviewId: string; hash: string }> {
    const intent: Intent = {
      action: 'k8s.rolebinding.create',
      resource: { kind: 'k8s', id: `rb-${ids.next()}`, env: 'prod', tags: [] },
      args: { role: 'edit' },
      justification: 'step-up test',
      requester: { kind: 'pipeline', subject: 'ci-deployer', issuer: DEV_ISSUER, groups: ['pipelines'], owner: 'carl' },
    };
    const submitted = createEvent(IntentSubmittedV1, {
      id: ids.next(),
      occurredAt: new Date(),
      intentId: ids.next(),
      actor: { kind: 'pipeline', id: 'ci-deployer', issuer: DEV_ISSUER },
      data: { intent, intentHash: intentHash(intent) },
    });
    await new EventPublisher(h.nc, h.logger, ownerSigner()).publish(submitted);
    const reviewId = await expectEventually(() => {
      const requested = ofType('review.requested').find((e) => e.intentId === submitted.intentId) as { data: { reviewId: string } } | undefined;
      expect(requested).toBeDefined();
      return requested!.data.reviewId;
    });
    return { intentId: submitted.intentId!, reviewId, hash: submitted.data.intentHash };
  }

  const stepUpOptions = async (identity: DemoIdentity, reviewId: string, decision: 'approve' | 'reject') => {
    const res = await call('POST', `/v1/reviews/${reviewId}/step-up-options`, await token(identity), { decision });
    expect(res.status).toBe(200);
    return res.body as { publicKey: { challenge: string; rpId: string; allowCredentials: Array<{ id: string }> }; binding: { reviewId: string; intentHash: string; decision: 'approve' | 'reject'; nonce: string } };
  };
  const vote = async (identity: DemoIdentity, reviewId: string, body: Record<string, unknown>, ageSeconds: number | null = 5) =>
    call('POST', `/v1/reviews/${reviewId}/votes`, await token(identity, ageSeconds), body);

  it('registers a passkey for the caller only, publishes passkey.registered with the public key, and refuses a replayed registration', async () => {
    const { credential, answer } = await register(bob, bobKey);
    expect(answer).toMatchObject({ status: 201, body: { credentialId: bobKey.id } });
    const registered = await expectEventually(() => {
      const [e] = ofType('passkey.registered');
      expect(e).toBeDefined();
      return e as Extract<CountersignEvent, { type: 'passkey.registered' }>;
    });
    expect(registered).toMatchObject({ actor: { id: 'bob', issuer: DEV_ISSUER }, data: { owner: { subject: 'bob', issuer: DEV_ISSUER }, credentialId: bobKey.id, algorithm: -7, userVerified: true, rpId: 'localhost', origin: ORIGIN } });
    // The same answer again: its challenge was used up.
    expect(await call('POST', '/v1/passkeys', await token(bob), { credential })).toMatchObject({ status: 400, body: { error: { code: 'PASSKEY_CHALLENGE_UNKNOWN' } } });
    expect((await call('GET', '/v1/passkeys', await token(bob))).body).toMatchObject({ passkeys: [{ credentialId: bobKey.id }] });
    // Registering wants a recent sign-in: a stolen session must not add its own passkey.
    const stale = await call('POST', '/v1/passkeys/registration-options', await token(dana));
    const late = danaKey.register(stale.body as never);
    expect(await call('POST', '/v1/passkeys', await token(dana, 900), { credential: late })).toMatchObject({ status: 403, body: { error: { code: 'STEP_UP_STALE_LOGIN' } } });
    expect((await call('GET', '/v1/passkeys', await token(dana))).body).toEqual({ passkeys: [] });
    expect((await register(dana, danaKey)).answer.status).toBe(201);
    expect((await register(erin, erinKey)).answer.status).toBe(201);
    // Bad input: a precise 400, and no token at all: 401.
    expect(await call('POST', '/v1/passkeys', await token(bob), { credential: { id: 'x' } })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect((await fetch(`${h.baseUrl}/v1/passkeys/registration-options`, { method: 'POST' })).status).toBe(401);
  });

  it('counts a step-up vote whose assertion answers the bound challenge; the recorded event carries an assertion an auditor can check offline', async () => {
    const { reviewId, hash } = await openReview();
    const inbox = await call('GET', '/v1/reviews', await token(bob));
    expect((inbox.body['reviews'] as Json[]).find((r) => r['id'] === reviewId)).toMatchObject({ stepUp: true, canDecide: true, whyNot: null });
    expect(await vote(bob, reviewId, { decision: 'approve' })).toMatchObject({ status: 403, body: { error: { code: 'STEP_UP_REQUIRED' } } });

    const options = await stepUpOptions(bob, reviewId, 'approve');
    expect(options.binding).toMatchObject({ reviewId, intentHash: hash, decision: 'approve' });
    expect(options.publicKey.challenge).toBe(stepUpChallenge(options.binding));
    expect(options.publicKey.allowCredentials.map((c) => c.id)).toEqual([bobKey.id]);
    const assertion = bobKey.assert(options.publicKey);
    expect(await vote(bob, reviewId, { decision: 'approve', assertion })).toMatchObject({ status: 200, body: { counted: true, approvals: 1, quorum: 2, state: 'pending' } });

    const recorded = await expectEventually(() => {
      const e = ofType('review.vote_recorded').find((x) => (x as { data: { reviewId: string } }).data.reviewId === reviewId);
      expect(e).toBeDefined();
      return e as Extract<CountersignEvent, { type: 'review.vote_recorded' }>;
    });
    const proof = recorded.data.stepUp!;
    expect(proof).toMatchObject({ credentialId: bobKey.id, nonce: options.binding.nonce, signature: assertion.response.signature });
    // The auditor's check, from events alone: the challenge is the binding, and bob's registered key signed it.
    const clientData = JSON.parse(Buffer.from(proof.clientDataJSON, 'base64url').toString()) as { challenge: string };
    expect(clientData.challenge).toBe(stepUpChallenge({ reviewId, intentHash: recorded.data.intentHash, decision: recorded.data.decision, nonce: proof.nonce }));
    const registered = ofType('passkey.registered').find((e) => (e as { data: { credentialId: string } }).data.credentialId === proof.credentialId) as Extract<CountersignEvent, { type: 'passkey.registered' }>;
    const coseKey = isoCBOR.decodeFirst<Map<number, Uint8Array>>(new Uint8Array(Buffer.from(registered.data.publicKey, 'base64url')));
    const jwk = { kty: 'EC', crv: 'P-256', x: Buffer.from(coseKey.get(-2)!).toString('base64url'), y: Buffer.from(coseKey.get(-3)!).toString('base64url') };
    const signed = Buffer.concat([Buffer.from(proof.authenticatorData, 'base64url'), createHash('sha256').update(Buffer.from(proof.clientDataJSON, 'base64url')).digest()]);
    expect(verify('sha256', signed, createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(proof.signature, 'base64url'))).toBe(true);
    const { rows } = await h.sql.query<{ step_up: { credentialId: string } }>('SELECT step_up FROM policy.votes WHERE review_id = $1', [reviewId]);
    expect(rows[0]?.step_up.credentialId).toBe(bobKey.id);
    // Reviewers see which votes were signed with a passkey.
    const shown = await call('GET', `/v1/reviews/${reviewId}`, await token(dana));
    expect(shown.body['votes']).toEqual([expect.objectContaining({ subject: 'bob', passkey: bobKey.id })]);
  });

  it('refuses a stale sign-in, a wrong challenge, another decision, a replay, another person\'s passkey and no user verification, each as review.vote_refused', async () => {
    const { reviewId } = await openReview();
    const refusedCodes = () =>
      ofType('review.vote_refused')
        .filter((e) => (e as { data: { reviewId: string } }).data.reviewId === reviewId)
        .map((e) => (e as { data: { code: string } }).data.code);

    // Signed in 10 minutes ago, or a token without auth_time.
    let options = await stepUpOptions(bob, reviewId, 'approve');
    expect(await vote(bob, reviewId, { decision: 'approve', assertion: bobKey.assert(options.publicKey) }, 600)).toMatchObject({ status: 403, body: { error: { code: 'STEP_UP_STALE_LOGIN' } } });
    expect(await vote(bob, reviewId, { decision: 'approve', assertion: bobKey.assert(options.publicKey) }, null)).toMatchObject({ status: 403, body: { error: { code: 'STEP_UP_STALE_LOGIN' } } });
    // A challenge policy never issued.
    expect(await vote(bob, reviewId, { decision: 'approve', assertion: bobKey.assert(options.publicKey, { challenge: 'bm90LWEtY2hhbGxlbmdl' }) })).toMatchObject({ status: 403, body: { error: { code: 'PASSKEY_INVALID' } } });
    // Issued for approve, sent as a reject: refused, and the challenge is used up; sending it again as approve is a replay.
    const assertion = bobKey.assert(options.publicKey);
    expect(await vote(bob, reviewId, { decision: 'reject', reason: 'no', assertion })).toMatchObject({ status: 403, body: { error: { code: 'PASSKEY_INVALID', message: expect.stringContaining('another review or decision') } } });
    expect(await vote(bob, reviewId, { decision: 'approve', assertion })).toMatchObject({ status: 403, body: { error: { code: 'PASSKEY_INVALID', message: expect.stringContaining('no open step-up challenge') } } });
    // Dana's challenge answered with bob's passkey.
    options = await stepUpOptions(dana, reviewId, 'approve');
    expect(await vote(dana, reviewId, { decision: 'approve', assertion: bobKey.assert(options.publicKey) })).toMatchObject({ status: 403, body: { error: { code: 'PASSKEY_INVALID', message: expect.stringContaining('not registered to you') } } });
    // Bob's challenge answered by dana (the challenge belongs to bob).
    options = await stepUpOptions(bob, reviewId, 'approve');
    expect(await vote(dana, reviewId, { decision: 'approve', assertion: danaKey.assert(options.publicKey) })).toMatchObject({ status: 403, body: { error: { code: 'PASSKEY_INVALID' } } });
    // No user verification.
    options = await stepUpOptions(erin, reviewId, 'approve');
    expect(await vote(erin, reviewId, { decision: 'approve', assertion: erinKey.assert(options.publicKey, { userVerified: false }) })).toMatchObject({ status: 403, body: { error: { code: 'PASSKEY_INVALID' } } });
    await expectEventually(() =>
      expect(refusedCodes().sort()).toEqual(['PASSKEY_INVALID', 'PASSKEY_INVALID', 'PASSKEY_INVALID', 'PASSKEY_INVALID', 'PASSKEY_INVALID', 'PASSKEY_INVALID', 'STEP_UP_STALE_LOGIN', 'STEP_UP_STALE_LOGIN']),
    );

    // A chat vote that claims step-up over NATS carries no assertion and does not count.
    const cast = createEvent(ReviewVoteCastV1, {
      id: ids.next(),
      occurredAt: new Date(),
      intentId: null,
      actor: { kind: 'user', id: 'dana', issuer: DEV_ISSUER },
      data: { reviewId, decision: 'approve', voter: { subject: 'dana', issuer: DEV_ISSUER, groups: ['security'], authMethod: 'slack-signature+directory' }, channel: 'slack', stepUp: true },
    });
    await new EventPublisher(h.nc, h.logger, ownerSigner()).publish(cast);
    await expectEventually(() => expect(refusedCodes()).toContain('STEP_UP_REQUIRED'));

    // Nothing above counted: two proper step-up votes still decide the review.
    for (const [person, key] of [[bob, bobKey], [dana, danaKey]] as const) {
      const o = await stepUpOptions(person, reviewId, 'approve');
      expect((await vote(person, reviewId, { decision: 'approve', assertion: key.assert(o.publicKey) })).status).toBe(200);
    }
    const { rows } = await h.sql.query<{ state: string }>('SELECT state FROM policy.reviews WHERE id = $1', [reviewId]);
    expect(rows[0]?.state).toBe('approved');
  });

  it('answers precisely: no passkey yet (409), unknown review (404), no scope (403)', async () => {
    const { reviewId } = await openReview();
    const carl: DemoIdentity = who('carl', ['security']);
    expect(await call('POST', `/v1/reviews/${reviewId}/step-up-options`, await token(carl), { decision: 'approve' })).toMatchObject({ status: 409, body: { error: { code: 'PASSKEY_NOT_REGISTERED' } } });
    expect(await call('POST', `/v1/reviews/${ids.next()}/step-up-options`, await token(bob), { decision: 'approve' })).toMatchObject({ status: 404 });
    const noScope: DemoIdentity = { name: 'zoe', kind: 'user', groups: ['security'], scopes: [] };
    expect((await call('POST', `/v1/reviews/${reviewId}/step-up-options`, await token(noScope), { decision: 'approve' })).status).toBe(403);
    expect((await call('POST', `/v1/reviews/${reviewId}/step-up-options`, await token(bob), { decision: 'maybe' })).status).toBe(400);
  });
});

