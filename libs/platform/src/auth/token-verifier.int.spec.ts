import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuthError } from './errors.js';
import { DevIssuer } from './dev-issuer.js';
import { TokenVerifier } from './token-verifier.js';

// A configured (non-dev) issuer whose keys come from a JWKS URL, as a real IdP or CI provider serves them.
const ISSUER = 'https://ci.example.test';
let server: Server;
let idp: DevIssuer;
let fetches = 0;

beforeAll(async () => {
  idp = await DevIssuer.generate();
  server = createServer((req, res) => {
    fetches += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(idp.jwks()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('verifies tokens against a remote JWKS with a per-issuer audience', async () => {
  const { port } = server.address() as AddressInfo;
  const verifier = await TokenVerifier.fromConfig({
    audience: 'countersign',
    issuers: [{ issuer: ISSUER, jwksUri: `http://127.0.0.1:${port}/jwks`, audience: 'countersign-ci' }],
  });
  const identity = { name: 'repo:acme/app', kind: 'pipeline' as const, groups: [], scopes: ['intents:write'] };

  const ok = await verifier.verifyBearer(`Bearer ${await idp.mint(identity, { issuer: ISSUER, audience: 'countersign-ci' })}`);
  expect(ok.requester).toMatchObject({ issuer: ISSUER, subject: 'repo:acme/app', kind: 'pipeline' });
  await verifier.verifyBearer(`Bearer ${await idp.mint(identity, { issuer: ISSUER, audience: 'countersign-ci' })}`);
  expect(fetches).toBe(1); // keys are cached, not fetched per request

  const wrongAud = verifier.verifyBearer(`Bearer ${await idp.mint(identity, { issuer: ISSUER })}`);
  await expect(wrongAud).rejects.toMatchObject({ code: 'AUDIENCE_MISMATCH' });
  // The dev issuer is not trusted unless configured.
  const dev = verifier.verifyBearer(`Bearer ${await idp.mint(identity)}`);
  await expect(dev).rejects.toBeInstanceOf(AuthError);
  await expect(dev).rejects.toMatchObject({ code: 'ISSUER_UNKNOWN' });
});
