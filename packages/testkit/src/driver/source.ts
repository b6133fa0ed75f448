/** Runs one SourceTask as a worker would, minus Kafka: poll() until a count or condition, simulated commits and offsets. */
import {
  type RecordMetadata,
  type SourceRecord,
  SourceTask,
  type SourceTaskContext,
  type TransactionContext,
  validateValue,
} from '@tributary/api';
import { CollectingLogger } from './logger.js';
import { InMemoryOffsetStore, partitionKey, type SourceOffsetEntry } from './offsets.js';

/** A task class (what `SourceConnector.taskClass()` returns) or a function that makes a task. */
export type TaskFactory<T> = (new () => T) | (() => T);

export interface SourceTaskDriverOptions {
  /** Committed offsets the task reads on start and simulated commits write to (default: a fresh, empty store). */
  offsets?: InMemoryOffsetStore;
  /** Where the task's log lines go (default: a fresh CollectingLogger). */
  logger?: CollectingLogger;
  /**
   * Check each polled record as the runtime's converters would: a key or value must match its
   * schema, and partitions/offsets must be JSON. Default true.
   */
  validateRecords?: boolean;
  /**
   * Hand the task a TransactionContext that records commit/abort requests, as the runtime does
   * with exactly.once.source.support=enabled and transaction.boundary=connector. Default false (null context).
   */
  transactionContext?: boolean;
  /** Default time limit of poll({count}) / poll({until}) in ms (default 10 000). */
  pollTimeoutMs?: number;
  /** How long stop() waits for a pending poll() to return after calling task.stop(), in ms (default 5 000). */
  stopTimeoutMs?: number;
}

export interface PollOptions {
  /** Return exactly this many records; surplus records of the task's last batch wait for the next call. */
  count?: number;
  /** Keep polling until this holds for the records gathered in this call (checked after each batch). */
  until?: (records: readonly SourceRecord[]) => boolean;
  /** Give up (and throw) after this many ms; defaults to the driver's pollTimeoutMs. */
  timeoutMs?: number;
}

/** A commitRecord() call the driver made: the runtime calls it once Kafka acknowledged the record. */
export interface CommitRecordCall {
  readonly record: SourceRecord;
  readonly metadata: RecordMetadata | null;
}

/** Records what a task asked of its TransactionContext (KIP-618 connector-defined boundaries). */
export class RecordingTransactionContext implements TransactionContext {
  readonly commits: Array<SourceRecord | null> = [];
  readonly aborts: Array<SourceRecord | null> = [];
  commitTransaction(record?: SourceRecord): void {
    this.commits.push(record ?? null);
  }
  abortTransaction(record?: SourceRecord): void {
    this.aborts.push(record ?? null);
  }
}

export type TaskDriverState = 'running' | 'stopped' | 'failed';

function instantiate<T>(factory: TaskFactory<T>, base: abstract new () => unknown): T {
  const proto = (factory as { prototype?: unknown }).prototype;
  // A class extending the SDK base (or anything with a prototype chain that has the task methods).
  if (proto instanceof base || (proto && typeof (proto as { start?: unknown }).start === 'function')) {
    return new (factory as new () => T)();
  }
  return (factory as () => T)();
}

/**
 * Runs one SourceTask the way a worker would, minus Kafka: start with a config, poll records,
 * simulate the offset commit that follows Kafka's acknowledgements, stop, and restart from the
 * committed offsets.
 *
 * Records the driver returns from poll() count as written to Kafka: it calls the task's
 * commitRecord() for each (with made-up metadata) and their source offsets become committable.
 * commitOffsets() then stores the latest offset per source partition and calls commit(), which
 * is what the runtime does every offset.flush.interval.ms and on stop.
 *
 * ```ts
 * const task = await ConnectorTestDriver.sourceTask(MyTask, { 'kafka.topic': 't' });
 * const first = await task.poll({ count: 10 });
 * const next = await task.restart();               // commits, stops, starts a new instance
 * expect((await next.poll({ count: 1 }))[0].value).toBe(...);
 * ```
 */
export class SourceTaskDriver<T extends SourceTask = SourceTask> {
  readonly task: T;
  readonly config: Readonly<Record<string, string>>;
  readonly offsets: InMemoryOffsetStore;
  readonly logger: CollectingLogger;
  /** The TransactionContext handed to the task, when `transactionContext: true`. */
  readonly transactions: RecordingTransactionContext | null;

  readonly #factory: TaskFactory<T>;
  readonly #options: SourceTaskDriverOptions;
  readonly #validate: boolean;
  readonly #buffer: SourceRecord[] = [];
  readonly #delivered: SourceRecord[] = [];
  readonly #commitRecordCalls: CommitRecordCall[] = [];
  /** Delivered records whose offsets have not been committed yet, in delivery order. */
  #uncommitted: SourceRecord[] = [];
  readonly #kafkaOffsets = new Map<string, number>();
  #commitCalls = 0;
  #polls = 0;
  #inflight: Promise<void> | null = null;
  #pollError: unknown = null;
  #state: TaskDriverState = 'running';
  #onStopped: ((d: SourceTaskDriver<T>) => void) | null = null;

  private constructor(
    factory: TaskFactory<T>,
    config: Readonly<Record<string, string>>,
    options: SourceTaskDriverOptions,
  ) {
    this.#factory = factory;
    this.#options = options;
    this.task = instantiate(factory, SourceTask);
    this.config = Object.freeze({ ...config });
    this.offsets = options.offsets ?? new InMemoryOffsetStore();
    this.logger = options.logger ?? new CollectingLogger();
    this.#validate = options.validateRecords ?? true;
    this.transactions = options.transactionContext ? new RecordingTransactionContext() : null;
  }

  /** Creates the task, initializes it with a context and calls start(config). */
  static async start<T extends SourceTask>(
    factory: TaskFactory<T>,
    config: Readonly<Record<string, string>>,
    options: SourceTaskDriverOptions = {},
  ): Promise<SourceTaskDriver<T>> {
    const d = new SourceTaskDriver(factory, config, options);
    const context: SourceTaskContext = {
      configs: () => d.config,
      offsetStorageReader: d.offsets,
      transactionContext: d.transactions,
      logger: d.logger,
    };
    d.task.initialize(context);
    try {
      await d.task.start(d.config);
    } catch (e) {
      d.#state = 'failed';
      throw e;
    }
    return d;
  }

  /** @internal lets a connector driver forget tasks once they stop. */
  onStopped(listener: (d: SourceTaskDriver<T>) => void): void {
    this.#onStopped = listener;
  }

  get state(): TaskDriverState {
    return this.#state;
  }

  /** Every record poll() has returned to the test so far, in order. */
  get delivered(): readonly SourceRecord[] {
    return this.#delivered;
  }

  /** Records the task returned that the driver has not handed to the test yet. */
  get buffered(): readonly SourceRecord[] {
    return this.#buffer;
  }

  /** How many times the task's poll() was called. */
  get pollCalls(): number {
    return this.#polls;
  }

  /** The commitRecord() calls made so far, one per delivered record. */
  get commitRecordCalls(): readonly CommitRecordCall[] {
    return this.#commitRecordCalls;
  }

  /** How many times the task's commit() was called. */
  get commitCalls(): number {
    return this.#commitCalls;
  }

  /**
   * Polls the task. With `count`, returns exactly that many records; with `until`, returns once
   * the predicate holds for what this call gathered; with neither, returns the next non-empty
   * batch. Throws when the time limit passes first (the records gathered stay queued for the
   * next call) and rethrows what poll() threw.
   */
  async poll(options: PollOptions = {}): Promise<SourceRecord[]> {
    this.#assertRunning('poll');
    const { count, until } = options;
    if (count !== undefined && (!Number.isInteger(count) || count < 0))
      throw new RangeError(`count must be a non-negative integer, got ${count}`);
    const timeoutMs = options.timeoutMs ?? this.#options.pollTimeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    const out: SourceRecord[] = [];
    const done = (): boolean =>
      count !== undefined
        ? out.length >= count && (until === undefined || until(out))
        : until !== undefined
          ? until(out)
          : out.length > 0;
    if (count === 0 && until === undefined) return [];
    for (;;) {
      if (this.#buffer.length > 0) {
        const take =
          count !== undefined && until === undefined
            ? Math.min(count - out.length, this.#buffer.length)
            : this.#buffer.length;
        out.push(...this.#buffer.splice(0, take));
      }
      if (done()) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.#buffer.unshift(...out);
        const wanted =
          count !== undefined
            ? `${count} records`
            : until !== undefined
              ? 'records matching the predicate'
              : 'a record';
        throw new Error(`SourceTask.poll() did not return ${wanted} within ${timeoutMs} ms (got ${out.length})`);
      }
      try {
        await this.#pollAtMost(left);
      } catch (e) {
        this.#buffer.unshift(...out);
        throw e;
      }
    }
    await this.#deliver(out);
    return out;
  }

  /** Polls for `ms` and returns every record the task produced meanwhile (possibly none). */
  async pollFor(ms: number): Promise<SourceRecord[]> {
    this.#assertRunning('pollFor');
    const deadline = Date.now() + ms;
    for (let left = ms; left > 0; left = deadline - Date.now()) await this.#pollAtMost(left);
    const out = this.#buffer.splice(0);
    await this.#deliver(out);
    return out;
  }

  /**
   * Exactly one call of the task's poll() (null counts as no records). Records still queued from
   * an earlier call are returned first, without calling poll().
   */
  async pollOnce(): Promise<SourceRecord[]> {
    this.#assertRunning('pollOnce');
    if (this.#buffer.length === 0) {
      if (!this.#inflight) this.#inflight = this.#startPoll();
      await this.#inflight;
      this.#throwPollError();
    }
    const out = this.#buffer.splice(0);
    await this.#deliver(out);
    return out;
  }

  /** What commitOffsets() would store now: the last offset per source partition of delivered records. */
  pendingOffsets(): SourceOffsetEntry[] {
    const latest = new Map<string, SourceOffsetEntry>();
    for (const r of this.#uncommitted) {
      if (r.sourcePartition && r.sourceOffset) {
        const k = partitionKey(r.sourcePartition);
        latest.delete(k); // keep first-commit order stable while moving the latest to the end
        latest.set(k, { partition: r.sourcePartition, offset: r.sourceOffset });
      }
    }
    return [...latest.values()];
  }

  /**
   * Simulates the runtime's offset flush: stores the latest source offset per partition of every
   * record delivered since the last flush, then calls the task's commit(). Returns what it stored.
   */
  async commitOffsets(): Promise<SourceOffsetEntry[]> {
    const entries = this.pendingOffsets();
    for (const e of entries) this.offsets.put(e.partition, e.offset);
    this.#uncommitted = [];
    this.#commitCalls++;
    await this.task.commit();
    return entries;
  }

  /**
   * Stops the task as a worker does: calls task.stop() (which must make a pending poll() return),
   * waits for that poll, then flushes offsets of delivered records and calls commit(). Pass
   * `commitOffsets: false` to simulate a crash that loses everything since the last flush.
   */
  async stop(options: { commitOffsets?: boolean } = {}): Promise<void> {
    if (this.#state === 'stopped') return;
    const failed = this.#state === 'failed';
    this.#state = 'stopped';
    try {
      await this.task.stop();
      if (this.#inflight) {
        const limit = this.#options.stopTimeoutMs ?? 5_000;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          this.#inflight.then(() => false),
          new Promise<boolean>((r) => {
            timer = setTimeout(() => r(true), limit);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          throw new Error(
            `SourceTask.poll() did not return within ${limit} ms of stop(): stop() must make a pending poll() return promptly`,
          );
        }
      }
      if (!failed && (options.commitOffsets ?? true)) await this.commitOffsets();
    } finally {
      this.#onStopped?.(this);
    }
  }

  /**
   * Stops this task (committing offsets unless `commitOffsets: false`) and starts a new instance
   * with the same config, offsets store and logger — what a worker restart or rebalance does.
   */
  async restart(options: { commitOffsets?: boolean } = {}): Promise<SourceTaskDriver<T>> {
    await this.stop(options);
    const next = await SourceTaskDriver.start(this.#factory, this.config, {
      ...this.#options,
      offsets: this.offsets,
      logger: this.logger,
    });
    if (this.#onStopped) next.onStopped(this.#onStopped);
    return next;
  }

  #assertRunning(what: string): void {
    if (this.#state !== 'running') throw new Error(`cannot ${what}(): the task is ${this.#state}`);
  }

  #throwPollError(): void {
    if (this.#pollError !== null) {
      const e = this.#pollError;
      this.#pollError = null;
      this.#state = 'failed';
      throw e;
    }
  }

  /** Waits up to `ms` for the pending (or a new) poll() call; records land in the buffer. */
  async #pollAtMost(ms: number): Promise<void> {
    if (!this.#inflight) this.#inflight = this.#startPoll();
    const inflight = this.#inflight;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([inflight, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    this.#throwPollError();
  }

  #startPoll(): Promise<void> {
    this.#polls++;
    const n = this.#polls;
    return (async () => {
      try {
        const records = (await this.task.poll()) ?? [];
        if (this.#validate) for (const [i, r] of records.entries()) checkRecord(r, i, n);
        this.#buffer.push(...records);
        // A task that returns nothing at once must not starve timers and I/O of the test.
        if (records.length === 0) await new Promise((r) => setImmediate(r));
      } catch (e) {
        this.#pollError = e;
      } finally {
        this.#inflight = null;
      }
    })();
  }

  /** The records reach the test: they count as acknowledged by Kafka. */
  async #deliver(records: SourceRecord[]): Promise<void> {
    for (const r of records) {
      const partition = r.kafkaPartition ?? 0;
      const k = `${r.topic}\u0000${partition}`;
      const offset = this.#kafkaOffsets.get(k) ?? 0;
      this.#kafkaOffsets.set(k, offset + 1);
      const metadata: RecordMetadata = { topic: r.topic, partition, offset, timestamp: r.timestamp ?? Date.now() };
      this.#delivered.push(r);
      this.#uncommitted.push(r);
      this.#commitRecordCalls.push({ record: r, metadata });
      await this.task.commitRecord(r, metadata);
    }
  }
}

function checkRecord(r: SourceRecord, index: number, poll: number): void {
  const where = `record ${index} of poll() call ${poll}`;
  if (typeof r.topic !== 'string' || r.topic === '') throw new Error(`${where} has no topic`);
  if (r.kafkaPartition !== null && (!Number.isInteger(r.kafkaPartition) || r.kafkaPartition < 0)) {
    throw new Error(`${where} has an invalid kafkaPartition ${String(r.kafkaPartition)}`);
  }
  try {
    if (r.keySchema) validateValue(r.keySchema, r.key);
  } catch (e) {
    throw new Error(`${where}: key does not match its schema: ${(e as Error).message}`, { cause: e });
  }
  try {
    if (r.valueSchema) validateValue(r.valueSchema, r.value);
  } catch (e) {
    throw new Error(`${where}: value does not match its schema: ${(e as Error).message}`, { cause: e });
  }
  for (const [what, v] of [
    ['sourcePartition', r.sourcePartition],
    ['sourceOffset', r.sourceOffset],
  ] as const) {
    try {
      JSON.stringify(v);
    } catch (e) {
      throw new Error(`${where}: ${what} is not JSON-serializable: ${(e as Error).message}`, { cause: e });
    }
  }
}
