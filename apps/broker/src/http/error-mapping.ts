import { HttpException } from '@nestjs/common';
import { BrokerError, type ValidationIssue } from '../grants/errors.js';

export interface ErrorBody {
  error: { code: string; message: string; issues?: ValidationIssue[] };
}
export interface MappedError {
  status: number;
  body: ErrorBody;
  /** Set for 401 answers to a Bearer-protected route. */
  wwwAuthenticate?: string;
}

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Errors of other modules (the auth library) that carry their own code and a 4xx status. */
function isCodedClientError(e: unknown): e is Error & { code: string; status: number } {
  if (!(e instanceof Error)) return false;
  const { code, status } = e as Error & { code?: unknown; status?: unknown };
  return typeof code === 'string' && typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * The one place where errors become HTTP answers. Unknown errors become a bare 500: their
 * messages may hold internals (SQL, paths), so they are logged by the caller, never returned.
 */
export function mapError(e: unknown): MappedError {
  if (e instanceof BrokerError) {
    const error: ErrorBody['error'] = { code: e.code, message: e.message };
    if (e.issues) error.issues = e.issues;
    return { status: e.status, body: { error } };
  }
  if (isCodedClientError(e)) {
    const mapped: MappedError = { status: e.status, body: { error: { code: e.code, message: e.message } } };
    if (e.status === 401) mapped.wwwAuthenticate = 'Bearer';
    return mapped;
  }
  if (e instanceof HttpException) {
    const status = e.getStatus();
    if (status < 500) {
      return { status, body: { error: { code: HTTP_CODES[status] ?? `HTTP_${status}`, message: e.message } } };
    }
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}
