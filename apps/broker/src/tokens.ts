/** DI tokens for values that have no class of their own. */
export const LOGGER = Symbol('broker.logger');
export const BROKER_CONFIG = Symbol('broker.config');
