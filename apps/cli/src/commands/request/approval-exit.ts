import {
  AbortedError,
  ApprovalError,
  DeniedError,
  ExpiredError,
  RefusedError,
  RejectedError,
  TimeoutError,
  UnreachableError,
  WithdrawnError,
} from '@countersign/sdk';
import { CliError, ExitCode } from '../../shared/cli-error.js';

/** 128 + SIGINT, what a shell reports for a command stopped with Ctrl-C. */
export const INTERRUPTED = 130;

/** The SDK's typed outcome as the CLI's documented exit code and one line (apps/cli/README.md). */
export function approvalExit(error: ApprovalError, interrupted: boolean): CliError {
  const id = error.intentId ?? '';
  if (error instanceof DeniedError) return new CliError(ExitCode.Denied, `${id} denied by policy${error.reasons.length ? `: ${error.reasons.join('; ')}` : ''}`);
  if (error instanceof RejectedError) return new CliError(ExitCode.Rejected, `${id} rejected by a reviewer`);
  if (error instanceof ExpiredError) {
    return new CliError(ExitCode.Expired, `${id} ${error.stage === 'review' ? 'the review expired without a decision' : 'the grant expired before it was claimed'}`);
  }
  if (error instanceof TimeoutError) return new CliError(ExitCode.TimedOut, error.message);
  if (interrupted && (error instanceof WithdrawnError || error instanceof AbortedError)) {
    return new CliError(INTERRUPTED as ExitCode, error instanceof WithdrawnError ? `interrupted: ${id} withdrawn` : `interrupted: ${error.message}`);
  }
  if (error instanceof WithdrawnError) return new CliError(ExitCode.Refused, `${id} withdrawn`);
  if (error instanceof UnreachableError) return new CliError(ExitCode.Unreachable, error.message);
  if (error instanceof RefusedError) return new CliError(error.status === 400 ? ExitCode.Invalid : ExitCode.Refused, `server refused the request: ${error.message}`);
  return new CliError(ExitCode.Refused, error.message);
}
