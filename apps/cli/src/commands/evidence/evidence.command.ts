import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { unzipSync } from 'fflate';
import { verifyEvidence, type JWK } from '@countersign/platform/crypto';
import { CliError, ExitCode, usageError } from '../../shared/cli-error.js';
import type { CliIo } from '../../shared/cli-io.js';
import { eventKeysNote, loadEventVerifier, serviceSignatureCheck } from '../../shared/event-keys.js';

export interface EvidenceExportOptions {
  url: string;
  from: string;
  to: string;
  out: string;
}

/** Downloads the evidence ZIP for a period with the token in COUNTERSIGN_TOKEN (an auditor's). */
export async function evidenceExport(options: EvidenceExportOptions, io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const token = env['COUNTERSIGN_TOKEN'];
  if (!token) throw usageError('COUNTERSIGN_TOKEN is not set (an auditor token)');
  for (const [name, value] of [['--from', options.from], ['--to', options.to]] as const) {
    if (Number.isNaN(Date.parse(value))) throw usageError(`${name} must be an ISO 8601 date-time, got ${value}`);
  }
  const url = new URL('v1/evidence', options.url.endsWith('/') ? options.url : `${options.url}/`);
  url.searchParams.set('from', new Date(options.from).toISOString());
  url.searchParams.set('to', new Date(options.to).toISOString());
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new CliError(ExitCode.Unreachable, `cannot reach ${url.origin}: ${(error as Error).message}`);
  }
  if (res.status >= 500) throw new CliError(ExitCode.Unreachable, `the audit service answered ${res.status}`);
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new CliError(ExitCode.Refused, `refused (${res.status} ${body.error?.code ?? ''}): ${body.error?.message ?? res.statusText}`);
  }
  const zip = Buffer.from(await res.arrayBuffer());
  await writeFile(options.out, zip);
  io.out(`wrote ${options.out} (${zip.length} bytes)`);
}

/** Offline check of an evidence ZIP: manifest signature, file hashes, checkpoint, inclusion proofs. */
export async function evidenceVerify(file: string, options: { jwks?: string; eventKeys?: string }, io: CliIo): Promise<void> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(new Uint8Array(await readFile(file)));
  } catch (error) {
    throw new CliError(ExitCode.Invalid, `cannot read ${file} as a ZIP: ${(error as Error).message}`);
  }
  let keys: JWK[] | undefined;
  if (options.jwks) {
    try {
      keys = (JSON.parse(await readFile(options.jwks, 'utf8')) as { keys: JWK[] }).keys;
    } catch {
      throw new CliError(ExitCode.Invalid, `${options.jwks} is not a JWKS`);
    }
  }
  const packaged = files['event-keys.json'];
  const events = await loadEventVerifier(options.eventKeys, () => {
    try {
      return packaged ? (JSON.parse(Buffer.from(packaged).toString('utf8')) as unknown) : undefined;
    } catch {
      return undefined;
    }
  });
  const verdict = verifyEvidence(files, keys, { serviceSignature: serviceSignatureCheck(events.verifier) });
  if (!verdict.ok) throw new CliError(ExitCode.TestsFailed, `evidence does not verify: ${verdict.reason}`);
  io.out(`ok: ${verdict.population} intents, ${verdict.events} events proven in the signed tree of size ${verdict.checkpoint.size} (root ${verdict.checkpoint.root})`);
  if (verdict.keysFrom === 'package') io.out('note: keys taken from the package itself; pin them with --jwks');
  for (const line of eventKeysNote(events.source, 'package', verdict.events)) io.out(line);
}

export function registerEvidence(program: Command, io: CliIo): void {
  const evidence = program.command('evidence').description('SOC 2 / ISO 27001 evidence packages');
  evidence
    .command('export')
    .description('download the evidence ZIP for a period (token: COUNTERSIGN_TOKEN)')
    .requiredOption('--url <url>', 'the audit service, e.g. http://127.0.0.1:3005')
    .requiredOption('--from <time>', 'start, ISO 8601 (inclusive)')
    .requiredOption('--to <time>', 'end, ISO 8601 (exclusive)')
    .requiredOption('--out <file>', 'where to write the ZIP')
    .action((options: EvidenceExportOptions) => evidenceExport(options, io));
  evidence
    .command('verify')
    .description('verify an evidence ZIP offline')
    .argument('<file>', 'the ZIP from evidence export')
    .option('--jwks <file>', "the log's public keys to trust (default: keys.json inside the package)")
    .option('--event-keys <file>', "every service's public event key and owner (default: event-keys.json inside the package)")
    .action((file: string, options: { jwks?: string; eventKeys?: string }) => evidenceVerify(file, options, io));
}
