/**
 * Exit codes are part of the CLI's interface: a user's CI branches on them (apps/cli/README.md).
 * 64 is BSD sysexits' EX_USAGE and 70 its EX_SOFTWARE, so shells and wrappers already know them.
 */
export const ExitCode = {
  Ok: 0,
  TestsFailed: 1,
  Invalid: 2,
  Unreachable: 3,
  Refused: 4,
  /** `request --wait`: the policy denied the intent. */
  Denied: 10,
  /** `request --wait`: a reviewer rejected it. */
  Rejected: 11,
  /** `request --wait`: the review expired undecided (or the grant expired before it was claimed). */
  Expired: 12,
  /** `request --wait`: --timeout passed before a decision. */
  TimedOut: 13,
  Usage: 64,
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: its message is printed as one line on stderr, never with a stack trace. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string): CliError => new CliError(ExitCode.Usage, message);
