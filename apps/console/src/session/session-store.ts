import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@countersign/platform/runtime';

export interface ConsoleUser {
  subject: string;
  name: string;
  groups: string[];
  /** The API scopes the IdP granted (the token's, as the token endpoint reported them). */
  scopes: string[];
}

export interface Session {
  id: string;
  csrf: string;
  user: ConsoleUser;
  /** The user's own access token: every API call is made with it, so the console has no power of its own. */
  accessToken: string;
  expiresAt: Date;
  /** When the user last signed in at the IdP (for step-up freshness). */
  authTime: Date;
  /** Signed in with prompt=login for a step-up page (a password typed just now, not an IdP session reused). */
  fresh: boolean;
  /** One message for the next page (post/redirect/get). */
  flash?: { kind: 'ok' | 'bad'; text: string };
}

/** What the callback needs to finish a sign-in the browser started; lives ten minutes. */
export interface LoginState {
  id: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  /** A step-up sign-in: the IdP is asked to make the person sign in again (prompt=login, max_age). */
  fresh: boolean;
  expiresAt: Date;
}

export const SESSION_SETTINGS = Symbol('SESSION_SETTINGS');
export interface SessionSettings {
  ttlSeconds: number;
  /** Step-up pages want a fresh (prompt=login) sign-in at most this old. */
  stepUpMaxAgeSeconds: number;
}

const LOGIN_TTL_MS = 10 * 60_000;
const newId = () => randomBytes(32).toString('base64url');

/**
 * Sessions and pending sign-ins in memory: one console process, lost on restart (users sign in
 * again). Several console copies would need a shared store (Postgres or Redis) behind this class.
 */
@Injectable()
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly logins = new Map<string, LoginState>();

  constructor(
    @Inject(Clock) private readonly clock: Clock,
    @Inject(SESSION_SETTINGS) private readonly settings: SessionSettings,
  ) {}

  /** A session fit for a step-up page: signed in with prompt=login, recently. */
  isFresh(session: Session): boolean {
    return session.fresh && this.clock.now().getTime() - session.authTime.getTime() <= this.settings.stepUpMaxAgeSeconds * 1000;
  }

  startLogin(p: Omit<LoginState, 'id' | 'expiresAt'>): LoginState {
    this.sweep();
    const login: LoginState = { ...p, id: newId(), expiresAt: new Date(this.clock.now().getTime() + LOGIN_TTL_MS) };
    this.logins.set(login.id, login);
    return login;
  }

  /** Single use: a replayed callback finds nothing. */
  takeLogin(id: string | undefined): LoginState | undefined {
    if (!id) return undefined;
    const login = this.logins.get(id);
    this.logins.delete(id);
    return login && login.expiresAt > this.clock.now() ? login : undefined;
  }

  create(p: { user: ConsoleUser; accessToken: string; tokenExpiresAt: Date; authTime: Date; fresh: boolean }): Session {
    this.sweep();
    const ttlEnd = this.clock.now().getTime() + this.settings.ttlSeconds * 1000;
    const session: Session = {
      id: newId(),
      csrf: newId(),
      user: p.user,
      accessToken: p.accessToken,
      // The session ends with the token: the console never holds a credential it cannot use.
      expiresAt: new Date(Math.min(ttlEnd, p.tokenExpiresAt.getTime())),
      authTime: p.authTime,
      fresh: p.fresh,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.clock.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
    for (const [id, l] of this.logins) if (l.expiresAt <= now) this.logins.delete(id);
  }
}
