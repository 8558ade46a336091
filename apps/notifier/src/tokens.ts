/** Injection tokens shared across the notifier's modules. */
export const LOGGER = Symbol('LOGGER');
export const NOTIFIER_SETTINGS = Symbol('NOTIFIER_SETTINGS');
export const SLACK_SIGNING_SECRET = Symbol('SLACK_SIGNING_SECRET');
export const TEAMS_TOKEN_VERIFIER = Symbol('TEAMS_TOKEN_VERIFIER');
