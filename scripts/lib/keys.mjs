import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
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

/**
 * Demo signing keys for broker (grants) and audit (chain entries) under `dataDir/keys`.
 * @param {string} dataDir
 * and the policy service's masking key.
 * @returns {Promise<{ brokerKeyFile: string, auditKeyFile: string, maskKeyFile: string, created: string[] }>}
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
  return {
    brokerKeyFile: broker.file,
    auditKeyFile: audit.file,
    maskKeyFile: mask.file,
    created: [broker, audit, mask].filter((k) => k.created).map((k) => k.file),
  };
}
