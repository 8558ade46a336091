export * from './load-policy-dir.js';
export * from './policy-validation.error.js';
export * from './yaml-source.js';
export * from './policy-tests/test-fixture.js';
export * from './policy-tests/load-policy-tests.js';
export * from './policy-tests/run-policy-tests.js';
