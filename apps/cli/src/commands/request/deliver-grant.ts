import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { CliError, ExitCode } from '../../shared/cli-error.js';

export interface ClaimedGrant {
  grant: string;
  expiresAt: string;
  audience: string;
  jti: string;
}

/** The grant goes to exactly one place the user chose: a file (0600), an env file, or a command's environment. */
export async function writeGrantFile(file: string, content: string): Promise<void> {
  try {
    await writeFile(file, content, { mode: 0o600 });
  } catch (error) {
    throw new CliError(ExitCode.Invalid, `cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** Runs `command` with the grant in COUNTERSIGN_GRANT; resolves to its exit code. */
export function runWithGrant(command: string[], claimed: ClaimedGrant, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      stdio: 'inherit',
      env: { ...env, COUNTERSIGN_GRANT: claimed.grant, COUNTERSIGN_GRANT_AUDIENCE: claimed.audience, COUNTERSIGN_GRANT_EXPIRES_AT: claimed.expiresAt },
    });
    child.on('error', (error) => reject(new CliError(ExitCode.Invalid, `cannot run ${command[0]}: ${error.message}`)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
