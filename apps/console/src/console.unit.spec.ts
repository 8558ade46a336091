import { describe, expect, it } from 'vitest';
import { SystemClock } from '@countersign/platform/runtime';
import { readCookies } from './http/cookies.js';
import { html } from './http/html.js';
import { SessionStore } from './session/session-store.js';
import { WebSessions } from './session/web-sessions.js';
import { safeReturn } from './sign-in/sign-in.controller.js';
import { timelinePage } from './timeline/timeline-page.js';

describe('console pieces', () => {
  it('escapes every interpolation, arrays included, and passes only SafeHtml through', () => {
    const evil = `<script>alert("x")</script>' onload='`;
    const out = html`<p title="${evil}">${evil}${[evil, html`<b>ok</b>`]}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).not.toContain(`'`);
    expect(out).toContain('<b>ok</b>');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;');
  });

  it('sends the browser back only to a path of the console itself', () => {
    expect(safeReturn('/intents/1?x=2')).toBe('/intents/1?x=2');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '/a b', undefined, 42]) expect(safeReturn(bad)).toBe('/');
  });

  it('reads cookies, first one of a name wins', () => {
    expect(readCookies('a=1; cs_session=abc; a=2')).toEqual(new Map([['a', '1'], ['cs_session', 'abc']]));
    expect(readCookies(undefined).size).toBe(0);
  });

  describe('forms', () => {
    const store = new SessionStore(new SystemClock(), { ttlSeconds: 3600, stepUpMaxAgeSeconds: 240 });
    const sessions = new WebSessions(store, 'http://127.0.0.1:3006');
    const session = store.create({ user: { subject: 'bob', name: 'bob', groups: [], scopes: [] }, accessToken: 't', tokenExpiresAt: new Date(Date.now() + 60_000), authTime: new Date(), fresh: false });
    const req = (headers: Record<string, string>) => ({ headers: { cookie: `cs_session=${session.id}`, ...headers } });

    it('accept the session CSRF token from our own origin (or no Origin at all)', () => {
      expect(sessions.requireForm(req({ origin: 'http://127.0.0.1:3006' }), { csrf: session.csrf }).id).toBe(session.id);
      expect(sessions.requireForm(req({}), { csrf: session.csrf }).id).toBe(session.id);
    });

    it('refuse a missing or wrong token, another origin, and no session', () => {
      expect(() => sessions.requireForm(req({}), {})).toThrow(expect.objectContaining({ code: 'CSRF_FAILED', status: 403 }));
      expect(() => sessions.requireForm(req({}), { csrf: session.csrf.replace(/.$/, 'x') })).toThrow(expect.objectContaining({ code: 'CSRF_FAILED' }));
      expect(() => sessions.requireForm(req({ origin: 'null' }), { csrf: session.csrf })).toThrow(expect.objectContaining({ code: 'BAD_ORIGIN' }));
      expect(() => sessions.requireForm({ headers: {} }, { csrf: session.csrf })).toThrow(expect.objectContaining({ code: 'SIGN_IN_REQUIRED' }));
    });

    it('end a session with its token and take each sign-in state once', () => {
      const short = store.create({ user: { subject: 'x', name: 'x', groups: [], scopes: [] }, accessToken: 't', tokenExpiresAt: new Date(Date.now() - 1), authTime: new Date(), fresh: false });
      expect(store.get(short.id)).toBeUndefined();
      const login = store.startLogin({ state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/', fresh: false });
      expect(store.takeLogin(login.id)).toMatchObject({ state: 's' });
      expect(store.takeLogin(login.id)).toBeUndefined();
    });

    it('send a step-up page to a fresh sign-in unless the session comes from one (prompt=login) within the window', () => {
      expect(() => sessions.requireFresh(req({}))).toThrow(expect.objectContaining({ code: 'FRESH_SIGN_IN_REQUIRED' }));
      const user = { subject: 'bob', name: 'bob', groups: [], scopes: [] };
      const fresh = store.create({ user, accessToken: 't', tokenExpiresAt: new Date(Date.now() + 60_000), authTime: new Date(), fresh: true });
      const old = store.create({ user, accessToken: 't', tokenExpiresAt: new Date(Date.now() + 60_000), authTime: new Date(Date.now() - 300_000), fresh: true });
      expect(sessions.requireFresh({ headers: { cookie: `cs_session=${fresh.id}` } }).id).toBe(fresh.id);
      expect(() => sessions.requireFresh({ headers: { cookie: `cs_session=${old.id}` } })).toThrow(expect.objectContaining({ code: 'FRESH_SIGN_IN_REQUIRED' }));
    });
  });

  it("shows each timeline event's trace id as audit recorded it, and nothing for an event that travelled without one", () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const event = (seq: number, id: string | null) => ({ seq, eventId: `e${seq}`, type: 'intent.submitted', occurredAt: '2026-12-08T00:00:00.000Z', payload: {}, leafHash: 'a'.repeat(64), traceId: id });
    const page = String(timelinePage('i1', [event(1, traceId), event(2, null)]));
    const cells = [...page.matchAll(/<tr data-testid="event"[\s\S]*?<\/tr>/g)].map((m) => [...m[0].matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => c[1])[5]);
    expect(cells).toEqual([`<code>${traceId}</code>`, '<code></code>']);
  });
});
