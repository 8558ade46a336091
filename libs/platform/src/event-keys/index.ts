export { signedView, signingBytes, type WithheldDigest } from './signed-view.js';
export { EventVerifier, ServiceEventSigner, type EventSigner, type EventPublicKey, type SignatureCheck } from './event-signature.js';
export {
  EventKeyRing,
  EventKeysFile,
  EVENT_KEYS_VARIABLE,
  eventKeysJson,
  parseEventKeys,
  signingKeyVariable,
  type EventKeyEntry,
} from './key-ring.js';
export { testEventKeys, ownerSigner, ownerSignedJson, type TestEventKeys } from './test-event-keys.js';
