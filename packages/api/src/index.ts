/** @tributary/api, the SDK for connectors, converters, transforms and config providers: its public exports. */
export * from './errors.js';
export * from './data/schema.js';
export * from './data/struct.js';
export * from './data/logical.js';
export * from './data/values.js';
export * from './record.js';
export * from './config.js';
export * from './logger.js';
export * from './connector.js';
export * from './task.js';
export * from './transform.js';
export * from './converter.js';
export * from './config-provider.js';
export * from './jaas.js';
export * from './plugin.js';
export * from './typed.js';
export { javaHashMapOrder } from './java-hash-map.js';
