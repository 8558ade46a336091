import type { Command } from 'commander';
import { callApi, serviceUrl } from '../../shared/api-client.js';
import { CliError, ExitCode, usageError } from '../../shared/cli-error.js';
import type { CliIo } from '../../shared/cli-io.js';
import { bearerToken, endpoints } from '../../shared/endpoints.js';
import { buildRequest, type RequestFlags } from './build-request.js';
import { runWithGrant, writeGrantFile, type ClaimedGrant } from './deliver-grant.js';
import { waitForOutcome, type IntentView } from './wait-for-outcome.js';

export interface RequestOptions extends RequestFlags {
  url?: string;
  tokenFile?: string;
  wait?: boolean;
  timeout: string;
  json?: boolean;
  out?: string;
  envFile?: string;
}

const HTTP_TIMEOUT_MS = 15_000;

export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(text);
  if (!m) throw usageError(`--timeout ${text} must be a duration such as 90s, 15m or 2h`);
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}

const OUTCOME_EXIT: Record<string, { code: number; what: string }> = {
  denied: { code: ExitCode.Denied, what: 'denied by policy' },
  rejected: { code: ExitCode.Rejected, what: 'rejected by a reviewer' },
  expired: { code: ExitCode.Expired, what: 'the review expired without a decision' },
  grant_expired: { code: ExitCode.Expired, what: 'the grant expired before it was claimed' },
  withdrawn: { code: ExitCode.Refused, what: 'withdrawn' },
  revoked: { code: ExitCode.Refused, what: 'the grant was revoked' },
  claimed: { code: ExitCode.Refused, what: 'the grant was already claimed elsewhere' },
  redeemed: { code: ExitCode.Refused, what: 'the grant was already used' },
};

/** One line on stderr per change: who is asked and how many have voted, never the grant. */
async function describe(view: IntentView, policyUrl: string, token: string): Promise<string> {
  if (view.state !== 'pending_review' || !view.reviewId) return `${view.id}: ${view.state}`;
  try {
    const answer = await callApi(serviceUrl(policyUrl, `v1/reviews/${view.reviewId}`), { token, timeoutMs: 5_000, accept: [404] });
    const review = answer.body as { requirement?: { approverGroups: string[]; quorum: number }; votes?: unknown[]; expiresAt?: string } | undefined;
    if (answer.status === 200 && review?.requirement) {
      return `${view.id}: waiting for ${review.requirement.approverGroups.join(' + ')} (${review.votes?.length ?? 0}/${review.requirement.quorum} votes, expires ${review.expiresAt ?? '?'})`;
    }
  } catch {
    // The status line is a courtesy; the wait goes on without it.
  }
  return `${view.id}: pending review`;
}

export async function request(options: RequestOptions, command: string[], io: CliIo): Promise<number> {
  const body = buildRequest(options);
  const urls = endpoints(io, options.url);
  const token = await bearerToken(io, options.tokenFile);
  if (command.length > 0 && !options.wait) throw usageError('running a command with the grant needs --wait');
  const submitted = await callApi(serviceUrl(urls.intake, 'v1/intents'), { method: 'POST', token, body, timeoutMs: HTTP_TIMEOUT_MS });
  const id = (submitted.body as { id: string }).id;
  if (!options.wait) {
    io.out(options.json ? JSON.stringify({ id, state: (submitted.body as { state?: string }).state ?? 'submitted' }) : id);
    return ExitCode.Ok;
  }
  const started = Date.now();
  const outcome = await waitForOutcome({
    intakeUrl: urls.intake,
    token,
    id,
    deadline: started + parseDuration(options.timeout),
    onState: async (view) => io.err(`[${Math.round((Date.now() - started) / 1000)}s] ${await describe(view, urls.policy, token)}`),
  });
  if (outcome === 'timeout') throw new CliError(ExitCode.TimedOut, `no decision on ${id} within ${options.timeout}`);
  const failed = OUTCOME_EXIT[outcome.state];
  if (failed) {
    const reasons = outcome.reasons?.length ? `: ${outcome.reasons.join('; ')}` : '';
    throw new CliError(failed.code as ExitCode, `${id} ${failed.what}${reasons}`);
  }
  const claim = await callApi(serviceUrl(urls.broker, 'v1/grants/claim'), { method: 'POST', token, body: { intentId: id }, timeoutMs: HTTP_TIMEOUT_MS });
  const claimed = claim.body as ClaimedGrant;
  if (options.out) await writeGrantFile(options.out, `${claimed.grant}\n`);
  if (options.envFile) await writeGrantFile(options.envFile, `COUNTERSIGN_GRANT=${claimed.grant}\nCOUNTERSIGN_GRANT_AUDIENCE=${claimed.audience}\n`);
  if (command.length > 0) return runWithGrant(command, claimed, io.env);
  if (options.json) io.out(JSON.stringify({ id, state: 'claimed', ...(options.out || options.envFile ? {} : { grant: claimed.grant }), audience: claimed.audience, expiresAt: claimed.expiresAt }));
  else if (!options.out && !options.envFile) io.out(claimed.grant);
  else io.err(`${id}: grant written (audience ${claimed.audience}, expires ${claimed.expiresAt})`);
  return ExitCode.Ok;
}

export function registerRequest(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('request')
    .description('submit an action intent; with --wait, wait for the decision and claim the grant')
    .requiredOption('--action <verb>', 'dotted action, e.g. db.export')
    .requiredOption('--resource <kind:env/id>', 'e.g. db:prod/customers')
    .option('--arg <key=value...>', 'an argument (repeatable); JSON values are parsed: rows=5, flags=[1,2]')
    .option('--tag <tag...>', 'a resource tag (repeatable)')
    .requiredOption('--justification <text>', 'why, for the reviewers')
    .option('--url <url>', 'intake (default COUNTERSIGN_URL or http://127.0.0.1:3001)')
    .option('--token-file <file>', 'an OIDC token file (default COUNTERSIGN_TOKEN_FILE, else COUNTERSIGN_TOKEN)')
    .option('--wait', 'wait for the decision, then claim the grant')
    .option('--timeout <duration>', 'how long --wait waits', '15m')
    .option('--out <file>', 'write the grant to this file (0600) instead of stdout')
    .option('--env-file <file>', 'write COUNTERSIGN_GRANT=… to this env file')
    .option('--json', 'machine-readable output')
    .argument('[command...]', 'after --: run this command with COUNTERSIGN_GRANT in its environment')
    .action(async (command: string[], options: RequestOptions) => setExit(await request(options, command, io)));
}
