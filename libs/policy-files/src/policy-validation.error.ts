import type { PolicyProblem } from '@countersign/contracts';

/**
 * `file:line: rule <id>: <path>: <message>`, leaving out what a problem does not have. The `file:line`
 * prefix is what editors and CI annotators recognise as a location.
 */
export function formatProblem(p: PolicyProblem): string {
  const location = p.line !== undefined ? `${p.file}:${p.line}` : p.file;
  return [location, p.ruleId ? `rule ${p.ruleId}` : undefined, p.path || undefined, p.message].filter(Boolean).join(': ');
}

function summary(what: string, dir: string, problems: readonly PolicyProblem[]): string {
  return `${what} in ${dir} is invalid:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`;
}

/**
 * Collects every problem across every file so that an operator fixes the whole policy set in one pass;
 * boot fails with it rather than running on a partial policy.
 */
export class PolicyValidationError extends Error {
  readonly code = 'POLICY_INVALID';
  constructor(
    readonly dir: string,
    readonly problems: PolicyProblem[],
  ) {
    super(summary('policy', dir, problems));
    this.name = 'PolicyValidationError';
  }
}

/** The same for test fixtures, as its own type: a CLI tells "your policy is broken" apart from "your tests are". */
export class PolicyTestValidationError extends Error {
  readonly code = 'POLICY_TESTS_INVALID';
  constructor(
    readonly dir: string,
    readonly problems: PolicyProblem[],
  ) {
    super(summary('policy tests', dir, problems));
    this.name = 'PolicyTestValidationError';
  }
}
