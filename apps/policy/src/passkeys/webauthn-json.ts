import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';

const B64u = z.string().min(1).max(16_384).regex(/^[A-Za-z0-9_-]+$/, 'base64url');
const Transports = z.array(z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'])).max(8);

/**
 * What a browser's `PublicKeyCredential.toJSON()` gives for navigator.credentials.create(). Browsers add
 * fields over time (publicKey, authenticatorData, …), so the inner objects are not strict; simplewebauthn
 * verifies what matters.
 */
export const RegistrationCredential = z.object({
  id: B64u,
  rawId: B64u,
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: B64u, attestationObject: B64u, transports: Transports.optional() }),
  clientExtensionResults: z.looseObject({}).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});

/** The same for navigator.credentials.get(): an assertion. */
export const AssertionCredential = z.object({
  id: B64u,
  rawId: B64u,
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: B64u, authenticatorData: B64u, signature: B64u, userHandle: B64u.optional() }),
  clientExtensionResults: z.looseObject({}).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});

export const asRegistrationJson = (c: z.infer<typeof RegistrationCredential>) => c as RegistrationResponseJSON;
export const asAssertionJson = (c: z.infer<typeof AssertionCredential>) => c as AuthenticationResponseJSON;

/** The challenge the browser signed, read from clientDataJSON; undefined when it is not there. */
export function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    const challenge = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['challenge'] : undefined;
    return typeof challenge === 'string' && challenge.length <= 512 ? challenge : undefined;
  } catch {
    return undefined;
  }
}
