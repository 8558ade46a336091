export const SESSION_COOKIE = 'cs_session';
export const LOGIN_COOKIE = 'cs_login';

/** The request's cookies by name (first wins, as browsers send the most specific path first). */
export function readCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

export interface CookieOptions {
  secure: boolean;
  sameSite: 'Strict' | 'Lax';
  maxAgeSeconds: number;
  path?: string;
}

/** httpOnly always: no script may read a session, and the console serves none anyway. */
export function cookie(name: string, value: string, o: CookieOptions): string {
  return [`${name}=${value}`, `Path=${o.path ?? '/'}`, 'HttpOnly', `SameSite=${o.sameSite}`, `Max-Age=${o.maxAgeSeconds}`, ...(o.secure ? ['Secure'] : [])].join('; ');
}
