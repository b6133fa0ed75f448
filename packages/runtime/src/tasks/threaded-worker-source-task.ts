/** A source task whose SourceTask, transforms and converters run in a thread of their own (task.isolation=thread), while this thread produces and commits offsets. */
import { fileURLToPath } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import type { Logger, RecordMetadata, SourcePartition, SourceRecord, SourceTaskContext } from '@tributary/api';
import { SourceTask } from '@tributary/api';
import type { ErrorCounters } from '../errors/tolerance.js';
import { errorText } from '../util/error-text.js';
import type { PreparedBatch } from './abstract-worker-source-task.js';
import {
  decodeBatch,
  fromThreadError,
  type FromThread,
  LOG_LEVEL_VALUES,
  type TaskThreadData,
  type ThreadRecord,
  type ToThread,
} from './task-thread-protocol.js';
import { type SourceTaskDeps, WorkerSourceTask } from './worker-source-task.js';

/** The compiled thread entry: beside this module in dist/, or in dist/ when this module runs from its TypeScript source. */
function threadEntry(): string {
  const here = fileURLToPath(new URL('./source-task-thread.js', import.meta.url));
  return import.meta.url.endsWith('.ts') ? here.replace(/\/src\/tasks\/([^/]+)$/, '/dist/tasks/$1') : here;
}

/**
 * The worker's Node options without export conditions: a worker run from TypeScript sources (tests) resolves
 * packages' `source` condition, and the thread runs the compiled graph, where that condition leads nowhere.
 */
function compiledExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--conditions' || a === '-C') i++;
    else if (!a.startsWith('--conditions=') && !a.startsWith('-C=')) out.push(a);
  }
  return out;
}

/**
 * The thread's young generation: 16 MiB in place of what V8 gives a thread by default (192 MiB on the 24 GiB
 * development machine). A CDC task's records live for one poll, so a smaller nursery collects them as well; in the
 * benchmark it cut a threaded CDC worker's peak RSS by 90-120 MiB at the same rate. A --max-semi-space-size of
 * the user's (NODE_OPTIONS or the command line) is left to apply.
 */
const THREAD_YOUNG_GENERATION_MB = 16;
function threadResourceLimits(): { maxYoungGenerationSizeMb?: number } {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.some((f) => /^--max[-_]semi[-_]space[-_]size/.test(f))
    ? {}
    : { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB };
}

/** pino's numeric level of a logger (the registry changes it at run time); everything where it has none. */
function levelOf(logger: Logger): number {
  const v: unknown = (logger as { levelVal?: unknown }).levelVal;
  return typeof v === 'number' ? Math.min(v, 1000) : LOG_LEVEL_VALUES.trace;
}

/**
 * Stands for the connector's SourceTask in this thread: start() starts the thread (which starts the real
 * one), stop(), commit() and commitRecord() are messages to it. poll() is never called here: the worker
 * takes the thread's converted batches through batch().
 */
export class SourceTaskThread extends SourceTask {
  readonly #data: Omit<TaskThreadData, 'logLevel' | 'paused'>;
  readonly #logLevel = new Int32Array(new SharedArrayBuffer(4));
  readonly #batches: Array<{ buf: ArrayBuffer; polled: number } | null> = [];
  readonly #commits = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  readonly #partitions = new Map<string, SourcePartition>();
  #thread: Thread | null = null;
  #logger: Logger;
  #paused: boolean;
  #waiter: (() => void) | null = null;
  #failure: Error | null = null;
  #exited = false;
  #commitsRecords = false;
  /** A 'next' is out and neither records nor an idle mark came back yet. */
  #requested = false;
  #nextCommit = 0;
  #levelTimer: NodeJS.Timeout | null = null;
  #closed: Promise<void> | null = null;
  readonly #onErrors: (errors: ErrorCounters) => void;
  readonly #commitTimeoutMs: number;

  constructor(opts: {
    data: Omit<TaskThreadData, 'logLevel' | 'paused'>;
    logger: Logger;
    paused: boolean;
    /** Receives the thread's errors.* counts with each batch. */
    onErrors: (errors: ErrorCounters) => void;
    commitTimeoutMs: number;
  }) {
    super();
    this.#data = opts.data;
    this.#logger = opts.logger;
    this.#paused = opts.paused;
    this.#onErrors = opts.onErrors;
    this.#commitTimeoutMs = opts.commitTimeoutMs;
  }

  version(): string {
    return 'thread';
  }

  override initialize(context: SourceTaskContext): void {
    super.initialize(context);
    this.#logger = context.logger;
  }

  override start(): Promise<void> {
    Atomics.store(this.#logLevel, 0, levelOf(this.#logger));
    // Level changes (PUT /admin/loggers) reach the thread within a second.
    this.#levelTimer = setInterval(() => Atomics.store(this.#logLevel, 0, levelOf(this.#logger)), 1000);
    this.#levelTimer.unref();
    const data: TaskThreadData = {
      ...this.#data,
      paused: this.#paused,
      logLevel: this.#logLevel.buffer as SharedArrayBuffer,
    };
    const thread = new Thread(threadEntry(), {
      workerData: data,
      name: `${data.connector}-${data.task}`,
      execArgv: compiledExecArgv(),
      resourceLimits: threadResourceLimits(),
    });
    this.#thread = thread;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      thread.on('message', (m: FromThread) => {
        if (m.t === 'started') {
          started = true;
          this.#commitsRecords = m.commitsRecords;
          resolve();
          return;
        }
        this.#onMessage(m);
        if (!started && this.#failure) reject(this.#failure);
      });
      thread.on('error', (err) => {
        this.#fail(err);
        if (!started) reject(this.#failure);
      });
      thread.on('exit', (code) => {
        this.#exited = true;
        if (!this.#closed) this.#fail(new Error(`the task's thread exited (code ${code}) before the task stopped`));
        if (!started) reject(this.#failure ?? new Error(`the task's thread exited (code ${code}) as it started`));
        // A commit() the thread can no longer answer: the offsets are written, there is no one left to tell.
        for (const c of this.#commits.values()) c.resolve();
        this.#commits.clear();
        this.#wakeWaiter();
      });
    });
  }

  override poll(): Promise<SourceRecord[] | null> {
    return Promise.reject(new Error('a threaded source task is polled in its thread'));
  }

  /** The next converted batch (all the thread has, or its next poll's): null when it is quiet; throws once the thread failed. */
  async batch(isStopping: () => boolean): Promise<{ records: ThreadRecord[]; polled: number } | null> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      const b = this.#batches.shift();
      if (b !== undefined) {
        if (b === null) return null;
        return { records: decodeBatch(b.buf, this.#partitions), polled: b.polled };
      }
      if (isStopping() || this.#exited) return null;
      if (!this.#requested) {
        this.#requested = true;
        this.#post({ t: 'next' });
      }
      // Back within a second even if the thread is quiet, so the caller's loop sees a failed send or a stop.
      const gotOne = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 1000);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      if (!gotOne && this.#batches.length === 0) return null;
    }
  }

  /** Ends a wait in batch() so the caller can see it is stopping. */
  interrupt(): void {
    this.#wakeWaiter();
  }

  setPaused(paused: boolean): void {
    this.#paused = paused;
    this.#post({ t: 'pause', paused });
  }

  /** Whether the task overrides commitRecord() (otherwise nothing is worth telling it per record). */
  get commitsRecords(): boolean {
    return this.#commitsRecords;
  }

  /** Tells the thread which of its records reached Kafka, in the order they were handed over. */
  sent(entries: ReadonlyArray<{ topic: string; meta: RecordMetadata }>): void {
    if (entries.length === 0) return;
    const meta = new Float64Array(entries.length * 3);
    const topics: string[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const m = entries[i]!.meta;
      topics[i] = m.topic;
      meta[i * 3] = m.partition;
      meta[i * 3 + 1] = m.offset;
      meta[i * 3 + 2] = m.timestamp;
    }
    this.#post({ t: 'sent', topics, meta });
  }

  /**
   * SourceTask.commit() in the thread. It only tells the task what the written offsets cover, so a thread that
   * does not answer within the offset flush timeout (stuck in poll()) does not hold up the next offset flush.
   */
  override commit(): Promise<void> {
    if (this.#failure || this.#exited) return Promise.resolve();
    const id = ++this.#nextCommit;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#commits.delete(id);
        reject(new Error(`the task's thread did not answer commit() within ${this.#commitTimeoutMs} ms`));
      }, this.#commitTimeoutMs);
      timer.unref();
      const done = (): void => clearTimeout(timer);
      this.#commits.set(id, {
        resolve: () => {
          done();
          resolve();
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.#post({ t: 'commit', id });
    });
  }

  override stop(): void {
    this.#post({ t: 'stop' });
    this.#wakeWaiter();
  }

  /** Closes the thread's stages and ends it; a thread that does not end within `timeoutMs` is terminated. */
  close(timeoutMs: number): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#levelTimer) clearInterval(this.#levelTimer);
      const thread = this.#thread;
      if (!thread || this.#exited) return;
      const exited = new Promise<void>((r) => thread.once('exit', () => r()));
      this.#post({ t: 'close' });
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!inTime) await this.cancel();
    })();
    return this.#closed;
  }

  /** Ends the thread now, whatever it is doing (a poll() that never returns): Kafka Connect's WorkerTask.cancel. */
  async cancel(): Promise<void> {
    if (this.#levelTimer) clearInterval(this.#levelTimer);
    this.#closed ??= Promise.resolve();
    const thread = this.#thread;
    if (thread && !this.#exited) {
      this.#logger.warn('terminating the task thread');
      await thread.terminate();
    }
  }

  #onMessage(m: FromThread): void {
    switch (m.t) {
      case 'batch':
        this.#requested = false;
        this.#onErrors(m.errors);
        this.#batches.push({ buf: m.buf, polled: m.polled });
        this.#wakeWaiter();
        return;
      case 'idle':
        this.#requested = false;
        this.#onErrors(m.errors);
        // One idle mark is enough to let the producer flush; more would only queue up.
        if (this.#batches.at(-1) !== null) this.#batches.push(null);
        this.#wakeWaiter();
        return;
      case 'log': {
        // Called on the logger: pino's level methods read their logger from `this`.
        if (m.msg === undefined) this.#logger[m.level](m.obj);
        else this.#logger[m.level](m.obj, m.msg);
        return;
      }
      case 'offsets': {
        const reader = this.context.offsetStorageReader;
        reader.offsets(m.partitions).then(
          (value) => this.#post({ t: 'reply', id: m.id, ok: true, value }),
          (err: unknown) => this.#post({ t: 'reply', id: m.id, ok: false, error: errorText(err) }),
        );
        return;
      }
      case 'committed': {
        const c = this.#commits.get(m.id);
        this.#commits.delete(m.id);
        if (m.error === null) c?.resolve();
        else c?.reject(new Error(m.error));
        return;
      }
      case 'failed':
        this.#fail(fromThreadError(m.error));
        return;
      case 'stopped':
        this.#batches.push(null);
        this.#wakeWaiter();
        return;
      case 'closed':
      case 'started':
        return;
    }
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const c of this.#commits.values()) c.reject(err);
    this.#commits.clear();
    this.#wakeWaiter();
  }

  #post(m: ToThread): void {
    if (!this.#exited) this.#thread?.postMessage(m);
  }

  #wakeWaiter(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }
}

/**
 * WorkerSourceTask with the connector's side in a thread: the thread polls, transforms and converts,
 * this one partitions, produces and commits offsets. Two cores work on one task, and a task that blocks
 * or crashes its thread cannot stall the worker's other tasks or its REST API. At least once only (an
 * exactly-once task keeps its transaction and its records in one thread).
 */
export class ThreadedWorkerSourceTask extends WorkerSourceTask {
  readonly #thread: SourceTaskThread;

  constructor(deps: SourceTaskDeps & { task: SourceTaskThread }) {
    super(deps);
    this.#thread = deps.task;
  }

  protected override async nextBatch(holding: boolean): Promise<PreparedBatch | null> {
    // While a send is in flight and records wait for the next one, asking would fetch one small poll at a
    // time; after it, the thread hands over everything it converted meanwhile.
    if (holding) await this.sendInFlight;
    const got = await this.watch('poll', () => this.#thread.batch(() => this.stopping || this.paused));
    if (!got) return null;
    this.counters.pollBatches++;
    this.counters.recordsPolled += got.polled;
    const out: PreparedBatch = [];
    for (const r of got.records) {
      const sub = this.submitted.submit(r.sourcePartition, r.sourceOffset);
      if (!r.kept) {
        this.submitted.ack(sub);
        continue;
      }
      let bytes = (r.key?.length ?? 0) + (r.value?.length ?? 0);
      for (const [k, v] of r.headers) bytes += k.length + v.length;
      this.submitted.setBytes(sub, bytes);
      let partition = r.kafkaPartition ?? this.partition(r.topic, r.key);
      if (typeof partition !== 'number') partition = await partition;
      out.push({
        msg: {
          topic: r.topic,
          partition,
          key: r.key,
          value: r.value,
          headers: r.headers,
          timestamp: r.timestamp === null ? undefined : BigInt(r.timestamp),
        },
        sub,
        record: null,
      });
    }
    return out;
  }

  #sentBuffer: Array<{ topic: string; meta: RecordMetadata }> = [];

  protected override recordSent(_record: SourceRecord | null, meta: RecordMetadata): void {
    if (!this.#thread.commitsRecords) return;
    this.#sentBuffer.push({ topic: meta.topic, meta });
    // One message per produce chunk, not per record.
    if (this.#sentBuffer.length === 1) queueMicrotask(() => this.#flushSent());
  }

  #flushSent(): void {
    const entries = this.#sentBuffer;
    this.#sentBuffer = [];
    this.#thread.sent(entries);
  }

  override transitionTo(state: Parameters<WorkerSourceTask['transitionTo']>[0]): void {
    super.transitionTo(state);
    this.#thread.setPaused(this.paused);
    this.#thread.interrupt();
  }

  protected override onStopRequested(): void {
    super.onStopRequested();
    this.#thread.interrupt();
  }

  /** A stop that timed out ends the thread, so a task stuck in poll() frees its core and its resources. */
  protected override onStopTimedOut(): void {
    void this.#thread.cancel();
  }

  protected override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      await this.#thread.close(5_000);
    }
  }
}
