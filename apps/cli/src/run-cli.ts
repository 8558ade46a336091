import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { CliError, ExitCode } from './shared/cli-error.js';
import type { CliIo } from './shared/cli-io.js';

/** Runs one command line and returns its exit code; never exits the process itself, so tests run it in-process. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // A command that runs another program (request … -- cmd) ends with that program's exit code.
  let exitCode: number = ExitCode.Ok;
  try {
    await buildProgram(io, (code) => (exitCode = code)).parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`error: ${error.message.replace(/\s*\n\s*/g, ' ')}`);
      return error.exitCode;
    }
    // commander has already printed its message; --help and --version end here with 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    // Only a bug gets here: the stack is what a bug report needs.
    io.err(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return ExitCode.Internal;
  }
}
