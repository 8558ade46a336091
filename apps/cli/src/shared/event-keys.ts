import { readFile } from 'node:fs/promises';
import type { ChainEntry } from '@countersign/platform/crypto';
import { EventVerifier, parseEventKeys } from '@countersign/platform/event-keys';
import { CliError, ExitCode } from './cli-error.js';

export type EventKeysSource = 'pinned' | 'embedded' | 'none';

/**
 * The services' event keys to check service signatures with: the pinned file (`--event-keys`, the
 * deployment's EVENT_KEYS_FILE) when given, else the ones the export or package carries, else none.
 */
export async function loadEventVerifier(pinnedFile: string | undefined, embedded: () => unknown): Promise<{ verifier?: EventVerifier; source: EventKeysSource }> {
  let json: unknown;
  if (pinnedFile !== undefined) {
    let text: string;
    try {
      text = await readFile(pinnedFile, 'utf8');
    } catch (error) {
      throw new CliError(ExitCode.Invalid, `cannot read event keys ${pinnedFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    try {
      json = JSON.parse(text);
    } catch {
      throw new CliError(ExitCode.Invalid, `${pinnedFile} is not JSON`);
    }
  } else {
    json = embedded();
    if (json === undefined) return { source: 'none' };
  }
  try {
    return { verifier: new EventVerifier(parseEventKeys(json)), source: pinnedFile !== undefined ? 'pinned' : 'embedded' };
  } catch (error) {
    throw new CliError(ExitCode.Invalid, `${pinnedFile ?? 'the embedded event keys'}: not usable: ${(error as Error).message}`);
  }
}

/** A per-entry check for the platform verifiers: why an entry's service signature fails, or undefined. */
export function serviceSignatureCheck(verifier: EventVerifier | undefined): ((entry: Pick<ChainEntry, 'payload' | 'serviceSignature'>) => string | undefined) | undefined {
  if (!verifier) return undefined;
  return (entry) => {
    const type = (entry.payload as { type?: unknown } | null)?.type;
    const check = verifier.verifyView(typeof type === 'string' ? type : '', entry.payload, entry.serviceSignature);
    return check.ok ? undefined : check.reason;
  };
}

/** The notes both verify commands print about where the event keys came from. */
export function eventKeysNote(source: EventKeysSource, what: string, checked: number): string[] {
  if (source === 'none') return [`note: service signatures NOT checked: the ${what} names no event keys; pass --event-keys`];
  return [
    ...(source === 'embedded' ? [`note: service signatures checked against the ${what}'s own event keys; pin them with --event-keys (EVENT_KEYS_FILE)`] : []),
    `service signatures: ${checked} events, each signed by a service that owns its type`,
  ];
}
