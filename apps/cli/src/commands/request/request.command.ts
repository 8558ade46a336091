import type { Command } from 'commander';
import { ApprovalError, requireApproval, submitIntent, type IntentViewResponse } from '@countersign/sdk';
import { callApi, serviceUrl } from '../../shared/api-client.js';
import { ExitCode, usageError } from '../../shared/cli-error.js';
import type { CliIo } from '../../shared/cli-io.js';
import { parseDuration } from '../../shared/duration.js';
import { endpoints, tokenSource } from '../../shared/endpoints.js';
import { approvalExit } from './approval-exit.js';
import { buildRequest, type RequestFlags } from './build-request.js';
import { LiveStatus } from './live-status.js';
import { runWithGrant, writeGrantFile } from './deliver-grant.js';

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

/** One line on stderr per change: who is asked and how many have voted, never the grant. */
async function describe(view: IntentViewResponse, policyUrl: string, token: string): Promise<string> {
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

/** Ctrl-C while waiting aborts the wait; the SDK then withdraws the intent. */
function onInterrupt(controller: AbortController): () => void {
  const abort = () => controller.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', abort);
  return () => process.removeListener('SIGINT', abort);
}

export async function request(options: RequestOptions, command: string[], io: CliIo): Promise<number> {
  const body = buildRequest(options);
  const urls = endpoints(io, options.url);
  const token = tokenSource(io, options.tokenFile);
  // Fail on a missing or unreadable token before anything is sent.
  await token();
  if (command.length > 0 && !options.wait) throw usageError('running a command with the grant needs --wait');
  const timeoutMs = parseDuration(options.timeout);
  const interrupt = new AbortController();
  const stopListening = options.wait ? onInterrupt(interrupt) : () => undefined;
  const started = Date.now();
  // On a terminal one line is redrawn in place (spinner, time, who is asked, votes); else one line per change.
  const live = options.wait && io.stderrIsTTY && !options.json ? new LiveStatus({ io, startedAt: started }) : undefined;
  const onState = async (view: IntentViewResponse) => {
    const line = await describe(view, urls.policy, await token());
    if (!live) return io.err(`[${Math.round((Date.now() - started) / 1000)}s] ${line}`);
    live.update(line, view.state === 'pending_review' ? async () => describe(view, urls.policy, await token()) : null);
  };
  let claimed;
  try {
    if (!options.wait) {
      const submitted = await submitIntent(body, { intakeUrl: urls.intake, token, requestTimeoutMs: HTTP_TIMEOUT_MS });
      io.out(options.json ? JSON.stringify({ id: submitted.id, state: submitted.state }) : submitted.id);
      return ExitCode.Ok;
    }
    live?.start();
    claimed = await requireApproval(body, {
      intakeUrl: urls.intake,
      brokerUrl: urls.broker,
      token,
      timeoutMs,
      requestTimeoutMs: HTTP_TIMEOUT_MS,
      signal: interrupt.signal,
      onState,
    });
  } catch (error) {
    if (error instanceof ApprovalError) throw approvalExit(error, interrupt.signal.aborted);
    throw error;
  } finally {
    stopListening();
    live?.stop(live.summary());
  }
  const id = claimed.intentId;
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
    .description('submit an action intent; with --wait, wait for the decision and claim the grant (Ctrl-C withdraws it)')
    .requiredOption('--action <verb>', 'dotted action, e.g. db.export')
    .requiredOption('--resource <kind:env/id>', 'e.g. db:prod/customers')
    .option('--arg <key=value...>', 'an argument (repeatable); JSON values are parsed: rows=5, flags=[1,2]')
    .option('--tag <tag...>', 'a resource tag (repeatable)')
    .requiredOption('--justification <text>', 'why, for the reviewers')
    .option('--url <url>', 'intake (default COUNTERSIGN_URL or http://127.0.0.1:3001)')
    .option('--token-file <file>', 'an OIDC token file (default COUNTERSIGN_TOKEN_FILE, else COUNTERSIGN_TOKEN, else GitHub Actions OIDC)')
    .option('--wait', 'wait for the decision, then claim the grant')
    .option('--timeout <duration>', 'how long --wait waits', '15m')
    .option('--out <file>', 'write the grant to this file (0600) instead of stdout')
    .option('--env-file <file>', 'write COUNTERSIGN_GRANT=… to this env file')
    .option('--json', 'machine-readable output')
    .argument('[command...]', 'after --: run this command with COUNTERSIGN_GRANT in its environment')
    .action(async (command: string[], options: RequestOptions) => setExit(await request(options, command, io)));
}
