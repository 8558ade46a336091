import type { Command } from 'commander';
import { callApi, serviceUrl } from '../../shared/api-client.js';
import { usageError } from '../../shared/cli-error.js';
import type { CliIo } from '../../shared/cli-io.js';
import { bearerToken, endpoints } from '../../shared/endpoints.js';

interface VoteOptions {
  reason?: string;
  tokenFile?: string;
  json?: boolean;
}

/** `countersign approve|reject REVIEW`: an API approver's vote, as the token's subject. */
export function registerVotes(program: Command, io: CliIo): void {
  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(decision)
      .description(`${decision} a review (the token's subject votes; COUNTERSIGN_POLICY_URL, default http://127.0.0.1:3002)`)
      .argument('<review>', 'the review id (an intent view names it)')
      .option('--reason <text>', decision === 'reject' ? 'why (required)' : 'optional note')
      .option('--token-file <file>', 'an OIDC token file (default COUNTERSIGN_TOKEN_FILE, else COUNTERSIGN_TOKEN)')
      .option('--json', 'machine-readable output')
      .action(async (review: string, options: VoteOptions) => {
        if (decision === 'reject' && !options.reason) throw usageError('reject needs --reason');
        const token = await bearerToken(io, options.tokenFile);
        const answer = await callApi(serviceUrl(endpoints(io).policy, `v1/reviews/${encodeURIComponent(review)}/votes`), {
          method: 'POST',
          token,
          body: { decision, ...(options.reason ? { reason: options.reason } : {}) },
          timeoutMs: 15_000,
        });
        const verdict = answer.body as { state: string; approvals: number; quorum: number };
        io.out(options.json ? JSON.stringify(verdict) : `counted: review ${review} is ${verdict.state} (${verdict.approvals}/${verdict.quorum} approvals)`);
      });
  }
}
