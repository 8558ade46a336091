export * from './envelope.js';
export * from './intent.js';
export * from './events.js';
export * from './review-events.js';
export * from './create-event.js';
export * from './grant-token.js';
export * from './event-owners.js';
export * from './intent-api.js';
