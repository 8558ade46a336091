import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import { AuthError, ForbiddenError } from '@countersign/platform/auth';
import type { Logger } from '@countersign/platform/logging';
import { INTAKE_ERROR_STATUS, IntakeError, type FieldIssue } from './intake-error.js';

interface ErrorBody {
  error: { code: string; message: string; issues?: FieldIssue[] };
}
interface Mapped {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
}

interface HttpResponse {
  headersSent: boolean;
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): void;
  json(body: unknown): void;
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

/** The one place where errors become HTTP answers: `{ error: { code, message } }` and a status. */
export function mapError(error: unknown): Mapped {
  if (error instanceof AuthError) {
    return {
      status: 401,
      body: { error: { code: error.code, message: error.message } },
      headers: { 'WWW-Authenticate': `Bearer realm="countersign", error="invalid_token"` },
    };
  }
  if (error instanceof ForbiddenError) {
    return { status: 403, body: { error: { code: error.code, message: error.message } } };
  }
  if (error instanceof IntakeError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details.issues) body.error.issues = error.details.issues;
    const headers: Record<string, string> = {};
    if (error.details.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.details.retryAfterSeconds);
    return { status: INTAKE_ERROR_STATUS[error.code], body, headers };
  }
  if (error instanceof HttpException) {
    // Body-parser and routing errors arrive as HttpExceptions (malformed JSON, too large, unknown route).
    const status = error.getStatus();
    if (status < 500) {
      const cause = error.cause as { type?: unknown } | undefined;
      if (status === 400 && cause?.type === 'entity.parse.failed') {
        return { status, body: { error: { code: 'INVALID_JSON', message: 'request body is not valid JSON' } } };
      }
      if (status === 413) {
        return { status, body: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body exceeds 64 KiB' } } };
      }
      return { status, body: { error: { code: HTTP_CODES[status] ?? 'BAD_REQUEST', message: error.message } } };
    }
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const res = host.switchToHttp().getResponse<HttpResponse>();
    const mapped = mapError(error);
    if (mapped.status === 500) {
      this.logger.error({ err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) }, 'request failed');
    }
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(mapped.headers ?? {})) res.setHeader(name, value);
    res.status(mapped.status).json(mapped.body);
  }
}
