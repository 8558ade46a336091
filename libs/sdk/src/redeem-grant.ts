import { RedeemedGrantResponse } from '@countersign/contracts';
import { postJson, type BrokerCallOptions } from './http.js';

export interface RedeemGrantOptions extends BrokerCallOptions {
  /** Who redeems: must be the grant's `aud`. */
  audience: string;
}

/**
 * Consumes the grant at the broker: exactly one redeem of a grant ever succeeds, so call it before
 * doing the action (and, for a credential the broker enables at redeem, before using it). Resolves to
 * the intent the grant is bound to; rejects with a typed error per broker code (`GrantAlreadyUsedError`,
 * `GrantExpiredError`, `AudienceMismatchError`, …) or `BROKER_UNAVAILABLE`.
 */
export function redeemGrant(grant: string, opts: RedeemGrantOptions): Promise<RedeemedGrantResponse> {
  return postJson(opts, 'v1/grants/redeem', { grant, audience: opts.audience }, RedeemedGrantResponse);
}
