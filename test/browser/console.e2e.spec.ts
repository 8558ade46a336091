import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyEvidence } from '@countersign/platform/crypto';
import { devIdpAccessToken, expectEventually, startFakeSlack, type FakeSlack } from '@countersign/testing';
import { DEV_IDP_PASSWORD } from '../../scripts/launcher.mjs';
import { startSystem, type System } from '../support/system.js';
import { call, waitForState, type IntentView } from '../system/client.js';

// The review console in a real browser (Debian's chromium, driven by playwright-core) against the whole
// system: five services, the dev identity provider and the console as processes, Slack as a local fake.
// One system start for the whole file; every page is photographed under test-results/screenshots.
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const SLACK_TOKEN = 'xoxb-console-e2e';
let sys: System;
let slack: FakeSlack;
let browser: Browser;
let work: string;
let pipeline: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cs-console-'));
  const policyDir = join(work, 'policy');
  await cp(fileURLToPath(new URL('../../policies/demo', import.meta.url)), policyDir, { recursive: true });
  await writeFile(
    join(policyDir, '90-console.yaml'),
    'apiVersion: countersign.dev/v1\nkind: Policy\nrules:\n  - id: vacuum-security\n    effect: review\n    match: { action: [db.vacuum] }\n    approvers: [security]\n' +
      '  - id: reindex-step-up\n    effect: review\n    match: { action: [db.reindex] }\n    approvers: [security]\n    stepUp: true\n',
  );
  slack = await startFakeSlack({ token: SLACK_TOKEN });
  await writeFile(join(work, 'slack-token'), SLACK_TOKEN);
  await writeFile(join(work, 'slack-secret'), 'console-e2e-signing-secret');
  await mkdir(SHOTS, { recursive: true });
  [sys, browser] = await Promise.all([
    startSystem({
      env: {
        POLICY_DIR: policyDir,
        SLACK_API_URL: slack.apiUrl,
        SLACK_BOT_TOKEN_FILE: join(work, 'slack-token'),
        SLACK_SIGNING_SECRET_FILE: join(work, 'slack-secret'),
        SLACK_CHANNEL_ID: 'C0CONSOLE',
        NOTIFIER_RETRY_INTERVAL_MS: '200',
      },
    }),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] }),
  ]);
  pipeline = await sys.token('ci-deployer');
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
  await slack?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const shot = async (page: Page, name: string) => {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  // The markup too: when an assertion fails, the page it failed on is there to read.
  await writeFile(join(SHOTS, `${name}.html`), await page.content());
};

/** A fresh browser profile signed in as `who` through the dev identity provider's form. */
async function signIn(who: string, screenshots = false): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(sys.urls.console);
  await page.getByTestId('sign-in').click();
  await page.waitForURL(/\/interaction\//);
  if (screenshots) await shot(page, '01-idp-sign-in');
  await page.selectOption('#username', who);
  await page.fill('#password', DEV_IDP_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${sys.urls.console}/`);
  await expect.poll(() => page.getByTestId('user').textContent()).toBe(who);
  return page;
}

async function pendingVacuum(token: string, table: string): Promise<IntentView & { reviewId: string }> {
  const submitted = await call<IntentView>('POST', `${sys.urls.intake}/v1/intents`, {
    token,
    body: { action: 'db.vacuum', resource: { kind: 'db', id: table, env: 'prod' }, args: { table, password: 'p4ss-console-e2e' }, justification: `bloat on ${table}` },
  });
  expect(submitted.status).toBe(202);
  const intent = await waitForState(sys.urls.intake, token, submitted.body.id, ['pending_review']);
  return { ...intent, reviewId: intent.reviewId! };
}

const card = (page: Page, reviewId: string) => page.locator(`[data-review-id="${reviewId}"]`);

describe('review console in Chromium', () => {
  let bob: Page;
  let approved: IntentView & { reviewId: string };

  it('signs a reviewer in with OIDC (code + PKCE) and keeps the session out of reach of scripts', async () => {
    bob = await signIn('bob', true);
    const cookies = await bob.context().cookies();
    const session = cookies.find((c) => c.name === 'cs_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // No token anywhere a script could read it.
    expect(await bob.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie)).toBe('{}{}');
    const res = await bob.request.get(sys.urls.console);
    expect(res.headers()['content-security-policy']).toContain("default-src 'none'");
    await shot(bob, '02-inbox-empty');
  });

  it('approves a review in one click; the outcome shows at once and the Slack message is updated', async () => {
    approved = await pendingVacuum(pipeline, 'orders');
    await bob.reload();
    const review = card(bob, approved.reviewId);
    await expect.poll(() => review.count()).toBe(1);
    const text = (await review.textContent()) ?? '';
    expect(text).toContain('db.vacuum');
    expect(text).toContain('on behalf of alice');
    expect(text).toContain('[masked:');
    expect(text).not.toContain('p4ss-console-e2e');
    await shot(bob, '03-inbox-review');
    await review.getByTestId('approve').click();
    await expect.poll(() => bob.getByTestId('flash').textContent()).toContain('Approved');
    await shot(bob, '04-approved');
    await waitForState(sys.urls.intake, pipeline, approved.id, ['approved', 'granted']);
    await expectEventually(() => {
      const updated = slack.callsTo('chat.update').filter((c) => JSON.stringify(c.args).includes('Approved'));
      expect(updated.length).toBeGreaterThan(0);
    });
  });

  it('rejects with a reason, and a rejection without one is refused', async () => {
    const intent = await pendingVacuum(pipeline, 'invoices');
    await bob.reload();
    const review = card(bob, intent.reviewId);
    // The browser will not send an empty reason (required); the server refuses one that gets through.
    const csrf = await review.locator('input[name=csrf]').first().inputValue();
    const bare = await bob.request.post(`${sys.urls.console}/reviews/${intent.reviewId}/vote`, { form: { csrf, decision: 'reject' }, maxRedirects: 0 });
    expect(bare.status()).toBe(303);
    await bob.reload();
    expect(await bob.getByTestId('flash').textContent()).toContain('needs a reason');
    await card(bob, intent.reviewId).getByTestId('reject-reason').fill('vacuum during business hours');
    await card(bob, intent.reviewId).getByTestId('reject').click();
    await expect.poll(() => bob.getByTestId('flash').textContent()).toContain('Rejected');
    await shot(bob, '05-rejected');
    expect((await waitForState(sys.urls.intake, pipeline, intent.id, ['rejected'])).state).toBe('rejected');
  });

  it('refuses a form without the CSRF token or from another origin', async () => {
    const intent = await pendingVacuum(pipeline, 'payments');
    const noToken = await bob.request.post(`${sys.urls.console}/reviews/${intent.reviewId}/vote`, { form: { decision: 'approve' }, maxRedirects: 0 });
    expect(noToken.status()).toBe(403);
    await bob.reload();
    const csrf = await bob.locator('input[name=csrf]').first().inputValue();
    const foreign = await bob.request.post(`${sys.urls.console}/reviews/${intent.reviewId}/vote`, {
      form: { csrf, decision: 'approve' },
      headers: { origin: 'https://evil.example' },
      maxRedirects: 0,
    });
    expect(foreign.status()).toBe(403);
    expect((await call<IntentView>('GET', `${sys.urls.intake}/v1/intents/${intent.id}`, { token: pipeline })).body.state).toBe('pending_review');
  });

  it("shows a reviewer's own request as not theirs to decide", async () => {
    // bob, signed in at the same IdP, asks for something himself.
    const bobsToken = await devIdpAccessToken({
      issuer: sys.urls['dev-idp'],
      clientId: 'countersign-console',
      redirectUri: `${sys.urls.console}/auth/callback`,
      username: 'bob',
      password: DEV_IDP_PASSWORD,
      scope: 'openid intents:write',
    });
    const own = await pendingVacuum(bobsToken, 'sessions');
    await bob.reload();
    const review = card(bob, own.reviewId);
    expect(await review.getByTestId('why-not').textContent()).toContain('your own request');
    expect(await review.getByTestId('approve').count()).toBe(0);
    await shot(bob, '06-own-request');
    // The API behind it says the same to a direct attempt.
    const direct = await call<{ error: { code: string } }>('POST', `${sys.urls.policy}/v1/reviews/${own.reviewId}/votes`, { token: bobsToken, body: { decision: 'approve' } });
    expect(direct.status).toBe(403);
  });

  it("shows an auditor an intent's timeline with a verified inclusion proof", async () => {
    const carol = await signIn('carol');
    await carol.goto(`${sys.urls.console}/intents/${approved.id}`);
    await expectEventually(async () => {
      await carol.reload();
      const types = await carol.getByTestId('event').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
      expect(types).toEqual(expect.arrayContaining(['intent.submitted', 'review.requested', 'review.vote_recorded', 'intent.approved', 'grant.issued']));
    });
    await shot(carol, '07-timeline');
    await carol.getByRole('link', { name: 'inclusion proof' }).first().click();
    await shot(carol, '08-inclusion-proof');
    expect(await carol.getByTestId('proof-verdict').textContent()).toContain('Verified here');
    await shot(carol, '08-inclusion-proof');
    // A reviewer who is not an auditor gets a clear 403, not the trail.
    const refused = await bob.goto(`${sys.urls.console}/intents/${approved.id}`);
    expect(refused?.status()).toBe(403);
  });

  it('shows an auditor the evidence figures of a period and downloads a ZIP that verifies', async () => {
    const carol = await signIn('carol');
    const today = new Date();
    const day = (d: Date) => d.toISOString().slice(0, 10);
    await carol.goto(`${sys.urls.console}/audit?from=${day(today)}&to=${day(new Date(today.getTime() + 86_400_000))}`);
    await shot(carol, '09-evidence');
    expect(Number(await carol.locator('[data-figure="approved"]').textContent())).toBeGreaterThanOrEqual(1);
    expect(Number(await carol.locator('[data-figure="rejected"]').textContent())).toBeGreaterThanOrEqual(1);
    await shot(carol, '09-evidence');
    const [download] = await Promise.all([carol.waitForEvent('download'), carol.getByTestId('download').click()]);
    const file = join(work, 'evidence.zip');
    await download.saveAs(file);
    const files = unzipSync(new Uint8Array(await readFile(file)));
    const jwks = (await (await fetch(`${sys.urls.audit}/.well-known/jwks.json`)).json()) as { keys: never[] };
    expect(verifyEvidence(files, jwks.keys)).toMatchObject({ ok: true });
  });

  it('step-up: registers a passkey after a fresh sign-in, approves a stepUp review with it (Chromium virtual authenticator), and the grant is issued', async () => {
    const reviewer = await signIn('bob');
    // A platform authenticator with user verification, as Chrome's WebAuthn testing API offers.
    const cdp = await reviewer.context().newCDPSession(reviewer);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });

    // Registering needs a sign-in made for it: the IdP asks for the password again (prompt=login).
    const passkeys = await reviewer.goto(`${sys.urls.console}/passkeys`);
    expect(passkeys?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(passkeys?.headers()['content-security-policy']).toContain("default-src 'none'");
    await reviewer.getByTestId('fresh-sign-in').click();
    await reviewer.waitForURL(/\/interaction\//);
    await reviewer.selectOption('#username', 'bob');
    await reviewer.fill('#password', DEV_IDP_PASSWORD);
    await reviewer.click('button[type=submit]');
    await reviewer.waitForURL(`${sys.urls.console}/passkeys`);
    await shot(reviewer, '11-passkeys');
    await reviewer.getByTestId('register-passkey').click();
    await expect.poll(() => reviewer.getByTestId('flash').textContent()).toContain('Passkey registered');
    await shot(reviewer, '12-passkey-registered');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    // CDP gives the credential id in base64, WebAuthn JSON in base64url.
    const credentialId = Buffer.from(credentials[0]?.credentialId ?? '', 'base64').toString('base64url');
    expect(await reviewer.getByTestId('passkeys').textContent()).toContain(credentialId);

    const submitted = await call<IntentView>('POST', `${sys.urls.intake}/v1/intents`, {
      token: pipeline,
      body: { action: 'db.reindex', resource: { kind: 'db', id: 'ledger', env: 'prod' }, args: { index: 'ledger_pkey' }, justification: 'bloated index' },
    });
    expect(submitted.status).toBe(202);
    const intent = await waitForState(sys.urls.intake, pipeline, submitted.body.id, ['pending_review']);
    // Slack offers a link to the console, never a vote button, for a step-up review.
    const posted = await expectEventually(() => {
      const found = slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args).includes('db.reindex'));
      expect(found).toBeDefined();
      return JSON.stringify(found?.args);
    });
    expect(posted).toContain(`${sys.urls.console}/reviews/${intent.reviewId}`);
    expect(posted).not.toContain('countersign_approve');

    // A session from an ordinary sign-in is sent to sign in again first.
    await bob.goto(`${sys.urls.console}/reviews/${intent.reviewId}/step-up?decision=approve`);
    await bob.waitForURL(/\/interaction\//);
    await bob.goto(sys.urls.console);

    await reviewer.goto(`${sys.urls.console}/reviews/${intent.reviewId}`);
    await shot(reviewer, '13-step-up-review');
    await reviewer.getByTestId('approve-passkey').click();
    await reviewer.waitForURL(/\/step-up\?decision=approve/);
    const hash = await reviewer.getByTestId('intent-hash').textContent();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    await shot(reviewer, '14-step-up-vote');
    await reviewer.getByTestId('step-up-submit').click();
    await expect.poll(() => reviewer.getByTestId('flash').textContent()).toContain('Approved');
    await shot(reviewer, '15-step-up-approved');
    expect((await waitForState(sys.urls.intake, pipeline, intent.id, ['granted'])).state).toBe('granted');

    // The audit log holds the passkey's public key and the assertion over this intent hash.
    const carol = await sys.token('carol');
    const trail = await expectEventually(async () => {
      const res = await call<{ events: Array<{ type: string; payload: { data: Record<string, unknown> } }> }>('GET', `${sys.urls.audit}/v1/audit/events?intentId=${intent.id}&limit=100`, { token: carol });
      const recorded = res.body.events.find((e) => e.type === 'review.vote_recorded');
      expect(recorded?.payload.data['stepUp']).toBeDefined();
      return recorded?.payload.data as { intentHash: string; stepUp: { credentialId: string; clientDataJSON: string } };
    });
    expect(trail.intentHash).toBe(hash);
    expect(trail.stepUp.credentialId).toBe(credentialId);
    expect(JSON.parse(Buffer.from(trail.stepUp.clientDataJSON, 'base64url').toString())).toMatchObject({ type: 'webauthn.get', origin: sys.urls.console });
    // The auditor's timeline names the passkey that signed the vote.
    const auditor = await signIn('carol');
    await auditor.goto(`${sys.urls.console}/intents/${intent.id}`);
    expect(await auditor.getByTestId('timeline').textContent()).toContain(`signed with passkey ${trail.stepUp.credentialId}`);
    await shot(auditor, '16-step-up-timeline');
  });

  it('signs out: the session ends on the server, not only in the browser', async () => {
    const old = (await bob.context().cookies()).find((c) => c.name === 'cs_session');
    await bob.goto(sys.urls.console);
    await bob.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => bob.getByRole('heading', { name: 'Signed out' }).count()).toBe(1);
    await shot(bob, '10-signed-out');
    const replay = await fetch(`${sys.urls.console}/audit`, { headers: { cookie: `cs_session=${old?.value}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toContain('/auth/login');
  });
});
