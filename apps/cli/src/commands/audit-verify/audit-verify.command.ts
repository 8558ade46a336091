import { open, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AuditExportVerifier, type ExportVerdict, type JWK } from '@countersign/platform/crypto';
import { CliError, ExitCode } from '../../shared/cli-error.js';
import type { CliIo } from '../../shared/cli-io.js';
import { eventKeysNote, loadEventVerifier, serviceSignatureCheck } from '../../shared/event-keys.js';

export interface AuditVerifyOptions {
  jwks?: string;
  eventKeys?: string;
  json?: boolean;
}

async function readOrFail(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(ExitCode.Invalid, `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function pinnedKeys(file: string | undefined): Promise<JWK[] | undefined> {
  if (file === undefined) return undefined;
  try {
    const parsed = JSON.parse(await readOrFail(file, 'key set')) as { keys?: unknown };
    if (!Array.isArray(parsed.keys)) throw new Error('no keys array');
    return parsed.keys as JWK[];
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(ExitCode.Invalid, `${file} is not a JWKS ({ "keys": [...] })`);
  }
}

/**
 * Offline: checks an export from GET /v1/audit/export — every signature, the hash chain, every leaf
 * against its payload, and the signed checkpoint's Merkle root over the events — and names the first
 * event that is wrong. Exit 0 when it all holds, 1 when it does not.
 */
export async function auditVerify(file: string, options: AuditVerifyOptions, io: CliIo): Promise<void> {
  const keys = await pinnedKeys(options.jwks);
  const { verdict, source } = await verifyFile(file, keys, options.eventKeys);
  if (options.json) io.out(JSON.stringify(verdict.ok ? { ...verdict, checkpoint: { ...verdict.checkpoint, root: verdict.checkpoint.root.toString('hex') } } : verdict, null, 2));
  if (verdict.ok) {
    if (!options.json) {
      const { checkpoint } = verdict;
      io.out(`ok: ${verdict.entries} events; signed checkpoint ${checkpoint.origin} size ${checkpoint.size}, root ${checkpoint.root.toString('hex')}`);
      if (!keys) io.out('note: keys taken from the export itself; pin them with --jwks (the log serves them at /.well-known/jwks.json)');
      for (const line of eventKeysNote(source, 'export', verdict.entries)) io.out(line);
    }
    return;
  }
  const where = verdict.seq !== undefined ? `seq ${verdict.seq}${verdict.eventId ? ` (event ${verdict.eventId})` : ''}: ` : '';
  throw new CliError(ExitCode.TestsFailed, `audit export does not verify: ${where}${verdict.reason}`);
}

/**
 * Reads the export line by line (an export of a million events is most of a gigabyte: it is never held
 * whole). The header comes first, so the event keys it carries are known before the first entry.
 */
async function verifyFile(file: string, keys: JWK[] | undefined, eventKeysFile: string | undefined) {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new CliError(ExitCode.Invalid, `cannot read export ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const lines = handle.readLines({ encoding: 'utf8' })[Symbol.asyncIterator]();
    const first = await lines.next();
    const headerLine = first.done ? '' : first.value;
    const events = await loadEventVerifier(eventKeysFile, () => {
      try {
        return (JSON.parse(headerLine) as { eventKeys?: unknown }).eventKeys;
      } catch {
        return undefined;
      }
    });
    const verifier = new AuditExportVerifier(keys, { serviceSignature: serviceSignatureCheck(events.verifier) });
    let verdict: ExportVerdict | undefined = verifier.push(headerLine);
    for (let next = await lines.next(); !verdict && !next.done; next = await lines.next()) verdict = verifier.push(next.value);
    return { verdict: verdict ?? verifier.finish(), source: events.source };
  } finally {
    await handle.close();
  }
}

export function registerAuditVerify(audit: Command, io: CliIo): void {
  audit
    .command('verify')
    .description('verify an audit export offline: signatures, hash chain, payloads, signed Merkle checkpoint')
    .argument('<file>', 'an export from GET /v1/audit/export (JSON Lines)')
    .option('--jwks <file>', "the log's public keys to trust (default: the keys inside the export)")
    .option('--event-keys <file>', "every service's public event key and owner, to check each event's service signature (default: the export's eventKeys)")
    .option('--json', 'machine-readable output')
    .action((file: string, options: AuditVerifyOptions) => auditVerify(file, options, io));
}
