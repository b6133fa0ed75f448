/** @tributary/testkit: the connector test driver, the local service harness, test worker keys, test certificates and an HTTP(S) call. */
export * from './services/index.js';
export * from './driver/index.js';
export * from './worker-props.js';
export * from './certs.js';
export * from './http.js';
