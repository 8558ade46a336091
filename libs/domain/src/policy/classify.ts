import type { Decision, GrantTerms, Intent, MaskedValue, ReviewRequirement } from '@countersign/contracts';
import { actionPath, celBindings, RuleOutcome, type CompiledPolicy, type RuleInput } from './compile.js';
import type { PolicyRule } from './document.js';
import { maskIntent, type Tokenizer } from './masking/index.js';

export interface ClassifyContext {
  now: Date;
  /** Keyed hash for masked values; injected so that the key never enters the policy document. */
  tokenize: Tokenizer;
}

export interface Classification {
  decision: Decision;
  /** Every rule that matched, in policy order (not only the ones that decided). */
  ruleIds: string[];
  reasons: string[];
  /** The intent's tags merged with the classification section's; sorted. */
  tags: string[];
  review?: ReviewRequirement;
  grant?: GrantTerms;
  /** The intent as reviewers may see it. */
  masked: { intent: Intent; values: MaskedValue[] };
}

type ReviewRule = Extract<PolicyRule, { effect: 'review' }>;

const DEFAULT_CLAIM_WITHIN = 300;
const DEFAULT_USE_WITHIN = 60;

export interface Evaluation {
  tags: string[];
  matched: PolicyRule[];
  /** Ids of deny/review rules applied because their condition could not be evaluated. */
  failedClosed: string[];
  /** Every rule's outcome, in policy order; only when traced (explain), since classify skips rules. */
  outcomes?: RuleOutcome[];
  errors: Map<number, string>;
}

/**
 * Runs the rules against the intent; shared by classify and explain so they can never disagree.
 * Untraced, only the rules the action index names are tried (the others cannot match the action);
 * traced, every rule is, so that each gets its own reason.
 */
export function evaluateRules(policy: CompiledPolicy, intent: Intent, now: Date, trace = false): Evaluation {
  const classified = policy.classifyResource(intent.resource);
  const tags = classified.length === 0 ? intent.resource.tags : [...new Set([...intent.resource.tags, ...classified])].sort();
  let bindings: Record<string, unknown> | undefined;
  const input: RuleInput = {
    intent,
    action: actionPath(intent.action),
    tags: new Set(tags),
    groups: new Set(intent.requester.groups),
    bindings: () => (bindings ??= celBindings(intent, tags, now)),
  };
  const matched: PolicyRule[] = [];
  const failedClosed: string[] = [];
  const outcomes: RuleOutcome[] | undefined = trace ? [] : undefined;
  const errors = new Map<number, string>();
  const indexes = trace ? policy.rules.map((_, i) => i) : policy.candidates(intent.action);
  for (const i of indexes) {
    const compiled = policy.rules[i]!;
    input.error = undefined;
    const outcome = compiled.evaluate(input);
    outcomes?.push(outcome);
    if (input.error !== undefined) errors.set(i, input.error);
    if (outcome === RuleOutcome.Matched || outcome === RuleOutcome.MatchedFailClosed) matched.push(compiled.rule);
    if (outcome === RuleOutcome.MatchedFailClosed) failedClosed.push(compiled.rule.id);
  }
  return { tags, matched, failedClosed, ...(outcomes ? { outcomes } : {}), errors };
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

/**
 * Several reviews combine to the strictest: every approver group (each needing its own person, so the
 * quorum is at least the number of groups), the highest quorum, the shortest ttl, every escalation
 * step that still falls inside it, step-up if any rule wants it, break-glass only if all allow it.
 */
export function combineReviews(reviews: readonly ReviewRule[]): ReviewRequirement {
  const approverGroups = [...new Set(reviews.flatMap((r) => r.approvers))].sort();
  const ttlSeconds = Math.min(...reviews.map((r) => r.ttl));
  const steps = new Map<number, Set<string>>();
  for (const step of reviews.flatMap((r) => r.escalation)) {
    if (step.after >= ttlSeconds) continue;
    const groups = steps.get(step.after) ?? new Set<string>();
    step.notify.forEach((g) => groups.add(g));
    steps.set(step.after, groups);
  }
  return {
    approverGroups,
    quorum: Math.min(10, Math.max(approverGroups.length, ...reviews.map((r) => r.quorum))),
    ttlSeconds,
    escalation: [...steps.entries()]
      .sort(([a], [b]) => a - b)
      .map(([afterSeconds, groups]) => ({ afterSeconds, groups: [...groups].sort() })),
    stepUp: reviews.some((r) => r.stepUp),
    breakGlass: reviews.every((r) => r.breakGlass),
  };
}

function decide(policy: CompiledPolicy, intent: Intent, evaluation: Evaluation): Omit<Classification, 'masked' | 'tags'> {
  const { matched, failedClosed } = evaluation;
  const ruleIds = matched.map((r) => r.id);
  // The condition's own message stays out of reasons: reasons reach reviewers and CEL errors may quote values.
  const failReasons = failedClosed.map((id) => `${id}: condition could not be evaluated; rule applied (fail closed)`);
  const denies = matched.filter((r) => r.effect === 'deny');
  if (denies.length > 0) {
    return { decision: 'deny', ruleIds, reasons: [...denies.map((r) => `${r.id}: ${r.reason}`), ...failReasons] };
  }
  const reviews = matched.filter((r): r is ReviewRule => r.effect === 'review');
  if (reviews.length > 0) {
    return {
      decision: 'review',
      ruleIds,
      reasons: [...reviews.map((r) => `${r.id}: review by ${r.approvers.join(', ')}`), ...failReasons],
      review: combineReviews(reviews),
      grant: grantTerms(intent, reviews),
    };
  }
  if (matched.length > 0) {
    return { decision: 'allow', ruleIds, reasons: matched.map((r) => `${r.id}: allow`), grant: grantTerms(intent, matched) };
  }
  const { defaultEffect, defaultApprovers, defaultTtl } = policy.document;
  if (defaultEffect === 'deny') return { decision: 'deny', ruleIds, reasons: ['no rule matched; default deny'] };
  const approverGroups = [...new Set(defaultApprovers)].sort();
  return {
    decision: 'review',
    ruleIds,
    reasons: ['no rule matched; default review (fail closed)'],
    review: { approverGroups, quorum: approverGroups.length, ttlSeconds: defaultTtl, escalation: [], stepUp: false, breakGlass: false },
    grant: grantTerms(intent, []),
  };
}

/** Deny beats review beats allow; several reviews combine to the strictest; no match → the default. */
export function classify(policy: CompiledPolicy, intent: Intent, ctx: ClassifyContext): Classification {
  const evaluation = evaluateRules(policy, intent, ctx.now);
  const decided = decide(policy, intent, evaluation);
  const masked = maskIntent(intent, policy.maskFor(evaluation.matched), ctx.tokenize);
  return { ...decided, tags: evaluation.tags, masked: { intent: masked.intent, values: masked.masked } };
}

export interface RuleTrace {
  id: string;
  effect: PolicyRule['effect'];
  applied: boolean;
  /** In words: which criterion failed, or how the rule applied. */
  detail: string;
}

export interface Explanation extends Classification {
  policyVersion: string;
  tagSources: { intent: string[]; classification: string[] };
  rules: RuleTrace[];
}

function describe(rule: PolicyRule, outcome: RuleOutcome, intent: Intent, error: string | undefined): string {
  const m = rule.match;
  const list = (xs: readonly string[] | undefined) => `[${(xs ?? []).join(', ')}]`;
  switch (outcome) {
    case RuleOutcome.Matched:
      return rule.when ? 'every match criterion and the condition hold' : 'every match criterion holds';
    case RuleOutcome.MatchedFailClosed:
      return `condition could not be evaluated (${error ?? 'error'}); a ${rule.effect} rule then applies (fail closed)`;
    case RuleOutcome.MissAction:
      return `action ${intent.action} is not in ${list(m.action)}`;
    case RuleOutcome.MissResourceKind:
      return `resource kind ${intent.resource.kind} is not in ${list(m.resourceKind)}`;
    case RuleOutcome.MissResourceId:
      return `resource id ${intent.resource.id} is not in ${list(m.resourceId)}`;
    case RuleOutcome.MissEnv:
      return `env ${intent.resource.env} is not in ${list(m.env)}`;
    case RuleOutcome.MissTags:
      return `none of the tags ${list(m.tags)} is on the resource`;
    case RuleOutcome.MissRequesterKind:
      return `requester kind ${intent.requester.kind} is not in ${list(m.requesterKind)}`;
    case RuleOutcome.MissRequesterGroups:
      return `requester is in none of ${list(m.requesterGroups)}`;
    case RuleOutcome.MissWhenFalse:
      return `condition is false: ${rule.when ?? ''}`;
    case RuleOutcome.MissWhenError:
      return `condition could not be evaluated (${error ?? 'error'}); an allow rule then does not allow`;
  }
}

/** What classify decides, plus every rule's outcome in words. A dry run: nothing is published or stored. */
export function explain(policy: CompiledPolicy, intent: Intent, ctx: ClassifyContext): Explanation {
  const evaluation = evaluateRules(policy, intent, ctx.now, true);
  const decided = decide(policy, intent, evaluation);
  const masked = maskIntent(intent, policy.maskFor(evaluation.matched), ctx.tokenize);
  const own = new Set(intent.resource.tags);
  return {
    ...decided,
    tags: evaluation.tags,
    masked: { intent: masked.intent, values: masked.masked },
    policyVersion: policy.version,
    tagSources: { intent: [...own], classification: evaluation.tags.filter((t) => !own.has(t)) },
    rules: policy.rules.map(({ rule }, i) => {
      const outcome = evaluation.outcomes![i]!;
      return {
        id: rule.id,
        effect: rule.effect,
        applied: outcome === RuleOutcome.Matched || outcome === RuleOutcome.MatchedFailClosed,
        detail: describe(rule, outcome, masked.intent, evaluation.errors.get(i)),
      };
    }),
  };
}
