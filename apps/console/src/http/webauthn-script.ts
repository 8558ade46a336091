/**
 * The console's only script, served as /assets/webauthn.js to the passkey and step-up pages alone
 * (their CSP allows `script-src 'self'`; every other page allows no script). A form marked
 * `data-webauthn="register|assert"` carries policy's options in `data-options`; on submit the script
 * runs the WebAuthn ceremony, puts the credential's JSON in the form's `credential` field and posts
 * it. The console never sees a private key; policy verifies what comes back. Hand-written (about 40
 * lines) rather than a bundled @simplewebauthn/browser: nothing to build or vendor.
 */
export const WEBAUTHN_SCRIPT = `const fromB64u = (s) => {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
};
const toB64u = (buf) => {
  let bin = '';
  for (const byte of new Uint8Array(buf)) bin += String.fromCharCode(byte);
  return btoa(bin).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
};
const ids = (list) => (list || []).map((c) => ({ ...c, id: fromB64u(c.id) }));
const common = (c) => ({ id: c.id, rawId: toB64u(c.rawId), type: c.type, clientExtensionResults: c.getClientExtensionResults(), authenticatorAttachment: c.authenticatorAttachment || undefined });

async function register(o) {
  const c = await navigator.credentials.create({ publicKey: { ...o, challenge: fromB64u(o.challenge), user: { ...o.user, id: fromB64u(o.user.id) }, excludeCredentials: ids(o.excludeCredentials) } });
  const r = c.response;
  return { ...common(c), response: { clientDataJSON: toB64u(r.clientDataJSON), attestationObject: toB64u(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] } };
}

async function assert(o) {
  const c = await navigator.credentials.get({ publicKey: { ...o, challenge: fromB64u(o.challenge), allowCredentials: ids(o.allowCredentials) } });
  const r = c.response;
  return { ...common(c), response: { clientDataJSON: toB64u(r.clientDataJSON), authenticatorData: toB64u(r.authenticatorData), signature: toB64u(r.signature), userHandle: r.userHandle ? toB64u(r.userHandle) : undefined } };
}

for (const form of document.querySelectorAll('form[data-webauthn]')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    const status = form.querySelector('[data-webauthn-status]');
    button.disabled = true;
    try {
      const options = JSON.parse(form.dataset.options);
      const credential = form.dataset.webauthn === 'register' ? await register(options) : await assert(options);
      form.elements.namedItem('credential').value = JSON.stringify(credential);
      form.submit();
    } catch (error) {
      status.textContent = 'The passkey did not answer (' + (error && error.name ? error.name : 'error') + '). Try again, or reload the page.';
      button.disabled = false;
    }
  });
}
`;
