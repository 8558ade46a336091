/** One thing wrong with one policy file; `path` is the zod path inside the document ('' for the file). */
export interface PolicyProblem {
  file: string;
  ruleId?: string;
  path: string;
  message: string;
}

function describe(p: PolicyProblem): string {
  const where = [p.file, p.ruleId ? `rule ${p.ruleId}` : undefined, p.path || undefined].filter(Boolean).join(': ');
  return `${where}: ${p.message}`;
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
    super(`policy in ${dir} is invalid:\n${problems.map((p) => `  - ${describe(p)}`).join('\n')}`);
    this.name = 'PolicyValidationError';
  }
}
