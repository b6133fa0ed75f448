/** What both source task variants share: the producer, poll's records converted and partitioned, topic tracking (Kafka Connect's AbstractWorkerSourceTask). */
import type { Producer } from '@platformatic/kafka';
import type { OffsetStorageReader, RecordMetadata, SourceRecord, SourceTask, TransactionContext } from '@tributary/api';
import { createProducer, javaPartition } from '../kafka/producer.js';
import type { OffsetBackingStore } from '../storage/offset-store.js';
import { transformAndConvert } from './source-conversion.js';
import { type SubmittedRecord, SubmittedRecords } from './submitted-records.js';
import type { TopicCreation } from './topic-creation.js';
import { WorkerTask, type WorkerTaskDeps } from './worker-task.js';

export interface SourceTaskDeps extends WorkerTaskDeps {
  task: SourceTask;
  offsetStore: OffsetBackingStore;
  /** The connector whose offsets this task reads and writes (its partition key namespace). */
  connectorName: string;
  bootstrapServers: string[];
  clientId: string;
  offsetFlushIntervalMs: number;
  offsetFlushTimeoutMs: number;
  maxBufferedRecords: number;
  /** Bytes of converted records that may wait for acknowledgement (producer.buffer.memory). */
  maxBufferedBytes: number;
  /** Called for each topic the task writes to for the first time (active topics, KIP-558). */
  onTopicUsed: (topic: string) => void;
  /** Creates a topic the task writes to first, with its topic.creation group's settings; null leaves it to the broker. */
  topicCreation: TopicCreation | null;
  /** How long a send is retried before the task fails (the Java producer's delivery.timeout.ms; default 120 s). */
  deliveryTimeoutMs?: number;
}

/**
 * Every read first reads the offset topic to its end, as Kafka Connect's KafkaOffsetBackingStore.get does: a
 * task that moved here in a rebalance must see the offsets its previous worker flushed while stopping it,
 * not whatever this worker's tail of the topic had reached (an older offset re-delivers records).
 */
export function offsetStorageReader(store: OffsetBackingStore, connector: string): OffsetStorageReader {
  return {
    async offset(partition) {
      await store.refresh();
      return store.get(connector, partition);
    },
    async offsets(partitions) {
      await store.refresh();
      return partitions.map((partition) => ({ partition, offset: store.get(connector, partition) }));
    },
  };
}

/** A record ready for the producer, with where it goes. */
export interface OutMessage {
  topic: string;
  partition: number;
  key: Buffer | undefined;
  value: Buffer | undefined;
  headers: Map<Buffer, Buffer>;
  timestamp: bigint | undefined;
}

/**
 * Converted records with their submission and the record as polled (commitRecord() receives that one;
 * null where the SourceTask runs in a thread of its own, which matches its records by their order).
 */
export type PreparedBatch = Array<{ msg: OutMessage; sub: SubmittedRecord; record: SourceRecord | null }>;

/**
 * Bytes of record data per produce request. The broker refuses a partition's batch over
 * message.max.bytes (1 MiB by default) with MESSAGE_TOO_LARGE; the Java producer splits by
 * batch.size and max.request.size for the same reason.
 */
export const MAX_REQUEST_BYTES = 768 * 1024;

function messageBytes(m: OutMessage): number {
  let n = 70 + (m.key?.length ?? 0) + (m.value?.length ?? 0);
  if (m.headers.size > 0) for (const [k, v] of m.headers) n += k.length + v.length + 8;
  return n;
}

/** Splits a batch into consecutive chunks of at most maxBytes (a single larger record goes alone). */
export function chunkByBytes<T extends { msg: OutMessage }>(batch: readonly T[], maxBytes: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const b of batch) {
    const n = messageBytes(b.msg);
    if (cur.length > 0 && bytes + n > maxBytes) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(b);
    bytes += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Polls, transforms, converts and partitions; the variants decide how records and offsets reach Kafka.
 * At most maxBufferedRecords records and maxBufferedBytes bytes are unacknowledged at once, so a slow
 * broker slows poll() instead of growing memory.
 */
export abstract class AbstractWorkerSourceTask extends WorkerTask {
  protected readonly sourceDeps: SourceTaskDeps;
  protected readonly submitted = new SubmittedRecords();
  #producer: Producer | null = null;
  readonly #partitionCounts = new Map<string, number>();
  readonly #roundRobin = new Map<string, number>();
  readonly #topicsUsed = new Set<string>();

  constructor(deps: SourceTaskDeps) {
    super(deps);
    this.sourceDeps = deps;
  }

  protected get producer(): Producer {
    if (!this.#producer) throw new Error('the source task has not started');
    return this.#producer;
  }

  /** The producer options a variant adds (a transactional id). */
  protected abstract producerOptions(): Partial<Parameters<typeof createProducer>[0]>;
  /** The context for SourceTask.initialize(): how a connector delimits transactions, where it can. */
  protected abstract transactionContext(): TransactionContext | null;
  /** Runs once the SourceTask started. */
  protected abstract onTaskStarted(): void;

  protected async initializeAndStart(): Promise<void> {
    this.#producer = createProducer({
      clientId: this.sourceDeps.clientId,
      bootstrapBrokers: this.sourceDeps.bootstrapServers,
      idempotent: true,
      acks: -1,
      retries: 10,
      retryDelay: 250,
      autocreateTopics: false,
      ...this.producerOptions(),
    });
    await this.startSourceTask();
    this.onTaskStarted();
  }

  /** Initializes and starts the connector's SourceTask. */
  protected async startSourceTask(): Promise<void> {
    const task = this.sourceDeps.task;
    task.initialize({
      configs: () => this.sourceDeps.taskConfig,
      offsetStorageReader: offsetStorageReader(this.sourceDeps.offsetStore, this.sourceDeps.connectorName),
      transactionContext: this.transactionContext(),
      logger: this.logger,
    });
    await task.start(this.sourceDeps.taskConfig);
  }

  protected onStopRequested(): void {
    // SourceTask.stop() is how a blocked poll() learns to return (Kafka Connect calls it from another thread).
    void Promise.resolve(this.sourceDeps.task.stop()).catch((e: unknown) =>
      this.logger.warn({ err: String(e) }, 'SourceTask.stop() failed'),
    );
  }

  /** poll() under the watchdog, counted. */
  protected async poll(): Promise<SourceRecord[] | null> {
    const records = await this.watch('poll', () => this.sourceDeps.task.poll());
    if (records && records.length > 0) {
      this.counters.pollBatches++;
      this.counters.recordsPolled += records.length;
    }
    return records;
  }

  /**
   * The next records ready for the producer: null when poll() returned none. `holding` says records already
   * wait for the next send (a task in a thread waits for that send before asking for more).
   */
  protected async nextBatch(_holding: boolean): Promise<PreparedBatch | null> {
    const records = await this.poll();
    if (!records || records.length === 0) return null;
    return this.prepare(records);
  }

  /** Tells the SourceTask a record reached Kafka (commitRecord). */
  protected recordSent(record: SourceRecord | null, meta: RecordMetadata): void | Promise<void> {
    if (record) return this.sourceDeps.task.commitRecord(record, meta);
  }

  /** Lets the SourceTask confirm upstream what the committed offsets cover (commit). */
  protected commitSourceTask(): void | Promise<void> {
    return this.sourceDeps.task.commit();
  }

  /**
   * Submits each polled record and converts it for the producer. A dropped record (filtered, or a
   * failure errors.* tolerated) has nothing to wait for: it is acknowledged at once, so its offset
   * still commits, and the task hears of it as Kafka Connect's recordDropped does (commitRecord with null).
   */
  protected async prepare(records: SourceRecord[]): Promise<PreparedBatch> {
    const out: PreparedBatch = [];
    const converted = await transformAndConvert(
      records,
      this.deps.converters,
      this.deps.transforms,
      this.deps.tolerance,
    );
    for (let i = 0; i < records.length; i++) {
      const original = records[i]!;
      const sub = this.submitted.submit(original.sourcePartition ?? null, original.sourceOffset ?? null);
      const c = converted[i];
      if (!c) {
        this.submitted.ack(sub);
        await this.sourceDeps.task.commitRecord(original, null);
        continue;
      }
      this.submitted.setBytes(sub, c.bytes);
      const rec = c.record;
      let partition = rec.kafkaPartition ?? this.partition(rec.topic, c.key);
      if (typeof partition !== 'number') partition = await partition;
      // One object of one shape per record (no spreads): the producer reads an absent and an undefined field alike.
      const msg: OutMessage = {
        topic: rec.topic,
        partition,
        key: c.key,
        value: c.value,
        headers: c.headers,
        timestamp: rec.timestamp === null || rec.timestamp === undefined ? undefined : BigInt(rec.timestamp),
      };
      out.push({ msg, sub, record: original });
    }
    return out;
  }

  /** Reports each topic the batch writes to for the first time (active topics, KIP-558). */
  protected noteTopicsUsed(batch: PreparedBatch): void {
    for (const b of batch) {
      if (!this.#topicsUsed.has(b.msg.topic)) {
        this.#topicsUsed.add(b.msg.topic);
        this.sourceDeps.onTopicUsed(b.msg.topic);
      }
    }
  }

  /** The partition of a record the connector left unpartitioned: known at once but for a topic's first record. */
  protected partition(topic: string, key: Buffer | undefined): number | Promise<number> {
    const cached = this.#partitionCounts.get(topic);
    return cached !== undefined ? this.#partitionOf(topic, key, cached) : this.#partitionFor(topic, key);
  }

  /** Same partition as Kafka's Java producer for keyed records; round-robin for null keys. */
  async #partitionFor(topic: string, key: Buffer | undefined): Promise<number> {
    let count = this.#partitionCounts.get(topic);
    if (count === undefined) {
      if (!this.#topicsUsed.has(topic)) await this.sourceDeps.topicCreation?.ensure(topic);
      count = await this.#partitionCount(topic);
      this.#partitionCounts.set(topic, count);
    }
    return this.#partitionOf(topic, key, count);
  }

  #partitionOf(topic: string, key: Buffer | undefined, count: number): number {
    if (key) return javaPartition(key, count);
    const next = ((this.#roundRobin.get(topic) ?? -1) + 1) % count;
    this.#roundRobin.set(topic, next);
    return next;
  }

  /**
   * Partition count of a topic. Asking for metadata lets the broker create a missing topic when
   * auto.create.topics.enable is on (the Java producer's default behaviour Kafka Connect relies on);
   * a just-created topic may need a moment before it has leaders.
   */
  async #partitionCount(topic: string): Promise<number> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const md = await this.producer.metadata({ topics: [topic], autocreateTopics: true, forceUpdate: true });
        const t = md.topics.get(topic);
        if (t?.partitions.every((p) => p && p.leader >= 0)) return t.partitionsCount;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error(`Topic ${topic} has no partition leaders after 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  protected async close(): Promise<void> {
    await this.#producer?.close().catch(() => undefined);
    this.deps.transforms.close();
    await this.deps.tolerance.close();
  }
}
