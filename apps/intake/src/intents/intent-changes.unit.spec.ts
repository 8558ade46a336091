import { describe, expect, it } from 'vitest';
import { IntentChanges } from './intent-changes.js';
import type { IntentRow } from './intent-record.js';

const within = async (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => 'woken'), new Promise((r) => setTimeout(() => r('timeout'), ms))]);

describe('IntentChanges', () => {
  it('wakes waiters of that intent only, and cleans up after itself', async () => {
    const changes = new IntentChanges();
    const a = changes.waitFor('a', 5_000);
    const b = changes.waitFor('b', 5_000);
    changes.notify('a');
    expect(await within(a, 100)).toBe('woken');
    expect(await within(b, 50)).toBe('timeout');
    expect(changes.listenerCount('a')).toBe(0);
    changes.notify('b');
    expect(await b).toBeUndefined();
    expect(changes.listenerCount('b')).toBe(0);
  });

  it('hands the committed row to the woken readers when the notifier has it', async () => {
    const changes = new IntentChanges();
    const row = { id: 'a', state: 'allowed' } as IntentRow;
    const waiters = [changes.waitFor('a', 5_000), changes.waitFor('a', 5_000)];
    changes.notify('a', row);
    expect(await Promise.all(waiters)).toEqual([row, row]);
    expect(await changes.waitFor('a', 10)).toBeUndefined();
  });

  it('gives up at the timeout, on abort, and when the app shuts down', async () => {
    const changes = new IntentChanges();
    expect(await within(changes.waitFor('a', 20), 500)).toBe('woken');
    const ac = new AbortController();
    const aborted = changes.waitFor('a', 5_000, ac.signal);
    ac.abort();
    expect(await within(aborted, 100)).toBe('woken');
    const pending = changes.waitFor('a', 5_000);
    changes.beforeApplicationShutdown();
    expect(await within(pending, 100)).toBe('woken');
    expect(changes.closing).toBe(true);
    expect(await within(changes.waitFor('a', 5_000), 100)).toBe('woken');
  });
});
