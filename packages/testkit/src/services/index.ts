/** The service harness's public exports: up/down/status, endpoints, test databases, private Kafka and MariaDB. */
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
export { freePort, tail } from './proc.js';
export { createTestDatabase, DEFAULT_PG_URL, dropStaleTestDatabases, dropTestDatabase } from './postgres.js';
export { type PrivateMariaDb, type PrivateMariaDbOptions, startPrivateMariaDb } from './mariadb.js';
export { type PrivateKafka, startPrivateKafka } from './private-kafka.js';
export { DEFAULT_REDIS_URL } from './redis.js';
export { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from './s3.js';
export * from './types.js';
