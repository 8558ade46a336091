import { Intent } from '@countersign/contracts';
import { describe, expect, it } from 'vitest';
import { compileMaskSpec, maskIntent, type MaskSpec, MaskSpecError } from './mask.js';
import { hmacTokenizer } from './tokenizer.js';

const tokenize = hmacTokenizer('a mask key of at least 32 bytes!');
const tok = (kind: string, value: string) => `[masked:${kind}:${tokenize(value)}]`;

function intent(args: Record<string, unknown>, justification = 'weekly order report'): Intent {
  return Intent.parse({
    action: 'db.export',
    resource: { kind: 'db', id: 'customers', env: 'prod', tags: ['pii'] },
    args,
    justification,
    requester: { kind: 'agent', subject: 'agent-7', issuer: 'https://idp.test', groups: ['agents'] },
  });
}

function mask(spec: MaskSpec, input: Intent) {
  const result = maskIntent(input, compileMaskSpec(spec), tokenize);
  // Whatever was masked, reviewers get a valid intent.
  expect(Intent.parse(result.intent)).toEqual(result.intent);
  return result;
}

describe('path masking', () => {
  it('masks a named argument whole and leaves the others', () => {
    const { intent: out, masked } = mask(
      { paths: ['args.query'], detectors: [] },
      intent({ query: 'select * from customers', limit: 10 }),
    );
    expect(out.args).toEqual({ query: tok('path', 'select * from customers'), limit: 10 });
    expect(masked).toEqual([{ path: 'args.query', reason: 'path:args.query' }]);
  });

  it('masks ** matches at every depth, in arrays too, and nothing else', () => {
    const input = intent({
      password: 'p0',
      db: { password: 'p1', user: 'app', replicas: [{ host: 'r1', password: 'p2' }, { host: 'r2' }] },
      passwords: 'not a match',
    });
    const { intent: out, masked } = mask({ paths: ['args.**.password'], detectors: [] }, input);
    expect(out.args).toEqual({
      password: tok('path', 'p0'),
      db: {
        password: tok('path', 'p1'),
        user: 'app',
        replicas: [{ host: 'r1', password: tok('path', 'p2') }, { host: 'r2' }],
      },
      passwords: 'not a match',
    });
    expect(masked).toEqual([
      { path: 'args.db.password', reason: 'path:args.**.password' },
      { path: 'args.db.replicas.0.password', reason: 'path:args.**.password' },
      { path: 'args.password', reason: 'path:args.**.password' },
    ]);
  });

  it('matches * as one segment and digits as array indexes', () => {
    const input = intent({
      users: [
        { name: 'Bob', email: 'b' },
        { name: 'Ann', email: 'a' },
      ],
      rows: ['r0', 'r1', 'r2'],
    });
    const { intent: out, masked } = mask({ paths: ['args.users.*.email', 'args.rows.1'], detectors: [] }, input);
    expect(out.args).toEqual({
      users: [
        { name: 'Bob', email: tok('path', 'b') },
        { name: 'Ann', email: tok('path', 'a') },
      ],
      rows: ['r0', tok('path', 'r1'), 'r2'],
    });
    expect(masked.map((m) => m.path)).toEqual(['args.rows.1', 'args.users.0.email', 'args.users.1.email']);
  });

  it('masks every leaf of a matched object or array, non-strings as their JSON text, and keeps keys', () => {
    const input = intent({ creds: { user: 'app', port: 5432, tls: true, note: null, hosts: ['a', 'b'], empty: {} } });
    const { intent: out, masked } = mask({ paths: ['args.creds'], detectors: [] }, input);
    expect(out.args).toEqual({
      creds: {
        user: tok('path', 'app'),
        port: tok('path', '5432'),
        tls: tok('path', 'true'),
        note: tok('path', 'null'),
        hosts: [tok('path', 'a'), tok('path', 'b')],
        empty: {},
      },
    });
    expect(masked.map((m) => m.path)).toEqual([
      'args.creds.hosts.0',
      'args.creds.hosts.1',
      'args.creds.note',
      'args.creds.port',
      'args.creds.tls',
      'args.creds.user',
    ]);
  });

  it('masks the justification whole when a path names it', () => {
    const { intent: out, masked } = mask({ paths: ['justification'] }, intent({}, 'customer Bob Smith asked'));
    expect(out.justification).toBe(tok('path', 'customer Bob Smith asked'));
    expect(masked).toEqual([{ path: 'justification', reason: 'path:justification' }]);
  });

  it('leaves everything when no path matches', () => {
    const input = intent({ query: 'q', db: { user: 'app' } }, 'weekly report');
    const { intent: out, masked } = mask({ paths: ['args.**.password', 'args.other', 'args.db.*.x'] }, input);
    expect(out).toEqual(input);
    expect(masked).toEqual([]);
  });

  it('names the first matching pattern as the reason', () => {
    const { masked } = mask({ paths: ['args.db.*', 'args.**.password'], detectors: [] }, intent({ db: { password: 'x' } }));
    expect(masked).toEqual([{ path: 'args.db.password', reason: 'path:args.db.*' }]);
  });

  it('keeps an argument named __proto__ as an own property', () => {
    // zod drops such a key when it parses, so build the intent around a JSON.parse result directly.
    const args = JSON.parse('{"__proto__": {"password": "p"}, "x": 1}') as Intent['args'];
    const input: Intent = { ...intent({}), args };
    const { intent: out } = maskIntent(input, compileMaskSpec({ paths: ['args.**.password'], detectors: [] }), tokenize);
    expect(Object.keys(out.args)).toEqual(['__proto__', 'x']);
    expect(JSON.stringify(out.args)).toBe(`{"__proto__":{"password":"${tok('path', 'p')}"},"x":1}`);
  });
});

describe('detector masking', () => {
  it('replaces only the detected text, each occurrence with its own token', () => {
    const input = intent({ note: 'send to bob@example.com, cc ann@example.com and bob@example.com' }, 'please export for bob@example.com');
    const { intent: out, masked } = mask({ paths: [] }, input);
    expect(out.args['note']).toBe(
      `send to ${tok('email', 'bob@example.com')}, cc ${tok('email', 'ann@example.com')} and ${tok('email', 'bob@example.com')}`,
    );
    expect(out.justification).toBe(`please export for ${tok('email', 'bob@example.com')}`);
    expect(masked).toEqual([
      { path: 'args.note', reason: 'detector:email' },
      { path: 'justification', reason: 'detector:email' },
    ]);
  });

  it('scans strings at any depth, in arrays, but not keys', () => {
    const input = intent({ 'bob@example.com': { rows: [{ card: 'paid with 4111 1111 1111 1111' }] } });
    const { intent: out, masked } = mask({ paths: [] }, input);
    expect(out.args).toEqual({ 'bob@example.com': { rows: [{ card: `paid with ${tok('card-number', '4111 1111 1111 1111')}` }] } });
    expect(masked).toEqual([{ path: 'args.bob@example.com.rows.0.card', reason: 'detector:card-number' }]);
  });

  it('runs only the detectors the spec names', () => {
    const input = intent({ note: 'bob@example.com 4111111111111111' });
    const { intent: out } = mask({ paths: [], detectors: ['card-number'] }, input);
    expect(out.args['note']).toBe(`bob@example.com ${tok('card-number', '4111111111111111')}`);
  });

  it('reports every detector that fired on a path', () => {
    const { masked } = mask({ paths: [] }, intent({ note: 'password=hunter22 for bob@example.com' }));
    expect(masked).toEqual([
      { path: 'args.note', reason: 'detector:email' },
      { path: 'args.note', reason: 'detector:password-assignment' },
    ]);
  });

  it('does not scan what a path already masked', () => {
    const { masked } = mask({ paths: ['args.to'] }, intent({ to: 'bob@example.com' }));
    expect(masked).toEqual([{ path: 'args.to', reason: 'path:args.to' }]);
  });

  it('masks the whole string when tokens would push it past the contract limit', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `u${i}@ex.io`).join(' ').slice(0, 8192);
    const { intent: out, masked } = mask({ paths: [] }, intent({ list: many }));
    expect(out.args['list']).toBe(tok('email', many));
    expect(masked).toEqual([{ path: 'args.list', reason: 'detector:email' }]);
  });

  it('keeps the justification within its 2000 characters the same way', () => {
    const many = Array.from({ length: 300 }, (_, i) => `u${i}@ex.io`).join(' ').slice(0, 2000);
    const { intent: out } = mask({ paths: [] }, intent({}, many));
    expect(out.justification).toBe(tok('email', many));
  });
});

describe('tokens', () => {
  it('show equality across paths and detectors without showing the value', () => {
    const secret = 'Tr0ub4dor&3xyz';
    const input = intent({ db: { password: secret }, url: `postgres://app:${secret}@db:5432/x` });
    const { intent: out } = mask({ paths: ['args.**.password'] }, input);
    const json = JSON.stringify(out);
    expect(json).not.toContain(secret);
    const hex = tokenize(secret);
    expect(out.args['db']).toEqual({ password: `[masked:path:${hex}]` });
    expect(out.args['url']).toBe(`postgres://app:[masked:url-password:${hex}]@db:5432/x`);
  });

  it('differ between keys', () => {
    const input = intent({ q: 'x' });
    const compiled = compileMaskSpec({ paths: ['args.q'] });
    const a = maskIntent(input, compiled, hmacTokenizer('a'.repeat(32))).intent.args['q'];
    const b = maskIntent(input, compiled, hmacTokenizer('b'.repeat(32))).intent.args['q'];
    expect(a).not.toBe(b);
  });
});

describe('maskIntent', () => {
  it('does not modify its input and shares no args object with the result', () => {
    const input = intent({ db: { password: 'p', rows: [{ e: 'bob@example.com' }] }, keep: { x: 1 } }, 'for bob@example.com');
    const before = structuredClone(input);
    const { intent: out } = mask({ paths: ['args.**.password'] }, input);
    expect(input).toEqual(before);
    expect(out.args).not.toBe(input.args);
    expect(out.args['keep']).not.toBe(input.args['keep']);
    expect(out.args['keep']).toEqual(input.args['keep']);
  });

  it('leaves action, resource, requester and dedupeKey as they are', () => {
    const input = { ...intent({ q: 'bob@example.com' }), dedupeKey: 'run-42' };
    const { intent: out } = mask({ paths: ['args.q'] }, input);
    expect({ ...out, args: undefined, justification: undefined }).toEqual({ ...input, args: undefined, justification: undefined });
  });
});

describe('compileMaskSpec', () => {
  it('names the bad pattern', () => {
    expect(() => compileMaskSpec({ paths: ['args.query', 'resource.id'] })).toThrow(MaskSpecError);
    try {
      compileMaskSpec({ paths: ['args.query', 'resource.id'] });
    } catch (e) {
      expect(e).toBeInstanceOf(MaskSpecError);
      expect((e as MaskSpecError).pattern).toBe('resource.id');
      expect((e as MaskSpecError).message).toMatch(/^invalid mask path 'resource.id': only args/);
    }
  });

  it('names an unknown detector', () => {
    const spec = { paths: [], detectors: ['email', 'ssn'] } as unknown as MaskSpec;
    expect(() => compileMaskSpec(spec)).toThrow("unknown detector 'ssn'; known: private-key, aws-access-key");
  });

  it('defaults to every detector, keeps an explicit empty list, and orders them canonically', () => {
    expect(compileMaskSpec({ paths: [] }).detectors).toHaveLength(12);
    expect(compileMaskSpec({ paths: [], detectors: [] }).detectors).toEqual([]);
    expect(compileMaskSpec({ paths: [], detectors: ['email', 'jwt'] }).detectors).toEqual(['jwt', 'email']);
  });
});
