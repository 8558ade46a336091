import { loadPolicyDir, PolicyValidationError, type LoadedPolicy } from '@countersign/policy-files';
import { CliError, ExitCode } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { plural, problemLines, relativeToCwd } from './problems.js';

/**
 * Loads a policy directory or prints every problem (stdout: they are the command's result, one per
 * line, as `file:line: rule id: path: message`) and fails with exit code 2.
 */
export async function loadPolicyOrFail(dir: string, io: CliIo, json: boolean): Promise<LoadedPolicy> {
  try {
    return await loadPolicyDir(dir);
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    const problems = relativeToCwd(dir, error.problems);
    io.out(json ? JSON.stringify({ ok: false, dir, problems }, null, 2) : problemLines(problems));
    throw new CliError(ExitCode.Invalid, `policy in ${dir} is invalid: ${plural(problems.length, 'problem')}`);
  }
}
