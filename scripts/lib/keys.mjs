import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * An Ed25519 private key as PKCS8 PEM, created once (mode 0600) and kept: the audit chain and issued
 * grants stay verifiable across restarts only if the key does.
 * @param {string} file
 * @returns {Promise<{ file: string, created: boolean }>}
 */
export async function ensureEd25519Key(file) {
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing !== null) {
    if (!existing.includes('BEGIN PRIVATE KEY')) throw new Error(`${file} exists but is not a PKCS8 PEM private key`);
    return { file, created: false };
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  try {
    // 'wx': two launchers racing must not overwrite each other's key.
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (/** @type {{ code?: string }} */ (error).code === 'EEXIST') return { file, created: false };
    throw error;
  }
  await chmod(file, 0o600);
  return { file, created: true };
}

/**
 * A random secret (base64 of 32 bytes), created once (mode 0600) and kept: masked-value tokens stay
 * comparable across restarts only if the key does.
 * @param {string} file
 * @returns {Promise<{ file: string, created: boolean }>}
 */
export async function ensureSecretFile(file) {
  try {
    await writeFile(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (/** @type {{ code?: string }} */ (error).code === 'EEXIST') return { file, created: false };
    throw error;
  }
  await chmod(file, 0o600);
  return { file, created: true };
}

/** Every service that publishes events signs them with its own key (the console and the dev IdP publish none). */
export const EVENT_SIGNERS = /** @type {const} */ (['intake', 'policy', 'notifier', 'broker', 'audit']);

/**
 * The public JWK of a PKCS8 Ed25519 PEM, with its RFC 7638 thumbprint as kid (platform's Ed25519Key.kid).
 * @param {string} pem
 */
function publicJwkOf(pem) {
  const { kty, crv, x } = createPublicKey(createPrivateKey(pem)).export({ format: 'jwk' });
  const kid = createHash('sha256').update(JSON.stringify({ crv, kty, x })).digest('base64url');
  return { kty, crv, x, kid, alg: 'EdDSA', use: 'sig' };
}

/**
 * One event signing key per service (`<service>-events.pem`, created once) and the keys file every
 * service verifies with (`event-keys.json`: each public key and the service that owns it). The keys
 * file is rewritten from the private keys each time (same content when nothing changed), through a
 * rename so that a service never reads half of it.
 * @param {string} dir
 * @returns {Promise<{ eventKeyFiles: Record<string, string>, eventKeysFile: string, created: string[] }>}
 */
export async function ensureEventKeys(dir) {
  /** @type {Record<string, string>} */
  const eventKeyFiles = {};
  const created = [];
  const keys = [];
  for (const service of EVENT_SIGNERS) {
    const key = await ensureEd25519Key(join(dir, `${service}-events.pem`));
    if (key.created) created.push(key.file);
    eventKeyFiles[service] = key.file;
    keys.push({ ...publicJwkOf(await readFile(key.file, 'utf8')), service });
  }
  const eventKeysFile = join(dir, 'event-keys.json');
  const tmp = `${eventKeysFile}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, eventKeysFile);
  return { eventKeyFiles, eventKeysFile, created };
}

/**
 * Demo signing keys for broker (grants) and audit (chain entries) under `dataDir/keys`.
 * @param {string} dataDir
 * and the policy service's masking key.
 * Also every service's event signing key and the event keys file (ensureEventKeys).
 * @returns {Promise<{ brokerKeyFile: string, auditKeyFile: string, maskKeyFile: string, eventKeyFiles: Record<string, string>, eventKeysFile: string, created: string[] }>}
 */
export async function ensureDemoKeys(dataDir) {
  const dir = resolve(dataDir, 'keys');
  // The data directory itself keeps the default mode (an embedded Postgres running as another user must
  // enter it); only the key directory is private.
  await mkdir(resolve(dataDir), { recursive: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const broker = await ensureEd25519Key(join(dir, 'broker-signing.pem'));
  const audit = await ensureEd25519Key(join(dir, 'audit-signing.pem'));
  const mask = await ensureSecretFile(join(dir, 'policy-mask.key'));
  const events = await ensureEventKeys(dir);
  return {
    brokerKeyFile: broker.file,
    auditKeyFile: audit.file,
    maskKeyFile: mask.file,
    eventKeyFiles: events.eventKeyFiles,
    eventKeysFile: events.eventKeysFile,
    created: [...[broker, audit, mask].filter((k) => k.created).map((k) => k.file), ...events.created],
  };
}
