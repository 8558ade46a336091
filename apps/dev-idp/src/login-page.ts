const esc = (v: string) =>
  v.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The dev provider's sign-in form: pick a demo identity, type the demo password. */
export function loginPage(p: { uid: string; identities: string[]; error?: string }): string {
  const options = p.identities.map((n) => `<option value="${esc(n)}">${esc(n)}</option>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Countersign dev sign-in</title>
<style>body{font:15px system-ui,sans-serif;max-width:28em;margin:3em auto}label{display:block;margin:.8em 0 .2em}
input,select,button{font:inherit;padding:.3em;width:100%}.warn{background:#fff3cd;padding:.6em;border:1px solid #e0c36a}.err{color:#a00}</style>
</head><body>
<p class="warn"><strong>DEV ONLY.</strong> This identity provider signs in any demo identity with the shared demo password. Never trust it outside a demo.</p>
<h1>Sign in</h1>
${p.error ? `<p class="err" role="alert">${esc(p.error)}</p>` : ''}
<form method="post" action="/interaction/${esc(p.uid)}/login" autocomplete="off">
<label for="username">Identity</label><select id="username" name="username">${options}</select>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<p><button type="submit">Sign in</button></p>
</form>
<form method="post" action="/interaction/${esc(p.uid)}/abort"><button type="submit">Cancel</button></form>
</body></html>`;
}
