import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * The SCRAM-SHA-256 verifier Postgres stores for a password (RFC 5802/7677, Postgres's
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`). Sending the verifier instead of the
 * password keeps the password out of the target's statement log and pg_stat_statements: Postgres
 * stores a value in this form as it is. The password must be plain ASCII (SASLprep is then the identity).
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** 256 random bits, URL-safe: goes into a connection string as it is. */
export function newPassword(): string {
  return randomBytes(32).toString('base64url');
}
