/** Runs one SinkTask as a worker would, minus Kafka: put(), preCommit() offsets, open()/close() and what it asked of its context. */
import {
  type ErrantRecordReporter,
  type SinkRecord,
  SinkTask,
  type SinkTaskContext,
  type TopicPartition,
  type TopicPartitionOffset,
} from '@tributary/api';
import { CollectingLogger } from './logger.js';
import type { TaskDriverState, TaskFactory } from './source.js';

export interface SinkTaskDriverOptions {
  /** Partitions assigned when the task starts; open() is called with them (default: none). */
  assignment?: readonly TopicPartition[];
  /** Where the task's log lines go (default: a fresh CollectingLogger). */
  logger?: CollectingLogger;
  /**
   * Whether the context offers an errant record reporter (default true). Set false to test a task
   * on a runtime without one (Kafka Connect before 2.6, or a context that returns null).
   */
  errantRecordReporter?: boolean;
  /**
   * Consumer offsets committed before this task starts (as from an earlier run): the next offset
   * to read per partition. The driver does not read Kafka; feed records from these offsets on.
   */
  committedOffsets?: readonly TopicPartitionOffset[];
}

/** A record the task handed to its errant record reporter, and why. */
export interface ErrantRecordReport {
  readonly record: SinkRecord;
  readonly error: Error;
}

const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
const tpText = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

function instantiate<T>(factory: TaskFactory<T>): T {
  const proto = (factory as { prototype?: unknown }).prototype;
  if (proto instanceof SinkTask || (proto && typeof (proto as { put?: unknown }).put === 'function')) {
    return new (factory as new () => T)();
  }
  return (factory as () => T)();
}

/**
 * Runs one SinkTask the way a worker would, minus Kafka: the test feeds SinkRecords (see
 * SinkRecordFactory), and the driver tracks consumed offsets, asks preCommit() what may be
 * committed, simulates partition assignment changes with open()/close(), and records what the
 * task asked of its context (pause, resume, requestCommit, offset rewinds, errant records).
 *
 * ```ts
 * const task = await ConnectorTestDriver.sinkTask(MySinkTask, { file: path }, { assignment: [{ topic: 't', partition: 0 }] });
 * await task.put(records.values(['a', 'b']));
 * expect(await task.commitOffsets()).toEqual([{ topic: 't', partition: 0, offset: 2 }]);
 * ```
 */
export class SinkTaskDriver<T extends SinkTask = SinkTask> {
  readonly task: T;
  readonly config: Readonly<Record<string, string>>;
  readonly logger: CollectingLogger;

  readonly #factory: TaskFactory<T>;
  readonly #options: SinkTaskDriverOptions;
  readonly #assigned = new Map<string, TopicPartition>();
  readonly #paused = new Map<string, TopicPartition>();
  /** Next offset to commit per partition: one past the last record put. */
  readonly #current = new Map<string, TopicPartitionOffset>();
  readonly #committed = new Map<string, TopicPartitionOffset>();
  readonly #rewinds: TopicPartitionOffset[] = [];
  readonly #errant: ErrantRecordReport[] = [];
  readonly #pauseCalls: TopicPartition[][] = [];
  readonly #resumeCalls: TopicPartition[][] = [];
  readonly #putBatches: SinkRecord[][] = [];
  #commitRequests = 0;
  #timeoutMs: number | null = null;
  #state: TaskDriverState = 'running';
  #onStopped: ((d: SinkTaskDriver<T>) => void) | null = null;

  private constructor(
    factory: TaskFactory<T>,
    config: Readonly<Record<string, string>>,
    options: SinkTaskDriverOptions,
  ) {
    this.#factory = factory;
    this.#options = options;
    this.task = instantiate(factory);
    this.config = Object.freeze({ ...config });
    this.logger = options.logger ?? new CollectingLogger();
    for (const o of options.committedOffsets ?? [])
      this.#committed.set(tpKey(o), { topic: o.topic, partition: o.partition, offset: o.offset });
  }

  /** Creates the task, initializes it, calls start(config), then open() with the initial assignment. */
  static async start<T extends SinkTask>(
    factory: TaskFactory<T>,
    config: Readonly<Record<string, string>>,
    options: SinkTaskDriverOptions = {},
  ): Promise<SinkTaskDriver<T>> {
    const d = new SinkTaskDriver(factory, config, options);
    const reporter: ErrantRecordReporter = {
      report: async (record, error) => {
        d.#errant.push({ record, error });
      },
    };
    const context: SinkTaskContext = {
      configs: () => d.config,
      offset: (offsets) => {
        d.#rewinds.push(...offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
      },
      timeout: (ms) => {
        d.#timeoutMs = ms;
      },
      assignment: () => [...d.#assigned.values()],
      pause: (...partitions) => {
        d.#pauseCalls.push(partitions);
        for (const tp of partitions) {
          if (!d.#assigned.has(tpKey(tp))) throw new Error(`cannot pause ${tpText(tp)}: not assigned to this task`);
          d.#paused.set(tpKey(tp), tp);
        }
      },
      resume: (...partitions) => {
        d.#resumeCalls.push(partitions);
        for (const tp of partitions) {
          if (!d.#assigned.has(tpKey(tp))) throw new Error(`cannot resume ${tpText(tp)}: not assigned to this task`);
          d.#paused.delete(tpKey(tp));
        }
      },
      requestCommit: () => {
        d.#commitRequests++;
      },
      errantRecordReporter: (options.errantRecordReporter ?? true) ? reporter : null,
      logger: d.logger,
    };
    d.task.initialize(context);
    try {
      await d.task.start(d.config);
      await d.assign(options.assignment ?? []);
    } catch (e) {
      d.#state = 'failed';
      throw e;
    }
    return d;
  }

  /** @internal lets a connector driver forget tasks once they stop. */
  onStopped(listener: (d: SinkTaskDriver<T>) => void): void {
    this.#onStopped = listener;
  }

  get state(): TaskDriverState {
    return this.#state;
  }

  /** The partitions currently assigned to the task. */
  get assignment(): readonly TopicPartition[] {
    return [...this.#assigned.values()];
  }

  /** Partitions the task has paused through its context and not resumed. */
  get paused(): readonly TopicPartition[] {
    return [...this.#paused.values()];
  }

  /** Each context.pause(...) call, with its arguments. */
  get pauseCalls(): readonly (readonly TopicPartition[])[] {
    return this.#pauseCalls;
  }

  /** Each context.resume(...) call, with its arguments. */
  get resumeCalls(): readonly (readonly TopicPartition[])[] {
    return this.#resumeCalls;
  }

  /** How many times the task called context.requestCommit(). */
  get commitRequests(): number {
    return this.#commitRequests;
  }

  /** Offsets the task asked to rewind (or skip) to with context.offset(), in call order. */
  get offsetRequests(): readonly TopicPartitionOffset[] {
    return this.#rewinds;
  }

  /** The last value passed to context.timeout(ms), or null. */
  get timeoutMs(): number | null {
    return this.#timeoutMs;
  }

  /** Records the task reported through the errant record reporter. */
  get errantRecords(): readonly ErrantRecordReport[] {
    return this.#errant;
  }

  /** Every batch passed to put(), in order. */
  get putBatches(): readonly (readonly SinkRecord[])[] {
    return this.#putBatches;
  }

  /** Per assigned partition, the next offset after the last record put (what preCommit() is offered). */
  get currentOffsets(): readonly TopicPartitionOffset[] {
    return [...this.#current.values()].filter((o) => this.#assigned.has(tpKey(o)));
  }

  /** Consumer offsets committed so far: exactly what preCommit() returned, as the runtime commits them. */
  get committedOffsets(): readonly TopicPartitionOffset[] {
    return [...this.#committed.values()];
  }

  /**
   * Delivers a batch to put(). Every record must belong to an assigned partition that is not
   * paused (the runtime's consumer never returns anything else), so a test that forgets an
   * assignment fails loudly instead of testing something a worker never does.
   */
  async put(records: readonly SinkRecord[]): Promise<void> {
    this.#assertRunning('put');
    for (const r of records) {
      const tp = { topic: r.originalTopic, partition: r.originalKafkaPartition };
      if (!this.#assigned.has(tpKey(tp))) {
        throw new Error(
          `record ${tpText(tp)}@${r.originalKafkaOffset} is for a partition not assigned to the task (assign it first)`,
        );
      }
      if (this.#paused.has(tpKey(tp))) {
        throw new Error(`record ${tpText(tp)}@${r.originalKafkaOffset} is for a partition the task paused`);
      }
    }
    const batch = [...records];
    this.#putBatches.push(batch);
    await this.task.put(batch);
    // Offsets advance only once put() returned: a batch that threw is redelivered by the runtime.
    for (const r of batch) {
      const tp = { topic: r.originalTopic, partition: r.originalKafkaPartition };
      this.#current.set(tpKey(tp), { ...tp, offset: r.originalKafkaOffset + 1 });
    }
  }

  /** Calls the task's flush() with the current offsets. */
  async flush(): Promise<void> {
    this.#assertRunning('flush');
    await this.task.flush(this.currentOffsets);
  }

  /**
   * Simulates a consumer offset commit: calls preCommit() with the current offsets of assigned
   * partitions and records exactly what it returns as committed. Returns those offsets.
   */
  async commitOffsets(partitions?: readonly TopicPartition[]): Promise<readonly TopicPartitionOffset[]> {
    const only = partitions ? new Set(partitions.map(tpKey)) : null;
    const offered = this.currentOffsets.filter((o) => !only || only.has(tpKey(o)));
    const committable = await this.task.preCommit(offered);
    for (const o of committable) {
      if (!this.#assigned.has(tpKey(o))) {
        throw new Error(`preCommit() returned an offset for ${tpText(o)}, which is not assigned to the task`);
      }
      this.#committed.set(tpKey(o), {
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        ...(o.metadata !== undefined ? { metadata: o.metadata } : {}),
      });
    }
    return committable;
  }

  /**
   * Simulates a rebalance that leaves the task with `partitions`: revoked partitions get their
   * offsets committed (unless `commitRevoked: false`, as for lost partitions) and are passed to
   * close(); newly assigned ones are passed to open().
   */
  async assign(partitions: readonly TopicPartition[], options: { commitRevoked?: boolean } = {}): Promise<void> {
    this.#assertRunning('assign');
    const next = new Map(partitions.map((tp) => [tpKey(tp), { topic: tp.topic, partition: tp.partition }]));
    const revoked = [...this.#assigned].filter(([k]) => !next.has(k)).map(([, v]) => v);
    const added = [...next].filter(([k]) => !this.#assigned.has(k)).map(([, v]) => v);
    if (revoked.length > 0) {
      if (options.commitRevoked ?? true) await this.commitOffsets(revoked);
      await this.task.close(revoked);
      for (const tp of revoked) {
        this.#assigned.delete(tpKey(tp));
        this.#paused.delete(tpKey(tp));
        this.#current.delete(tpKey(tp));
      }
    }
    if (added.length > 0) {
      for (const tp of added) this.#assigned.set(tpKey(tp), tp);
      await this.task.open(added);
    }
  }

  /**
   * Stops the task as a worker does: commits offsets (unless `commitOffsets: false`), closes every
   * assigned partition, then calls stop().
   */
  async stop(options: { commitOffsets?: boolean } = {}): Promise<void> {
    if (this.#state === 'stopped') return;
    const failed = this.#state === 'failed';
    this.#state = 'stopped';
    try {
      if (!failed) {
        if (options.commitOffsets ?? true) await this.commitOffsets();
        const all = [...this.#assigned.values()];
        if (all.length > 0) await this.task.close(all);
      }
      await this.task.stop();
    } finally {
      this.#onStopped?.(this);
    }
  }

  /**
   * Stops this task and starts a new instance with the same config, assignment and logger; the
   * committed offsets carry over, so the test knows where a real consumer would resume.
   */
  async restart(options: { commitOffsets?: boolean } = {}): Promise<SinkTaskDriver<T>> {
    const assignment = this.assignment;
    await this.stop(options);
    const next = await SinkTaskDriver.start(this.#factory, this.config, {
      ...this.#options,
      assignment,
      logger: this.logger,
      committedOffsets: this.committedOffsets,
    });
    if (this.#onStopped) next.onStopped(this.#onStopped);
    return next;
  }

  #assertRunning(what: string): void {
    if (this.#state !== 'running') throw new Error(`cannot ${what}(): the task is ${this.#state}`);
  }
}
