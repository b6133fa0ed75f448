export {
  acquireServices,
  endpointsFromEnv,
  exportEndpoints,
  kafkaBrokers,
  type S3ClientOptions,
  type ServiceOverrides,
  s3ClientOptions,
  serviceOverrides,
  servicesDown,
  servicesPrepare,
  servicesStatus,
  servicesUp,
} from './harness.js';
export { harnessPaths, repoRoot } from './paths.js';
export { createTestDatabase, DEFAULT_PG_URL, dropStaleTestDatabases, dropTestDatabase } from './postgres.js';
export { DEFAULT_REDIS_URL } from './redis.js';
export { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from './s3.js';
export * from './types.js';
