/** DI tokens for values that have no class of their own. */
export const LOGGER = Symbol('policy.logger');
