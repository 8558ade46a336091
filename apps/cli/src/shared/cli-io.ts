/** Where a command writes and what it reads from its environment; injected so that tests run in-process. */
export interface CliIo {
  /** One line (or several joined by \n) on stdout; the newline is added. */
  out(text: string): void;
  /** One line on stderr; the newline is added. */
  err(text: string): void;
  /** Raw writers for output that brings its own newlines (commander's help text). */
  writeOut(text: string): void;
  writeErr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** stderr is a terminal: a status line may be redrawn in place. */
  stderrIsTTY?: boolean;
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
