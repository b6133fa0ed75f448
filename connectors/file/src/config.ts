/** The file connectors' config: Kafka Connect's FileStreamSource/FileStreamSink keys and defaults, and the source partition and offset field names. */
import { ConfigException, ConfigKeys, type ConfigValueInfo, defineConfig, type RawConfig } from '@tributary/api';

export const FILE_CONFIG = 'file';
export const TOPIC_CONFIG = 'topic';
export const TOPICS_CONFIG = 'topics';
export const TASK_BATCH_SIZE_CONFIG = 'batch.size';
export const DEFAULT_TASK_BATCH_SIZE = 2000;

/** Keys of the source partition and offset, as Kafka Connect's FileStreamSourceTask writes them. */
export const FILENAME_FIELD = 'filename';
export const POSITION_FIELD = 'position';

/** FileStreamSourceConnector's keys, names and defaults as Kafka Connect defines them. */
export const sourceConfigDef = defineConfig({
  [FILE_CONFIG]: ConfigKeys.string({
    default: null,
    importance: 'HIGH',
    doc: 'Source filename. If not specified, the standard input will be used',
  }),
  // A STRING, as Kafka Connect 4 defines it; topicErrors() still refuses a list of several.
  [TOPIC_CONFIG]: ConfigKeys.string({
    importance: 'HIGH',
    doc: 'The topic to publish data to',
  }),
  [TASK_BATCH_SIZE_CONFIG]: ConfigKeys.int({
    default: DEFAULT_TASK_BATCH_SIZE,
    importance: 'LOW',
    doc: 'The maximum number of records the source task can read from the file each time it is polled',
  }),
});

export const sinkConfigDef = defineConfig({
  [FILE_CONFIG]: ConfigKeys.string({
    default: null,
    importance: 'HIGH',
    doc: 'Destination filename. If not specified, the standard output will be used',
  }),
});

const SINGLE_TOPIC = "'topic' in FileStreamSourceConnector configuration requires definition of a single topic";

/** What the generic key checks cannot see: `topic` is a list type but must name exactly one topic. */
function topicErrors(raw: RawConfig): string[] {
  const value = raw[TOPIC_CONFIG];
  if (value === undefined) return [];
  const topics = value.trim() === '' ? [] : value.split(',').map((t) => t.trim());
  if (topics.length !== 1 || topics[0] === '') return [SINGLE_TOPIC];
  return [];
}

export function validateSource(raw: RawConfig): ConfigValueInfo[] {
  return sourceConfigDef.validate(raw).map((v) => {
    const extra =
      v.name === TOPIC_CONFIG && v.errors.length === 0
        ? topicErrors(raw)
        : v.name === TASK_BATCH_SIZE_CONFIG && v.errors.length === 0 && Number(raw[TASK_BATCH_SIZE_CONFIG] ?? 1) < 1
          ? [
              `Invalid value ${raw[TASK_BATCH_SIZE_CONFIG]} for configuration ${TASK_BATCH_SIZE_CONFIG}: Value must be at least 1`,
            ]
          : [];
    return extra.length > 0 ? { ...v, errors: [...v.errors, ...extra] } : v;
  });
}

export interface SourceSettings {
  file: string | null;
  topic: string;
  batchSize: number;
}

/** Parses and checks a source config, throwing a ConfigException that names every bad key. */
export function parseSource(raw: RawConfig): SourceSettings {
  const bad = validateSource(raw).filter((v) => v.errors.length > 0);
  if (bad.length > 0) throw new ConfigException(Object.fromEntries(bad.map((v) => [v.name, v.errors])));
  const c = sourceConfigDef.parse(raw);
  const file = c.file === null || c.file === '' ? null : c.file;
  return { file, topic: c.topic, batchSize: c['batch.size'] };
}
