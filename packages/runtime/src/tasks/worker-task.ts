/** The life cycle shared by source and sink task runners: start, pause, failure, stop and the stuck-task watchdog (Kafka Connect's WorkerTask). */
import type { Converter, HeaderConverter, Logger } from '@tributary/api';
import type { TransformationChain } from '../connector-config.js';
import type { RetryWithToleranceOperator } from '../errors/tolerance.js';
import type { ConnectorTaskId, TargetState } from '../herder-api.js';

/** What a running task tells the worker about its life (written to the status store). */
export interface TaskStatusListener {
  onStartup(id: ConnectorTaskId): void;
  onRunning(id: ConnectorTaskId): void;
  onPause(id: ConnectorTaskId): void;
  onResume(id: ConnectorTaskId): void;
  onFailure(id: ConnectorTaskId, error: Error): void;
  onShutdown(id: ConnectorTaskId): void;
}

export interface Converters {
  key: Converter;
  value: Converter;
  header: HeaderConverter;
  keyClass: string;
  valueClass: string;
  headerClass: string;
}

/** Per-task counters behind the source/sink task metrics. */
export interface TaskCounters {
  pollBatches: number;
  recordsPolled: number;
  recordsWritten: number;
  recordsRead: number;
  recordsPut: number;
  offsetCommits: number;
  offsetCommitFailures: number;
  lastOffsetCommitMs: number;
  activeRecords: number;
  startedAt: number;
}

export function newCounters(): TaskCounters {
  return {
    pollBatches: 0,
    recordsPolled: 0,
    recordsWritten: 0,
    recordsRead: 0,
    recordsPut: 0,
    offsetCommits: 0,
    offsetCommitFailures: 0,
    lastOffsetCommitMs: 0,
    activeRecords: 0,
    startedAt: Date.now(),
  };
}

export interface WorkerTaskDeps {
  id: ConnectorTaskId;
  taskConfig: Readonly<Record<string, string>>;
  connectorConfig: Readonly<Record<string, string>>;
  converters: Converters;
  transforms: TransformationChain;
  tolerance: RetryWithToleranceOperator;
  listener: TaskStatusListener;
  logger: Logger;
  initialState: TargetState;
}

/**
 * Common life cycle of WorkerSourceTask and WorkerSinkTask: run() drives the task until stop(),
 * reports start/pause/failure/shutdown, and honours target state changes (pause parks the loop).
 */
export abstract class WorkerTask {
  readonly id: ConnectorTaskId;
  readonly logger: Logger;
  readonly counters = newCounters();
  /** Visible to metrics (error counters) and subclasses. */
  readonly deps: WorkerTaskDeps;
  #targetState: TargetState;
  #stopping = false;
  #failed: Error | null = null;
  #done: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #call: { call: 'poll' | 'put'; since: number } | null = null;
  /** task.watchdog.timeout.ms of the connector; 0 is off. */
  readonly watchdogTimeoutMs: number;

  constructor(deps: WorkerTaskDeps) {
    this.deps = deps;
    this.id = deps.id;
    this.logger = deps.logger;
    this.#targetState = deps.initialState;
    const t = Number(deps.connectorConfig['task.watchdog.timeout.ms'] ?? 300_000);
    this.watchdogTimeoutMs = Number.isFinite(t) && t > 0 ? t : 0;
  }

  /** The plugin call in progress (poll or put) and since when, for the stuck-task watchdog. */
  get currentCall(): { call: 'poll' | 'put'; since: number } | null {
    return this.#call;
  }

  /** Runs the plugin's poll() or put(), so the watchdog sees how long it has not returned. */
  protected async watch<T>(call: 'poll' | 'put', fn: () => T | Promise<T>): Promise<T> {
    this.#call = { call, since: Date.now() };
    try {
      return await fn();
    } finally {
      this.#call = null;
    }
  }

  get stopping(): boolean {
    return this.#stopping;
  }
  get paused(): boolean {
    return this.#targetState !== 'STARTED';
  }
  get failure(): Error | null {
    return this.#failed;
  }

  /** Starts the task's loop in the background; the promise of run completes when it ends. */
  start(): void {
    this.#done = this.#run();
  }

  async #run(): Promise<void> {
    try {
      await this.initializeAndStart();
      if (this.#stopping) return;
      this.deps.listener.onStartup(this.id);
      if (this.paused) this.deps.listener.onPause(this.id);
      await this.execute();
      if (!this.#failed) this.deps.listener.onShutdown(this.id);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.#failed = e;
      this.logger.error(
        { err: e.message, stack: e.stack },
        'Task threw an uncaught and unrecoverable exception. Task is being killed and will not recover until manually restarted',
      );
      this.deps.listener.onFailure(this.id, e);
    } finally {
      await this.close().catch((e: unknown) =>
        this.logger.warn({ err: String(e) }, 'error while closing task resources'),
      );
    }
  }

  /** Creates clients and calls the connector task's start(). */
  protected abstract initializeAndStart(): Promise<void>;
  /** The main loop; returns when stopping. */
  protected abstract execute(): Promise<void>;
  /** Releases clients; called once whatever happened. */
  protected abstract close(): Promise<void>;
  /** Interrupts a blocking call in the plugin (e.g. calls SourceTask.stop() so poll() returns). */
  protected abstract onStopRequested(): void;

  transitionTo(state: TargetState): void {
    if (state === this.#targetState) return;
    const wasPaused = this.paused;
    this.#targetState = state;
    if (this.#failed) return;
    if (this.paused && !wasPaused) this.deps.listener.onPause(this.id);
    if (!this.paused && wasPaused) this.deps.listener.onResume(this.id);
    this.wake();
  }

  /** Parks until resumed or stopped. */
  protected async awaitUnpaused(): Promise<void> {
    while (this.paused && !this.#stopping) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 1000).unref();
      });
    }
  }

  /** Parks until wake() (a state change, stop, or the subclass's own reason) or `ms` passed. */
  protected async sleepUntilWoken(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      setTimeout(resolve, ms).unref();
    });
  }

  protected wake(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** Signals stop; returns once the task ended or the timeout passed (false on timeout). */
  async stop(timeoutMs: number): Promise<boolean> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.wake();
      try {
        this.onStopRequested();
      } catch (e) {
        this.logger.warn({ err: String(e) }, 'error while requesting the task to stop');
      }
    }
    if (!this.#done) return true;
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      this.#done.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!ok) {
      this.logger.error({ timeoutMs }, 'Graceful stop of task failed: it did not stop within the timeout');
      this.onStopTimedOut();
    }
    return ok;
  }

  /** What a task can do about a stop that timed out (one in a thread of its own ends that thread). */
  protected onStopTimedOut(): void {}
}
