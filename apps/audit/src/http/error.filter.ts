import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import { AuthError } from '@countersign/platform/auth';
import { ValidationFailedError } from './validation-failed.error.js';

// Only what the filter touches; express ships no types here and the app need not depend on them.
interface HttpResponse {
  setHeader(name: string, value: string): void;
  status(code: number): { json(body: unknown): void };
}

interface ErrorBody {
  error: { code: string; message: string; issues?: Array<{ path: string; message: string }> };
}

function hasCodeAndStatus(error: unknown): error is Error & { code: string; status: number } {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: unknown; status?: unknown };
  return typeof e.code === 'string' && typeof e.status === 'number' && e.status >= 400 && e.status < 500;
}

/** The one place errors become HTTP: `{ error: { code, message } }` with the status the error carries. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<HttpResponse>();
    const req = http.getRequest<{ path?: string }>();
    const [status, body] = this.map(error);
    if (status >= 500) this.logger.error({ err: error, path: req.path }, 'request failed');
    if (error instanceof AuthError) res.setHeader('WWW-Authenticate', `Bearer error="invalid_token"`);
    res.status(status).json(body);
  }

  private map(error: unknown): [number, ErrorBody] {
    if (error instanceof ValidationFailedError) {
      return [400, { error: { code: error.code, message: error.message, issues: error.issues } }];
    }
    if (hasCodeAndStatus(error)) return [error.status, { error: { code: error.code, message: error.message } }];
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const code = status === 404 ? 'NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : `HTTP_${status}`;
      return [status, { error: { code, message: error.message } }];
    }
    // body-parser's own errors (oversized or non-JSON bodies) carry a status but no code we own.
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return [status, { error: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message: 'invalid request body' } }];
    }
    return [500, { error: { code: 'INTERNAL', message: 'internal error' } }];
  }
}
