import type { ArgumentsHost } from '@nestjs/common';
import { BadRequestException, HttpException, MethodNotAllowedException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { AuthError, ForbiddenError } from '../auth/index.js';
import { pino, type Logger } from 'pino';
import { ApiError, ApiErrorFilter, BEARER_CHALLENGE, mapApiError } from './api-error.js';

describe('mapApiError', () => {
  it('answers an ApiError with its own code, status, issues and Retry-After', () => {
    const issues = [{ path: 'resource.env', message: 'Invalid' }];
    expect(mapApiError(new ApiError('VALIDATION_FAILED', 400, 'invalid request', { issues }))).toEqual({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: 'invalid request', issues } },
      headers: {},
    });
    const busy = mapApiError(new ApiError('PUBLISH_FAILED', 503, 'try again', { retryAfterSeconds: 1 }));
    expect([busy.status, busy.headers['Retry-After'], busy.body.error]).toEqual([503, '1', { code: 'PUBLISH_FAILED', message: 'try again' }]);
  });

  it('answers 401 with a Bearer challenge for auth failures, 403 for forbidden ones', () => {
    expect(mapApiError(new AuthError('TOKEN_EXPIRED', 'the token has expired'))).toEqual({
      status: 401,
      body: { error: { code: 'TOKEN_EXPIRED', message: 'the token has expired' } },
      headers: { 'WWW-Authenticate': 'Bearer realm="countersign", error="invalid_token"' },
    });
    expect(mapApiError(new ForbiddenError('SCOPE_MISSING', 'no scope'))).toEqual({
      status: 403,
      body: { error: { code: 'SCOPE_MISSING', message: 'no scope' } },
      headers: {},
    });
  });

  it('turns body-parser and routing errors into 4xx, never 500', () => {
    const parse = new BadRequestException('Unexpected token', { cause: Object.assign(new SyntaxError('x'), { type: 'entity.parse.failed' }) });
    expect(mapApiError(parse)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    expect(mapApiError(new PayloadTooLargeException())).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(mapApiError(new NotFoundException('Cannot GET /x'))).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'Cannot GET /x' } } });
    expect(mapApiError(new MethodNotAllowedException())).toMatchObject({ status: 405, body: { error: { code: 'METHOD_NOT_ALLOWED' } } });
    expect(mapApiError(new BadRequestException('request aborted'))).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    expect(mapApiError(new HttpException('teapot', 418))).toMatchObject({ status: 418, body: { error: { code: 'HTTP_418' } } });
  });

  it("maps Fastify's body refusals (wrapped by Nest's fastify adapter) like express's", () => {
    const fst = (code: string, statusCode: number) => new HttpException('x', statusCode, { cause: Object.assign(new Error('x'), { code, statusCode }) });
    expect(mapApiError(fst('FST_ERR_CTP_INVALID_JSON_BODY', 400))).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    expect(mapApiError(fst('FST_ERR_CTP_EMPTY_JSON_BODY', 400))).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    expect(mapApiError(fst('FST_ERR_CTP_BODY_TOO_LARGE', 413))).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(mapApiError(fst('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415))).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
  });

  it('hides the message of an unexpected error behind a generic 500', () => {
    for (const e of [new Error('connect ECONNREFUSED postgres://u:secret@db'), new HttpException('boom', 502), 'x', null]) {
      expect(mapApiError(e)).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } }, headers: {} });
    }
  });
});

interface Captured {
  status?: number;
  body?: unknown;
  headers: Record<string, string>;
}

function httpHost(captured: Captured, headersSent = false): ArgumentsHost {
  const res = {
    headersSent,
    setHeader: (name: string, value: string) => void (captured.headers[name] = value),
    status: (code: number) => {
      captured.status = code;
      return { json: (body: unknown) => void (captured.body = body) };
    },
  };
  const http = { getResponse: () => res, getRequest: () => ({ method: 'GET', path: '/v1/x', headers: { authorization: 'Bearer secret' } }) };
  return { getType: () => 'http', switchToHttp: () => http } as unknown as ArgumentsHost;
}

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }), lines };
}

describe('ApiErrorFilter', () => {
  it('writes status, headers and body of the mapping', () => {
    const { logger, lines } = recordingLogger();
    const captured: Captured = { headers: {} };
    new ApiErrorFilter(logger).catch(new AuthError('TOKEN_MISSING', 'a bearer token is required'), httpHost(captured));
    expect(captured).toEqual({
      status: 401,
      headers: { 'WWW-Authenticate': BEARER_CHALLENGE },
      body: { error: { code: 'TOKEN_MISSING', message: 'a bearer token is required' } },
    });
    expect(lines).toEqual([]);
  });

  it('logs an unexpected error with its path, never the request headers, and answers 500 without its message', () => {
    const { logger, lines } = recordingLogger();
    const captured: Captured = { headers: {} };
    new ApiErrorFilter(logger).catch(new Error('relation "x" does not exist'), httpHost(captured));
    expect(captured.status).toBe(500);
    expect(JSON.stringify(captured.body)).not.toContain('relation');
    const [first, ...rest] = lines;
    expect([typeof first, rest]).toEqual(['string', []]);
    const line = JSON.parse(first ?? '{}') as { err: { message: string }; path: string; msg: string };
    expect([line.err.message, line.path, line.msg]).toEqual(['relation "x" does not exist', '/v1/x', 'request failed']);
    expect(first).not.toContain('secret');
  });

  it('leaves a response that is already under way alone, and rethrows outside HTTP', () => {
    const { logger } = recordingLogger();
    const captured: Captured = { headers: {} };
    new ApiErrorFilter(logger).catch(new ApiError('X', 409, 'x'), httpHost(captured, true));
    expect(captured).toEqual({ headers: {} });
    const rpc = { getType: () => 'rpc' } as unknown as ArgumentsHost;
    const error = new Error('handler failed');
    expect(() => new ApiErrorFilter(logger).catch(error, rpc)).toThrow(error);
  });
});
