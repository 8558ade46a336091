import { describe, expect, it } from 'vitest';
import {
  createEvent,
  IntentApprovedV1,
  IntentClassifiedV1,
  IntentSubmittedV1,
  ReviewVoteRecordedV1,
  ReviewVoteRefusedV1,
  GrantIssuedV1,
  GrantRevokedV1,
  GrantCredentialRemovedV1,
  type CountersignEvent,
  type Intent,
} from '@countersign/contracts';
import { buildPopulation } from './population.js';
import { reportHtml } from './report-html.js';

const intentId = '0190f5a0-0000-7000-8000-0000000000aa';
let n = 0;
const id = () => `0190f5a0-0000-7000-8000-${String(++n).padStart(12, '0')}`;
const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 10, minute));
const hash = 'a'.repeat(64);
const service = { kind: 'service' as const, id: 'policy' };
const intent: Intent = {
  action: 'db.export',
  resource: { kind: 'db', id: 'customers', env: 'prod', tags: [] },
  args: {},
  justification: '[withheld]',
  requester: { kind: 'agent', subject: 'support-agent', issuer: 'urn:idp', groups: [], owner: 'bob' },
};
const voter = (subject: string) => ({ subject, issuer: 'urn:idp', groups: ['security'], authMethod: 'slack-signature+directory' });
const reviewId = '0190f5a0-0000-7000-8000-0000000000bb';
const grant = { audience: 'db:prod/customers', claimTtlSeconds: 120, useTtlSeconds: 30 };

function given(): CountersignEvent[] {
  const requirement = { approverGroups: ['security'], quorum: 1, ttlSeconds: 3600 };
  return [
    createEvent(IntentSubmittedV1, { id: id(), occurredAt: at(0), intentId, actor: { kind: 'agent', id: 'support-agent' }, data: { intent, intentHash: hash } }),
    createEvent(IntentClassifiedV1, {
      id: id(), occurredAt: at(1), intentId, actor: service,
      data: { intentHash: hash, decision: 'review', policyVersion: 'b'.repeat(64), ruleIds: ['review-pii-export'], reasons: ['review-pii-export: review by security'], tags: ['pii'], review: requirement, reviewId, grant },
    }),
    createEvent(ReviewVoteRefusedV1, {
      id: id(), occurredAt: at(2), intentId, actor: service,
      data: { reviewId, decision: 'approve', voter: voter('bob'), channel: 'slack', code: 'OWNER_APPROVAL', reason: 'owner' },
    }),
    createEvent(ReviewVoteRecordedV1, {
      id: id(), occurredAt: at(3), intentId, actor: service,
      data: { reviewId, intentHash: hash, decision: 'approve', voter: voter('dana'), channel: 'slack', breakGlass: false, approvals: 1, quorum: 1 },
    }),
    createEvent(IntentApprovedV1, { id: id(), occurredAt: at(3), intentId, actor: service, data: { reviewId, intentHash: hash, grant, approvers: ['dana'] } }),
    createEvent(GrantIssuedV1, {
      id: id(), occurredAt: at(4), intentId, actor: { kind: 'service', id: 'broker' },
      data: { grantId: id(), jti: id(), intentHash: hash, audience: grant.audience, claimBy: at(6).toISOString() },
    }),
  ];
}

describe('population', () => {
  it('given a reviewed intent, folds one row with approvers, their channel and method, separation of duties and timestamps', () => {
    const [row] = buildPopulation(given());
    expect(row).toMatchObject({
      intentId,
      requester: 'support-agent',
      requesterKind: 'agent',
      owner: 'bob',
      action: 'db.export',
      resource: 'db:prod/customers',
      tags: 'pii',
      ruleIds: 'review-pii-export',
      decision: 'review',
      approvers: 'dana (slack, slack-signature+directory)',
      approverIsNotRequester: 'yes',
      refusedVotes: 'bob: OWNER_APPROVAL',
      outcome: 'approved',
      breakGlass: 'no',
      submittedAt: at(0).toISOString(),
      decidedAt: at(3).toISOString(),
      grantIssuedAt: at(4).toISOString(),
      grantUseWithinSeconds: '30',
    });
  });

  it('flags an approval by the owner of the requesting agent', () => {
    const events = given().map((e) =>
      e.type === 'review.vote_recorded' ? { ...e, data: { ...e.data, voter: voter('bob') } } : e,
    ) as CountersignEvent[];
    expect(buildPopulation(events)[0]!.approverIsNotRequester).toBe('NO');
  });

  it('given a grant revoked in use, records who revoked it and why, and when its credential ceased to exist', () => {
    const grantId = id();
    const jti = id();
    const broker = { kind: 'service' as const, id: 'broker' };
    const events = [
      ...given(),
      createEvent(GrantRevokedV1, { id: id(), occurredAt: at(7), intentId, actor: { kind: 'user', id: 'erin' }, data: { grantId, jti, intentHash: hash, reason: 'ticket closed' } }),
      createEvent(GrantCredentialRemovedV1, { id: id(), occurredAt: at(8), intentId, actor: broker, data: { grantId, jti, kind: 'postgres', reason: 'grant revoked' } }),
    ];
    expect(buildPopulation(events)[0]).toMatchObject({
      grantRevokedAt: at(7).toISOString(),
      grantRevokedBy: 'erin (ticket closed)',
      credentialRemovedAt: at(8).toISOString(),
      credentialRemovedReason: 'grant revoked',
    });
  });

  it('ignores events of intents not submitted in the period', () => {
    expect(buildPopulation(given().slice(1))).toEqual([]);
  });
});

describe('report', () => {
  it('counts from the population, lists exceptions, and escapes everything it prints', () => {
    const rows = buildPopulation(given());
    rows[0]!.refusedVotes = 'bob: OWNER_APPROVAL <script>alert(1)</script>';
    const html = reportHtml({
      origin: 'countersign/audit',
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      generatedAt: '2026-04-01T00:00:00.000Z',
      checkpoint: { size: 6, root: 'c'.repeat(64) },
      events: { count: 6, firstSeq: 1, lastSeq: 6 },
      population: rows,
    });
    expect(html).toContain('<td>approved</td><td>1</td>');
    expect(html).toContain('self-approval attempt refused');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('SOC 2 CC6.2');
  });
});
