import { celEnv, CelScalar, isCelError, parse as parseCel, plan } from '@bufbuild/cel';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import picomatch from 'picomatch';
import type { Intent } from '@countersign/contracts';
import type { PolicyDocument, PolicyRule } from './document.js';
import { compileMaskSpec, type CompiledMask } from './masking/index.js';

/** Why a rule did or did not apply to an intent; `explain` turns it into words. */
export const RuleOutcome = {
  Matched: 0,
  /** The condition failed to evaluate; a deny or review rule then applies anyway (fail closed). */
  MatchedFailClosed: 1,
  MissAction: 2,
  MissResourceKind: 3,
  MissResourceId: 4,
  MissEnv: 5,
  MissTags: 6,
  MissRequesterKind: 7,
  MissRequesterGroups: 8,
  MissWhenFalse: 9,
  /** The condition failed to evaluate on an allow rule, which then does not allow. */
  MissWhenError: 10,
} as const;
export type RuleOutcome = (typeof RuleOutcome)[keyof typeof RuleOutcome];

/** What every rule of one classification sees; built once per intent. */
export interface RuleInput {
  intent: Intent;
  /** The action with dots as slashes, computed once per intent for the glob tests. */
  action: string;
  tags: ReadonlySet<string>;
  groups: ReadonlySet<string>;
  /** CEL bindings, built lazily: most intents meet no rule with a condition. */
  bindings: () => Record<string, unknown>;
  /** The last condition error, for reasons and explain. */
  error?: string;
}

export interface CompiledRule {
  readonly rule: PolicyRule;
  readonly evaluate: (input: RuleInput) => RuleOutcome;
}

export interface CompiledPolicy {
  readonly version: string;
  readonly document: PolicyDocument;
  readonly rules: readonly CompiledRule[];
  /**
   * Indexes (in policy order) of the rules that can match an action, by the action's first segment:
   * rules whose action globs all start with a literal segment are only tried for that segment.
   */
  readonly candidates: (action: string) => readonly number[];
  /** Tags the `classify` section adds to a resource (`kind:env/id`). */
  readonly classifyResource: (resource: Intent['resource']) => readonly string[];
  /** The mask for a set of matched rules; compiled once per distinct set, never per intent. */
  readonly maskFor: (rules: readonly PolicyRule[]) => CompiledMask;
}

const CEL_ENV = celEnv({
  variables: { intent: CelScalar.DYN, requester: CelScalar.DYN, resource: CelScalar.DYN, now: CelScalar.DYN },
});

export function resourceName(resource: Intent['resource']): string {
  return `${resource.kind}:${resource.env}/${resource.id}`;
}

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/**
 * One test for a list of globs: a Set lookup for the plain names and one compiled RegExp per glob.
 * picomatch's matcher function does more per call (it builds a result object); its RegExp does not.
 */
function globList(globs: readonly string[] | undefined): ((value: string) => boolean) | undefined {
  if (!globs) return undefined;
  const exact = new Set(globs.filter((g) => !GLOB_CHARS.test(g)));
  const patterns = globs.filter((g) => GLOB_CHARS.test(g)).map((g) => picomatch.makeRe(g, { dot: true }));
  if (patterns.length === 0) return (value) => exact.has(value);
  return (value) => exact.has(value) || patterns.some((re) => re.test(value));
}

/** Dotted actions are matched as paths so that `db.*` means one segment and `db.**` any depth. */
export function actionPath(action: string): string {
  return action.replaceAll('.', '/');
}

function anyOf(names: readonly string[] | undefined): ((have: ReadonlySet<string>) => boolean) | undefined {
  return names ? (have) => names.some((n) => have.has(n)) : undefined;
}

/** The literal first segment of every action glob of a rule, or undefined if one of them has none. */
function actionDomains(rule: PolicyRule): string[] | undefined {
  const globs = rule.match.action;
  if (!globs) return undefined;
  const domains: string[] = [];
  for (const glob of globs) {
    const first = glob.split('.')[0]!;
    if (GLOB_CHARS.test(first) || first === glob) return undefined;
    domains.push(first);
  }
  return domains;
}

function compileCondition(source: string | undefined): ((input: RuleInput) => boolean | string) | undefined {
  if (source === undefined) return undefined;
  const run = plan(CEL_ENV, parseCel(source));
  return (input) => {
    const result = run(input.bindings() as Parameters<typeof run>[0]);
    if (isCelError(result)) return result.message;
    if (typeof result !== 'boolean') return `condition returned ${typeof result}, not a bool`;
    return result;
  };
}

function compileRule(rule: PolicyRule): CompiledRule {
  const action = globList(rule.match.action?.map(actionPath));
  const kind = globList(rule.match.resourceKind);
  const id = globList(rule.match.resourceId);
  const envs = rule.match.env ? new Set(rule.match.env) : undefined;
  const tags = anyOf(rule.match.tags);
  const kinds = rule.match.requesterKind ? new Set<string>(rule.match.requesterKind) : undefined;
  const groups = anyOf(rule.match.requesterGroups);
  const when = compileCondition(rule.when);
  const failClosed = rule.effect !== 'allow';
  const evaluate = (input: RuleInput): RuleOutcome => {
    const { intent } = input;
    if (action && !action(input.action)) return RuleOutcome.MissAction;
    if (kind && !kind(intent.resource.kind)) return RuleOutcome.MissResourceKind;
    if (id && !id(intent.resource.id)) return RuleOutcome.MissResourceId;
    if (envs && !envs.has(intent.resource.env)) return RuleOutcome.MissEnv;
    if (tags && !tags(input.tags)) return RuleOutcome.MissTags;
    if (kinds && !kinds.has(intent.requester.kind)) return RuleOutcome.MissRequesterKind;
    if (groups && !groups(input.groups)) return RuleOutcome.MissRequesterGroups;
    if (when) {
      const result = when(input);
      if (typeof result === 'string') {
        input.error = result;
        return failClosed ? RuleOutcome.MatchedFailClosed : RuleOutcome.MissWhenError;
      }
      if (!result) return RuleOutcome.MissWhenFalse;
    }
    return RuleOutcome.Matched;
  };
  return { rule, evaluate };
}

function compileClassification(document: PolicyDocument): CompiledPolicy['classifyResource'] {
  const entries = document.classify.map((c) => ({ test: globList([c.resource])!, tags: c.tags }));
  return (resource) => {
    if (entries.length === 0) return [];
    const name = resourceName(resource);
    return entries.flatMap((e) => (e.test(name) ? e.tags : []));
  };
}

const MASK_CACHE_LIMIT = 1024;

/** Compiles a validated document: globs and CEL once per policy version, never per intent. */
function compileIndex(rules: readonly PolicyRule[]): CompiledPolicy['candidates'] {
  const anywhere: number[] = [];
  const byDomain = new Map<string, number[]>();
  rules.forEach((rule, i) => {
    const domains = actionDomains(rule);
    if (!domains) anywhere.push(i);
    else for (const d of new Set(domains)) byDomain.set(d, [...(byDomain.get(d) ?? []), i]);
  });
  // Merged once here, so that evaluation walks one array in policy order.
  const merged = new Map([...byDomain].map(([d, own]) => [d, [...own, ...anywhere].sort((a, b) => a - b)]));
  return (action) => merged.get(action.slice(0, action.indexOf('.'))) ?? anywhere;
}

export function compilePolicy(document: PolicyDocument, version: string): CompiledPolicy {
  const rules = document.rules.map(compileRule);
  const masks = new Map<string, CompiledMask>();
  const maskFor = (matched: readonly PolicyRule[]): CompiledMask => {
    const paths = [...new Set([...document.masking.paths, ...matched.flatMap((r) => r.mask ?? [])])].sort();
    const key = paths.join('\n');
    let mask = masks.get(key);
    if (!mask) {
      // Distinct sets of matched rules are few in practice; the bound only stops a pathological policy.
      if (masks.size >= MASK_CACHE_LIMIT) masks.clear();
      mask = compileMaskSpec({ paths, detectors: document.masking.detectors });
      masks.set(key, mask);
    }
    return mask;
  };
  return { version, document, rules, candidates: compileIndex(document.rules), classifyResource: compileClassification(document), maskFor };
}

export function celBindings(intent: Intent, tags: readonly string[], now: Date): Record<string, unknown> {
  const resource = { ...intent.resource, tags: [...tags] };
  return { intent: { ...intent, resource }, requester: intent.requester, resource, now: timestampFromDate(now) };
}
