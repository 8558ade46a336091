import { describe, expect, it } from 'vitest';
import { ExplanationBody } from './explanation-body.js';
import { formatExplanation } from './format-explanation.js';

const explanation = ExplanationBody.parse({
  decision: 'review',
  policyVersion: 'abc',
  ruleIds: ['review-pii'],
  reasons: ['review-pii: review by security, platform'],
  tags: ['finance', 'pii'],
  tagSources: { intent: ['finance'], classification: ['pii'] },
  review: { approverGroups: ['platform', 'security'], quorum: 2, ttlSeconds: 3600, escalation: [{ afterSeconds: 1200, groups: ['leads'] }], stepUp: true, breakGlass: false },
  grant: { audience: 'db:prod/customers', claimTtlSeconds: 120, useTtlSeconds: 30 },
  masked: { intent: {}, values: [{ path: 'args.query', reason: 'path:args.query' }] },
  rules: [
    { id: 'allow-dev', effect: 'allow', applied: false, detail: 'env prod is not in [dev]' },
    { id: 'review-pii', effect: 'review', applied: true, detail: 'every match criterion holds' },
  ],
});

describe('formatExplanation', () => {
  it('shows the decision, why, the review, the grant, tag sources, every rule and what was masked', () => {
    expect(formatExplanation(explanation)).toBe(
      [
        'decision: review',
        'policy version: abc',
        'reasons:',
        '  - review-pii: review by security, platform',
        'review: by [platform, security], quorum 2, expires after 1h, step-up yes, break-glass no',
        '  escalation: after 20m notify [leads]',
        'grant: audience db:prod/customers, claim within 2m, use within 30s',
        'tags: finance, pii (classification)',
        'rules:',
        '  skipped  allow-dev (allow): env prod is not in [dev]',
        '  applied  review-pii (review): every match criterion holds',
        'masked:',
        '  args.query (path:args.query)',
      ].join('\n'),
    );
  });

  it('says so when there is nothing to show', () => {
    const bare = { ...explanation, decision: 'deny' as const, review: undefined, grant: undefined, tags: [], rules: [], masked: { values: [] } };
    expect(formatExplanation(bare)).toContain('tags: none\nrules:\n  (the policy has no rules)\nmasked: nothing');
  });
});
