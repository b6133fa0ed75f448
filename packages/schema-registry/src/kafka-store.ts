/** The `_schemas` topic as the registry's durable log (Confluent's KafkaStore), on the runtime's KafkaBasedLog. */
import type { Logger } from '@tributary/api';
import { KafkaBasedLog, type RawRecord } from '@tributary/runtime';
import { errors } from './errors.js';
import { decodeKey, encodeKey } from './records.js';
import type { WriteRecord } from './registry.js';
import type { SchemaStore } from './store.js';

export interface KafkaStoreOptions {
  bootstrapServers: string[];
  topic: string;
  replicationFactor: number;
  clientId: string;
  /** kafkastore.timeout.ms: how long a write may wait to be read back. */
  timeoutMs: number;
  logger: Logger;
  store: SchemaStore;
}

export class KafkaStore {
  readonly #options: KafkaStoreOptions;
  readonly #log: KafkaBasedLog;

  constructor(o: KafkaStoreOptions) {
    this.#options = o;
    this.#log = new KafkaBasedLog({
      bootstrapServers: o.bootstrapServers,
      clientId: o.clientId,
      logger: o.logger,
      // One partition, compacted, as Confluent creates it: the log's order is the registry's order.
      topic: {
        name: o.topic,
        partitions: 1,
        replicationFactor: o.replicationFactor,
        configs: { 'cleanup.policy': 'compact' },
      },
      onRecord: (r) => this.#apply(r),
    });
  }

  #apply(r: RawRecord): void {
    if (!r.key) return;
    try {
      const key = decodeKey(r.key);
      if (!key) return;
      const value = r.value ? (JSON.parse(r.value.toString('utf8')) as unknown) : null;
      this.#options.store.apply(key, value);
    } catch (err) {
      // A record we cannot read is skipped, as Confluent's reader thread logs and moves on; never fatal.
      this.#options.logger.error(
        { topic: r.topic, offset: r.offset, err: (err as Error).message },
        'skipping unreadable record in the schemas topic',
      );
    }
  }

  async start(): Promise<void> {
    await this.#log.start();
  }

  /** Reads to the end: a new writer does this before allocating ids, so it never reuses one its predecessor gave out. */
  async readToEnd(): Promise<void> {
    await this.#log.readToEnd(this.#options.timeoutMs);
  }

  async write(records: WriteRecord[]): Promise<void> {
    try {
      await this.#log.sendMany(
        records.map((r) => ({
          key: encodeKey(r.key),
          value: r.value === null ? null : Buffer.from(r.value),
          partition: 0,
        })),
      );
    } catch (err) {
      throw errors.storeError((err as Error).message);
    }
    try {
      await this.#log.readToEnd(this.#options.timeoutMs);
    } catch (err) {
      throw errors.timeout((err as Error).message);
    }
  }

  async stop(): Promise<void> {
    await this.#log.stop();
  }
}
