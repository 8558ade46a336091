import { TokenSourceError, tokenFromEnvironment, type TokenSourceErrorCode } from '@countersign/sdk';
import { CliError, ExitCode } from './cli-error.js';
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

const TOKEN_EXIT: Record<TokenSourceErrorCode, ExitCode> = {
  NO_TOKEN: ExitCode.Usage,
  TOKEN_FILE_UNREADABLE: ExitCode.Invalid,
  OIDC_REQUEST_FAILED: ExitCode.Unreachable,
};

/**
 * Where the bearer token comes from (the SDK's order): a token file (an OIDC token a CI system or
 * Kubernetes writes and refreshes, read at each use), COUNTERSIGN_TOKEN, or GitHub Actions' OIDC token.
 * Never printed. Each call of the returned function fails as a CliError with the right exit code.
 */
export function tokenSource(io: CliIo, tokenFile?: string): () => Promise<string> {
  const source = tokenFromEnvironment(io.env, { tokenFile });
  return async () => {
    try {
      return await source();
    } catch (error) {
      if (error instanceof TokenSourceError) throw new CliError(TOKEN_EXIT[error.code], error.message);
      throw error;
    }
  };
}

/** The current token, checked before anything is sent. */
export function bearerToken(io: CliIo, tokenFile?: string): Promise<string> {
  return tokenSource(io, tokenFile)();
}
