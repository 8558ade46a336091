import { isAbsolute, join } from 'node:path';
import type { PolicyProblem } from '@countersign/contracts';
import { formatProblem } from '@countersign/policy-files';

/**
 * Problems name files relative to the directory they were loaded from (that is what the service
 * publishes); on a terminal or in CI the path must open from where the command ran.
 */
export function relativeToCwd(dir: string, problems: readonly PolicyProblem[]): PolicyProblem[] {
  return problems.map((p) => (p.file === dir || isAbsolute(p.file) ? p : { ...p, file: join(dir, p.file) }));
}

export function problemLines(problems: readonly PolicyProblem[]): string {
  return problems.map(formatProblem).join('\n');
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
