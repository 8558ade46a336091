import picomatch from 'picomatch';
import { z } from 'zod';
import type { Decision, GrantTerms, Intent, ReviewRequirement } from '@countersign/contracts';

/**
 * The first, deliberately small policy language: match on action globs and resource env, effect
 * allow / deny / review. The full language (CEL conditions, classification, masking) extends this.
 */
const Globs = z.array(z.string().min(1)).min(1);

const Duration = z
  .string()
  .regex(/^\d+(s|m|h|d)$/, 'a duration such as 90s, 15m, 4h or 1d')
  .transform((d) => {
    const n = Number(d.slice(0, -1));
    const unit = d.at(-1) as 's' | 'm' | 'h' | 'd';
    return n * { s: 1, m: 60, h: 3600, d: 86_400 }[unit];
  });

const GrantSection = z
  .strictObject({
    audience: z.string().min(1).optional(),
    claimWithin: Duration.optional(),
    useWithin: Duration.optional(),
  })
  .optional();

const RuleBase = {
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case id'),
  description: z.string().optional(),
  match: z.strictObject({
    action: Globs,
    env: z.array(z.string().min(1)).min(1).optional(),
    resourceKind: Globs.optional(),
    resourceId: Globs.optional(),
  }),
};

export const PolicyRule = z.discriminatedUnion('effect', [
  z.strictObject({ ...RuleBase, effect: z.literal('allow'), grant: GrantSection }),
  z.strictObject({ ...RuleBase, effect: z.literal('deny'), reason: z.string().min(1) }),
  z.strictObject({
    ...RuleBase,
    effect: z.literal('review'),
    approvers: z.array(z.string().min(1)).min(1),
    quorum: z.number().int().min(1).max(10).default(1),
    ttl: Duration.default(3600),
    grant: GrantSection,
  }),
]);
export type PolicyRule = z.infer<typeof PolicyRule>;

export const PolicyDocument = z
  .strictObject({
    apiVersion: z.literal('countersign.dev/v1'),
    kind: z.literal('Policy'),
    /** Fail closed: an intent no rule matches goes to review unless the operator says otherwise. */
    defaultEffect: z.enum(['review', 'deny']).default('review'),
    defaultApprovers: z.array(z.string().min(1)).min(1).default(['security']),
    rules: z.array(PolicyRule).default([]),
  })
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id ${rule.id}` });
      seen.add(rule.id);
    });
  });
export type PolicyDocument = z.infer<typeof PolicyDocument>;

export interface CompiledPolicy {
  readonly version: string;
  readonly document: PolicyDocument;
  readonly matchers: ReadonlyArray<{ rule: PolicyRule; matches: (intent: Intent) => boolean }>;
}

export interface Classification {
  decision: Decision;
  ruleIds: string[];
  reasons: string[];
  review?: ReviewRequirement;
  grant?: GrantTerms;
}

const DEFAULT_CLAIM_WITHIN = 300;
const DEFAULT_USE_WITHIN = 60;

function globMatcher(globs: readonly string[] | undefined): (value: string) => boolean {
  if (!globs) return () => true;
  const test = picomatch(globs as string[], { dot: true });
  return (value) => test(value);
}

export function compilePolicy(document: PolicyDocument, version: string): CompiledPolicy {
  const matchers = document.rules.map((rule) => {
    const action = globMatcher(rule.match.action.map((g) => g.replaceAll('.', '/')));
    const kind = globMatcher(rule.match.resourceKind);
    const id = globMatcher(rule.match.resourceId);
    const envs = rule.match.env ? new Set(rule.match.env) : undefined;
    // Actions are dotted; matching them as paths makes `db.*` mean one segment and `db.**` any depth.
    const matches = (intent: Intent) =>
      action(intent.action.replaceAll('.', '/')) &&
      kind(intent.resource.kind) &&
      id(intent.resource.id) &&
      (!envs || envs.has(intent.resource.env));
    return { rule, matches };
  });
  return { version, document, matchers };
}

function grantTerms(intent: Intent, rules: readonly PolicyRule[]): GrantTerms {
  // A rule may set its own windows, longer or shorter than the defaults; where several matched rules
  // set one, the shortest wins, so that combining rules can only tighten a grant.
  const audiences: string[] = [];
  const claims: number[] = [];
  const uses: number[] = [];
  for (const rule of rules) {
    if (rule.effect === 'deny' || !rule.grant) continue;
    if (rule.grant.audience !== undefined) audiences.push(rule.grant.audience);
    if (rule.grant.claimWithin !== undefined) claims.push(rule.grant.claimWithin);
    if (rule.grant.useWithin !== undefined) uses.push(rule.grant.useWithin);
  }
  return {
    audience: audiences[0] ?? `${intent.resource.kind}:${intent.resource.env}/${intent.resource.id}`,
    claimTtlSeconds: claims.length > 0 ? Math.min(...claims) : DEFAULT_CLAIM_WITHIN,
    useTtlSeconds: uses.length > 0 ? Math.min(...uses) : DEFAULT_USE_WITHIN,
  };
}

/** Deny beats review beats allow; several reviews combine to the strictest; no match → default. */
export function classify(policy: CompiledPolicy, intent: Intent): Classification {
  const matched = policy.matchers.filter((m) => m.matches(intent)).map((m) => m.rule);
  const ruleIds = matched.map((r) => r.id);
  const denies = matched.filter((r) => r.effect === 'deny');
  if (denies.length > 0) {
    return { decision: 'deny', ruleIds, reasons: denies.map((r) => `${r.id}: ${r.reason}`) };
  }
  const reviews = matched.filter((r) => r.effect === 'review');
  if (reviews.length > 0) {
    return {
      decision: 'review',
      ruleIds,
      reasons: reviews.map((r) => `${r.id}: review by ${r.approvers.join(', ')}`),
      review: {
        approverGroups: [...new Set(reviews.flatMap((r) => r.approvers))].sort(),
        quorum: Math.max(...reviews.map((r) => r.quorum)),
        ttlSeconds: Math.min(...reviews.map((r) => r.ttl)),
      },
      grant: grantTerms(intent, reviews),
    };
  }
  if (matched.length > 0) {
    return { decision: 'allow', ruleIds, reasons: matched.map((r) => `${r.id}: allow`), grant: grantTerms(intent, matched) };
  }
  const { defaultEffect, defaultApprovers } = policy.document;
  if (defaultEffect === 'deny') return { decision: 'deny', ruleIds, reasons: ['no rule matched; default deny'] };
  return {
    decision: 'review',
    ruleIds,
    reasons: ['no rule matched; default review (fail closed)'],
    review: { approverGroups: [...defaultApprovers].sort(), quorum: 1, ttlSeconds: 3600 },
    grant: grantTerms(intent, []),
  };
}
