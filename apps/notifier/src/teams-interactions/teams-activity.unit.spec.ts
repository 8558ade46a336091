import { describe, expect, it } from 'vitest';
import { mapApiError } from '@countersign/platform/nest';
import { teamsCardClick } from '@countersign/testing';
import { cardClickOf, parseActivity, tenantOf } from './teams-activity.js';

const reviewId = '0190f5a0-1111-7000-8000-000000000001';
const nonce = 'Zm9vYmFyYmF6cXV4cXV1eA';
const tenant = '00000000-0000-4000-8000-00000000d0e0';
const base = { serviceUrl: 'https://smba.example/', conversationId: '19:abc@thread.tacv2', tenantId: tenant, aadObjectId: '00000000-0000-4000-8000-000000000b0b' };

describe('Teams activities', () => {
  it('reads an Action.Execute click (invoke adaptiveCard/action) with its verb, data and reason', () => {
    const a = parseActivity(teamsCardClick({ ...base, verb: 'reject', data: { reviewId, nonce, reason: '  not now  ' } }));
    expect(cardClickOf(a)).toEqual({ via: 'execute', vote: { decision: 'reject', reviewId, nonce, reason: 'not now' } });
    expect(tenantOf(a)).toBe(tenant);
  });

  it('reads the Action.Submit fallback (a message with value) the same way', () => {
    const a = parseActivity(teamsCardClick({ ...base, via: 'submit', verb: 'approve', data: { reviewId, nonce, reason: '' } }));
    expect(cardClickOf(a)).toEqual({ via: 'submit', vote: { decision: 'approve', reviewId, nonce, reason: undefined } });
  });

  it('marks clicks with foreign or malformed data as no vote, and ignores other activities', () => {
    for (const data of [{ reviewId, nonce: 'short' }, { reviewId: 'x', nonce }, {}]) {
      expect(cardClickOf(parseActivity(teamsCardClick({ ...base, verb: 'approve', data })))?.vote).toBeUndefined();
    }
    expect(cardClickOf(parseActivity(teamsCardClick({ ...base, verb: 'delete', data: { reviewId, nonce } })))?.vote).toBeUndefined();
    const message = { ...teamsCardClick({ ...base, verb: 'approve', data: {} }), type: 'message', value: undefined, text: 'hello bot' };
    expect(cardClickOf(parseActivity(message))).toBeUndefined();
    const other = { ...teamsCardClick({ ...base, verb: 'approve', data: {} }), name: 'composeExtension/query' };
    expect(cardClickOf(parseActivity(other))).toBeUndefined();
  });

  it('takes the tenant from channelData when the conversation has none', () => {
    const raw = teamsCardClick({ ...base, verb: 'approve', data: { reviewId, nonce } }) as { conversation: Record<string, unknown> };
    delete raw.conversation['tenantId'];
    expect(tenantOf(parseActivity(raw))).toBe(tenant);
  });

  it('refuses something that is not an activity with 400', () => {
    let caught: unknown;
    try {
      parseActivity({ type: 'invoke' });
    } catch (error) {
      caught = error;
    }
    expect(mapApiError(caught)).toMatchObject({ status: 400, body: { error: { code: 'PAYLOAD_INVALID' } } });
  });
});
