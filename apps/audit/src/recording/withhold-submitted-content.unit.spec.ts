import { describe, expect, it } from 'vitest';
import { createEvent, IntentSubmittedV1, IntentWithdrawnV1 } from '@countersign/contracts';
import { canonicalJson } from '@countersign/domain';
import { sha256Hex } from '@countersign/platform/crypto';
import { recordedForm } from './withhold-submitted-content.js';

const base = { occurredAt: new Date('2026-03-01T00:00:00Z'), actor: { kind: 'pipeline' as const, id: 'ci' } };

describe('recordedForm', () => {
  it('withholds the arguments and justification of intent.submitted behind one digest and keeps everything else', () => {
    const requester = { kind: 'agent' as const, subject: 'report-bot', issuer: 'urn:test', groups: ['agents'], owner: 'alice' };
    const intent = { action: 'db.query', resource: { kind: 'db', id: 'crm', env: 'prod', tags: [] }, args: { password: 'hunter2hunter2' }, justification: 'for jane.doe@example.com', requester };
    const event = createEvent(IntentSubmittedV1, {
      ...base,
      id: '0190f5a0-0000-7000-8000-000000000001',
      intentId: '0190f5a0-0000-7000-8000-000000000002',
      data: { intent, intentHash: 'c'.repeat(64) },
    });
    const recorded = recordedForm({ ...event, signature: 'aGVhZGVy..c2ln' });
    const { args: _args, justification: _justification, ...kept } = intent;
    expect(recorded).toEqual({
      ...event,
      data: { intentHash: 'c'.repeat(64), intent: kept },
      withheld: { fields: ['data.intent.args', 'data.intent.justification'], sha256: sha256Hex(canonicalJson([intent.args, intent.justification])) },
    });
    expect(JSON.stringify(recorded)).not.toMatch(/hunter2|jane\.doe|signature/);
    expect(event.data.intent.args).toEqual({ password: 'hunter2hunter2' });
  });

  it('stores every other event as published, without its signature (kept in its own column)', () => {
    const event = createEvent(IntentWithdrawnV1, {
      ...base,
      id: '0190f5a0-0000-7000-8000-000000000003',
      intentId: '0190f5a0-0000-7000-8000-000000000004',
      data: { reason: 'no longer needed' },
    });
    expect(recordedForm({ ...event, signature: 'aGVhZGVy..c2ln' })).toEqual(event);
  });
});
