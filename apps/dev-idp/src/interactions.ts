import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Logger } from '@countersign/platform/logging';
import type { DemoIdentity } from '@countersign/platform/auth';
import { API_SCOPES, RESOURCE, subjectOf } from './provider.js';
import { loginPage } from './login-page.js';

const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login|\/abort)?$/;
const MAX_FORM_BYTES = 4096;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const digest = (v: string) => createHash('sha256').update(v).digest();

function send(res: ServerResponse, status: number, html: string, formTargets = ''): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    // form-action covers the redirects that follow a post: the sign-in ends at the client's redirect URI.
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${formTargets}; frame-ancestors 'none'`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

/**
 * The sign-in pages oidc-provider sends browsers to: a login form (any demo identity, one shared demo
 * password) and an automatic consent that grants the API scopes the client asked for and the
 * identity holds, and rejects the rest.
 */
export class Interactions {
  private readonly password: Buffer;
  constructor(
    private readonly provider: Provider,
    private readonly identities: readonly DemoIdentity[],
    password: string,
    private readonly logger: Logger,
    redirectUris: readonly string[],
  ) {
    this.password = digest(password);
    this.formTargets = [...new Set(redirectUris.map((u) => new URL(u).origin))].join(' ');
  }
  private readonly formTargets: string;

  /** True when the request was an interaction request (answered here). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const match = INTERACTION.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (!match) return false;
    const details = await this.provider.interactionDetails(req, res);
    const action = match[2];
    if (action === '/abort' && req.method === 'POST') {
      await this.provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'sign-in cancelled' }, { mergeWithLastSubmission: false });
      return true;
    }
    if (action === '/login' && req.method === 'POST') {
      await this.login(req, res, details.uid);
      return true;
    }
    if (details.prompt.name === 'login') {
      send(res, 200, loginPage({ uid: details.uid, identities: this.identities.map((i) => i.name) }), this.formTargets);
      return true;
    }
    await this.consent(req, res, details);
    return true;
  }

  private async login(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const form = await readForm(req);
    const name = form.get('username') ?? '';
    const identity = this.identities.find((i) => i.name === name);
    const passwordOk = timingSafeEqual(digest(form.get('password') ?? ''), this.password);
    if (!identity || !passwordOk) {
      this.logger.info({ username: name.slice(0, 64) }, 'dev sign-in refused');
      send(res, 401, loginPage({ uid, identities: this.identities.map((i) => i.name), error: 'Unknown identity or wrong password.' }), this.formTargets);
      return;
    }
    this.logger.info({ subject: subjectOf(identity) }, 'dev sign-in');
    await this.provider.interactionFinished(req, res, { login: { accountId: subjectOf(identity) } }, { mergeWithLastSubmission: false });
  }

  private async consent(req: IncomingMessage, res: ServerResponse, details: Awaited<ReturnType<Provider['interactionDetails']>>): Promise<void> {
    const accountId = details.session?.accountId;
    const identity = this.identities.find((i) => subjectOf(i) === accountId);
    const clientId = details.params['client_id'];
    if (!identity || typeof accountId !== 'string' || typeof clientId !== 'string') {
      send(res, 400, '<p>This sign-in has no session; start again from the application.</p>');
      return;
    }
    const grant = details.grantId ? await this.provider.Grant.find(details.grantId) : undefined;
    const g = grant ?? new this.provider.Grant({ accountId, clientId });
    const promptDetails = details.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    const oidc = promptDetails.missingOIDCScope ?? [];
    if (oidc.length) g.addOIDCScope(oidc.join(' '));
    for (const [resource, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) {
      const allowed = resource === RESOURCE ? scopes.filter((s) => identity.scopes.includes(s) && (API_SCOPES as readonly string[]).includes(s)) : [];
      if (allowed.length) g.addResourceScope(resource, allowed.join(' '));
      const refused = scopes.filter((s) => !allowed.includes(s));
      // Rejected, not just left out: otherwise the consent prompt would come back for them for ever.
      if (refused.length) g.rejectResourceScope(resource, refused.join(' '));
    }
    const grantId = await g.save();
    await this.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
}
