/** The Postgres CDC plugin, registered under Debezium's PostgresConnector class name, and the parts shared with the MySQL/MariaDB connector. */
import { definePlugins } from '@tributary/api';
import { PostgresConnector } from './connector.js';
import { CONNECTOR_VERSION } from './events.js';

export { PostgresConnector } from './connector.js';
export { PostgresSourceTask } from './task.js';
export { postgresConfigDef } from './config.js';
export { ReplicationSlotError } from './replication.js';

export const plugins = definePlugins([
  {
    kind: 'source',
    className: 'PostgresConnector',
    aliases: ['io.debezium.connector.postgresql.PostgresConnector'],
    version: CONNECTOR_VERSION,
    // Decoding the change stream and building envelopes bind a task to its own CPU: in a thread of its own it
    // streamed 0-52% faster in the benchmark's runs, the worker's thread only producing (docs/operations.md).
    taskIsolation: 'thread',
    create: () => new PostgresConnector(),
  },
]);
// Shared with the MySQL/MariaDB connector (@tributary/connector-mysql-cdc): the parts that are the same for
// any Debezium source, not Postgres-specific.
export { QueueClosedError, queueSizeCheck, RecordQueue } from './queue.js';
export {
  type BinaryHandlingMode,
  binaryBuilder,
  binaryValue,
  type DecimalHandlingMode,
  handlingModeKeys,
  type TimePrecisionMode,
} from './handling-modes.js';
export { regexList } from './filters.js';
export { daysFromCivil } from './schema/text-values.js';
export { needsSnapshot, type SnapshotDecision, type SnapshotMode } from './snapshot-mode.js';
export {
  adjustFieldName,
  adjustSchemaName,
  envelopeSchema,
  envelopeStruct,
  heartbeatKeySchema,
  heartbeatValueSchema,
  type NameAdjustmentMode,
  type Op,
  processingTime,
  type SnapshotMarker,
  TRANSACTION_BLOCK_SCHEMA,
  transactionBlockStruct,
  type TransactionBlock,
  transactionKeySchema,
  transactionValueSchema,
} from './events.js';
