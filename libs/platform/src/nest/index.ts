export { OnEvent, OnEventBatch, OnEvents, PassErrorsToTransport } from './decorators.js';
export { JetStreamContext } from './context.js';
export { JetStreamTransport, type JetStreamTransportOptions } from './transport.js';
export { NatsModule, NATS_CONNECTION, type NatsModuleOptions } from './nats.module.js';
export * from './run-service.js';
export type { DeliveredEvent } from '../nats/index.js';
export { HealthController, postgresPing } from './health.js';
export { PG_POOL, PgPoolModule } from './pg-pool.module.js';
export {
  ApiError,
  ApiErrorFilter,
  BEARER_CHALLENGE,
  mapApiError,
  type ApiErrorBody,
  type ApiErrorOptions,
  type ApiIssue,
  type MappedApiError,
} from './api-error.js';
export { parseBody } from './parse-body.js';
