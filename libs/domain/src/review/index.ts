export * from './review.js';
export * from './step-up.js';
