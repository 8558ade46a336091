export * from './errors.js';
export * from './identity.js';
export * from './token-verifier.js';
export * from './dev-issuer.js';
export * from './demo-identities.js';
export * from './config.js';
