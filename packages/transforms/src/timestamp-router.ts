/** The TimestampRouter SMT: renames the topic from a format of the topic and the record's time (Kafka Connect's TimestampRouter). */
import {
  ConfigException,
  ConfigKeys,
  type ConnectRecord,
  DataException,
  defineConfig,
  type Transformation,
} from '@tributary/api';
import { SimpleDateFormat } from './simple-date-format.js';

// Kafka Connect's placeholders look like template literals but are plain text here.
const TOPIC = '$' + '{topic}';
const TIMESTAMP = '$' + '{timestamp}';
const DEFAULT_TOPIC_FORMAT = `${TOPIC}-${TIMESTAMP}`;

export const TimestampRouterConfig = defineConfig({
  'topic.format': ConfigKeys.rawString({
    default: DEFAULT_TOPIC_FORMAT,
    importance: 'HIGH',
    doc: `Format string which can contain <code>${TOPIC}</code> and <code>${TIMESTAMP}</code> as placeholders for the topic and timestamp, respectively.`,
  }),
  'timestamp.format': ConfigKeys.rawString({
    default: 'yyyyMMdd',
    importance: 'HIGH',
    doc: 'Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.',
  }),
});

/** Kafka Connect's TimestampRouter: topic becomes topic.format with ${topic} and the record time formatted in UTC. */
export class TimestampRouter implements Transformation {
  #topicFormat = DEFAULT_TOPIC_FORMAT;
  #format = new SimpleDateFormat('yyyyMMdd');

  config(): typeof TimestampRouterConfig {
    return TimestampRouterConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = TimestampRouterConfig.parse(props);
    this.#topicFormat = c['topic.format'];
    try {
      this.#format = new SimpleDateFormat(c['timestamp.format']);
    } catch (e) {
      throw new ConfigException({
        'timestamp.format': [
          `Invalid value ${c['timestamp.format']} for configuration timestamp.format: ${(e as Error).message}`,
        ],
      });
    }
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    if (record.timestamp === null || record.timestamp === undefined)
      throw new DataException(`Timestamp missing on record: ${describeRecord(record)}`);
    const formatted = this.#format.format(new Date(record.timestamp));
    const topic = this.#topicFormat.split(TOPIC).join(record.topic).split(TIMESTAMP).join(formatted);
    return record.newRecord({ topic });
  }

  close(): void {}
}

export function describeRecord(record: ConnectRecord): string {
  return `${record.constructor.name}{topic='${record.topic}', kafkaPartition=${record.kafkaPartition}, timestamp=${record.timestamp}}`;
}
