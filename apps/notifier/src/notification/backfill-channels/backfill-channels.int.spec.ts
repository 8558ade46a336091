import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackCall } from '@countersign/testing';
import { expectEventually } from '@countersign/testing';
import { found, pause, startHarness, type Harness } from '../../notifier-harness.spec.js';

type Block = { type: string; elements?: Array<{ value?: string }> };
const buttonValue = (call: SlackCall) => ((call.args['blocks'] ?? []) as Block[]).find((b) => b.type === 'actions')?.elements?.[0]?.value ?? '';

describe('Slack switched on while reviews wait (real NATS + Postgres, fake Slack)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'backfill', slack: true, slackOff: true });
  });
  afterAll(() => h?.close());

  const postsFor = (reviewId: string) => found(h.slack).callsTo('chat.postMessage').filter((c) => c.ok && buttonValue(c).startsWith(reviewId));
  const stored = async (reviewId: string) => (await h.sql.query('SELECT outcome FROM notifier.reviews WHERE review_id = $1', [reviewId])).rows[0] as { outcome: unknown } | undefined;

  it('posts the reviews still open once, and leaves decided and expired ones alone', async () => {
    const open = h.reviewRequested();
    const decided = h.reviewRequested();
    const expired = h.reviewRequested();
    expired.data.expiresAt = new Date(Date.now() - 1_000).toISOString();
    for (const r of [open, decided, expired]) await h.publisher.publish(r);
    await h.publisher.publish(h.approved(decided, ['bob', 'dana']));
    await expectEventually(async () => {
      for (const r of [open, decided, expired]) expect(await stored(r.data.reviewId)).toBeDefined();
      expect((await stored(decided.data.reviewId))?.outcome).not.toBeNull();
    });
    expect(found(h.slack).callsTo('chat.postMessage')).toHaveLength(0);

    await h.restart({ slack: true });
    await expectEventually(async () => {
      expect(postsFor(open.data.reviewId)).toHaveLength(1);
      expect((await h.delivery(open.data.reviewId, 'slack')).status).toBe('delivered');
    });
    await expectEventually(() =>
      expect(h.events('review.notified').filter((e) => e.data.reviewId === open.data.reviewId && e.data.channel === 'slack')).toHaveLength(1),
    );
    const slackRows = await h.sql.query("SELECT review_id FROM notifier.deliveries WHERE channel = 'slack' AND review_id = ANY($1::uuid[])", [[decided.data.reviewId, expired.data.reviewId]]);
    expect(slackRows.rows).toEqual([]);

    // Another restart finds nothing to add: the review is not posted twice.
    await h.restart({ slack: true });
    await pause(400);
    expect(postsFor(open.data.reviewId)).toHaveLength(1);
    expect(postsFor(decided.data.reviewId)).toHaveLength(0);
    expect(postsFor(expired.data.reviewId)).toHaveLength(0);
  });
});
