// The config keys of both connectors. Each spec parses the string map a worker hands over into typed values
// (`ConfigOf<typeof sourceConfig>`) and reports every missing or bad key at once.
import { ConfigKeys, defineConfig } from '@tributary/api';

export const sourceConfig = defineConfig({
  topic: ConfigKeys.string({ importance: 'HIGH', doc: 'Topic to write the records to' }),
  'interval.ms': ConfigKeys.int({ default: 1000, importance: 'MEDIUM', doc: 'Milliseconds between two records' }),
  message: ConfigKeys.string({ default: 'hello', importance: 'LOW', doc: 'Text put in every record' }),
});

export const sinkConfig = defineConfig({
  topics: ConfigKeys.list({ default: [], importance: 'HIGH', doc: 'Topics to read (the worker reads it)' }),
  file: ConfigKeys.string({ importance: 'HIGH', doc: 'File each record is appended to, one JSON line each' }),
});
