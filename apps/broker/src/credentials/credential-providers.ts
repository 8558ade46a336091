import type { CredentialProvider, GrantedIntent } from './credential-provider.js';

/**
 * The providers in the order they are asked. The last one must serve every intent: the signed-grant
 * provider, whose credential is the grant itself, is always there as the fallback.
 */
export class CredentialProviders {
  private readonly byKind: Map<string, CredentialProvider>;

  constructor(private readonly ordered: readonly CredentialProvider[]) {
    if (ordered.length === 0) throw new Error('at least one credential provider is needed');
    this.byKind = new Map(ordered.map((p) => [p.kind, p]));
    if (this.byKind.size !== ordered.length) throw new Error('two credential providers share one kind');
  }

  for(intent: GrantedIntent): CredentialProvider {
    const provider = this.ordered.find((p) => p.supports(intent));
    if (!provider) throw new Error(`no credential provider serves ${intent.action}`);
    return provider;
  }

  /** The provider of a stored credential; undefined if it is no longer configured. */
  kind(kind: string): CredentialProvider | undefined {
    return this.byKind.get(kind);
  }

  get kinds(): string[] {
    return [...this.byKind.keys()];
  }
}
