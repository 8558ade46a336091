import { readFile } from 'node:fs/promises';
import { CliError, ExitCode, usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

export interface Endpoints {
  intake: string;
  policy: string;
  broker: string;
}

/** Where the services are: flags win, then the environment, then the local defaults of `npm start`. */
export function endpoints(io: CliIo, url?: string): Endpoints {
  return {
    intake: url ?? io.env['COUNTERSIGN_URL'] ?? 'http://127.0.0.1:3001',
    policy: io.env['COUNTERSIGN_POLICY_URL'] ?? 'http://127.0.0.1:3002',
    broker: io.env['COUNTERSIGN_BROKER_URL'] ?? 'http://127.0.0.1:3004',
  };
}

/**
 * The bearer token: a token file (an OIDC token a CI system or Kubernetes writes and refreshes, read at
 * each use) or COUNTERSIGN_TOKEN. Never printed.
 */
export async function bearerToken(io: CliIo, tokenFile?: string): Promise<string> {
  const file = tokenFile ?? io.env['COUNTERSIGN_TOKEN_FILE'];
  if (file) {
    try {
      const token = (await readFile(file, 'utf8')).trim();
      if (token) return token;
    } catch (error) {
      throw new CliError(ExitCode.Invalid, `cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    throw new CliError(ExitCode.Invalid, `the token file ${file} is empty`);
  }
  const token = io.env['COUNTERSIGN_TOKEN'];
  if (!token) throw usageError('no token: set COUNTERSIGN_TOKEN or COUNTERSIGN_TOKEN_FILE, or pass --token-file');
  return token;
}
