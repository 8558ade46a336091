import type { Command } from 'commander';
import { ApprovalError, withdrawIntent } from '@countersign/sdk';
import type { CliIo } from '../../shared/cli-io.js';
import { endpoints, tokenSource } from '../../shared/endpoints.js';
import { approvalExit } from '../request/approval-exit.js';

/** `countersign withdraw ID`: the requester takes back an undecided intent (e.g. one submitted without --wait). */
export function registerWithdraw(program: Command, io: CliIo): void {
  program
    .command('withdraw')
    .description('withdraw an undecided intent of your own: reviewers are no longer asked, no grant is minted')
    .argument('<id>', 'the intent id')
    .option('--reason <text>', 'why, for the audit trail and the reviewers')
    .option('--url <url>', 'intake (default COUNTERSIGN_URL or http://127.0.0.1:3001)')
    .option('--token-file <file>', 'an OIDC token file (default COUNTERSIGN_TOKEN_FILE, else COUNTERSIGN_TOKEN)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, options: { reason?: string; url?: string; tokenFile?: string; json?: boolean }) => {
      const token = tokenSource(io, options.tokenFile);
      await token();
      try {
        const view = await withdrawIntent(id, { intakeUrl: endpoints(io, options.url).intake, token, ...(options.reason ? { reason: options.reason } : {}) });
        io.out(options.json ? JSON.stringify(view) : `${view.id}: ${view.state === 'withdrawn' ? 'withdrawn' : `withdrawal on its way (still ${view.state})`}`);
      } catch (error) {
        if (error instanceof ApprovalError) throw approvalExit(error, false);
        throw error;
      }
    });
}
