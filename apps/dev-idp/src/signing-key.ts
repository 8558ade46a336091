import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** RS256: what every OIDC client and the services' verifier accept without configuration. */
async function generate(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg: 'RS256', use: 'sig', kid: await calculateJwkThumbprint(jwk) };
}

/**
 * The provider's private signing JWK. Kept in `file` (mode 0600) when one is named, so that tokens
 * stay valid across restarts; otherwise a fresh key per start (the services refetch the JWKS on an
 * unknown kid).
 */
export async function loadSigningKey(file: string | undefined): Promise<JWK> {
  if (!file) return generate();
  try {
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const jwk = await generate();
  try {
    await writeFile(file, JSON.stringify(jwk) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs, so both sign with the key the JWKS serves.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  }
  await chmod(file, 0o600);
  return jwk;
}
