// A short in-memory history of this worker's task metrics, sampled on a timer, for the console's charts.
import type { MetricsSample, TaskMetricsSample } from './herder-api.js';

export type { MetricsSample, TaskMetricsSample } from './herder-api.js';
import { WorkerSinkTask } from './tasks/worker-sink-task.js';
import { AbstractWorkerSourceTask } from './tasks/abstract-worker-source-task.js';
import type { WorkerTask } from './tasks/worker-task.js';

export interface MetricsHistoryOptions {
  intervalMs?: number;
  /** How many samples are kept (default: five minutes' worth). */
  capacity?: number;
}

/**
 * Samples the same counters GET /metrics exports (WorkerMetrics) into a ring buffer. It holds only
 * this worker's tasks: each worker of a cluster answers for what it runs.
 */
export class MetricsHistory {
  readonly #tasks: () => WorkerTask[];
  readonly #intervalMs: number;
  readonly #capacity: number;
  readonly #samples: MetricsSample[] = [];
  #timer: NodeJS.Timeout | null = null;
  #sampling = false;
  /** When the history was last read: lag costs a ListOffsets request per sink task, so it is sampled only while watched. */
  #lastRead = 0;

  constructor(tasks: () => WorkerTask[], options: MetricsHistoryOptions = {}) {
    this.#tasks = tasks;
    this.#intervalMs = options.intervalMs ?? 2_000;
    this.#capacity = options.capacity ?? Math.ceil(300_000 / this.#intervalMs);
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.sample(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Takes one sample now (skipped while the previous one is still reading lag). */
  async sample(): Promise<void> {
    if (this.#sampling) return;
    this.#sampling = true;
    try {
      const watched = Date.now() - this.#lastRead < LAG_WATCH_MS;
      const tasks = await Promise.all(this.#tasks().map((t) => sampleTask(t, watched)));
      this.#samples.push({ at: Date.now(), tasks: tasks.filter((t): t is TaskMetricsSample => t !== null) });
      if (this.#samples.length > this.#capacity) this.#samples.splice(0, this.#samples.length - this.#capacity);
    } finally {
      this.#sampling = false;
    }
  }

  /** Samples since `since` (epoch ms, exclusive), oldest first. */
  samples(since = 0): MetricsSample[] {
    this.#lastRead = Date.now();
    return this.#samples.filter((s) => s.at > since);
  }
}

/** How long after the last read of the history sink lag keeps being sampled. */
const LAG_WATCH_MS = 60_000;

async function sampleTask(t: WorkerTask, withLag: boolean): Promise<TaskMetricsSample | null> {
  const type = t instanceof WorkerSinkTask ? 'sink' : t instanceof AbstractWorkerSourceTask ? 'source' : null;
  if (!type) return null;
  const e = t.deps.tolerance.counters;
  const lag = withLag && t instanceof WorkerSinkTask ? await t.lag().catch(() => []) : [];
  return {
    connector: t.id.connector,
    task: t.id.task,
    type,
    polled: t.counters.recordsPolled,
    batches: t.counters.pollBatches,
    written: t.counters.recordsWritten,
    read: t.counters.recordsRead,
    put: t.counters.recordsPut,
    errors: e.totalRecordErrors,
    skipped: e.totalRecordsSkipped,
    dlq: e.deadletterqueueProduceRequests,
    lag,
  };
}
