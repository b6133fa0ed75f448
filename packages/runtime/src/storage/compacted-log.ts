/** The compacted topic of UTF-8 keys and JSON values that the config, offset and status stores share (Kafka Connect's KafkaTopicBasedBackingStore). */
import type { Logger } from '@tributary/api';
import { KafkaBasedLog } from '../kafka/log.js';
import type { RawRecord } from '../kafka/reader.js';

export interface CompactedJsonLogOptions {
  bootstrapServers: string[];
  clientId: string;
  logger: Logger;
  topic: string;
  partitions: number;
  replicationFactor: number;
  isolation?: 'read_committed' | 'read_uncommitted';
  /** Each keyed record in log order: its UTF-8 key and its JSON value (null for a tombstone). */
  onEntry: (key: string, value: unknown, record: RawRecord) => void;
}

/**
 * The log under each of the config, offset and status stores (the part Kafka Connect's
 * KafkaTopicBasedBackingStore shares): a compacted topic of UTF-8 keys and JSON values. Records
 * without a key, or whose value is not JSON, are not Kafka Connect's and are skipped with a warning
 * rather than stopping the store.
 */
export function compactedJsonLog(opts: CompactedJsonLogOptions): KafkaBasedLog {
  return new KafkaBasedLog({
    bootstrapServers: opts.bootstrapServers,
    clientId: opts.clientId,
    logger: opts.logger,
    ...(opts.isolation ? { isolation: opts.isolation } : {}),
    topic: {
      name: opts.topic,
      partitions: opts.partitions,
      replicationFactor: opts.replicationFactor,
      configs: { 'cleanup.policy': 'compact' },
    },
    onRecord: (r) => {
      if (!r.key) return;
      let value: unknown = null;
      if (r.value) {
        try {
          value = JSON.parse(r.value.toString('utf8'));
        } catch {
          opts.logger.warn({ topic: opts.topic, offset: r.offset }, 'skipping a record whose value is not JSON');
          return;
        }
      }
      opts.onEntry(r.key.toString('utf8'), value, r);
    },
  });
}
