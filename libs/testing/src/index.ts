export * from './nats-server.js';
export * from './eventually.js';
export * from './postgres.js';
export * from './fake-slack.js';
export * from './fake-teams.js';
export * from './fake-webhook.js';
export * from './fake-scim.js';
export * from './dev-idp-sign-in.js';
