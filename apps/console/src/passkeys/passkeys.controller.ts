import { Body, Controller, Get, Header, Inject, Post, Req, Res } from '@nestjs/common';
import { z } from 'zod';
import { CountersignApi } from '../api/countersign-api.js';
import { ConsoleError } from '../http/console-error.js';
import { formJson } from '../http/form-json.js';
import { layout } from '../http/layout.js';
import { WEBAUTHN_PAGE_CSP } from '../http/security-headers.js';
import { SessionStore } from '../session/session-store.js';
import { WebSessions, type WebRequest } from '../session/web-sessions.js';
import { passkeysPage, type PasskeyRow } from './passkeys-page.js';

const RegisterForm = z.object({ credential: z.string().min(2).max(40_000) });

/** The user's own passkeys, registered at policy with the user's own token (policy checks a fresh sign-in too). */
@Controller('passkeys')
export class PasskeysController {
  constructor(
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(SessionStore) private readonly store: SessionStore,
    @Inject(CountersignApi) private readonly api: CountersignApi,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', WEBAUTHN_PAGE_CSP)
  async page(@Req() req: WebRequest): Promise<string> {
    const session = this.sessions.require(req);
    const list = await this.api.get<{ passkeys: PasskeyRow[] }>('policy', '/v1/passkeys', session.accessToken);
    if (!list.ok) throw new ConsoleError(list.code, list.status, list.message);
    // Options (a stored one-time challenge) only for a fresh sign-in: policy would refuse the answer otherwise.
    let options: unknown = null;
    if (this.store.isFresh(session)) {
      const answer = await this.api.post<unknown>('policy', '/v1/passkeys/registration-options', session.accessToken, {});
      if (!answer.ok) throw new ConsoleError(answer.code, answer.status, answer.message);
      options = answer.body;
    }
    const body = passkeysPage({ passkeys: list.body.passkeys, options, csrf: session.csrf, flash: this.sessions.takeFlash(session) });
    return layout('Passkeys', this.sessions.pageUser(session), body, { script: options !== null });
  }

  @Post()
  async register(@Req() req: WebRequest, @Body() body: unknown, @Res() res: { redirect(status: number, url: string): void }): Promise<void> {
    const session = this.sessions.requireForm(req, body);
    const form = RegisterForm.safeParse(body);
    const credential = formJson(form.success ? form.data.credential : undefined);
    if (credential === undefined) {
      session.flash = { kind: 'bad', text: 'The passkey answer was missing or malformed; try again.' };
    } else {
      const answer = await this.api.post<{ credentialId: string }>('policy', '/v1/passkeys', session.accessToken, { credential });
      session.flash = answer.ok ? { kind: 'ok', text: 'Passkey registered: you can now approve step-up reviews.' } : { kind: 'bad', text: `The passkey was not registered: ${answer.message} (${answer.code}).` };
    }
    res.redirect(303, '/passkeys');
  }
}
