/** Runs connectors and tasks in this process and writes their status; the herder decides what runs here (Kafka Connect's Worker). */
import { Admin } from '@platformatic/kafka';
import type { Connector, Logger } from '@tributary/api';
import { AutoRestarts, type RestartTarget, autoRestartPolicy } from './auto-restart.js';
import { connectorNameProblem } from './connector-name.js';
import { passwordKeys } from './secrets.js';
import type { ConnectorState, ConnectorTaskId, TargetState } from './herder-api.js';
import type { LoggerRegistry } from './logging.js';
import type { StatusBackingStore, StatusRecord, StuckRecord } from './storage/status-store.js';
import { buildTask, type TaskEnvironment } from './tasks/task-builders.js';
import { offsetStorageReader } from './tasks/worker-source-task.js';
import type { TaskStatusListener, WorkerTask } from './tasks/worker-task.js';

export interface WorkerOptions extends TaskEnvironment {
  workerId: string;
  gracefulShutdownMs: number;
  statusStore: StatusBackingStore;
  loggers: LoggerRegistry;
  /** Resolves ${provider:path:key} placeholders just before a connector or task sees its config. */
  resolveConfig: (props: Readonly<Record<string, string>>) => Promise<Record<string, string>>;
  /** How often the stuck-task watchdog looks at running tasks (default 1 s). */
  watchdogIntervalMs?: number;
}

/** The last status this worker wrote for a connector or task, to write again for a new generation. */
interface Reported {
  target: RestartTarget;
  state: ConnectorState;
  trace: string | null;
}

interface RunningConnector {
  name: string;
  config: Record<string, string>;
  /** The config with placeholders resolved, as the connector saw it. */
  resolved: Record<string, string>;
  connector: Connector;
  state: ConnectorState;
  targetState: TargetState;
  logger: Logger;
  loggerName: string;
}

/** AbstractHerder writes UNASSIGNED and FAILED with putSafe (fenced by generation), every other state with put. */
function isSafeWrite(state: ConnectorState): boolean {
  return state === 'UNASSIGNED' || state === 'FAILED';
}

/** Trace text as Kafka Connect stores it in status records: the stack, then each cause. */
export function trace(err: Error): string {
  let out = err.stack ?? `${err.name}: ${err.message}`;
  let cause = err.cause;
  for (let depth = 0; cause && depth < 10; depth++) {
    const c = cause instanceof Error ? cause : new Error(String(cause));
    out += `\nCaused by: ${c.stack ?? `${c.name}: ${c.message}`}`;
    cause = c.cause;
  }
  return out;
}

/**
 * Runs connectors and tasks on this process and reports their status (Kafka Connect's Worker).
 * It does not decide what runs here: the herder does.
 */
export class Worker {
  readonly opts: WorkerOptions;
  readonly logger: Logger;
  readonly #connectors = new Map<string, RunningConnector>();
  /** The connector class of each task started here, for the version its status carries. */
  readonly #taskClasses = new Map<string, string>();
  readonly #tasks = new Map<string, WorkerTask>();
  #admin: Admin | null = null;
  generation = 0;
  #stopped = false;
  /** Invoked when a connector asks for task reconfiguration. */
  onTaskReconfigurationRequest: (connector: string) => void = () => {};
  /** Invoked when an automatic restart is due; the herder restarts the target if it still runs it here. */
  onAutoRestartDue: (target: RestartTarget) => void = () => {};
  readonly autoRestarts: AutoRestarts;
  readonly #reported = new Map<string, Reported>();
  /** Tasks the watchdog found stuck, by task key: the call and since when. */
  readonly #stuck = new Map<string, StuckRecord>();
  readonly #watchdog: NodeJS.Timeout;

  constructor(opts: WorkerOptions) {
    this.opts = opts;
    this.logger = opts.loggers.get('tributary.worker', { worker_id: opts.workerId });
    this.autoRestarts = new AutoRestarts({ onDue: (t) => this.onAutoRestartDue(t), logger: this.logger });
    this.#watchdog = setInterval(() => this.#checkStuckTasks(), opts.watchdogIntervalMs ?? 1_000);
    this.#watchdog.unref();
  }

  get admin(): Admin {
    this.#admin ??= new Admin({
      clientId: `${this.opts.clientIdPrefix}-admin`,
      bootstrapBrokers: this.opts.bootstrapServers,
    });
    return this.#admin;
  }

  static taskKey(id: ConnectorTaskId): string {
    return `${id.connector}\u0000${id.task}`;
  }

  connectorNames(): string[] {
    return [...this.#connectors.keys()];
  }
  taskIds(): ConnectorTaskId[] {
    return [...this.#tasks.values()].map((t) => t.id);
  }
  runningConnector(name: string): RunningConnector | null {
    return this.#connectors.get(name) ?? null;
  }
  task(id: ConnectorTaskId): WorkerTask | null {
    return this.#tasks.get(Worker.taskKey(id)) ?? null;
  }
  tasks(): WorkerTask[] {
    return [...this.#tasks.values()];
  }

  /**
   * A status as AbstractHerder writes it: the plugin's version while the connector runs here (Kafka
   * Connect's worker.connectorVersion), none while it is unassigned, restarting or failed.
   */
  #status(
    state: ConnectorState,
    pluginClass: string | undefined,
    target: RestartTarget,
    text: string | null,
  ): StatusRecord {
    const running = state === 'RUNNING' || state === 'PAUSED' || state === 'STOPPED';
    const healing = this.autoRestarts.record(target);
    const stuck = target.task === null ? undefined : this.#stuck.get(Worker.taskKey(target as ConnectorTaskId));
    return {
      state,
      trace: text,
      worker_id: this.opts.workerId,
      generation: this.generation,
      version: running && pluginClass ? (this.opts.plugins.find(pluginClass)?.version ?? null) : null,
      ...(healing ? { auto_restart: healing } : {}),
      ...(stuck && state === 'RUNNING' ? { stuck } : {}),
    };
  }

  /**
   * The status store retries a write that failed until it lands; it gives up only once this worker
   * is in another generation (then the new generation's statuses are written again, see
   * republishStatuses) or stopped.
   */
  #write(): { stillCurrent: () => boolean } {
    const generation = this.generation;
    return { stillCurrent: () => !this.#stopped && this.generation === generation };
  }

  async #putConnectorStatus(name: string, state: ConnectorState, err?: Error | string | null): Promise<void> {
    const target: RestartTarget = { connector: name, task: null };
    const text = err instanceof Error ? trace(err) : (err ?? null);
    this.#reported.set(`c\u0000${name}`, { target, state, trace: text });
    await this.opts.statusStore
      .putConnector(name, this.#status(state, this.#connectors.get(name)?.config['connector.class'], target, text), {
        safe: isSafeWrite(state),
        ...this.#write(),
      })
      .catch((e: unknown) =>
        this.logger.error({ connector: name, err: String(e) }, 'failed to write connector status'),
      );
  }

  async #putTaskStatus(id: ConnectorTaskId, state: ConnectorState, err?: Error | string | null): Promise<void> {
    const target: RestartTarget = { connector: id.connector, task: id.task };
    const text = err instanceof Error ? trace(err) : (err ?? null);
    this.#reported.set(`t\u0000${Worker.taskKey(id)}`, { target, state, trace: text });
    await this.opts.statusStore
      .putTask(id.connector, id.task, this.#status(state, this.#taskClasses.get(Worker.taskKey(id)), target, text), {
        safe: isSafeWrite(state),
        ...this.#write(),
      })
      .catch((e: unknown) =>
        this.logger.error({ connector: id.connector, task: id.task, err: String(e) }, 'failed to write task status'),
      );
  }

  /** A connector failed: FAILED status, with the automatic restart scheduled when its config asks for one. */
  async #connectorFailed(name: string, config: Readonly<Record<string, string>>, err: Error): Promise<void> {
    this.autoRestarts.failed({ connector: name, task: null }, trace(err), autoRestartPolicy(config));
    await this.#putConnectorStatus(name, 'FAILED', err);
  }

  #taskFailed(id: ConnectorTaskId, config: Readonly<Record<string, string>>, err: Error): Promise<void> {
    this.#stuck.delete(Worker.taskKey(id));
    this.autoRestarts.failed({ connector: id.connector, task: id.task }, trace(err), autoRestartPolicy(config));
    return this.#putTaskStatus(id, 'FAILED', err);
  }

  /**
   * Writes every status this worker holds again under the current generation: a write that the
   * old generation could not land (the broker was away and the group moved on) must not leave a
   * stale RUNNING for a task that died meanwhile.
   */
  republishStatuses(): void {
    for (const r of this.#reported.values()) {
      if (r.target.task === null) {
        const rc = this.#connectors.get(r.target.connector);
        if (!rc) continue;
        void this.#putConnectorStatus(r.target.connector, rc.state === 'FAILED' ? 'FAILED' : r.state, r.trace);
      } else {
        const id = { connector: r.target.connector, task: r.target.task };
        const t = this.#tasks.get(Worker.taskKey(id));
        if (!t) continue;
        if (t.failure) void this.#putTaskStatus(id, 'FAILED', r.state === 'FAILED' ? r.trace : trace(t.failure));
        else void this.#putTaskStatus(id, r.state, r.trace);
      }
    }
  }

  /**
   * The stuck-task watchdog: a task whose poll() or put() has not returned for
   * task.watchdog.timeout.ms is reported once (log, status, metric) and again when it returns.
   */
  #checkStuckTasks(): void {
    const now = Date.now();
    for (const [key, t] of this.#tasks) {
      const call = t.currentCall;
      const timeout = t.watchdogTimeoutMs;
      const known = this.#stuck.get(key);
      const stuck = call && timeout > 0 && now - call.since >= timeout && !t.failure && !t.stopping;
      if (stuck && (!known || known.since !== call.since)) {
        const record: StuckRecord = { call: call.call, since: call.since };
        this.#stuck.set(key, record);
        t.logger.warn(
          { call: call.call, forMs: now - call.since, timeoutMs: timeout },
          `${call.call}() has not returned within task.watchdog.timeout.ms; the task looks stuck`,
        );
        if (!t.paused) void this.#putTaskStatus(t.id, 'RUNNING');
      } else if (!stuck && known) {
        this.#stuck.delete(key);
        t.logger.info(
          { call: known.call, forMs: now - known.since },
          `${known.call}() returned; the task is no longer stuck`,
        );
        if (!t.failure && !t.stopping && !t.paused) void this.#putTaskStatus(t.id, 'RUNNING');
      }
    }
  }

  /** Tasks the watchdog currently reports as stuck (metrics). */
  stuckTasks(): Array<{ id: ConnectorTaskId; stuck: StuckRecord }> {
    const out: Array<{ id: ConnectorTaskId; stuck: StuckRecord }> = [];
    for (const [key, stuck] of this.#stuck) {
      const t = this.#tasks.get(key);
      if (t) out.push({ id: t.id, stuck });
    }
    return out;
  }

  /** Instantiates the connector plugin named by connector.class (throws for unknown classes). */
  instantiateConnector(config: Readonly<Record<string, string>>): Connector {
    const cls = config['connector.class'];
    if (!cls) throw new Error('Missing connector.class');
    return this.opts.plugins.create(cls, 'source', 'sink');
  }

  /** Starts (or restarts) a connector. Failures are reported as FAILED status, not thrown. */
  async startConnector(name: string, config: Record<string, string>, targetState: TargetState): Promise<boolean> {
    await this.stopConnector(name);
    const cls = config['connector.class'] ?? 'unknown';
    const loggerName = this.opts.plugins.find(cls)?.className ?? cls;
    const logger = this.opts.loggers.get(loggerName, { connector: name });
    let connector: Connector;
    try {
      // A config written before names were bounded (or by another tool) must not reach the Kafka client.
      const problem = connectorNameProblem(name);
      if (problem) throw new Error(problem);
      connector = this.instantiateConnector(config);
    } catch (err) {
      logger.error({ err: String(err) }, 'failed to create connector');
      await this.#connectorFailed(name, config, err as Error);
      return false;
    }
    const rc: RunningConnector = {
      name,
      config,
      resolved: config,
      connector,
      state: 'UNASSIGNED',
      targetState,
      logger,
      loggerName,
    };
    this.#connectors.set(name, rc);
    const ctx = {
      logger,
      requestTaskReconfiguration: () => this.onTaskReconfigurationRequest(name),
      raiseError: (e: Error) => {
        rc.state = 'FAILED';
        logger.error({ err: e.message }, 'connector raised an error');
        void this.#connectorFailed(name, config, e);
      },
      offsetStorageReader: offsetStorageReader(this.opts.offsetStore, name),
    };
    if (connector.kind === 'source') connector.initialize(ctx);
    else connector.initialize(ctx);
    if (targetState === 'STOPPED') {
      rc.state = 'STOPPED';
      await this.#putConnectorStatus(name, 'STOPPED');
      return true;
    }
    try {
      rc.resolved = await this.opts.resolveConfig(config);
      // What a config provider resolved for a secret key is as secret as a literal one.
      this.opts.loggers.secrets.addConfig(rc.resolved, passwordKeys(this.opts.plugins, config));
      await connector.start(rc.resolved);
      rc.state = targetState === 'PAUSED' ? 'PAUSED' : 'RUNNING';
      logger.info({ state: rc.state }, 'connector started');
      this.autoRestarts.running({ connector: name, task: null });
      await this.#putConnectorStatus(name, rc.state);
      return true;
    } catch (err) {
      rc.state = 'FAILED';
      logger.error({ err: String(err) }, 'connector failed to start');
      await this.#connectorFailed(name, config, err as Error);
      return false;
    }
  }

  /** Task configs from the connector, with the keys the runtime adds (task.class, topics). */
  async connectorTaskConfigs(name: string, maxTasks: number): Promise<Record<string, string>[]> {
    const rc = this.#connectors.get(name);
    if (!rc || rc.state === 'FAILED' || rc.state === 'STOPPED') return [];
    const configs = (await rc.connector.taskConfigs(maxTasks)).map((c) =>
      this.#reverseTransform(rc.config, rc.resolved, c),
    );
    if (configs.length > maxTasks && rc.config['tasks.max.enforce'] !== 'false') {
      throw new Error(
        `The connector ${name} has generated ${configs.length} tasks, which is greater than ${maxTasks}, the maximum number of tasks it is configured to create.`,
      );
    }
    const descriptor = this.opts.plugins.find(rc.config['connector.class'] ?? '')?.descriptor;
    const javaTaskClass =
      descriptor?.kind === 'source' || descriptor?.kind === 'sink' ? descriptor.javaTaskClass : undefined;
    const taskClass = javaTaskClass ?? rc.connector.taskClass().name;
    return configs.map((c) => {
      const out: Record<string, string> = { ...c, 'task.class': taskClass };
      if (rc.connector.kind === 'sink') {
        if (rc.config.topics) out.topics = rc.config.topics;
        if (rc.config['topics.regex']) out['topics.regex'] = rc.config['topics.regex'];
      }
      return out;
    });
  }

  /**
   * Puts the connector's ${provider:...} placeholders back where a task config carries the
   * resolved secret (Kafka Connect's reverseTransform), so the config topic never stores it.
   */
  #reverseTransform(
    raw: Readonly<Record<string, string>>,
    resolved: Readonly<Record<string, string>>,
    task: Record<string, string>,
  ): Record<string, string> {
    const out = { ...task };
    for (const [k, v] of Object.entries(raw)) {
      if (v.includes('${') && resolved[k] !== v && out[k] === resolved[k]) out[k] = v;
    }
    return out;
  }

  async setConnectorTargetState(name: string, state: TargetState): Promise<void> {
    const rc = this.#connectors.get(name);
    if (!rc) return;
    rc.targetState = state;
    for (const t of this.#tasks.values()) if (t.id.connector === name) t.transitionTo(state);
    if (rc.state === 'FAILED') return;
    const next: ConnectorState = state === 'STARTED' ? 'RUNNING' : state === 'PAUSED' ? 'PAUSED' : 'STOPPED';
    if (next === rc.state) return;
    if (state === 'STOPPED') {
      await this.#stopPlugin(rc);
    } else if (rc.state === 'STOPPED') {
      return void (await this.startConnector(name, rc.config, state));
    }
    rc.state = next;
    await this.#putConnectorStatus(name, next);
  }

  async #stopPlugin(rc: RunningConnector): Promise<void> {
    try {
      await rc.connector.stop();
    } catch (err) {
      rc.logger.warn({ err: String(err) }, 'connector stop failed');
    }
  }

  async stopConnector(name: string): Promise<void> {
    this.autoRestarts.cancel({ connector: name, task: null });
    const rc = this.#connectors.get(name);
    if (!rc) return;
    this.#connectors.delete(name);
    this.#reported.delete(`c\u0000${name}`);
    if (rc.state !== 'STOPPED' && rc.state !== 'FAILED') await this.#stopPlugin(rc);
    rc.logger.info('connector stopped');
    this.opts.loggers.release(rc.loggerName, rc.logger);
  }

  #listener(connectorConfig: Readonly<Record<string, string>>): TaskStatusListener {
    const running = (id: ConnectorTaskId): void => {
      this.autoRestarts.running({ connector: id.connector, task: id.task });
      void this.#putTaskStatus(id, 'RUNNING');
    };
    return {
      onStartup: running,
      onRunning: running,
      onPause: (id) => void this.#putTaskStatus(id, 'PAUSED'),
      onResume: running,
      onFailure: (id, err) => void this.#taskFailed(id, connectorConfig, err),
      onShutdown: (id) => void this.#putTaskStatus(id, 'UNASSIGNED'),
    };
  }

  /** Starts a task. Failures while building it are reported as FAILED status, not thrown. */
  async startTask(
    id: ConnectorTaskId,
    connectorConfig: Record<string, string>,
    taskConfig: Record<string, string>,
    targetState: TargetState,
  ): Promise<boolean> {
    await this.stopTask(id);
    const cls = connectorConfig['connector.class'] ?? 'unknown';
    this.#taskClasses.set(Worker.taskKey(id), cls);
    const plugin = this.opts.plugins.find(cls);
    const loggerName = plugin?.className ?? cls;
    const logger = this.opts.loggers.get(loggerName, { connector: id.connector, task: id.task });
    try {
      const problem = connectorNameProblem(id.connector);
      if (problem) throw new Error(problem);
      const resolved = await this.opts.resolveConfig(connectorConfig);
      const resolvedTask = await this.opts.resolveConfig(taskConfig);
      const secretKeys = passwordKeys(this.opts.plugins, connectorConfig);
      this.opts.loggers.secrets.addConfig(resolved, secretKeys);
      this.opts.loggers.secrets.addConfig(resolvedTask, secretKeys);
      const connector = this.instantiateConnector(resolved);
      const task = await buildTask(this.opts, () => this.admin, {
        id,
        connector,
        connectorConfig: resolved,
        taskConfig: resolvedTask,
        targetState,
        logger,
        listener: this.#listener(connectorConfig),
        onTopicUsed: (topic) => {
          void this.opts.statusStore
            .putTopic({ name: topic, connector: id.connector, task: id.task, discoverTimestamp: Date.now() })
            .catch(() => undefined);
        },
      });
      this.#tasks.set(Worker.taskKey(id), task);
      task.start();
      return true;
    } catch (err) {
      logger.error({ err: String(err) }, 'failed to start task');
      await this.#taskFailed(id, connectorConfig, err as Error);
      return false;
    }
  }

  async stopTask(id: ConnectorTaskId): Promise<void> {
    this.autoRestarts.cancel({ connector: id.connector, task: id.task });
    const t = this.#tasks.get(Worker.taskKey(id));
    if (!t) return;
    this.#tasks.delete(Worker.taskKey(id));
    this.#reported.delete(`t\u0000${Worker.taskKey(id)}`);
    this.#stuck.delete(Worker.taskKey(id));
    await t.stop(this.opts.gracefulShutdownMs);
  }

  async stopTasks(ids: ConnectorTaskId[]): Promise<void> {
    await Promise.all(ids.map((id) => this.stopTask(id)));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#watchdog);
    this.autoRestarts.close();
    await this.stopTasks(this.taskIds());
    for (const name of this.connectorNames()) await this.stopConnector(name);
    await this.#admin?.close().catch(() => undefined);
  }
}
