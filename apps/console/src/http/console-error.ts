import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from '@countersign/platform/logging';
import { html } from './html.js';
import { layout } from './layout.js';

/** A failure the console explains on a page; SIGN_IN_REQUIRED sends the browser to sign in instead. */
export class ConsoleError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleError';
  }
}

interface PageResponse {
  status(code: number): PageResponse;
  setHeader(name: string, value: string): unknown;
  redirect(status: number, url: string): void;
  send(body: string): void;
  headersSent: boolean;
}

/** The one place errors become pages: a precise status and message, never a stack or a crash. */
@Catch()
export class ConsoleErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<PageResponse>();
    const req = http.getRequest<{ originalUrl?: string; method?: string }>();
    if (res.headersSent) return;
    if (error instanceof ConsoleError && (error.code === 'SIGN_IN_REQUIRED' || error.code === 'FRESH_SIGN_IN_REQUIRED')) {
      const query = new URLSearchParams();
      if (req.method === 'GET' && req.originalUrl) query.set('returnTo', req.originalUrl);
      // A step-up page: the IdP must make the person sign in again now (prompt=login).
      if (error.code === 'FRESH_SIGN_IN_REQUIRED') query.set('fresh', '1');
      const q = query.toString();
      res.redirect(303, `/auth/login${q ? `?${q}` : ''}`);
      return;
    }
    let status = 500;
    let message = 'Something went wrong on our side; it has been logged.';
    if (error instanceof ConsoleError) {
      status = error.status;
      message = error.message;
    } else if (error instanceof HttpException) {
      status = error.getStatus();
      message = status === 404 ? 'There is no such page.' : error.message;
    } else {
      this.logger.error({ err: error }, 'console request failed');
    }
    res.status(status).setHeader('content-type', 'text/html; charset=utf-8');
    res.send(layout('Error', null, html`<h1>${status === 404 ? 'Not found' : 'Cannot do that'}</h1><p class="flash bad" role="alert">${message}</p><p><a href="/">Back to the inbox</a></p>`));
  }
}
