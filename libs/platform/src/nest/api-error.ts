import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AuthError, ForbiddenError } from '../auth/errors.js';
import type { Logger } from '../logging/index.js';

export interface ApiIssue {
  path: string;
  message: string;
}

export interface ApiErrorOptions {
  issues?: ApiIssue[];
  retryAfterSeconds?: number;
}

/**
 * A failure the HTTP edge may explain to the caller. Apps subclass it with their own code → status table;
 * `ApiErrorFilter` is the only place that turns it into a response.
 */
export class ApiError<C extends string = string> extends Error {
  readonly issues?: ApiIssue[];
  readonly retryAfterSeconds?: number;

  constructor(
    readonly code: C,
    readonly status: number,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message);
    this.name = 'ApiError';
    if (options.issues) this.issues = options.issues;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export interface ApiErrorBody {
  error: { code: string; message: string; issues?: ApiIssue[] };
}

export interface MappedApiError {
  status: number;
  body: ApiErrorBody;
  headers: Record<string, string>;
}

export const BEARER_CHALLENGE = 'Bearer realm="countersign", error="invalid_token"';

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

function answer(status: number, code: string, message: string, headers: Record<string, string> = {}): MappedApiError {
  return { status, body: { error: { code, message } }, headers };
}

/**
 * The one mapping from errors to HTTP answers. Anything not known to be safe becomes a bare 500: its
 * message may hold internals (SQL, paths, connection strings).
 */
export function mapApiError(error: unknown): MappedApiError {
  if (error instanceof ApiError) {
    const mapped = answer(error.status, error.code, error.message);
    if (error.issues) mapped.body.error.issues = error.issues;
    if (error.retryAfterSeconds !== undefined) mapped.headers['Retry-After'] = String(error.retryAfterSeconds);
    return mapped;
  }
  if (error instanceof AuthError) return answer(401, error.code, error.message, { 'WWW-Authenticate': BEARER_CHALLENGE });
  if (error instanceof ForbiddenError) return answer(403, error.code, error.message);
  if (error instanceof HttpException) {
    // Body-parser and routing failures arrive here (Nest's express adapter wraps them); a 5xx one is ours.
    const status = error.getStatus();
    if (status >= 400 && status < 500) {
      const parser = parserFailure(error.cause);
      if (parser) return parser;
      const cause = error.cause as { type?: unknown } | undefined;
      if (status === 400 && cause?.type === 'entity.parse.failed') return answer(400, 'INVALID_JSON', 'request body is not valid JSON');
      if (status === 413) return answer(413, 'PAYLOAD_TOO_LARGE', 'request body is too large');
      return answer(status, HTTP_CODES[status] ?? `HTTP_${status}`, error.message);
    }
  }
  return answer(500, 'INTERNAL', 'internal error');
}

/**
 * Fastify refuses a body before any Nest code runs with an error carrying a 4xx `statusCode` and an
 * `FST_ERR_CTP_*` code (bad or empty JSON, too large, unsupported type); Nest's fastify adapter wraps it
 * in an HttpException as its cause. Same answers as on express.
 */
function parserFailure(error: unknown): MappedApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof code !== 'string' || !code.startsWith('FST_ERR_CTP_') || typeof statusCode !== 'number') return undefined;
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return answer(400, 'INVALID_JSON', 'request body is not valid JSON');
  }
  if (statusCode === 413) return answer(413, 'PAYLOAD_TOO_LARGE', 'request body is too large');
  if (statusCode === 415) return answer(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  return statusCode >= 400 && statusCode < 500 ? answer(statusCode, HTTP_CODES[statusCode] ?? `HTTP_${statusCode}`, 'bad request body') : undefined;
}

/** The part of Nest's HTTP adapter (`app.getHttpAdapter()`, express or fastify) that answers a request. */
export interface ReplyAdapter {
  isHeadersSent(response: unknown): boolean;
  setHeader(response: unknown, name: string, value: string): unknown;
  reply(response: unknown, body: unknown, statusCode?: number): unknown;
}

// An express response, answered directly when no adapter was given (the apps still on express).
interface ExpressResponse {
  headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  status(code: number): { json(body: unknown): unknown };
}
const expressReplies: ReplyAdapter = {
  isHeadersSent: (res) => (res as ExpressResponse).headersSent,
  setHeader: (res, name, value) => (res as ExpressResponse).setHeader(name, value),
  reply: (res, body, status = 200) => (res as ExpressResponse).status(status).json(body),
};

/**
 * Global catch-all filter for the HTTP side of an app: `app.useGlobalFilters(new ApiErrorFilter(logger))`
 * on express; on fastify `new ApiErrorFilter(logger, app.getHttpAdapter())`.
 */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly adapter: ReplyAdapter = expressReplies,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const http = host.switchToHttp();
    const request = http.getRequest<RequestLine>();
    const response = http.getResponse<unknown>();
    const mapped = mapApiError(error);
    if (mapped.status >= 500) {
      // The error and the path, never the request: it may carry a bearer token or a grant.
      this.logger.error({ err: error, method: request.method, path: request.path ?? request.url }, 'request failed');
    }
    if (this.adapter.isHeadersSent(response)) return;
    for (const [name, value] of Object.entries(mapped.headers)) this.adapter.setHeader(response, name, value);
    this.adapter.reply(response, mapped.body, mapped.status);
  }
}

interface RequestLine {
  method?: string;
  path?: string;
  url?: string;
}
