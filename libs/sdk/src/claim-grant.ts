import { ClaimedGrantResponse } from '@countersign/contracts';
import { postJson, type BrokerCallOptions } from './http.js';

export interface ClaimGrantOptions extends BrokerCallOptions {
  /** The requester's own bearer token (scope `grants:claim`): only the identity that submitted the intent may claim. */
  token: string;
}

/**
 * Collects the grant of an allowed or approved intent, once. The answer is the only place the grant and
 * its credential (`credential.secret`: the grant itself, or e.g. a database connection string) ever
 * appear: keep them in memory, never log them.
 */
export function claimGrant(intentId: string, opts: ClaimGrantOptions): Promise<ClaimedGrantResponse> {
  return postJson(opts, 'v1/grants/claim', { intentId }, ClaimedGrantResponse, { authorization: `Bearer ${opts.token}` });
}
