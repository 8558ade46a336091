import type { CredentialProvider, GrantForCredential, MintedCredential } from '../credential-provider.js';

/**
 * For targets that check grants themselves (`verifyGrant` / `redeemGrant` of @countersign/sdk): the
 * credential is the signed grant. Nothing exists outside the broker to take back; single use is the
 * redeem's atomic consume, and the grant's `exp` bounds it.
 */
export class SignedGrantProvider implements CredentialProvider {
  readonly kind = 'signed-grant';

  supports(): boolean {
    return true;
  }

  mint(grant: GrantForCredential): Promise<MintedCredential> {
    return Promise.resolve({ secret: grant.token, handle: null });
  }

  revoke(): Promise<void> {
    return Promise.resolve();
  }
}
