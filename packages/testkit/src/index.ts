export * from './services/index.js';
export * from './driver/index.js';
