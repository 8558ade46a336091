import type { Command } from 'commander';
import { callApi, serviceUrl } from '../../shared/api-client.js';
import type { CliIo } from '../../shared/cli-io.js';
import { bearerToken, endpoints } from '../../shared/endpoints.js';

/** `countersign status ID`: the intent as its requester (or an auditor) may see it. */
export function registerStatus(program: Command, io: CliIo): void {
  program
    .command('status')
    .description("an intent's state, decision and reasons")
    .argument('<id>', 'the intent id')
    .option('--url <url>', 'intake (default COUNTERSIGN_URL or http://127.0.0.1:3001)')
    .option('--token-file <file>', 'an OIDC token file (default COUNTERSIGN_TOKEN_FILE, else COUNTERSIGN_TOKEN)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, options: { url?: string; tokenFile?: string; json?: boolean }) => {
      const token = await bearerToken(io, options.tokenFile);
      const answer = await callApi(serviceUrl(endpoints(io, options.url).intake, `v1/intents/${encodeURIComponent(id)}`), { token, timeoutMs: 15_000 });
      const view = answer.body as { id: string; state: string; decision?: string | null; reasons?: string[] | null; reviewId?: string | null };
      if (options.json) return io.out(JSON.stringify(view, null, 2));
      io.out(`${view.id}: ${view.state}${view.decision ? ` (decision ${view.decision})` : ''}${view.reviewId ? `, review ${view.reviewId}` : ''}`);
      for (const reason of view.reasons ?? []) io.out(`  - ${reason}`);
    });
}
