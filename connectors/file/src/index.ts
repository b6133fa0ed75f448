/** The file plugin: source and sink connectors registered under Kafka Connect's FileStreamSource/FileStreamSink class names. */
import { definePlugins } from '@tributary/api';
import { FileStreamSinkConnector } from './sink.js';
import { FileStreamSourceConnector } from './source.js';
import { VERSION } from './version.js';

export { FileStreamSinkConnector, FileStreamSinkTask } from './sink.js';
export { FileStreamSourceConnector, FileStreamSourceTask } from './source.js';
export { formatValue } from './format.js';
export { FILENAME_FIELD, POSITION_FIELD } from './config.js';

export const plugins = definePlugins([
  {
    kind: 'source',
    className: 'FileStreamSourceConnector',
    aliases: ['org.apache.kafka.connect.file.FileStreamSourceConnector', 'FileStreamSource'],
    javaTaskClass: 'org.apache.kafka.connect.file.FileStreamSourceTask',
    version: VERSION,
    create: () => new FileStreamSourceConnector(),
  },
  {
    kind: 'sink',
    className: 'FileStreamSinkConnector',
    aliases: ['org.apache.kafka.connect.file.FileStreamSinkConnector', 'FileStreamSink'],
    javaTaskClass: 'org.apache.kafka.connect.file.FileStreamSinkTask',
    version: VERSION,
    create: () => new FileStreamSinkConnector(),
  },
]);
