import { describe, expect, it } from 'vitest';
import { createEvent, IntentSubmittedV1, IntentWithdrawnV1 } from '@countersign/contracts';
import { recordedForm, WITHHELD } from './withhold-submitted-content.js';

const base = { occurredAt: new Date('2026-03-01T00:00:00Z'), actor: { kind: 'pipeline' as const, id: 'ci' } };

describe('recordedForm', () => {
  it('withholds the arguments and justification of intent.submitted and keeps everything else', () => {
    const intent = {
      action: 'db.export',
      resource: { kind: 'db', id: 'orders', env: 'prod', tags: ['pii'] },
      args: { password: 'hunter2hunter2' },
      justification: 'for jane.doe@example.com',
      requester: { kind: 'pipeline' as const, subject: 'ci', issuer: 'urn:test', groups: [] },
    };
    const event = createEvent(IntentSubmittedV1, {
      ...base,
      id: '0190f5a0-0000-7000-8000-000000000001',
      intentId: '0190f5a0-0000-7000-8000-000000000002',
      data: { intent, intentHash: 'c'.repeat(64) },
    });
    const recorded = recordedForm(event);
    expect(recorded).toEqual({
      ...event,
      data: { intentHash: 'c'.repeat(64), intent: { ...intent, args: {}, justification: WITHHELD } },
      withheld: ['data.intent.args', 'data.intent.justification'],
    });
    expect(event.data.intent.args).toEqual({ password: 'hunter2hunter2' });
  });

  it('stores every other event as published', () => {
    const event = createEvent(IntentWithdrawnV1, {
      ...base,
      id: '0190f5a0-0000-7000-8000-000000000003',
      intentId: '0190f5a0-0000-7000-8000-000000000004',
      data: { reason: 'no longer needed' },
    });
    expect(recordedForm(event)).toBe(event);
  });
});
