export { canonicalJson } from '@countersign/domain';
export { sha256Hex } from './sha256.js';
export * from './merkle.js';
export * from './checkpoint.js';
export * from './audit-export.js';
export * from './evidence.js';
export { Ed25519Key, verifyEd25519, ed25519PublicKey, type JWK } from './ed25519-key.js';
export {
  GENESIS_HASH,
  leafHash,
  chainHash,
  signEntry,
  verifyEntrySignature,
  verifyChain,
  ChainVerifier,
  type ChainEntry,
  type ChainFailure,
  type ChainPosition,
  type VerifyChainOptions,
  type VerifyChainResult,
} from './chain.js';
