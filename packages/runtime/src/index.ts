/**
 * The runtime's public surface: what the REST layer, the CLI, the schema registry, the testkit and the tests
 * use. Everything else in the package is internal and may change without notice.
 */

// Starting workers.
export { type ConnectRuntime, startDistributed, startStandalone } from './connect.js';
export { readConfigFile, withPrefix } from './worker-config.js';
export { Plugins } from './plugins.js';
export { LoggerRegistry } from './logging.js';

// The one interface REST talks to, and the errors it answers with.
export * from './herder-api.js';
export {
  AlreadyExistsError,
  BadRequestError,
  ConnectRestException,
  ForbiddenError,
  NotFoundError,
  RebalanceNeededError,
} from './rest-errors.js';
export { DistributedHerder, REQUEST_TIMESTAMP_HEADER, signRequest } from './distributed/distributed-herder.js';
export { InterWorkerClient, runAsCaller } from './distributed/rest-client.js';
export { type ResponseHeaderRule, type RestSecuritySettings, restSecuritySettings } from './rest-config.js';

// Kafka-backed building blocks the schema registry and the tests reuse.
export { KafkaReader, type RawRecord } from './kafka/reader.js';
export { KafkaBasedLog } from './kafka/log.js';
export { WorkerGroupMember } from './distributed/group-member.js';
export type { MemberAssignment, MemberInfo } from './distributed/assignor.js';
export { KafkaConfigBackingStore } from './storage/config-store.js';
export { KafkaOffsetBackingStore } from './storage/offset-store.js';
export { KafkaStatusBackingStore } from './storage/status-store.js';
export { offsetStorageReader } from './tasks/worker-source-task.js';
