import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { explain, hmacTokenizer, MIN_MASK_KEY_BYTES } from '@countersign/domain';
import { usageError } from '../../shared/cli-error.js';
import type { CliIo } from '../../shared/cli-io.js';
import { loadPolicyOrFail } from '../../shared/load-policy.js';
import type { ExplanationBody } from './explanation-body.js';
import { formatExplanation } from './format-explanation.js';
import { readLocalIntent, readRemoteIntent } from './read-intent-file.js';
import { explainRemotely, type ExplainResult } from './remote-explain.js';

export const TOKEN_ENV = 'COUNTERSIGN_TOKEN';
const DEFAULT_TIMEOUT_SECONDS = 30;

export interface PolicyExplainOptions {
  intent: string;
  url?: string;
  json?: boolean;
  now?: Date;
  timeout: number;
}

async function explainLocally(dir: string, options: PolicyExplainOptions, io: CliIo): Promise<ExplainResult> {
  const json = options.json === true;
  const { compiled } = await loadPolicyOrFail(dir, io, json);
  const intent = await readLocalIntent(options.intent, io, json);
  // A throwaway key: the output shows where values were masked, and no token from it can be compared elsewhere.
  const tokenize = hmacTokenizer(randomBytes(MIN_MASK_KEY_BYTES));
  const explanation: ExplanationBody = explain(compiled, intent, { now: options.now ?? new Date(), tokenize });
  return { explanation, raw: explanation };
}

async function explainOnServer(url: string, options: PolicyExplainOptions, io: CliIo): Promise<ExplainResult> {
  if (options.now !== undefined) throw usageError('--now applies to a local explain only; the server uses its own clock');
  const token = io.env[TOKEN_ENV];
  if (!token) throw usageError(`${TOKEN_ENV} is not set; the server explains for the identity of that bearer token`);
  const intent = await readRemoteIntent(options.intent, io, options.json === true);
  return explainRemotely({ baseUrl: url, token, intent, timeoutMs: options.timeout * 1000 });
}

export async function policyExplain(dir: string | undefined, options: PolicyExplainOptions, io: CliIo): Promise<void> {
  const { url } = options;
  if ((dir === undefined) === (url === undefined)) {
    throw usageError('give either a policy directory (local dry run) or --url of a policy service, not both');
  }
  const { explanation, raw } = url !== undefined ? await explainOnServer(url, options, io) : await explainLocally(dir ?? '.', options, io);
  io.out(options.json ? JSON.stringify(raw, null, 2) : formatExplanation(explanation));
}

function parseInstant(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('expected an ISO 8601 instant such as 2026-03-02T10:00:00Z');
  }
  return date;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) throw new InvalidArgumentError('expected whole seconds from 1 to 600');
  return seconds;
}

export function registerPolicyExplain(policy: Command, io: CliIo): void {
  policy
    .command('explain')
    .description('show how a policy decides an intent: locally from DIR, or as the service at --url decides it for you')
    .argument('[dir]', 'policy directory for a local dry run')
    .requiredOption('--intent <file>', 'intent as JSON or YAML (locally with a requester, remotely without)')
    .option('--url <url>', `policy service to ask (POST /v1/policy/explain) with the bearer token in ${TOKEN_ENV}`)
    .option('--now <instant>', 'evaluate a local dry run at this ISO 8601 instant (default: the current time)', parseInstant)
    .option('--timeout <seconds>', 'how long to wait for the service', parseSeconds, DEFAULT_TIMEOUT_SECONDS)
    .option('--json', 'print the Explanation as JSON')
    .action((dir: string | undefined, options: PolicyExplainOptions) => policyExplain(dir, options, io));
}
