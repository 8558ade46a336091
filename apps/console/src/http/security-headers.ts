interface HeaderTarget {
  setHeader(name: string, value: string): unknown;
}

/**
 * Strict headers on every answer: no script may run (the console serves none), styles only from
 * itself, forms only to itself, never framed. Referrer-Policy is same-origin, not no-referrer: with
 * no-referrer Chrome sends `Origin: null` on our own form posts, which the Origin check would refuse.
 */
/**
 * The passkey and step-up pages only: the same policy plus `script-src 'self'` for /assets/webauthn.js
 * (WebAuthn needs JavaScript). Still no inline script, no eval, no other origin.
 */
export const WEBAUTHN_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function securityHeaders(_req: unknown, res: HeaderTarget, next: () => void): void {
  res.setHeader(
    'content-security-policy',
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.setHeader('referrer-policy', 'same-origin');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cache-control', 'no-store');
  next();
}
