/** A compacted internal topic read from the start and tailed, under the config, offset and status stores (Kafka Connect's KafkaBasedLog). */
import { Admin, type Producer } from '@platformatic/kafka';
import { createProducer } from './producer.js';
import type { Logger } from '@tributary/api';
import { errorText } from '../util/error-text.js';
import { KafkaReader, type RawRecord } from './reader.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs?: Record<string, string>;
}

/** Creates the topic when it does not exist; an existing topic is left as it is. */
export async function ensureTopic(admin: Admin, spec: TopicSpec): Promise<boolean> {
  const existing = await admin.listTopics({ includeInternals: false });
  if (existing.includes(spec.name)) return false;
  try {
    await admin.createTopics({
      topics: [spec.name],
      partitions: spec.partitions,
      replicas: spec.replicationFactor,
      configs: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
    });
    return true;
  } catch (err) {
    // Another worker created it between our check and our request.
    if (/TOPIC_ALREADY_EXISTS|already exists/i.test(errorText(err))) return false;
    throw err;
  }
}

export interface KafkaBasedLogOptions {
  bootstrapServers: string[];
  clientId: string;
  topic: TopicSpec;
  logger: Logger;
  /** Called for every record in log order, during start() and afterwards while tailing. */
  onRecord: (record: RawRecord) => void;
  /** Producer for writes; transactional work passes its own producer to send(). */
  producer?: Producer;
  isolation?: 'read_committed' | 'read_uncommitted';
}

/**
 * A compacted internal topic read from the beginning and tailed (Kafka Connect's KafkaBasedLog):
 * the config, offset and status stores sit on one each. readToEnd() returns once every record
 * written before the call has been delivered to onRecord, which is how a store "reads to the end
 * before serving".
 */
export class KafkaBasedLog {
  readonly #opts: KafkaBasedLogOptions;
  readonly #reader: KafkaReader;
  readonly #producer: Producer;
  readonly #ownsProducer: boolean;
  #partitions: number[] = [];
  #running = false;
  #loop: Promise<void> | null = null;
  #waiters: Array<{ target: Map<number, number>; resolve: () => void; reject: (e: Error) => void }> = [];
  #lastError: Error | null = null;
  #sendChain: Promise<void> = Promise.resolve();

  constructor(opts: KafkaBasedLogOptions) {
    this.#opts = opts;
    this.#reader = new KafkaReader({
      bootstrapServers: opts.bootstrapServers,
      clientId: `${opts.clientId}-log`,
      maxWaitMs: 200,
      isolation: opts.isolation ?? 'read_uncommitted',
    });
    this.#ownsProducer = !opts.producer;
    this.#producer =
      opts.producer ??
      createProducer({
        clientId: `${opts.clientId}-producer`,
        bootstrapBrokers: opts.bootstrapServers,
        idempotent: true,
        acks: -1,
        retries: 5,
      });
  }

  get topic(): string {
    return this.#opts.topic.name;
  }

  get partitionCount(): number {
    return this.#partitions.length;
  }

  /** Creates the topic when missing, then reads it to the end. Without an admin, a short-lived one is used. */
  async start(admin?: Admin): Promise<void> {
    const own = admin
      ? null
      : new Admin({ clientId: `${this.#opts.clientId}-admin`, bootstrapBrokers: this.#opts.bootstrapServers });
    let created: boolean;
    try {
      created = await ensureTopic((admin ?? own)!, this.#opts.topic);
    } finally {
      await own?.close().catch(() => undefined);
    }
    if (created) this.#opts.logger.info({ topic: this.topic }, 'created internal topic');
    const count = await this.#waitForPartitions();
    this.#partitions = Array.from({ length: count }, (_, i) => i);
    this.#reader.assign(this.#partitions.map((partition) => ({ topic: this.topic, partition, offset: 'earliest' })));
    this.#running = true;
    this.#loop = this.#tail();
    await this.readToEnd();
  }

  async #waitForPartitions(): Promise<number> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await this.#reader.partitionsFor(this.topic);
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async #tail(): Promise<void> {
    while (this.#running) {
      try {
        const records = await this.#reader.poll(200);
        for (const r of records) this.#opts.onRecord(r);
        this.#lastError = null;
        this.#settleWaiters();
      } catch (err) {
        if (!this.#running) return;
        this.#lastError = err as Error;
        this.#opts.logger.warn({ topic: this.topic, err: errorText(err) }, 'reading internal topic failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  #settleWaiters(): void {
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => {
      for (const [partition, end] of w.target) {
        const pos = this.#reader.position(this.topic, partition);
        if (pos === null || pos < end) return true;
      }
      w.resolve();
      return false;
    });
  }

  /** Resolves when everything written to the topic before this call has been read. */
  async readToEnd(timeoutMs = 60_000): Promise<void> {
    const ends = await this.#reader.endOffsets(this.#partitions.map((partition) => ({ topic: this.topic, partition })));
    const target = new Map<number, number>();
    for (const p of this.#partitions) target.set(p, ends.get(KafkaReader.key(this.topic, p)) ?? 0);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `Timed out reading internal topic ${this.topic} to its end${this.#lastError ? `: ${this.#lastError.message}` : ''}`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiters.push({ target, resolve: done, reject });
      this.#settleWaiters();
    });
  }

  /** Writes one record; resolves once the broker acknowledged it (acks=all). A null value is a tombstone. */
  async send(key: Buffer | null, value: Buffer | null, partition?: number): Promise<void> {
    await this.sendMany([{ key, value, ...(partition !== undefined ? { partition } : {}) }]);
  }

  /**
   * Writes records in order. Sends are queued so one request is in flight at a time: the stores
   * rely on each write landing after the one before it, and a failed write failing alone (the
   * client itself keeps concurrent idempotent sends in order since 2.x; kafka-client.test.ts).
   */
  sendMany(records: ReadonlyArray<{ key: Buffer | null; value: Buffer | null; partition?: number }>): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const messages = records.map((r) => ({
      topic: this.topic,
      ...(r.key ? { key: r.key } : {}),
      ...(r.value ? { value: r.value } : {}),
      ...(r.partition !== undefined ? { partition: r.partition } : {}),
    }));
    const run = this.#sendChain.then(async () => {
      try {
        await this.#producer.send({ messages });
      } catch (err) {
        throw new Error(`Writing to ${this.topic} failed: ${errorText(err)}`, { cause: err });
      }
    });
    this.#sendChain = run.catch(() => undefined);
    return run;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop?.catch(() => undefined);
    for (const w of this.#waiters) w.reject(new Error(`Log ${this.topic} stopped`));
    this.#waiters = [];
    await this.#reader.close();
    if (this.#ownsProducer) await this.#producer.close().catch(() => undefined);
  }
}
