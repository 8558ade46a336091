import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAuditVerify } from './commands/audit-verify/audit-verify.command.js';
import { registerEvidence } from './commands/evidence/evidence.command.js';
import { registerMcp } from './commands/mcp/mcp.command.js';
import { registerRequest } from './commands/request/request.command.js';
import { registerStatus } from './commands/status/status.command.js';
import { registerVotes } from './commands/vote/vote.command.js';
import { registerWithdraw } from './commands/withdraw/withdraw.command.js';
import { registerPolicyExplain } from './commands/policy-explain/policy-explain.command.js';
import { registerPolicyTest } from './commands/policy-test/policy-test.command.js';
import { registerPolicyValidate } from './commands/policy-validate/policy-validate.command.js';
import type { CliIo } from './shared/cli-io.js';

function version(): string {
  // The same relative path from src/ (tests) and dist/ (the binary).
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** The whole command tree. Each command lives in its own folder and only registers itself here. */
export function buildProgram(io: CliIo, setExit: (code: number) => void = () => undefined): Command {
  const program = new Command('countersign')
    .description('Countersign: action-level approvals. Exit codes: see apps/cli/README.md.')
    .version(version())
    // Settings below are inherited by every command added after them.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.writeOut(text),
      writeErr: (text) => io.writeErr(text),
      // commander puts a "Did you mean" hint on a second line; errors stay one line for log scrapers.
      outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')}\n`),
    });
  const policy = program.command('policy').description('validate, test and explain policy files');
  registerPolicyValidate(policy, io);
  registerPolicyTest(policy, io);
  registerPolicyExplain(policy, io);
  const audit = program.command('audit').description('verify audit exports offline');
  registerAuditVerify(audit, io);
  registerEvidence(program, io);
  registerRequest(program, io, setExit);
  registerStatus(program, io);
  registerVotes(program, io);
  registerWithdraw(program, io);
  registerMcp(program, io);
  return program;
}
