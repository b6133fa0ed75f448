/** The connector test driver's public exports: drivers, records factory, offset store and collecting logger. */
export { ConnectorTestDriver } from './driver.js';
export {
  type ConnectorDriverOptions,
  type ConnectorSource,
  SinkConnectorDriver,
  SourceConnectorDriver,
  type SourceConnectorDriverOptions,
  type TaskOf,
} from './connector.js';
export { CollectingLogger, type LogLevel, type LogLine } from './logger.js';
export { InMemoryOffsetStore, partitionKey, type SourceOffsetEntry } from './offsets.js';
export { SinkRecordFactory, type SinkRecordFactoryOptions, type SinkRecordOptions } from './records.js';
export { type ErrantRecordReport, SinkTaskDriver, type SinkTaskDriverOptions } from './sink.js';
export {
  type CommitRecordCall,
  type PollOptions,
  RecordingTransactionContext,
  type SourceTaskDriverOptions,
  SourceTaskDriver,
  type TaskDriverState,
  type TaskFactory,
} from './source.js';
