/** DI tokens for values that are not classes. */
export const INTAKE_CONFIG = Symbol('INTAKE_CONFIG');
export const LOGGER = Symbol('LOGGER');
/** A pg.Pool (raw SQL; see infra/database.ts). */
export const PG_POOL = Symbol('PG_POOL');
