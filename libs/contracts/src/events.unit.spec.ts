import { describe, expect, it } from 'vitest';
import { createEvent } from './create-event.js';
import { ALL_EVENTS, definitionForSubject, IntentClassifiedV1, IntentSubmittedV1 } from './events.js';
import { SubmitIntentRequest } from './intent.js';

const id = '01936a3e-7b1c-7def-8123-456789abcdef';
const intentId = '01936a3e-7b1c-7aaa-8123-456789abcdef';
const requester = { kind: 'pipeline', subject: 'ci-deployer', issuer: 'urn:test', groups: ['pipelines'] } as const;
const intent = {
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii', 'finance', 'pii'] },
  args: { table: 'customers' },
  justification: 'quarterly report',
  requester,
};

describe('event contracts', () => {
  it('builds a valid envelope with a versioned subject', () => {
    const event = createEvent(IntentSubmittedV1, {
      id,
      occurredAt: new Date('2026-01-01T00:00:00Z'),
      intentId,
      actor: { kind: 'pipeline', id: 'ci-deployer' },
      data: { intent, intentHash: 'a'.repeat(64) },
    });
    expect(IntentSubmittedV1.subject).toBe('countersign.intent.submitted.v1');
    expect(event).toMatchObject({ type: 'intent.submitted', version: 1, occurredAt: '2026-01-01T00:00:00.000Z' });
    // Tags are a set: sorted and de-duplicated by the schema.
    expect(event.data.intent.resource.tags).toEqual(['finance', 'pii']);
  });

  it('refuses an envelope whose id is not a UUIDv7', () => {
    expect(() =>
      createEvent(IntentClassifiedV1, {
        id: '6f1c3a1e-0000-4000-8000-000000000000',
        occurredAt: new Date(),
        intentId,
        actor: { kind: 'service', id: 'policy' },
        data: { intentHash: 'a'.repeat(64), decision: 'allow', policyVersion: 'b'.repeat(64), ruleIds: [], reasons: [] },
      }),
    ).toThrow(/id/);
  });

  it('refuses data that breaks the schema and names the field', () => {
    const result = IntentClassifiedV1.schema.safeParse({
      id,
      type: 'intent.classified',
      version: 1,
      intentId,
      occurredAt: '2026-01-01T00:00:00.000Z',
      actor: { kind: 'service', id: 'policy' },
      data: { intentHash: 'xyz', decision: 'maybe', policyVersion: 'b'.repeat(64), ruleIds: [], reasons: [] },
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['data.intentHash', 'data.decision']));
  });

  it('maps every subject back to its definition and no two events share a subject', () => {
    const subjects = ALL_EVENTS.map((d) => d.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    for (const def of ALL_EVENTS) expect(definitionForSubject(def.subject)).toBe(def);
    expect(definitionForSubject('countersign.intent.submitted.v2')).toBeUndefined();
  });

  it('keeps the requester out of what a caller may send', () => {
    const body = { action: 'db.export', resource: { kind: 'db', id: 'c', env: 'prod' }, justification: 'x' };
    expect(SubmitIntentRequest.safeParse(body).success).toBe(true);
    const forged = SubmitIntentRequest.safeParse({ ...body, requester });
    expect(forged.success).toBe(false);
    expect(forged.error!.issues[0]!.code).toBe('unrecognized_keys');
  });

  it('refuses deeply nested args with a field error instead of overflowing the stack', () => {
    const deep = JSON.parse(`{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`) as unknown;
    const result = SubmitIntentRequest.safeParse({
      action: 'db.query',
      resource: { kind: 'db', id: 'c', env: 'dev' },
      justification: 'x',
      args: deep,
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['args']);
    expect(result.error!.issues[0]!.message).toContain('nested deeper than');
  });

  it('refuses a malformed action and names it', () => {
    const result = SubmitIntentRequest.safeParse({
      action: 'DROP TABLE',
      resource: { kind: 'db', id: 'c', env: 'prod' },
      justification: 'x',
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['action']);
  });
});
