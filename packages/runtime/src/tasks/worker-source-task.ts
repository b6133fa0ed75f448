/** Runs a SourceTask: poll(), transforms, converters, the producer and offset commits, exactly-once optional (Kafka Connect's WorkerSourceTask). */
import type { Producer } from '@platformatic/kafka';
import type {
  OffsetStorageReader,
  RecordMetadata,
  SourceOffset,
  SourcePartition,
  SourceRecord,
  SourceTask,
  ConnectRecord,
} from '@tributary/api';
import { TransformationChain } from '../connector-config.js';
import { createProducer, javaPartition } from '../kafka/producer.js';
import { errorText } from '../util/error-text.js';
import { canonical, KafkaOffsetBackingStore, type OffsetBackingStore } from '../storage/offset-store.js';
import { type SubmittedRecord, SubmittedRecords } from './submitted-records.js';
import type { TopicCreation } from './topic-creation.js';
import { WorkerTask, type WorkerTaskDeps, toBuffer } from './worker-task.js';

export interface WorkerSourceTaskDeps extends WorkerTaskDeps {
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
  /** Creates topics that do not exist yet (topic.creation.*); resolves when they exist. */
  /** Creates a topic the task writes to first, with its topic.creation group's settings; null leaves it to the broker. */
  topicCreation: TopicCreation | null;
  /** Exactly-once source (KIP-618): records and offsets go to Kafka in one transaction. */
  exactlyOnce: ExactlyOnceOptions | null;
  /** How long a send is retried before the task fails (the Java producer's delivery.timeout.ms; default 120 s). */
  deliveryTimeoutMs?: number;
}

export interface ExactlyOnceOptions {
  transactionalId: string;
  boundary: 'poll' | 'interval' | 'connector';
  intervalMs: number;
  offsetTopic: string;
  offsetPartitions: number;
  /** Called with the offsets a committed transaction carried, to update the local offset view. */
  onCommitted: (entries: Array<{ partition: SourcePartition; offset: SourceOffset }>) => void;
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

/** Upper bound of records accumulated from polls while a request is in flight. */
const MAX_BATCH_RECORDS = 20_000;
/**
 * Bytes of record data per produce request. The broker refuses a partition's batch over
 * message.max.bytes (1 MiB by default) with MESSAGE_TOO_LARGE; the Java producer splits by
 * batch.size and max.request.size for the same reason.
 */
const MAX_REQUEST_BYTES = 768 * 1024;

function messageBytes(m: OutMessage): number {
  let n = 70 + (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const [k, v] of m.headers) n += k.length + v.length + 8;
  return n;
}

/** Splits a batch into consecutive chunks of at most maxBytes (a single larger record goes alone). */
function chunkByBytes<T extends { msg: OutMessage }>(batch: readonly T[], maxBytes: number): T[][] {
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

type PreparedBatch = Array<{ msg: OutMessage; sub: SubmittedRecord; record: SourceRecord }>;

interface OutMessage {
  topic: string;
  partition: number;
  key?: Buffer;
  value?: Buffer;
  headers: Map<Buffer, Buffer>;
  timestamp?: bigint;
}

/**
 * Runs a SourceTask: poll → transforms → converters → idempotent producer (acks=all). Offsets of
 * acknowledged records are committed every offset.flush.interval.ms and on stop, then the task's
 * commit() is called. At most maxBufferedRecords records and maxBufferedBytes bytes are
 * unacknowledged at once, so a slow broker slows poll() instead of growing memory.
 */
export class WorkerSourceTask extends WorkerTask {
  readonly #sourceDeps: WorkerSourceTaskDeps;
  #producer: Producer | null = null;
  readonly #submitted = new SubmittedRecords();
  #inFlight: Promise<void> | null = null;
  #flushTimer: NodeJS.Timeout | null = null;
  #committing: Promise<void> | null = null;
  readonly #partitionCounts = new Map<string, number>();
  readonly #roundRobin = new Map<string, number>();
  readonly #topicsUsed = new Set<string>();
  #sendError: Error | null = null;
  #txRequest: 'commit' | 'abort' | null = null;
  #sending = false;
  /** Offsets taken from SubmittedRecords but not yet durably written (kept across failed flushes). */
  readonly #toCommit = new Map<string, { partition: SourcePartition; offset: SourceOffset }>();

  constructor(deps: WorkerSourceTaskDeps) {
    super(deps);
    this.#sourceDeps = deps;
  }

  protected async initializeAndStart(): Promise<void> {
    const eos = this.#sourceDeps.exactlyOnce;
    this.#producer = createProducer({
      clientId: this.#sourceDeps.clientId,
      bootstrapBrokers: this.#sourceDeps.bootstrapServers,
      idempotent: true,
      acks: -1,
      retries: 10,
      retryDelay: 250,
      autocreateTopics: false,
      // A new task instance must present no producer id (-1/-1) so InitProducerId bumps the epoch
      // and fences its predecessor; the client's default (0/0) is refused once the id has a history.
      ...(eos ? { transactionalId: eos.transactionalId, producerId: -1n, producerEpoch: -1 } : {}),
    });
    const task = this.#sourceDeps.task;
    task.initialize({
      configs: () => this.#sourceDeps.taskConfig,
      offsetStorageReader: offsetStorageReader(this.#sourceDeps.offsetStore, this.#sourceDeps.connectorName),
      transactionContext:
        eos?.boundary === 'connector'
          ? {
              commitTransaction: () => {
                this.#txRequest = 'commit';
              },
              abortTransaction: () => {
                this.#txRequest = 'abort';
              },
            }
          : null,
      logger: this.logger,
    });
    await task.start(this.#sourceDeps.taskConfig);
    // With exactly-once, offsets are written inside each transaction, never by the timer.
    if (eos) return;
    this.#flushTimer = setInterval(() => {
      void this.commitOffsets().catch(() => undefined);
    }, this.#sourceDeps.offsetFlushIntervalMs);
    this.#flushTimer.unref();
  }

  protected onStopRequested(): void {
    // SourceTask.stop() is how a blocked poll() learns to return (Kafka Connect calls it from another thread).
    void Promise.resolve(this.#sourceDeps.task.stop()).catch((e: unknown) =>
      this.logger.warn({ err: String(e) }, 'SourceTask.stop() failed'),
    );
  }

  protected async execute(): Promise<void> {
    if (this.#sourceDeps.exactlyOnce) return this.#executeTransactional(this.#sourceDeps.exactlyOnce);
    const task = this.#sourceDeps.task;
    // Batches prepared while the previous send is in flight: they go out together as soon as it
    // completes, so a fast source sends few large requests (as the Java producer's linger does)
    // while a slow one still sends each poll at once. One request in flight keeps the order.
    let pending: PreparedBatch = [];
    const flush = async (): Promise<void> => {
      await this.#inFlight;
      if (this.#sendError) throw this.#sendError;
      if (pending.length > 0) {
        this.#inFlight = this.#send(pending);
        pending = [];
      }
    };
    while (!this.stopping) {
      if (this.#sendError) throw this.#sendError;
      if (this.paused) {
        await flush();
        await this.awaitUnpaused();
        continue;
      }
      if (
        this.#submitted.pending >= this.#sourceDeps.maxBufferedRecords ||
        this.#submitted.pendingBytes >= this.#sourceDeps.maxBufferedBytes
      ) {
        await flush();
        await this.#inFlight;
        continue;
      }
      const records = await this.watch('poll', () => task.poll());
      if (records && records.length > 0) {
        this.counters.pollBatches++;
        this.counters.recordsPolled += records.length;
        const prepared = await this.#prepare(records);
        for (const p of prepared) pending.push(p);
      }
      if (this.stopping) break;
      const idle = !records || records.length === 0;
      if (pending.length > 0 && (!this.#sending || idle || pending.length >= MAX_BATCH_RECORDS)) await flush();
    }
    await flush();
    await this.#inFlight;
    if (this.#sendError) throw this.#sendError;
    await this.commitOffsets();
  }

  async #prepare(
    records: SourceRecord[],
  ): Promise<Array<{ msg: OutMessage; sub: SubmittedRecord; record: SourceRecord }>> {
    const out: Array<{ msg: OutMessage; sub: SubmittedRecord; record: SourceRecord }> = [];
    const tol = this.deps.tolerance;
    for (const original of records) {
      const sub = this.#submitted.submit(original.sourcePartition ?? null, original.sourceOffset ?? null);
      const ctx = {
        sourceRecord: {
          topic: original.topic,
          partition: original.kafkaPartition,
          key: original.key,
          value: original.value,
        },
      };
      let record: ConnectRecord | null = original;
      for (const stage of this.deps.transforms.stages) {
        let r = tol.execute(
          'TRANSFORMATION',
          stage.className,
          () => TransformationChain.applyStage(stage, record!),
          ctx,
        );
        if (r instanceof Promise) r = await r;
        record = r.ok ? r.value : null;
        if (!record) break;
      }
      if (!record) {
        // Filtered or skipped: nothing to wait for; its offset still counts as processed.
        this.#submitted.ack(sub);
        await this.#sourceDeps.task.commitRecord(original, null);
        continue;
      }
      const rec = record;
      const c = this.deps.converters;
      let key = tol.execute(
        'KEY_CONVERTER',
        c.keyClass,
        () => c.key.fromConnectData(rec.topic, rec.headers, rec.keySchema, rec.key),
        ctx,
      );
      if (key instanceof Promise) key = await key;
      if (!key.ok) {
        this.#submitted.ack(sub);
        continue;
      }
      let value = tol.execute(
        'VALUE_CONVERTER',
        c.valueClass,
        () => c.value.fromConnectData(rec.topic, rec.headers, rec.valueSchema, rec.value),
        ctx,
      );
      if (value instanceof Promise) value = await value;
      if (!value.ok) {
        this.#submitted.ack(sub);
        continue;
      }
      let headers = tol.execute(
        'HEADER_CONVERTER',
        c.headerClass,
        () => this.convertHeadersToBytes(rec.topic, rec.headers),
        ctx,
      );
      if (headers instanceof Promise) headers = await headers;
      if (!headers.ok) {
        this.#submitted.ack(sub);
        continue;
      }
      const keyBuf = toBuffer(key.value);
      let bytes = (keyBuf?.length ?? 0) + (value.value?.byteLength ?? 0);
      for (const [k, v] of headers.value) bytes += k.length + v.length;
      this.#submitted.setBytes(sub, bytes);
      const cached = this.#partitionCounts.get(rec.topic);
      const partition =
        rec.kafkaPartition ??
        (cached !== undefined
          ? this.#partitionOf(rec.topic, keyBuf, cached)
          : await this.#partitionFor(rec.topic, keyBuf));
      out.push({
        msg: {
          topic: rec.topic,
          partition,
          ...(keyBuf ? { key: keyBuf } : {}),
          ...(value.value ? { value: toBuffer(value.value)! } : {}),
          headers: headers.value,
          ...(rec.timestamp !== null && rec.timestamp !== undefined ? { timestamp: BigInt(rec.timestamp) } : {}),
        },
        sub,
        record: original,
      });
    }
    return out;
  }

  /** Same partition as Kafka's Java producer for keyed records; round-robin for null keys. */
  async #partitionFor(topic: string, key: Buffer | undefined): Promise<number> {
    let count = this.#partitionCounts.get(topic);
    if (count === undefined) {
      if (!this.#topicsUsed.has(topic)) await this.#sourceDeps.topicCreation?.ensure(topic);
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
        const md = await this.#producer!.metadata({ topics: [topic], autocreateTopics: true, forceUpdate: true });
        const t = md.topics.get(topic);
        if (t?.partitions.every((p) => p && p.leader >= 0)) return t.partitionsCount;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error(`Topic ${topic} has no partition leaders after 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async #send(batch: PreparedBatch): Promise<void> {
    this.#sending = true;
    for (const b of batch) {
      if (!this.#topicsUsed.has(b.msg.topic)) {
        this.#topicsUsed.add(b.msg.topic);
        this.#sourceDeps.onTopicUsed(b.msg.topic);
      }
    }
    try {
      // One request at a time, each under the broker's default message.max.bytes, in order.
      for (const chunk of chunkByBytes(batch, MAX_REQUEST_BYTES)) {
        const res = await this.#sendWithRetry(chunk.map((b) => b.msg));
        const base = new Map<string, number>();
        for (const o of res.offsets ?? []) base.set(`${o.topic}:${o.partition}`, Number(o.offset));
        const seen = new Map<string, number>();
        const now = Date.now();
        for (const b of chunk) {
          const k = `${b.msg.topic}:${b.msg.partition}`;
          const idx = seen.get(k) ?? 0;
          seen.set(k, idx + 1);
          this.#submitted.ack(b.sub);
          const meta: RecordMetadata = {
            topic: b.msg.topic,
            partition: b.msg.partition,
            offset: (base.get(k) ?? -1) + idx,
            timestamp: b.msg.timestamp !== undefined ? Number(b.msg.timestamp) : now,
          };
          const done = this.#sourceDeps.task.commitRecord(b.record, meta);
          if (done instanceof Promise) await done;
        }
        this.counters.recordsWritten += chunk.length;
      }
    } catch (err) {
      this.#sendError = err instanceof Error ? err : new Error(String(err));
      this.logger.error({ err: errorText(err) }, 'failed to send records to Kafka');
    } finally {
      this.#sending = false;
    }
  }

  /**
   * Exactly-once loop: each transaction holds the batches of one boundary (a poll, an interval, or
   * what the connector delimits) plus the offset records for them, so a crash either commits both
   * or neither. Starting the producer (InitProducerId with the task's transactional.id) fences any
   * zombie instance of this task.
   */
  async #executeTransactional(eos: ExactlyOnceOptions): Promise<void> {
    const task = this.#sourceDeps.task;
    type Tx = Awaited<ReturnType<Producer['beginTransaction']>>;
    let tx: Tx | null = null;
    let txStarted = 0;
    let pending: Array<{ msg: OutMessage; sub: SubmittedRecord; record: SourceRecord }> = [];
    const offsetsInTx = new Map<string, { partition: SourcePartition; offset: SourceOffset }>();
    const commit = async (): Promise<void> => {
      if (!tx) return;
      // The offset store's own record format, so a transaction's offsets read back as the timer's do.
      const offsetRecords = KafkaOffsetBackingStore.records(this.#sourceDeps.connectorName, [
        ...offsetsInTx.values(),
      ]).map((r) => ({
        topic: eos.offsetTopic,
        partition: javaPartition(r.key, eos.offsetPartitions),
        key: r.key,
        // Never a tombstone here: a transaction carries the offsets of records it sent.
        ...(r.value ? { value: r.value } : {}),
        headers: new Map<Buffer, Buffer>(),
      }));
      if (offsetRecords.length > 0) await tx.send({ messages: offsetRecords });
      await tx.commit();
      const committed = [...offsetsInTx.values()];
      tx = null;
      offsetsInTx.clear();
      eos.onCommitted(committed);
      this.counters.offsetCommits++;
      const now = Date.now();
      for (const b of pending) {
        this.#submitted.ack(b.sub);
        await task.commitRecord(b.record, {
          topic: b.msg.topic,
          partition: b.msg.partition,
          offset: -1,
          timestamp: b.msg.timestamp !== undefined ? Number(b.msg.timestamp) : now,
        });
      }
      this.counters.recordsWritten += pending.length;
      pending = [];
      this.#submitted.committable();
      await Promise.resolve(task.commit()).catch((e: unknown) =>
        this.logger.warn({ err: String(e) }, 'SourceTask.commit() failed'),
      );
    };
    const abort = async (): Promise<void> => {
      if (!tx) return;
      await tx.abort();
      tx = null;
      offsetsInTx.clear();
      for (const b of pending) this.#submitted.ack(b.sub);
      this.#submitted.committable();
      pending = [];
    };
    try {
      while (!this.stopping) {
        if (this.paused) {
          await commit();
          await this.awaitUnpaused();
          continue;
        }
        const records = await this.watch('poll', () => task.poll());
        if (records && records.length > 0) {
          this.counters.pollBatches++;
          this.counters.recordsPolled += records.length;
          const batch = await this.#prepare(records);
          if (!tx) {
            tx = await this.#beginTransaction();
            txStarted = Date.now();
          }
          if (batch.length > 0) {
            for (const b of batch) {
              if (!this.#topicsUsed.has(b.msg.topic)) {
                this.#topicsUsed.add(b.msg.topic);
                this.#sourceDeps.onTopicUsed(b.msg.topic);
              }
            }
            for (const chunk of chunkByBytes(batch, MAX_REQUEST_BYTES))
              await tx.send({ messages: chunk.map((b) => b.msg) });
            pending.push(...batch);
          }
          for (const r of records) {
            if (r.sourcePartition && r.sourceOffset)
              offsetsInTx.set(canonical(r.sourcePartition), { partition: r.sourcePartition, offset: r.sourceOffset });
          }
        }
        const request = this.#txRequest;
        this.#txRequest = null;
        if (request === 'abort') await abort();
        else if (
          tx &&
          (eos.boundary === 'poll' ||
            request === 'commit' ||
            (eos.boundary === 'interval' && Date.now() - txStarted >= eos.intervalMs))
        ) {
          await commit();
        }
      }
      // On a clean stop, what was polled is committed (Kafka Connect commits the open transaction).
      await commit();
    } catch (err) {
      await abort().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Starts a transaction, retrying what the broker asks to retry: the first one runs
   * InitProducerId, which answers CONCURRENT_TRANSACTIONS while a fenced predecessor's open
   * transaction is still being aborted (as the Java producer, we wait rather than fail).
   */
  async #beginTransaction(): Promise<Awaited<ReturnType<Producer['beginTransaction']>>> {
    const deadline = Date.now() + 120_000;
    let delay = 100;
    for (;;) {
      try {
        return await this.#producer!.beginTransaction();
      } catch (err) {
        const text = errorText(err);
        const retriable =
          /CONCURRENT_TRANSACTIONS|COORDINATOR_LOAD_IN_PROGRESS|COORDINATOR_NOT_AVAILABLE|NOT_COORDINATOR|already an active transaction/.test(
            text,
          );
        if (!retriable || Date.now() > deadline || this.stopping) throw err;
        this.logger.info({ err: text, retryInMs: delay }, 'transaction coordinator busy; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  /**
   * Sends a batch, retrying for up to two minutes (the Java producer's delivery.timeout.ms) on
   * errors that clear by themselves: a topic created a moment ago, a leader moving, a broker restart.
   */
  async #sendWithRetry(messages: OutMessage[]): Promise<Awaited<ReturnType<Producer['send']>>> {
    const deadline = Date.now() + (this.#sourceDeps.deliveryTimeoutMs ?? 120_000);
    let delay = 100;
    for (;;) {
      try {
        return await this.#producer!.send({ messages });
      } catch (err) {
        const text = errorText(err);
        const transient =
          /UNKNOWN_TOPIC_OR_PARTITION|LEADER_NOT_AVAILABLE|NOT_LEADER|NETWORK|ECONNREFUSED|ECONNRESET|TIMEOUT|NOT_ENOUGH_REPLICAS|REQUEST_TIMED_OUT|Connection closed/i.test(
            text,
          );
        if (!transient || Date.now() > deadline || this.stopping) throw err;
        this.logger.warn({ err: text, retryInMs: delay }, 'send failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  /** Writes the committable offsets, then lets the task confirm upstream (commit()). */
  async commitOffsets(): Promise<void> {
    if (this.#committing) return this.#committing;
    this.#committing = (async () => {
      for (const o of this.#submitted.committable()) this.#toCommit.set(canonical(o.partition), o);
      if (this.#toCommit.size === 0) return;
      const offsets = [...this.#toCommit.values()];
      const start = Date.now();
      try {
        await this.#sourceDeps.offsetStore.set(this.#sourceDeps.connectorName, offsets);
        for (const o of offsets)
          if (this.#toCommit.get(canonical(o.partition)) === o) this.#toCommit.delete(canonical(o.partition));
        this.counters.offsetCommits++;
        this.counters.lastOffsetCommitMs = Date.now() - start;
      } catch (err) {
        this.counters.offsetCommitFailures++;
        this.logger.error(
          { err: String(err) },
          'failed to commit source offsets; they will be retried at the next flush',
        );
        return;
      }
      try {
        await this.#sourceDeps.task.commit();
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'SourceTask.commit() failed');
      }
    })().finally(() => {
      this.#committing = null;
    });
    return this.#committing;
  }

  protected async close(): Promise<void> {
    if (this.#flushTimer) clearInterval(this.#flushTimer);
    await this.#committing;
    await this.#producer?.close().catch(() => undefined);
    this.deps.transforms.close();
    await this.deps.tolerance.close();
  }
}
