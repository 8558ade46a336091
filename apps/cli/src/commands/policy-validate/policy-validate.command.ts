import type { Command } from 'commander';
import type { CliIo } from '../../shared/cli-io.js';
import { loadPolicyOrFail } from '../../shared/load-policy.js';
import { plural } from '../../shared/problems.js';

export interface PolicyValidateOptions {
  json?: boolean;
}

export async function policyValidate(dir: string, options: PolicyValidateOptions, io: CliIo): Promise<void> {
  const { compiled, files } = await loadPolicyOrFail(dir, io, options.json === true);
  const rules = compiled.document.rules.length;
  if (options.json) {
    io.out(JSON.stringify({ ok: true, dir, files, rules, version: compiled.version }, null, 2));
    return;
  }
  io.out(`ok: ${plural(rules, 'rule')} in ${files.join(', ')}, version ${compiled.version}`);
}

export function registerPolicyValidate(policy: Command, io: CliIo): void {
  policy
    .command('validate')
    .description('check every policy file in DIR; print each problem as file:line: rule id: path: message')
    .argument('<dir>', 'policy directory (its top-level *.yaml / *.yml files)')
    .option('--json', 'machine-readable output')
    .action((dir: string, options: PolicyValidateOptions) => policyValidate(dir, options, io));
}
