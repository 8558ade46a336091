import { describe, expect, it } from 'vitest';
import { mapApiError } from '@countersign/platform/nest';
import { slackInteractionBody } from '@countersign/testing';
import { parseButtonValue, parseInteraction } from './interaction-payload.js';

const reviewId = '0190f5a0-1111-7000-8000-000000000001';

describe('Slack interaction payloads', () => {
  it('reads a block_actions click from the form body', () => {
    const body = slackInteractionBody({
      type: 'block_actions',
      team: { id: 'T0DEMO' },
      user: { id: 'U0BOB', team_id: 'T0DEMO' },
      trigger_id: '123.456.abc',
      actions: [{ action_id: 'countersign_approve', value: `${reviewId}.abcdefghijklmnop`, type: 'button' }],
      message: { blocks: [] },
    });
    expect(parseInteraction(Buffer.from(body))).toMatchObject({ type: 'block_actions', user: { id: 'U0BOB' }, actions: [{ action_id: 'countersign_approve' }] });
  });

  it('acknowledges kinds it does not handle and refuses malformed bodies with 400', () => {
    expect(parseInteraction(Buffer.from(slackInteractionBody({ type: 'shortcut' })))).toEqual({ type: 'other', name: 'shortcut' });
    for (const body of ['x=1', 'payload=not-json', slackInteractionBody({ nope: 1 }), slackInteractionBody({ type: 'block_actions', team: { id: 'T' } })]) {
      let caught: unknown;
      try {
        parseInteraction(Buffer.from(body));
      } catch (error) {
        caught = error;
      }
      expect(mapApiError(caught)).toMatchObject({ status: 400, body: { error: { code: 'PAYLOAD_INVALID' } } });
    }
  });

  it('accepts only `<uuid>.<nonce>` as a button value', () => {
    expect(parseButtonValue(`${reviewId}.Zm9vYmFyYmF6cXV4cXV1eA`)).toEqual({ reviewId, nonce: 'Zm9vYmFyYmF6cXV4cXV1eA' });
    for (const v of [undefined, '', reviewId, `${reviewId}.short`, `${reviewId}.has space in it!!`, `x.${'a'.repeat(22)}`, `${reviewId}.${'a'.repeat(22)}.extra`]) {
      expect(parseButtonValue(v)).toBeUndefined();
    }
  });
});
