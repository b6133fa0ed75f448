/** The S3 sink plugin, registered under Confluent's io.confluent.connect.s3.S3SinkConnector class name, and its public exports. */
import { definePlugins } from '@tributary/api';
import { S3SinkConnector } from './connector.js';
import { VERSION } from './task.js';

export { S3_SINK_CONFIG, parseS3SinkConfig, type S3SinkConfig } from './config.js';
export { S3SinkConnector } from './connector.js';
export { S3SinkTask, type S3SinkTaskOptions } from './task.js';
export type { ParquetEncoder, ParquetFileEncoder, ParquetCodec } from './formats/parquet-encoder.js';
export { HyparquetEncoder } from './formats/parquet-encoder.js';
export type { ObjectStore, ObjectUpload, ObjectInfo } from './storage.js';

export const plugins = definePlugins([
  {
    kind: 'sink',
    className: 'S3SinkConnector',
    aliases: ['io.confluent.connect.s3.S3SinkConnector'],
    version: VERSION,
    create: () => new S3SinkConnector(),
  },
]);
