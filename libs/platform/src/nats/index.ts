export { connectNats, checkNats, redactUrl, type ConnectNatsOptions } from './connect.js';
export { ensureStream, type EnsureStreamOptions } from './stream.js';
export { EventPublisher, Headers, type PublishResult } from './publisher.js';
export { DurableConsumer, type DurableConsumerOptions, type DeliveredEvent, type Delivery } from './consumer.js';
export { RetryLaterError, InvalidEventError, UnknownEventTypeError, NatsUnavailableError } from './errors.js';
export { decodeMessage, rejectionEvent } from './decode.js';
export { subjectMatches, subjectOf } from './subjects.js';
export { planFilters, coveringFilter } from './consumer-setup.js';
export type { NatsConnection, MsgHdrs } from '@nats-io/transport-node';
