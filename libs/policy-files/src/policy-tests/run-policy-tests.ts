import { randomBytes } from 'node:crypto';
import type { Decision } from '@countersign/contracts';
import { explain, hmacTokenizer, MIN_MASK_KEY_BYTES, type CompiledPolicy, type Explanation, type Tokenizer } from '@countersign/domain';
import type { PolicyTest, TestExpectation } from './test-fixture.js';

/** What a test saw, in the terms a fixture uses; enough to write the expectation from a failure. */
export interface ActualOutcome {
  decision: Decision;
  rules: string[];
  tags: string[];
  reasons: string[];
  masked: string[];
  review?: { approvers: string[]; quorum: number; ttlSeconds: number; stepUp: boolean; breakGlass: boolean };
  grant?: { audience: string; claimWithinSeconds: number; useWithinSeconds: number };
}

export interface PolicyTestResult {
  file: string;
  line?: number;
  name: string;
  passed: boolean;
  /** Every difference from the expectation, in words: `quorum: expected 2, got 1`. */
  mismatches: string[];
  actual?: ActualOutcome;
}

export interface PolicyTestReport {
  policyVersion: string;
  passed: number;
  failed: number;
  results: PolicyTestResult[];
}

export interface RunPolicyTestsOptions {
  /** Default: HMAC with a random key per run; masked paths never depend on the key, only the tokens do. */
  tokenize?: Tokenizer;
}

/** `3600` → `1h`: durations read back the way a policy writes them. */
export function formatSeconds(seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

const list = (xs: readonly string[]): string => `[${xs.join(', ')}]`;
const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

function compareSet(what: string, expected: readonly string[], actual: readonly string[]): string | undefined {
  const want = sorted(expected);
  const got = sorted(actual);
  if (want.join('\n') === got.join('\n')) return undefined;
  const missing = want.filter((x) => !got.includes(x));
  const extra = got.filter((x) => !want.includes(x));
  const detail = [missing.length > 0 ? `missing ${list(missing)}` : '', extra.length > 0 ? `unexpected ${list(extra)}` : '']
    .filter(Boolean)
    .join(', ');
  return `${what}: expected ${list(want)}, got ${list(got)} (${detail})`;
}

function compareValue<T extends string | number | boolean>(
  what: string,
  expected: T | undefined,
  actual: T | undefined,
  show: (value: T) => string = String,
): string | undefined {
  if (expected === undefined || expected === actual) return undefined;
  return `${what}: expected ${show(expected)}, got ${actual === undefined ? 'none' : show(actual)}`;
}

export function actualOutcome(explanation: Explanation): ActualOutcome {
  const { review, grant } = explanation;
  return {
    decision: explanation.decision,
    rules: explanation.ruleIds,
    tags: explanation.tags,
    reasons: explanation.reasons,
    masked: sorted(explanation.masked.values.map((v) => v.path)),
    ...(review
      ? {
          review: {
            approvers: review.approverGroups,
            quorum: review.quorum,
            ttlSeconds: review.ttlSeconds,
            stepUp: review.stepUp,
            breakGlass: review.breakGlass,
          },
        }
      : {}),
    ...(grant ? { grant: { audience: grant.audience, claimWithinSeconds: grant.claimTtlSeconds, useWithinSeconds: grant.useTtlSeconds } } : {}),
  };
}

/** Every way `actual` differs from `expect`; empty when the test passes. */
export function compareOutcome(expect: TestExpectation, actual: ActualOutcome): string[] {
  const review = actual.review;
  const grant = actual.grant;
  const missingTags = (expect.tags ?? []).filter((t) => !actual.tags.includes(t));
  const { reason } = expect;
  const reasonFound = reason === undefined || actual.reasons.some((r) => r.includes(reason));
  const mismatches = [
    compareValue('decision', expect.decision, actual.decision),
    expect.approvers && compareSet('approvers', expect.approvers, review?.approvers ?? []),
    compareValue('quorum', expect.quorum, review?.quorum),
    compareValue('ttl', expect.ttl, review?.ttlSeconds, formatSeconds),
    compareValue('stepUp', expect.stepUp, review?.stepUp),
    compareValue('breakGlass', expect.breakGlass, review?.breakGlass),
    expect.rules && compareSet('rules', expect.rules, actual.rules),
    missingTags.length > 0 ? `tags: expected ${list(missingTags)} among the tags, got ${list(actual.tags)}` : undefined,
    expect.masked && compareSet('masked', expect.masked, actual.masked),
    reasonFound ? undefined : `reason: expected a reason containing "${expect.reason}", got ${JSON.stringify(actual.reasons)}`,
    compareValue('grant.audience', expect.grant?.audience, grant?.audience),
    compareValue('grant.claimWithin', expect.grant?.claimWithin, grant?.claimWithinSeconds, formatSeconds),
    compareValue('grant.useWithin', expect.grant?.useWithin, grant?.useWithinSeconds, formatSeconds),
  ];
  return mismatches.filter((m): m is string => typeof m === 'string');
}

/**
 * Runs each fixture's intent through `explain` (the service's own evaluation) and compares. Pure apart
 * from the default tokenizer's random key; nothing is published or stored.
 */
export function runPolicyTests(compiled: CompiledPolicy, tests: readonly PolicyTest[], options: RunPolicyTestsOptions = {}): PolicyTestReport {
  const tokenize = options.tokenize ?? hmacTokenizer(randomBytes(MIN_MASK_KEY_BYTES));
  const results = tests.map((test): PolicyTestResult => {
    const where = { file: test.file, ...(test.line !== undefined ? { line: test.line } : {}), name: test.name };
    let actual: ActualOutcome;
    try {
      actual = actualOutcome(explain(compiled, test.intent, { now: test.now, tokenize }));
    } catch (error) {
      // One intent that breaks evaluation must not hide the results of all the others.
      return { ...where, passed: false, mismatches: [`evaluation failed: ${(error as Error).message}`] };
    }
    const mismatches = compareOutcome(test.expect, actual);
    return { ...where, passed: mismatches.length === 0, mismatches, actual };
  });
  const passed = results.filter((r) => r.passed).length;
  return { policyVersion: compiled.version, passed, failed: results.length - passed, results };
}
