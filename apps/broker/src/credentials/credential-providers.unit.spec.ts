import { describe, expect, it } from 'vitest';
import type { CredentialProvider, GrantedIntent } from './credential-provider.js';
import { CredentialProviders } from './credential-providers.js';
import { SignedGrantProvider } from './signed-grant/signed-grant.provider.js';

const only = (kind: string, action: string): CredentialProvider => ({
  kind,
  supports: (i) => i.action === action,
  mint: () => Promise.reject(new Error('not in this test')),
  revoke: () => Promise.resolve(),
});
const intent = (action: string): GrantedIntent => ({ action, resource: { kind: 'db', id: 'orders', env: 'prod', tags: [] }, args: {} });

describe('CredentialProviders', () => {
  it('asks in order; the signed grant serves whatever no other provider does', async () => {
    const providers = new CredentialProviders([only('postgres', 'db.query'), only('vault', 'secrets.read'), new SignedGrantProvider()]);
    expect(providers.for(intent('db.query')).kind).toBe('postgres');
    expect(providers.for(intent('secrets.read')).kind).toBe('vault');
    expect(providers.for(intent('k8s.rolebinding.create')).kind).toBe('signed-grant');
    expect(providers.kind('vault')?.kind).toBe('vault');
    expect(providers.kind('sts')).toBeUndefined();
    const grant = { grantId: 'g', jti: 'j', audience: 'a', expiresAt: new Date(), token: 'the.signed.grant' };
    expect(await new SignedGrantProvider().mint(grant)).toEqual({ secret: 'the.signed.grant', handle: null });
  });

  it('refuses two providers of one kind', () => {
    expect(() => new CredentialProviders([only('postgres', 'a'), only('postgres', 'b')])).toThrow(/share one kind/);
  });
});
