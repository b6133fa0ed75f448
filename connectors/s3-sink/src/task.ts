/** The S3 sink task: writes each assigned partition to S3 objects, commits offsets only past uploaded files, within a per-task memory budget. */
import { S3Client } from '@aws-sdk/client-s3';
import {
  ConnectException,
  DataException,
  type Logger,
  type SinkRecord,
  SinkTask,
  type TopicPartition,
  type TopicPartitionOffset,
} from '@tributary/api';
import { parseS3SinkConfig, type FormatName, type S3SinkConfig } from './config.js';
import { AvroFormat } from './formats/avro.js';
import type { RecordFormat } from './formats/format.js';
import { ByteArrayFormat, JsonFormat, unescapeSeparator } from './formats/json.js';
import { loadZstd, type ParquetEncoder } from './formats/parquet-encoder.js';
import { ParquetFormat } from './formats/parquet.js';
import { createPartitioner, type Partitioner, TimeBasedPartitioner, timestampExtractor } from './partitioner.js';
import { type ObjectStore, S3Store, s3ClientConfig } from './storage.js';
import { TopicPartitionWriter, type WriterSettings } from './writer.js';

export const VERSION = '0.1.0';

/** Test seams: an object store and clock of the caller's choosing. */
export interface S3SinkTaskOptions {
  store?: ObjectStore;
  now?: () => number;
  parquetEncoder?: ParquetEncoder;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export function createFormat(name: FormatName, c: S3SinkConfig, encoder?: ParquetEncoder): RecordFormat {
  const gzip = c['s3.compression.type'] === 'gzip' ? c['s3.compression.level'] : null;
  switch (name) {
    case 'parquet':
      return new ParquetFormat(c['parquet.codec'], c['parquet.row.group.bytes'], encoder);
    case 'json':
      return new JsonFormat(gzip, c['json.decimal.format']);
    case 'avro':
      return new AvroFormat(c['avro.codec']);
    case 'bytearray':
      return new ByteArrayFormat(
        c['format.bytearray.extension'],
        unescapeSeparator(c['format.bytearray.separator'] ?? '\n'),
        gzip,
      );
  }
}

/**
 * Writes the records of its assigned partitions to S3 objects. Offsets are committed (through
 * preCommit) only up to the end of fully uploaded cuts; a per-task memory budget makes open files
 * encode, upload parts or rotate early instead of growing; a timer rotates idle partitions and
 * runs rotate.schedule.interval.ms.
 */
export class S3SinkTask extends SinkTask {
  readonly #opts: S3SinkTaskOptions;
  #config: S3SinkConfig | null = null;
  #settings: WriterSettings | null = null;
  #store: ObjectStore | null = null;
  #client: S3Client | null = null;
  #partitioner: Partitioner | null = null;
  #writers = new Map<string, TopicPartitionWriter>();
  #timer: NodeJS.Timeout | null = null;
  /** Serializes put, preCommit, open/close and timer ticks: they all touch the writers. */
  #chain: Promise<unknown> = Promise.resolve();
  #log: Logger | null = null;
  #failure: Error | null = null;
  /** Highest buffered bytes seen, for tests and metrics. */
  peakBufferedBytes = 0;

  constructor(opts: S3SinkTaskOptions = {}) {
    super();
    this.#opts = opts;
  }

  version(): string {
    return VERSION;
  }

  #now(): number {
    return this.#opts.now ? this.#opts.now() : Date.now();
  }

  #exclusive<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(op, op);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async start(props: Readonly<Record<string, string>>): Promise<void> {
    const c = parseS3SinkConfig(props);
    this.#config = c;
    this.#log = this.context.logger;
    const valueFormat = createFormat(c.format, c, this.#opts.parquetEncoder);
    const usesZstd = [valueFormat].some((f) => f instanceof ParquetFormat && f.codec === 'ZSTD');
    if (usesZstd) await loadZstd();
    this.#partitioner = createPartitioner(c);
    this.#settings = {
      topicsDir: c['topics.dir'],
      dirDelim: c['directory.delim'],
      fileDelim: c['file.delim'],
      zeroPadWidth: c['filename.offset.zero.pad.width'],
      flushSize: c['flush.size'],
      rotateIntervalMs: c['rotate.interval.ms'],
      rotateScheduleIntervalMs: c['rotate.schedule.interval.ms'],
      rotateSizeBytes: c['rotate.size.bytes'],
      rotateIdleMs: c['rotate.idle.ms'],
      timePartitioned: this.#partitioner instanceof TimeBasedPartitioner,
      timezone: c.timezone,
      compatibility: c['schema.compatibility'],
      inferSchemas: c['schemaless.inference'] === 'infer',
      nullValues: c['behavior.on.null.values'],
      tombstonePartition: c['tombstone.encoded.partition'],
      valueFormat,
      keysFormat: c['store.kafka.keys'] ? createFormat(c.keysFormat, c, this.#opts.parquetEncoder) : null,
      headersFormat: c['store.kafka.headers'] ? createFormat(c.headersFormat, c, this.#opts.parquetEncoder) : null,
    };
    if (this.#opts.store) {
      this.#store = this.#opts.store;
    } else {
      this.#client = new S3Client(s3ClientConfig(c));
      const store = new S3Store(this.#client, {
        bucket: c['s3.bucket.name'],
        partSize: c['s3.part.size'],
        retries: c['s3.part.retries'],
        backoffMs: c['s3.retry.backoff.ms'],
        conditionalWrites: c['s3.conditional.writes'] === 'enabled',
        sse: { algorithm: c['s3.ssea.name'], kmsKeyId: c['s3.sse.kms.key.id'] },
        acl: c['s3.acl.canned'],
        logger: this.#log,
      });
      if (c['s3.conditional.writes'] === 'auto') {
        store.opts.conditionalWrites = await store.probeConditionalWrites(
          c['topics.dir'] ? `${c['topics.dir']}${c['directory.delim']}` : '',
        );
      }
      this.#log.info(
        { bucket: c['s3.bucket.name'], endpoint: c['store.url'], conditionalWrites: store.opts.conditionalWrites },
        store.opts.conditionalWrites
          ? 'the store enforces If-None-Match; uploads are conditional'
          : 'the store ignores If-None-Match; uploads check with HEAD first',
      );
      this.#store = store;
    }
    const tickMs = this.#tickInterval(c);
    if (tickMs > 0) {
      this.#timer = setInterval(() => {
        void this.#exclusive(() => this.#tick()).catch((e: unknown) => {
          // A failed timer upload fails the next put/preCommit, so the runtime sees it.
          this.#failure = e as Error;
          this.#log?.error({ err: (e as Error).message }, 'timed rotation failed');
        });
      }, tickMs);
      this.#timer.unref();
    }
  }

  #tickInterval(c: S3SinkConfig): number {
    const periods = [c['rotate.idle.ms'], c['rotate.schedule.interval.ms']].filter((n) => n > 0);
    if (periods.length === 0) return 0;
    return Math.max(50, Math.min(1000, Math.floor(Math.min(...periods) / 4)));
  }

  #writer(topic: string, partition: number): TopicPartitionWriter {
    const k = tpKey(topic, partition);
    let w = this.#writers.get(k);
    if (!w) {
      const extractor =
        this.#partitioner instanceof TimeBasedPartitioner
          ? this.#partitioner.extractor
          : this.#config!['rotate.interval.ms'] > 0
            ? timestampExtractor(this.#config!.extractor, this.#config!['timestamp.field'])
            : null;
      w = new TopicPartitionWriter(
        { topic, partition },
        this.#settings!,
        this.#partitioner!,
        extractor,
        this.#store!,
        this.#log!,
        this.#now(),
      );
      this.#writers.set(k, w);
    }
    return w;
  }

  override open(partitions: readonly TopicPartition[]): Promise<void> {
    return this.#exclusive(async () => {
      const c = this.#config!;
      for (const tp of partitions) this.#writer(tp.topic, tp.partition);
      // Multipart uploads an earlier owner of these partitions left behind would otherwise be
      // billed forever; the files they belonged to are rewritten from the committed offset.
      const byTopic = new Map<string, Set<number>>();
      for (const tp of partitions) byTopic.set(tp.topic, (byTopic.get(tp.topic) ?? new Set()).add(tp.partition));
      for (const [topic, parts] of byTopic) {
        const prefix = `${c['topics.dir'] ? `${c['topics.dir']}${c['directory.delim']}` : ''}${topic}${c['directory.delim']}`;
        const fd = c['file.delim'];
        const n = await this.#store!.abortIncompleteUploads(prefix, (key) => {
          const name = key.slice(key.lastIndexOf(c['directory.delim']) + c['directory.delim'].length);
          if (!name.startsWith(`${topic}${fd}`)) return false;
          const rest = name.slice(topic.length + fd.length);
          const p = Number(rest.slice(0, rest.indexOf(fd)));
          return parts.has(p);
        });
        if (n > 0)
          this.#log!.info({ topic, aborted: n }, 'aborted incomplete multipart uploads left by an earlier attempt');
      }
    });
  }

  override close(partitions: readonly TopicPartition[]): Promise<void> {
    return this.#exclusive(async () => {
      for (const tp of partitions) {
        const k = tpKey(tp.topic, tp.partition);
        const w = this.#writers.get(k);
        if (!w) continue;
        this.#writers.delete(k);
        await w.abort();
      }
    });
  }

  put(records: SinkRecord[]): Promise<void> {
    return this.#exclusive(async () => {
      this.#throwFailure();
      const now = this.#now();
      const reporter = this.context.errantRecordReporter;
      // A batch can be larger than the budget (a worker may hand over a whole fetch), so the
      // budget is checked every sixteenth of it, not only after the batch.
      const checkEvery = this.#config!['memory.buffer.max.bytes'] / 16;
      let sinceCheck = 0;
      for (const r of records) {
        const w = this.#writer(r.topic, r.kafkaPartition ?? r.originalKafkaPartition);
        try {
          sinceCheck += w.append(r, now);
        } catch (e) {
          if (!(e instanceof DataException) || !reporter) throw e;
          await reporter.report(r, e);
          w.skipErrant(r);
        }
        if (sinceCheck >= checkEvery) {
          sinceCheck = 0;
          await this.#uploadAll();
          await this.#enforceBudget(now);
        }
      }
      await this.#uploadAll();
      await this.#enforceBudget(now);
    });
  }

  #throwFailure(): void {
    if (this.#failure) {
      const e = this.#failure;
      this.#failure = null;
      throw new ConnectException(`An earlier timed rotation failed: ${e.message}`, { cause: e });
    }
  }

  async #uploadAll(): Promise<void> {
    let committed = 0;
    await Promise.all(
      [...this.#writers.values()].map(async (w) => {
        committed += await w.upload();
      }),
    );
    this.peakBufferedBytes = Math.max(this.peakBufferedBytes, this.bufferedBytes);
    if (committed > 0) this.context.requestCommit();
  }

  get bufferedBytes(): number {
    let n = 0;
    for (const w of this.#writers.values()) n += w.bufferedBytes;
    return n;
  }

  /**
   * Keeps buffered bytes under memory.buffer.max.bytes: first encode the largest open files
   * (Parquet row groups compress several-fold) and ship full parts, then rotate the partitions
   * holding the most until three quarters of the budget is free again.
   */
  async #enforceBudget(now: number): Promise<void> {
    const budget = this.#config!['memory.buffer.max.bytes'];
    if (this.bufferedBytes <= budget) return;
    const target = budget * 0.75;
    const writers = [...this.#writers.values()].sort((a, b) => b.compactableBytes - a.compactableBytes);
    for (const w of writers) {
      if (this.bufferedBytes <= target) break;
      w.compact();
    }
    await this.#uploadAll();
    if (this.bufferedBytes <= target) return;
    // Cut the partitions holding the most until enough would be freed, then upload them together.
    let excess = this.bufferedBytes - target;
    const byHeld = [...this.#writers.values()].sort((a, b) => b.bufferedBytes - a.bufferedBytes);
    for (const w of byHeld) {
      if (excess <= 0) break;
      const held = w.bufferedBytes;
      if (w.rotateIfDue(now, 'memory')) excess -= held;
    }
    await this.#uploadAll();
    this.#log!.debug({ buffered: this.bufferedBytes, budget }, 'memory budget enforced');
  }

  async #tick(): Promise<void> {
    const now = this.#now();
    let any = false;
    for (const w of this.#writers.values()) if (w.rotateIfDue(now)) any = true;
    if (any) await this.#uploadAll();
  }

  /** Runs the timer's checks now (tests drive time through the clock option). */
  tick(): Promise<void> {
    return this.#exclusive(() => this.#tick());
  }

  override preCommit(offsets: readonly TopicPartitionOffset[]): Promise<readonly TopicPartitionOffset[]> {
    return this.#exclusive(async () => {
      this.#throwFailure();
      await this.#uploadAll();
      const out: TopicPartitionOffset[] = [];
      for (const o of offsets) {
        const w = this.#writers.get(tpKey(o.topic, o.partition));
        if (!w) continue;
        const off = w.committableOffset(o.offset);
        if (off !== null) out.push({ topic: o.topic, partition: o.partition, offset: Math.min(off, o.offset) });
      }
      return out;
    });
  }

  override async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#exclusive(async () => {
      for (const w of this.#writers.values()) await w.abort();
      this.#writers.clear();
    });
    this.#client?.destroy();
    this.#log?.info(
      { peakBufferedBytes: this.peakBufferedBytes, memoryBudget: this.#config?.['memory.buffer.max.bytes'] },
      'S3 sink task stopped',
    );
  }

  /** Per-partition writer statistics (tests, metrics). */
  writerFor(topic: string, partition: number): TopicPartitionWriter | undefined {
    return this.#writers.get(tpKey(topic, partition));
  }
}
