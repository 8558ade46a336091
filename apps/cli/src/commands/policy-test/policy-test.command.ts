import { join } from 'node:path';
import type { Command } from 'commander';
import { loadPolicyTests, PolicyTestValidationError, runPolicyTests, type LoadedPolicyTests } from '@countersign/policy-files';
import { CliError, ExitCode } from '../../shared/cli-error.js';
import type { CliIo } from '../../shared/cli-io.js';
import { loadPolicyOrFail } from '../../shared/load-policy.js';
import { plural, problemLines, relativeToCwd } from '../../shared/problems.js';
import { formatTestReport, reportJson } from './format-test-report.js';

export interface PolicyTestOptions {
  tests?: string;
  json?: boolean;
}

async function loadTestsOrFail(dir: string, io: CliIo, json: boolean): Promise<LoadedPolicyTests> {
  try {
    return await loadPolicyTests(dir);
  } catch (error) {
    if (!(error instanceof PolicyTestValidationError)) throw error;
    const problems = relativeToCwd(dir, error.problems);
    io.out(json ? JSON.stringify({ ok: false, dir, problems }, null, 2) : problemLines(problems));
    throw new CliError(ExitCode.Invalid, `policy tests in ${dir} are invalid: ${plural(problems.length, 'problem')}`);
  }
}

export async function policyTest(dir: string, options: PolicyTestOptions, io: CliIo): Promise<void> {
  const json = options.json === true;
  const { compiled } = await loadPolicyOrFail(dir, io, json);
  const testsDir = options.tests ?? join(dir, 'tests');
  const { tests } = await loadTestsOrFail(testsDir, io, json);
  const report = runPolicyTests(compiled, tests);
  io.out(json ? JSON.stringify(reportJson(testsDir, report), null, 2) : formatTestReport(testsDir, report));
  if (report.failed > 0) {
    throw new CliError(ExitCode.TestsFailed, `${report.failed} of ${plural(report.results.length, 'policy test')} failed`);
  }
}

export function registerPolicyTest(policy: Command, io: CliIo): void {
  policy
    .command('test')
    .description('run the YAML test fixtures against the policy in DIR; exit 1 if any fails')
    .argument('<dir>', 'policy directory')
    .option('--tests <dir>', 'fixture directory (default: DIR/tests)')
    .option('--json', 'machine-readable output')
    .action((dir: string, options: PolicyTestOptions) => policyTest(dir, options, io));
}
