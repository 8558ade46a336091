/** The WebAuthn relying party: who passkeys are registered for, and where the ceremony may run. */
export const WEBAUTHN_SETTINGS = Symbol('WEBAUTHN_SETTINGS');
export interface WebauthnSettings {
  rpId: string;
  rpName: string;
  origins: string[];
  /** How long a registration or step-up challenge may be answered. */
  challengeTtlSeconds: number;
  /** A step-up vote needs a sign-in at most this old. */
  stepUpMaxAgeSeconds: number;
}
