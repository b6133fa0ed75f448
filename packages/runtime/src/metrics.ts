/** Kafka Connect's worker, connector and task metric groups as Prometheus metrics, read from the worker at scrape time. */
import { Gauge, Registry } from 'prom-client';
import type { WorkerHerder } from './herder.js';
import type { ConnectorState } from './herder-api.js';
import { KafkaStatusBackingStore } from './storage/status-store.js';
import { WorkerSinkTask } from './tasks/worker-sink-task.js';
import { AbstractWorkerSourceTask } from './tasks/abstract-worker-source-task.js';
import type { WorkerTask } from './tasks/worker-task.js';

/** Rebalance figures a distributed herder keeps (connect-worker-rebalance-metrics). */
export interface RebalanceSource {
  rebalancing: boolean;
  generation: number;
  rebalanceStats: { completed: number; lastStartedAt: number; lastDurationMs: number; totalDurationMs: number };
}

const STATES: ConnectorState[] = ['UNASSIGNED', 'RUNNING', 'PAUSED', 'FAILED', 'RESTARTING', 'STOPPED'];

/**
 * Kafka Connect's metric groups as Prometheus metrics, read from the worker at scrape time:
 * kafka_connect_<group>_<metric>{connector,task}, the names JMX exporters give Kafka Connect's
 * MBeans (connector-metrics, connector-task-metrics, source-task-metrics, sink-task-metrics,
 * task-error-metrics, connect-worker-metrics, connect-worker-rebalance-metrics), plus consumer lag
 * per sink partition. Rates are per second since the previous scrape.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly #herder: WorkerHerder;
  readonly #rebalance: RebalanceSource | null;
  readonly #prev = new Map<string, { at: number; values: Record<string, number> }>();

  constructor(herder: WorkerHerder, rebalance: RebalanceSource | null) {
    this.#herder = herder;
    this.#rebalance = rebalance;
    this.#define();
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #rate(key: string, name: string, total: number, now: number): number {
    const prev = this.#prev.get(key);
    const before = prev?.values[name];
    const rate = prev && before !== undefined && now > prev.at ? ((total - before) * 1000) / (now - prev.at) : 0;
    return Math.max(0, rate);
  }

  #remember(key: string, now: number, values: Record<string, number>): void {
    this.#prev.set(key, { at: now, values });
  }

  #define(): void {
    const reg = this.registry;
    const worker = (): ReturnType<WorkerHerder['worker']['tasks']> => this.#herder.worker.tasks();
    const taskLabels = (t: WorkerTask): { connector: string; task: string } => ({
      connector: t.id.connector,
      task: String(t.id.task),
    });
    const herder = this.#herder;
    const metrics = this;

    new Gauge({
      name: 'kafka_connect_connector_metrics_status',
      help: 'Connector status: 1 for the current state (connector-metrics status).',
      labelNames: ['connector', 'status', 'connector_class', 'connector_type'],
      registers: [reg],
      async collect() {
        this.reset();
        for (const name of herder.worker.connectorNames()) {
          const rc = herder.worker.runningConnector(name);
          if (!rc) continue;
          for (const s of STATES) {
            this.set(
              {
                connector: name,
                status: s.toLowerCase(),
                connector_class: rc.config['connector.class'] ?? '',
                connector_type: rc.connector.kind,
              },
              rc.state === s ? 1 : 0,
            );
          }
        }
      },
    });

    const taskGauge = (
      group: string,
      name: string,
      help: string,
      value: (t: WorkerTask, now: number) => number | null,
      filter: (t: WorkerTask) => boolean = () => true,
    ): void => {
      new Gauge({
        name: `kafka_connect_${group}_${name}`,
        help,
        labelNames: ['connector', 'task'],
        registers: [reg],
        collect() {
          this.reset();
          const now = Date.now();
          for (const t of worker()) {
            if (!filter(t)) continue;
            const v = value(t, now);
            if (v !== null) this.set(taskLabels(t), v);
          }
        },
      });
    };
    const isSource = (t: WorkerTask): boolean => t instanceof AbstractWorkerSourceTask;
    const isSink = (t: WorkerTask): boolean => t instanceof WorkerSinkTask;

    // connector-task-metrics
    taskGauge(
      'connector_task_metrics',
      'running_ratio',
      'Fraction of time the task has spent running (1 when running, 0 when paused or failed).',
      (t) => (t.failure || t.paused ? 0 : 1),
    );
    taskGauge('connector_task_metrics', 'pause_ratio', 'Fraction of time the task has spent paused.', (t) =>
      t.paused ? 1 : 0,
    );
    taskGauge(
      'connector_task_metrics',
      'offset_commit_success_percentage',
      'Share of offset commits that succeeded.',
      (t) => {
        const total = t.counters.offsetCommits + t.counters.offsetCommitFailures;
        return total === 0 ? 0 : t.counters.offsetCommits / total;
      },
    );
    taskGauge(
      'connector_task_metrics',
      'offset_commit_failure_percentage',
      'Share of offset commits that failed.',
      (t) => {
        const total = t.counters.offsetCommits + t.counters.offsetCommitFailures;
        return total === 0 ? 0 : t.counters.offsetCommitFailures / total;
      },
    );
    taskGauge(
      'connector_task_metrics',
      'offset_commit_max_time_ms',
      'Time of the last offset commit in ms.',
      (t) => t.counters.lastOffsetCommitMs,
    );
    taskGauge('connector_task_metrics', 'status', 'Task status: 1 running, 0 otherwise.', (t) =>
      t.failure ? 0 : t.paused ? 0 : 1,
    );

    // source-task-metrics
    taskGauge(
      'source_task_metrics',
      'source_record_poll_total',
      'Records produced or polled by the task.',
      (t) => t.counters.recordsPolled,
      isSource,
    );
    taskGauge(
      'source_task_metrics',
      'source_record_write_total',
      'Records written to Kafka after transforms.',
      (t) => t.counters.recordsWritten,
      isSource,
    );
    taskGauge(
      'source_task_metrics',
      'source_record_poll_rate',
      'Records polled per second since the last scrape.',
      (t, now) => metrics.#rate(`src:${t.id.connector}:${t.id.task}`, 'poll', t.counters.recordsPolled, now),
      isSource,
    );
    taskGauge(
      'source_task_metrics',
      'source_record_write_rate',
      'Records written per second since the last scrape.',
      (t, now) => metrics.#rate(`src:${t.id.connector}:${t.id.task}`, 'write', t.counters.recordsWritten, now),
      isSource,
    );
    taskGauge(
      'source_task_metrics',
      'source_record_active_count',
      'Records polled but not yet acknowledged by Kafka.',
      (t) => t.counters.recordsPolled - t.counters.recordsWritten,
      isSource,
    );

    // sink-task-metrics
    taskGauge(
      'sink_task_metrics',
      'sink_record_read_total',
      'Records read from Kafka by the task.',
      (t) => t.counters.recordsRead,
      isSink,
    );
    taskGauge(
      'sink_task_metrics',
      'sink_record_send_total',
      'Records handed to put() after transforms.',
      (t) => t.counters.recordsPut,
      isSink,
    );
    taskGauge(
      'sink_task_metrics',
      'sink_record_read_rate',
      'Records read per second since the last scrape.',
      (t, now) => metrics.#rate(`sink:${t.id.connector}:${t.id.task}`, 'read', t.counters.recordsRead, now),
      isSink,
    );
    taskGauge(
      'sink_task_metrics',
      'sink_record_send_rate',
      'Records put per second since the last scrape.',
      (t, now) => metrics.#rate(`sink:${t.id.connector}:${t.id.task}`, 'send', t.counters.recordsPut, now),
      isSink,
    );
    taskGauge(
      'sink_task_metrics',
      'offset_commit_completion_total',
      'Offset commits that completed.',
      (t) => t.counters.offsetCommits,
      isSink,
    );

    const lag = new Gauge({
      name: 'kafka_connect_sink_task_metrics_partition_lag',
      help: 'Consumer lag per assigned partition: log end offset minus the next offset the task will process.',
      labelNames: ['connector', 'task', 'topic', 'partition'],
      registers: [reg],
    });
    new Gauge({
      name: 'kafka_connect_sink_task_metrics_sink_record_lag_max',
      help: 'Largest lag over the partitions the task consumes.',
      labelNames: ['connector', 'task'],
      registers: [reg],
      async collect() {
        this.reset();
        lag.reset();
        for (const t of worker()) {
          if (!(t instanceof WorkerSinkTask)) continue;
          const lags = await t.lag().catch(() => []);
          let max = 0;
          for (const l of lags) {
            lag.set({ ...taskLabels(t), topic: l.topic, partition: String(l.partition) }, l.lag);
            max = Math.max(max, l.lag);
          }
          this.set(taskLabels(t), max);
        }
      },
    });

    // task-error-metrics
    const errorGauge = (
      name: string,
      help: string,
      pick: (c: WorkerTask['deps']['tolerance']['counters']) => number,
    ): void => taskGauge('task_error_metrics', name, help, (t) => pick(t.deps.tolerance.counters));
    errorGauge('total_record_errors', 'Records that hit an error.', (c) => c.totalRecordErrors);
    errorGauge('total_record_failures', 'Record processing failures.', (c) => c.totalRecordFailures);
    errorGauge(
      'total_records_skipped',
      'Records skipped because of errors (errors.tolerance=all).',
      (c) => c.totalRecordsSkipped,
    );
    errorGauge('total_retries', 'Retries of failed operations.', (c) => c.totalRetries);
    errorGauge('total_errors_logged', 'Errors logged (errors.log.enable).', (c) => c.totalErrorsLogged);
    errorGauge(
      'deadletterqueue_produce_requests',
      'Writes to the dead letter queue.',
      (c) => c.deadletterqueueProduceRequests,
    );
    errorGauge(
      'deadletterqueue_produce_failures',
      'Failed writes to the dead letter queue.',
      (c) => c.deadletterqueueProduceFailures,
    );
    errorGauge('last_error_timestamp', 'Epoch ms of the last error.', (c) => c.lastErrorTimestamp);

    // connect-worker-metrics
    const workerGauge = (name: string, help: string, value: () => number): void => {
      new Gauge({
        name: `kafka_connect_connect_worker_metrics_${name}`,
        help,
        registers: [reg],
        collect() {
          this.set(value());
        },
      });
    };
    workerGauge('connector_count', 'Connectors run on this worker.', () => herder.worker.connectorNames().length);
    workerGauge('task_count', 'Tasks run on this worker.', () => worker().length);
    workerGauge(
      'connector_startup_failure_total',
      'Connectors on this worker that are FAILED.',
      () => herder.worker.connectorNames().filter((n) => herder.worker.runningConnector(n)?.state === 'FAILED').length,
    );
    workerGauge(
      'task_startup_failure_total',
      'Tasks on this worker that failed.',
      () => worker().filter((t) => t.failure).length,
    );

    // Self-healing (Tributary's own; Kafka Connect has no such metrics).
    const healingGauge = (
      name: string,
      help: string,
      value: (e: { restarts: number; scheduled: boolean; gaveUp: boolean }) => number,
    ): void => {
      new Gauge({
        name: `tributary_auto_restart_${name}`,
        help,
        labelNames: ['connector', 'task'],
        registers: [reg],
        collect() {
          this.reset();
          for (const e of herder.worker.autoRestarts.entries())
            this.set(
              { connector: e.target.connector, task: e.target.task === null ? '' : String(e.target.task) },
              value(e),
            );
        },
      });
    };
    healingGauge(
      'restarts_total',
      'Automatic restarts of the connector (task="") or task on this worker.',
      (e) => e.restarts,
    );
    healingGauge('scheduled', '1 while an automatic restart is scheduled.', (e) => (e.scheduled ? 1 : 0));
    healingGauge('gave_up', '1 when auto.restart.max.attempts ran out.', (e) => (e.gaveUp ? 1 : 0));
    new Gauge({
      name: 'tributary_status_writes_pending',
      help: 'Status writes waiting to be acknowledged by the broker (retried until they land).',
      registers: [reg],
      collect() {
        const store = herder.worker.opts.statusStore;
        this.set(store instanceof KafkaStatusBackingStore ? store.pendingWrites : 0);
      },
    });
    new Gauge({
      name: 'tributary_task_stuck_seconds',
      help: 'How long the poll() or put() of a task the watchdog reports as stuck has not returned.',
      labelNames: ['connector', 'task', 'call'],
      registers: [reg],
      collect() {
        this.reset();
        const now = Date.now();
        for (const { id, stuck } of herder.worker.stuckTasks())
          this.set({ connector: id.connector, task: String(id.task), call: stuck.call }, (now - stuck.since) / 1000);
      },
    });

    // connect-worker-rebalance-metrics
    const rb = this.#rebalance;
    if (rb) {
      const rebalanceGauge = (name: string, help: string, value: () => number): void => {
        new Gauge({
          name: `kafka_connect_connect_worker_rebalance_metrics_${name}`,
          help,
          registers: [reg],
          collect() {
            this.set(value());
          },
        });
      };
      rebalanceGauge(
        'completed_rebalances_total',
        'Rebalances this worker completed.',
        () => rb.rebalanceStats.completed,
      );
      rebalanceGauge('rebalancing', '1 while a rebalance is in progress.', () => (rb.rebalancing ? 1 : 0));
      rebalanceGauge('epoch', 'The group generation this worker is in.', () => rb.generation);
      rebalanceGauge('rebalance_avg_time_ms', 'Average rebalance time in ms.', () =>
        rb.rebalanceStats.completed ? rb.rebalanceStats.totalDurationMs / rb.rebalanceStats.completed : 0,
      );
      rebalanceGauge('rebalance_max_time_ms', 'Last rebalance time in ms.', () => rb.rebalanceStats.lastDurationMs);
      rebalanceGauge('time_since_last_rebalance_ms', 'Ms since the last rebalance started.', () =>
        rb.rebalanceStats.lastStartedAt ? Date.now() - rb.rebalanceStats.lastStartedAt : -1,
      );
    }

    // Remember totals after each scrape so the next one can compute rates.
    new Gauge({
      name: 'kafka_connect_scrape_marker',
      help: 'Internal: constant 1; its collection stores the totals rates are computed from.',
      registers: [reg],
      collect() {
        const now = Date.now();
        for (const t of worker()) {
          if (t instanceof AbstractWorkerSourceTask)
            metrics.#remember(`src:${t.id.connector}:${t.id.task}`, now, {
              poll: t.counters.recordsPolled,
              write: t.counters.recordsWritten,
            });
          if (t instanceof WorkerSinkTask)
            metrics.#remember(`sink:${t.id.connector}:${t.id.task}`, now, {
              read: t.counters.recordsRead,
              send: t.counters.recordsPut,
            });
        }
        this.set(1);
      },
    });
  }
}
