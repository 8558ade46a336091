import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startServer, type TestServer } from '../test-server.spec.js';
import { tokenFromEnvironment, TokenSourceError } from './token-source.js';

const jwt = (exp: number) => `h.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.s`;
let dir: string;
let github: TestServer;
let issued = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-token-'));
  github = await startServer((path, res) => {
    issued++;
    return path.includes('audience=countersign') ? json(res, 200, { value: jwt(Math.floor(Date.now() / 1000) + 300) }) : json(res, 400, {});
  });
});
afterAll(async () => {
  await github?.close();
  await rm(dir, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(TokenSourceError);
  return (e as TokenSourceError).code;
}

describe('tokenFromEnvironment', () => {
  it('prefers a token file (read again at each use) over COUNTERSIGN_TOKEN, which wins over GitHub Actions', async () => {
    const file = join(dir, 'token');
    await writeFile(file, 'first\n');
    const fromFile = tokenFromEnvironment({ COUNTERSIGN_TOKEN_FILE: file, COUNTERSIGN_TOKEN: 'env' });
    expect(await fromFile()).toBe('first');
    await writeFile(file, 'rotated');
    expect(await fromFile()).toBe('rotated');
    expect(await tokenFromEnvironment({ COUNTERSIGN_TOKEN: 'env', ACTIONS_ID_TOKEN_REQUEST_URL: github.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'r' })()).toBe('env');
  });

  it('asks GitHub Actions for a token with audience countersign, with the request token, and reuses it until near its exp', async () => {
    const source = tokenFromEnvironment({ ACTIONS_ID_TOKEN_REQUEST_URL: `${github.url}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' });
    const before = issued;
    const token = await source();
    expect(token.split('.')).toHaveLength(3);
    expect(await source()).toBe(token);
    expect(issued - before).toBe(1);
    expect(github.requests.at(-1)).toMatchObject({ path: '/token?api-version=2.0&audience=countersign', headers: { authorization: 'Bearer request-token' } });
  });

  it('names what is missing: no token at all, an unreadable or empty file, a failing OIDC provider', async () => {
    expect(await code(tokenFromEnvironment({})())).toBe('NO_TOKEN');
    expect(await code(tokenFromEnvironment({ COUNTERSIGN_TOKEN_FILE: join(dir, 'missing') })())).toBe('TOKEN_FILE_UNREADABLE');
    await writeFile(join(dir, 'empty'), '\n');
    expect(await code(tokenFromEnvironment({}, { tokenFile: join(dir, 'empty') })())).toBe('TOKEN_FILE_UNREADABLE');
    const refused = tokenFromEnvironment({ ACTIONS_ID_TOKEN_REQUEST_URL: github.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'r' }, { audience: 'elsewhere' });
    expect(await code(refused())).toBe('OIDC_REQUEST_FAILED');
    expect(await code(tokenFromEnvironment({ ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/t', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'r' })())).toBe('OIDC_REQUEST_FAILED');
  });
});
