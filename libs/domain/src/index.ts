export * from './canonical-json.js';
export * from './intent-hash.js';
export * from './intent-lifecycle.js';
export * from './policy/index.js';
export * from './review/index.js';
