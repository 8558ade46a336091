import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ConsoleError } from '../http/console-error.js';
import { readCookies, SESSION_COOKIE } from '../http/cookies.js';
import type { PageUser } from '../http/layout.js';
import { SessionStore, type Session } from './session-store.js';

export const PUBLIC_ORIGIN = Symbol('PUBLIC_ORIGIN');

export interface WebRequest {
  headers: Record<string, string | string[] | undefined>;
}

const header = (req: WebRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The browser's session, and the checks every state-changing form must pass. */
@Injectable()
export class WebSessions {
  constructor(
    @Inject(SessionStore) private readonly store: SessionStore,
    @Inject(PUBLIC_ORIGIN) private readonly origin: string,
  ) {}

  current(req: WebRequest): Session | undefined {
    return this.store.get(readCookies(header(req, 'cookie')).get(SESSION_COOKIE));
  }

  require(req: WebRequest): Session {
    const session = this.current(req);
    if (!session) throw new ConsoleError('SIGN_IN_REQUIRED', 401, 'sign in first');
    return session;
  }

  /**
   * A form post: the session's CSRF token must be in the body, and a browser-sent Origin must be ours
   * (Referrer-Policy is same-origin, so our own posts carry it; `no-referrer` would make it "null").
   */
  requireForm(req: WebRequest, body: unknown): Session {
    const session = this.require(req);
    const origin = header(req, 'origin');
    if (origin !== undefined && origin !== this.origin) throw new ConsoleError('BAD_ORIGIN', 403, 'This form was not sent from the console.');
    const sent = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['csrf'] : undefined;
    const ok = typeof sent === 'string' && sent.length === session.csrf.length && timingSafeEqual(Buffer.from(sent), Buffer.from(session.csrf));
    if (!ok) throw new ConsoleError('CSRF_FAILED', 403, 'This form has expired or was not sent from the console; reload the page and try again.');
    return session;
  }

  /**
   * A step-up page: the session must come from a sign-in made for it (prompt=login) within the
   * step-up window; otherwise the browser is sent to sign in again and comes back here.
   */
  requireFresh(req: WebRequest): Session {
    const session = this.require(req);
    if (!this.store.isFresh(session)) throw new ConsoleError('FRESH_SIGN_IN_REQUIRED', 401, 'sign in again to confirm it is you');
    return session;
  }

  pageUser(session: Session): PageUser {
    return { name: session.user.name, csrf: session.csrf, auditor: session.user.groups.includes('auditors') || session.user.scopes.includes('audit:read') };
  }

  takeFlash(session: Session): Session['flash'] {
    const flash = session.flash;
    delete session.flash;
    return flash;
  }
}
