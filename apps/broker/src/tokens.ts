/** DI tokens for values that have no class of their own. */
export const LOGGER = Symbol('broker.logger');
export const BROKER_CONFIG = Symbol('broker.config');
/** Raw pg pool for the batched intent-event loop; Prisma stays for the one-row HTTP paths. */
export const PG_POOL = Symbol('broker.pg-pool');
