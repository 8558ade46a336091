import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../shared/memory-io.js';
import { elapsed, LiveStatus } from './live-status.js';

describe('LiveStatus', () => {
  it('redraws one line in place with a spinner, the time waited and the text, and re-reads the votes while shown', async () => {
    const io = memoryIo();
    let now = 1_000;
    let votes = 0;
    const status = new LiveStatus({ io, startedAt: 1_000, frameMs: 5, refreshMs: 10, now: () => now });
    status.start();
    now = 66_000;
    status.update('waiting for security (0/1 votes)', async () => `waiting for security (${++votes}/1 votes)`);
    await new Promise((r) => setTimeout(r, 60));
    const drawn = io.stderr().split('\r\x1b[2K').filter(Boolean);
    expect(drawn.length).toBeGreaterThan(3);
    expect(new Set(drawn.map((d) => d[0])).size).toBeGreaterThan(1);
    expect(drawn.at(-1)).toMatch(/^. 1m05s waiting for security \([1-9]\d*\/1 votes\)$/);
    expect(io.stderr()).not.toContain('\n');
    status.stop('[65s] done');
    const after = io.stderr().length;
    await new Promise((r) => setTimeout(r, 30));
    expect(io.stderr().length).toBe(after);
    expect(io.stderr().endsWith('\r\x1b[2K[65s] done\n')).toBe(true);
  });

  it('formats the time waited', () => {
    expect([elapsed(0), elapsed(59_999), elapsed(60_000), elapsed(3_725_000)]).toEqual(['0s', '59s', '1m00s', '62m05s']);
  });
});
