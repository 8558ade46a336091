import { html, type SafeHtml } from './html.js';

export interface PageUser {
  name: string;
  csrf: string;
  auditor: boolean;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:0;color:#222}header{background:#1f2937;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:center}
header a{color:#fff}header form{margin-left:auto}main{padding:1em 1.5em;max-width:78em}table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
.card{border:1px solid #ccc;border-radius:6px;padding:.8em 1em;margin:1em 0}.muted{color:#666}.why{background:#f3f4f6;padding:.4em .6em}.flash{padding:.6em;border:1px solid #9ca3af;background:#eef}
.ok{background:#e7f7ea;border-color:#6c6}.bad{background:#fdecea;border-color:#d66}code,pre{font-size:12px}pre{white-space:pre-wrap;word-break:break-all}textarea{width:100%;min-height:3em}
button{font:inherit;padding:.3em .9em}.actions{display:flex;gap:1em;align-items:flex-start}.actions form{flex:1}`;

/** The page frame: a header with navigation and sign-out (a CSRF-protected POST), no script at all. */
export function layout(title: string, user: PageUser | null, body: SafeHtml, opts: { script?: boolean } = {}): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Countersign</title><link rel="stylesheet" href="/assets/console.css">${opts.script ? html`<script type="module" src="/assets/webauthn.js"></script>` : ''}</head>
<body><header><strong>Countersign</strong>${
    user
      ? html`<a href="/">Inbox</a><a href="/passkeys">Passkeys</a>${user.auditor ? html`<a href="/audit">Audit</a>` : ''}<span class="muted">signed in as <b data-testid="user">${user.name}</b></span>
<form method="post" action="/auth/logout"><input type="hidden" name="csrf" value="${user.csrf}"><button type="submit">Sign out</button></form>`
      : ''
  }</header>
<main>${body}</main></body></html>`.value;
}

export const CONSOLE_CSS = STYLE;
