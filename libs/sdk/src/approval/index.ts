export * from './approval-errors.js';
export { requireApproval, type RequireApprovalOptions, type ApprovedGrant } from './require-approval.js';
export { gate, type GatedTool, type GateCallOptions } from './gate.js';
export { submitIntent, getIntent, withdrawIntent, type IntakeOptions, type SubmitOptions, type GetIntentOptions, type WithdrawOptions } from './intake-api.js';
export { waitForDecision, type WaitOptions } from './wait-for-decision.js';
export { tokenFromEnvironment, resolveToken, TokenSourceError, type TokenSource, type TokenSourceErrorCode, type EnvironmentTokenOptions } from './token-source.js';
