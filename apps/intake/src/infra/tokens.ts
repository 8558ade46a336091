/** DI tokens for values that are not classes. */
export const INTAKE_CONFIG = Symbol('INTAKE_CONFIG');
export const LOGGER = Symbol('LOGGER');
