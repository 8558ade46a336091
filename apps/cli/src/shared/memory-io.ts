import type { CliIo } from './cli-io.js';

/** An in-memory CliIo for unit tests: what a command printed, and an environment it cannot leak into. */
export function memoryIo(env: Record<string, string> = {}): CliIo & { stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    out: (text) => (stdout += `${text}\n`),
    err: (text) => (stderr += `${text}\n`),
    writeOut: (text) => (stdout += text),
    writeErr: (text) => (stderr += text),
    env,
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
