export * from './errors.js';
export * from './herder-api.js';
