import { html, type SafeHtml } from '../http/html.js';

export interface PasskeyRow {
  credentialId: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/**
 * The user's passkeys (policy keeps them: it verifies step-up votes) and, after a fresh sign-in, a
 * form that /assets/webauthn.js completes with a new credential before posting it.
 */
export function passkeysPage(p: { passkeys: PasskeyRow[]; options: unknown; csrf: string; flash?: { kind: 'ok' | 'bad'; text: string } | undefined }): SafeHtml {
  return html`<h1>Passkeys</h1>
${p.flash ? html`<p class="flash ${p.flash.kind}" role="status" data-testid="flash">${p.flash.text}</p>` : ''}
<p>Reviews under step-up rules are decided with a passkey: it signs the exact request you approve, so the audit log shows that you, not just a browser session, decided it.</p>
${
  p.passkeys.length === 0
    ? html`<p class="muted" data-testid="no-passkeys">You have no passkey yet.</p>`
    : html`<table data-testid="passkeys"><tr><th>passkey</th><th>registered</th><th>last used</th></tr>${p.passkeys.map(
        (k) => html`<tr><td><code>${k.credentialId}</code></td><td>${k.createdAt}</td><td>${k.lastUsedAt ?? 'never'}</td></tr>`,
      )}</table>`
}
${
  p.options === null
    ? html`<p><a href="/auth/login?fresh=1&amp;returnTo=%2Fpasskeys" data-testid="fresh-sign-in">Sign in again to register a passkey</a> (registering one needs a sign-in made just for it).</p>`
    : html`<form method="post" action="/passkeys" data-webauthn="register" data-options="${JSON.stringify(p.options)}">
<input type="hidden" name="csrf" value="${p.csrf}"><input type="hidden" name="credential" value="">
<button type="submit" data-testid="register-passkey">Register a passkey</button>
<p class="muted" role="status" data-webauthn-status data-testid="webauthn-status"></p></form>`
}`;
}
