export { verifyGrant, type VerifyGrantOptions } from './verify-grant.js';
export { redeemGrant, type RedeemGrantOptions } from './redeem-grant.js';
export { claimGrant, type ClaimGrantOptions } from './claim-grant.js';
export type { BrokerCallOptions } from './http.js';
export * from './errors.js';
export {
  GRANT_ISSUER,
  GRANT_TOKEN_TYPE,
  type GrantClaims,
  type GrantErrorCode,
  type ClaimedGrantResponse,
  type RedeemedGrantResponse,
} from '@countersign/contracts';
export * from './approval/index.js';
export {
  SETTLED_STATES,
  type IntentViewResponse,
  type SubmitIntentRequest,
  type SubmitIntentResponse,
  type IntentState,
} from '@countersign/contracts';
