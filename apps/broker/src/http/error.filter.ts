import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import { mapError } from './error-mapping.js';

/** The part of express's response this filter uses (express's types are not installed). */
interface JsonResponse {
  status(code: number): { json(body: unknown): unknown };
  setHeader(name: string, value: string): unknown;
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<JsonResponse>();
    const mapped = mapError(exception);
    if (mapped.status >= 500) {
      // The error object, never the request: a request may carry a bearer token or a grant.
      this.logger.error({ err: exception }, 'request failed');
    }
    if (mapped.wwwAuthenticate) res.setHeader('WWW-Authenticate', mapped.wwwAuthenticate);
    res.status(mapped.status).json(mapped.body);
  }
}
