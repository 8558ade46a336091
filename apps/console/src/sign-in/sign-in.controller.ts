import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import * as oidc from 'openid-client';
import { cookie, LOGIN_COOKIE, readCookies, SESSION_COOKIE } from '../http/cookies.js';
import { ConsoleError } from '../http/console-error.js';
import { html } from '../http/html.js';
import { layout } from '../http/layout.js';
import { SessionStore } from '../session/session-store.js';
import { PUBLIC_ORIGIN, WebSessions, type WebRequest } from '../session/web-sessions.js';
import { OidcClient } from './oidc-client.js';

interface WebResponse {
  setHeader(name: string, value: string | string[]): unknown;
  redirect(status: number, url: string): void;
  send(body: string): void;
}

/** Only paths of the console itself: a returnTo must never send the browser elsewhere. */
export const safeReturn = (v: unknown) => (typeof v === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(v) ? v : '/');

@Controller()
export class SignInController {
  constructor(
    @Inject(OidcClient) private readonly oidc: OidcClient,
    @Inject(SessionStore) private readonly store: SessionStore,
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(PUBLIC_ORIGIN) private readonly origin: string,
  ) {}

  private get secure(): boolean {
    return this.origin.startsWith('https:');
  }

  @Get('auth/login')
  async login(@Query('returnTo') returnTo: unknown, @Query('fresh') fresh: unknown, @Res() res: WebResponse): Promise<void> {
    const login = this.store.startLogin({
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      returnTo: safeReturn(returnTo),
      fresh: fresh === '1',
    });
    const url = await this.oidc.authorizationUrl(login);
    // Lax, not Strict: the IdP's redirect back is a cross-site navigation, and this cookie must come with it.
    res.setHeader('set-cookie', cookie(LOGIN_COOKIE, login.id, { secure: this.secure, sameSite: 'Lax', maxAgeSeconds: 600, path: '/auth' }));
    res.redirect(303, url.toString());
  }

  @Get('auth/callback')
  async callback(@Req() req: WebRequest & { originalUrl: string }, @Res() res: WebResponse): Promise<void> {
    const login = this.store.takeLogin(readCookies(req.headers['cookie'] as string | undefined).get(LOGIN_COOKIE));
    if (!login) throw new ConsoleError('SIGN_IN_EXPIRED', 400, 'This sign-in has expired or was already used. Start again.');
    const signedIn = await this.oidc.finish(new URL(req.originalUrl, this.origin), login);
    // A new sign-in replaces this browser's old session rather than leaving it alive beside it.
    this.store.end(readCookies(req.headers['cookie'] as string | undefined).get(SESSION_COOKIE));
    const session = this.store.create({
      user: { subject: signedIn.subject, name: signedIn.name, groups: signedIn.groups, scopes: signedIn.scopes },
      accessToken: signedIn.accessToken,
      tokenExpiresAt: signedIn.expiresAt,
      authTime: signedIn.authTime,
      fresh: login.fresh,
    });
    const maxAge = Math.max(1, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
    res.setHeader('set-cookie', [
      cookie(SESSION_COOKIE, session.id, { secure: this.secure, sameSite: 'Strict', maxAgeSeconds: maxAge }),
      cookie(LOGIN_COOKIE, '', { secure: this.secure, sameSite: 'Lax', maxAgeSeconds: 0, path: '/auth' }),
    ]);
    // A page, not a redirect: a Strict cookie set at the end of a cross-site redirect chain is not sent
    // on the next hop of that chain; a navigation started by our own page is same-site.
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('refresh', `0;url=${login.returnTo}`);
    res.send(
      layout(
        'Signed in',
        null,
        html`<p>Signed in as ${signedIn.name}. <a href="${login.returnTo}">Continue</a></p>`,
      ),
    );
  }

  @Post('auth/logout')
  logout(@Req() req: WebRequest, @Body() body: unknown, @Res() res: WebResponse): void {
    const session = this.sessions.requireForm(req, body);
    this.store.end(session.id);
    res.setHeader('set-cookie', cookie(SESSION_COOKIE, '', { secure: this.secure, sameSite: 'Strict', maxAgeSeconds: 0 }));
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.send(layout('Signed out', null, html`<h1>Signed out</h1><p><a href="/auth/login">Sign in again</a></p>`));
  }
}
