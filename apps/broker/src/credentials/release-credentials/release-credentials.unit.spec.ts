import type { CountersignEvent } from '@countersign/contracts';
import { Clock, UuidV7Generator } from '@countersign/platform/runtime';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CredentialError, type CredentialHandle, type CredentialProvider, type Settlement } from '../credential-provider.js';
import { CredentialProviders } from '../credential-providers.js';
import type { CredentialStore, DueCredential } from '../credential-store.js';
import { GrantEvents } from '../../grants/grant-events.js';
import type { OutboxRelay } from '../../outbox/outbox-relay.js';
import { ReleaseCredentials } from './release-credentials.use-case.js';

class FixedClock extends Clock {
  constructor(public at: Date) {
    super();
  }
  now(): Date {
    return this.at;
  }
}

class FakeStore {
  rows: DueCredential[] = [];
  removedWith: Array<[string, string]> = [];
  failures: string[] = [];
  due(): Promise<DueCredential[]> {
    return Promise.resolve(this.rows);
  }
  outbox: CountersignEvent[] = [];
  removed(grantId: string, why: string, _now: Date, event: CountersignEvent): Promise<boolean> {
    this.removedWith.push([grantId, why]);
    this.outbox.push(event);
    return Promise.resolve(true);
  }
  failed(grantId: string): Promise<void> {
    this.failures.push(grantId);
    return Promise.resolve();
  }
}

const t0 = new Date('2026-01-01T00:00:00Z');
// Real UUIDs: the events built from these rows are validated against their contract.
const ID = { g1: '01900000-0000-7000-8000-000000000001', e: '01900000-0000-7000-8000-00000000000e', r: '01900000-0000-7000-8000-00000000000f', jti: '01900000-0000-7000-8000-0000000000a1', intent: '01900000-0000-7000-8000-0000000000b1' };
const row = (over: Partial<DueCredential>): DueCredential => ({
  grantId: ID.g1, kind: 'fake', handle: { id: 'h1' }, state: 'active', startBy: new Date(t0.getTime() + 10_000), endBy: new Date(t0.getTime() + 60_000),
  attempts: 0, grantState: 'redeemed', jti: ID.jti, intentId: ID.intent, ...over,
});

function setup(provider: Partial<CredentialProvider>) {
  const calls: string[] = [];
  const full: CredentialProvider = {
    kind: 'fake',
    supports: () => true,
    mint: () => Promise.reject(new Error('unused')),
    revoke: (h: CredentialHandle) => (calls.push(`revoke ${String(h['id'])}`), Promise.resolve()),
    ...provider,
  };
  const store = new FakeStore();
  const clock = new FixedClock(t0);
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }));
  const published: CountersignEvent[] = [];
  const relay = { publish: (events: readonly CountersignEvent[]) => (published.push(...events), Promise.resolve()) };
  const events = new GrantEvents(clock, new UuidV7Generator());
  const job = new ReleaseCredentials(store as unknown as CredentialStore, new CredentialProviders([full]), events, relay as unknown as OutboxRelay, clock, logger);
  return { job, store, clock, calls, lines, published };
}

describe('ReleaseCredentials', () => {
  it('revokes the credential of an expired or revoked grant, and records and publishes each removal', async () => {
    const { job, store, calls, published } = setup({});
    store.rows = [row({ grantId: ID.e, state: 'minted', grantState: 'expired', handle: { id: 'x' } }), row({ grantId: ID.r, grantState: 'revoked', handle: { id: 'y' } })];
    expect(await job.execute()).toBe(2);
    expect(calls).toEqual(['revoke x', 'revoke y']);
    expect(store.removedWith).toEqual([[ID.e, 'grant expired'], [ID.r, 'grant revoked']]);
    expect(published).toEqual(store.outbox);
    expect(published.map((e) => [e.type, e.intentId, e.data])).toEqual([
      ['grant.credential_removed', ID.intent, { grantId: ID.e, jti: ID.jti, kind: 'fake', reason: 'grant expired' }],
      ['grant.credential_removed', ID.intent, { grantId: ID.r, jti: ID.jti, kind: 'fake', reason: 'grant revoked' }],
    ]);
  });

  it('lets a provider that can tell decide when a use is over, and revokes at endBy for one that cannot', async () => {
    let answer: Settlement = { removed: false };
    const { job, store } = setup({ settle: () => Promise.resolve(answer) });
    store.rows = [row({})];
    expect(await job.execute()).toBe(0);
    answer = { removed: true, why: 'used' };
    expect(await job.execute()).toBe(1);
    expect(store.removedWith).toEqual([[ID.g1, 'used']]);

    const plain = setup({});
    plain.store.rows = [row({})];
    expect(await plain.job.execute()).toBe(0);
    plain.clock.at = new Date(t0.getTime() + 60_000);
    expect(await plain.job.execute()).toBe(1);
    expect(plain.calls).toEqual(['revoke h1']);
  });

  it('backs off a failed removal and logs only what a CredentialError says', async () => {
    const { job, store, lines } = setup({ settle: () => Promise.reject(new Error('role "cs_0123456789abcdef" does not exist')) });
    store.rows = [row({})];
    expect(await job.execute()).toBe(0);
    expect(store.failures).toEqual([ID.g1]);
    expect(lines.join('')).not.toContain('cs_0123456789abcdef');
    const refused = setup({ settle: () => Promise.reject(new CredentialError('unavailable', 'postgres target db:x/*: connecting failed (ECONNREFUSED)')) });
    refused.store.rows = [row({})];
    await refused.job.execute();
    expect(refused.lines.join('')).toContain('connecting failed (ECONNREFUSED)');
  });
});
