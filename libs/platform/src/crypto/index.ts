export { canonicalJson } from '@countersign/domain';
export { sha256Hex } from './sha256.js';
export { Ed25519Key, verifyEd25519, ed25519PublicKey, type JWK } from './ed25519-key.js';
export {
  GENESIS_HASH,
  leafHash,
  chainHash,
  signEntry,
  verifyEntrySignature,
  verifyChain,
  type ChainEntry,
  type VerifyChainResult,
} from './chain.js';
