export * from './classify.js';
export * from './compile.js';
export * from './document.js';
export * from './masking/index.js';
