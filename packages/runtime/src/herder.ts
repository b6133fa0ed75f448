/** The herder of one worker: turns stored configs into running connectors and tasks and answers the REST API on a serial queue (Kafka Connect's herder). */
import {
  ConfigException,
  type ConfigKeyInfo,
  type Connector,
  type SourceOffset,
  type SourcePartition,
} from '@tributary/api';
import { Admin } from '@platformatic/kafka';
import { connectorNameProblem } from './connector-name.js';
import { SinkConnectorConfigDef, SourceConnectorConfigDef } from './connector-config.js';
import {
  AlreadyExistsError,
  BadRequestError,
  ConnectRestException,
  NotFoundError,
  RebalanceNeededError,
} from './rest-errors.js';
import type {
  ClusterInfo,
  ClusterWorker,
  ConfigInfos,
  ConnectorInfo,
  ConnectorOffset,
  ConnectorOffsets,
  ConnectorStateInfo,
  ConnectorTaskId,
  ConnectorType,
  HealthInfo,
  Herder,
  LoggerLevel,
  MetricsHistoryInfo,
  PluginInfo,
  PutConfigResult,
  ReplayResult,
  RestartRequest,
  ServerInfo,
  TargetState,
  TaskInfo,
  TaskState,
  TopicRecords,
} from './herder-api.js';
import { replayDeadLetters, replayProducer } from './errors/dlq-replay.js';
import { TopicBrowser } from './kafka/topic-browser.js';
import type { LoggerRegistry } from './logging.js';
import { MetricsHistory } from './metrics-history.js';
import type { Plugins } from './plugins.js';
import type { ConfigBackingStore, ConfigSnapshot } from './storage/config-store.js';
import type { OffsetBackingStore } from './storage/offset-store.js';
import type { StatusBackingStore } from './storage/status-store.js';
import { Worker } from './worker.js';
import { ConnectorConfigValidator } from './connector-validation.js';
import { alterSinkOffsets, parseSinkOffset, readSinkOffsets, resetSinkOffsets } from './sink-offsets.js';
import type { RestartTarget } from './auto-restart.js';
import type { StatusRecord } from './storage/status-store.js';
import { HIDDEN, isPlaceholderOnly, isSecretKey, maskConfig, passwordKeys, SecretValues } from './secrets.js';
import { errorMessage } from './util/error-text.js';

/** REST writes that may wait on the herder's queue at once; more answer 409 (see #serialWrite). */
const MAX_QUEUED_WRITES = 16;

export const VERSION = '0.1.0';

export interface HerderOptions {
  worker: Worker;
  configStore: ConfigBackingStore;
  statusStore: StatusBackingStore;
  offsetStore: OffsetBackingStore;
  plugins: Plugins;
  loggers: LoggerRegistry;
  kafkaClusterId: string;
  bootstrapServers: string[];
  commit?: string;
  /** rest.secrets.mask: secret values show as [hidden] in what the REST API answers (default true). */
  maskSecrets?: boolean;
}

function sameConfig(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!a || !b) return a === b;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

/**
 * Turns the desired state (config topic) into running connectors and tasks on this worker, and
 * answers the REST API (Kafka Connect's herder). Config writes, task reconfiguration and
 * reconciliation run one at a time on a serial queue, so REST calls never race each other.
 * This herder runs every connector and task on its own worker; the distributed cluster assigns
 * subsets through `isAssigned` hooks.
 */
export class WorkerHerder implements Herder {
  readonly #options: HerderOptions;
  readonly #worker: Worker;
  readonly #validator: ConnectorConfigValidator;
  #chain: Promise<unknown> = Promise.resolve();
  #queuedWrites = 0;
  #reconcilePending = false;
  #reconfigure = new Set<string>();
  #started = false;
  #stopping = false;
  readonly #logger;
  /** Task configs this worker is running, to restart only what changed. */
  readonly #runningTaskConfigs = new Map<string, Record<string, string>>();
  readonly #runningConnectorConfigs = new Map<string, Record<string, string>>();
  #admin: Admin | null = null;
  readonly #browser: TopicBrowser;
  #replayProducer: ReturnType<typeof replayProducer> | null = null;
  readonly #history: MetricsHistory;

  constructor(o: HerderOptions) {
    this.#options = o;
    this.#worker = o.worker;
    this.#browser = new TopicBrowser({ bootstrapServers: o.bootstrapServers, clientId: o.worker.opts.clientIdPrefix });
    this.#history = new MetricsHistory(() => o.worker.tasks());
    this.#logger = o.loggers.get('tributary.herder', { worker_id: o.worker.opts.workerId });
    this.#validator = new ConnectorConfigValidator({
      plugins: o.plugins,
      resolveConfig: (props) => o.worker.opts.resolveConfig(props),
      workerConverters: o.worker.opts,
      logger: this.#logger,
    });
    this.#worker.onTaskReconfigurationRequest = (name) => {
      this.#reconfigure.add(name);
      this.#scheduleReconcile();
    };
    o.configStore.onChange((change) => {
      if (change.kind === 'logger-level') {
        this.#applyLoggerLevel(change.namespace, change.level);
        return;
      }
      this.#learnSecrets();
      this.#scheduleReconcile();
    });
    this.#learnSecrets();
    this.#worker.onAutoRestartDue = (target) =>
      void this.#serial(() => this.#autoRestart(target)).catch((err: unknown) =>
        this.#logger.error({ connector: target.connector, err: String(err) }, 'automatic restart failed'),
      );
  }

  /** Remembers the secret values of every config, so log lines and traces never carry them. */
  #learnSecrets(): void {
    const snap = this.#options.configStore.snapshot();
    for (const [name, config] of snap.connectors) {
      const keys = passwordKeys(this.#options.plugins, config);
      this.#options.loggers.secrets.addConfig(config, keys);
      for (const t of snap.taskConfigs.get(name) ?? []) this.#options.loggers.secrets.addConfig(t, keys);
    }
  }

  get #masking(): boolean {
    return this.#options.maskSecrets !== false;
  }

  /** A config as the REST API shows it: secrets [hidden] unless rest.secrets.mask=false. */
  #shown(
    config: Readonly<Record<string, string>>,
    of: Readonly<Record<string, string>> = config,
  ): Record<string, string> {
    return this.#masking ? maskConfig(config, passwordKeys(this.#options.plugins, of)) : { ...config };
  }

  /** A trace as the REST API shows it: known secret values [hidden]. */
  #shownTrace(trace: string): string {
    return this.#masking ? this.#options.loggers.secrets.scrub(trace) : trace;
  }

  /**
   * An automatic restart that came due: restarts the connector or task if this worker still runs it
   * and it is still failed (a manual restart, a new config or a rebalance may have come first).
   */
  async #autoRestart(target: RestartTarget): Promise<void> {
    if (this.#stopping) return;
    const snap = this.#options.configStore.snapshot();
    const config = snap.connectors.get(target.connector);
    const state = snap.targetStates.get(target.connector) ?? 'STARTED';
    if (!config || state === 'STOPPED') return;
    if (target.task === null) {
      const rc = this.#worker.runningConnector(target.connector);
      if (!this.isConnectorAssigned(target.connector) || (rc && rc.state !== 'FAILED')) return;
      this.#logger.info({ connector: target.connector }, 'restarting failed connector automatically');
      await this.#worker.startConnector(target.connector, config, state);
      this.#runningConnectorConfigs.set(target.connector, config);
      this.#reconfigure.add(target.connector);
      await this.#reconcile();
      return;
    }
    const id = { connector: target.connector, task: target.task };
    const tc = snap.taskConfigs.get(id.connector)?.[id.task];
    const running = this.#worker.task(id);
    if (!tc || !this.isTaskAssigned(id) || (running && !running.failure)) return;
    this.#logger.info({ connector: id.connector, task: id.task }, 'restarting failed task automatically');
    await this.#worker.startTask(id, config, tc, state);
    this.#runningTaskConfigs.set(Worker.taskKey(id), tc);
  }

  get #adminClient(): Admin {
    this.#admin ??= new Admin({
      clientId: `${this.#worker.opts.clientIdPrefix}-herder-admin`,
      bootstrapBrokers: this.#options.bootstrapServers,
    });
    return this.#admin;
  }

  /**
   * A REST write on the serial queue. Writes run one at a time (each reads the config topic, writes and
   * reconciles), so a storm of them would make the last wait for all the others: beyond
   * MAX_QUEUED_WRITES a write answers 409 at once, as Kafka Connect answers a write that cannot run now,
   * and the client retries.
   */
  #serialWrite<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#queuedWrites >= MAX_QUEUED_WRITES)
      throw new RebalanceNeededError(
        'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)',
      );
    this.#queuedWrites++;
    return this.#serial(fn).finally(() => {
      this.#queuedWrites--;
    });
  }

  /** Runs fn after everything queued before it. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async start(): Promise<void> {
    this.#started = true;
    this.#history.start();
    await this.#serial(() => this.#reconcile());
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#history.stop();
    await this.#serial(async () => {
      await this.#worker.stop();
    });
    await this.#admin?.close().catch(() => undefined);
    await this.#replayProducer?.close().catch(() => undefined);
  }

  #scheduleReconcile(): void {
    if (!this.#started || this.#stopping || this.#reconcilePending) return;
    this.#reconcilePending = true;
    void this.#serial(async () => {
      this.#reconcilePending = false;
      await this.#reconcile();
    }).catch((err: unknown) => this.#logger.error({ err: String(err) }, 'reconciliation failed'));
  }

  /** Hook for the distributed herder: does this worker run the connector / task? */
  protected isConnectorAssigned(_name: string): boolean {
    return true;
  }
  protected isTaskAssigned(_id: ConnectorTaskId): boolean {
    return true;
  }
  /** Hook for the distributed herder: is this worker the one that writes to the config topic? */
  protected isLeader(): boolean {
    return true;
  }

  /** Publishes a connector's new task configs (the distributed herder sends them to the leader). */
  protected async writeTaskConfigs(name: string, configs: Record<string, string>[]): Promise<void> {
    await this.#options.configStore.putTaskConfigs(name, configs);
  }

  /** Asks for a reconciliation pass (after an assignment change, say). */
  protected requestReconcile(connectorsToReconfigure: readonly string[] = []): void {
    for (const c of connectorsToReconfigure) this.#reconfigure.add(c);
    this.#scheduleReconcile();
  }

  /** Runs fn on the herder's serial queue. */
  protected serially<T>(fn: () => Promise<T>): Promise<T> {
    return this.#serial(fn);
  }

  async #reconcile(): Promise<void> {
    if (this.#stopping) return;
    const snap = this.#options.configStore.snapshot();
    // Connectors removed or moved away.
    for (const name of this.#worker.connectorNames()) {
      if (!snap.connectors.has(name) || !this.isConnectorAssigned(name)) {
        await this.#worker.stopConnector(name);
        this.#runningConnectorConfigs.delete(name);
        if (!snap.connectors.has(name)) {
          this.#worker.autoRestarts.forgetConnector(name);
          await this.#options.statusStore.putConnector(name, null).catch(() => undefined);
        }
      }
    }
    // Connectors added, changed, or with a new target state.
    for (const [name, config] of snap.connectors) {
      if (!this.isConnectorAssigned(name)) continue;
      const target = snap.targetStates.get(name) ?? 'STARTED';
      const running = this.#worker.runningConnector(name);
      if (!running || !sameConfig(this.#runningConnectorConfigs.get(name), config)) {
        const before = this.#runningConnectorConfigs.get(name);
        // A new config starts the self-healing history over.
        if (before && !sameConfig(before, config)) this.#worker.autoRestarts.forgetConnector(name);
        await this.#worker.startConnector(name, config, target);
        this.#runningConnectorConfigs.set(name, config);
        this.#reconfigure.add(name);
      } else if (running.targetState !== target) {
        await this.#worker.setConnectorTargetState(name, target);
        this.#reconfigure.add(name);
      }
    }
    for (const name of [...this.#reconfigure]) {
      this.#reconfigure.delete(name);
      const config = snap.connectors.get(name);
      if (!config) continue;
      const target = snap.targetStates.get(name) ?? 'STARTED';
      // As Kafka Connect's DistributedHerder: task configs are generated only for a STARTED connector. A PAUSED one
      // keeps the tasks it has (none, if it was created paused) until it is resumed, which reconfigures it.
      if (target === 'PAUSED') continue;
      // A STOPPED connector's tasks are removed with an empty commit; one created STOPPED never had any to remove.
      if (target === 'STOPPED' && !snap.taskConfigs.get(name)?.length) continue;
      let configs: Record<string, string>[];
      try {
        configs =
          target === 'STOPPED' ? [] : await this.#worker.connectorTaskConfigs(name, Number(config['tasks.max'] ?? '1'));
      } catch (err) {
        this.#logger.error({ connector: name, err: String(err) }, 'failed to generate task configs');
        continue;
      }
      const existing = snap.taskConfigs.get(name);
      const rc = this.#worker.runningConnector(name);
      if (!rc || (rc.state === 'FAILED' && existing)) continue;
      const changed =
        !existing || existing.length !== configs.length || configs.some((c, i) => !sameConfig(c, existing[i]));
      if (changed) {
        try {
          await this.writeTaskConfigs(name, configs);
        } catch (err) {
          this.#logger.error({ connector: name, err: String(err) }, 'failed to publish task configs; will retry');
          this.#reconfigure.add(name);
          setTimeout(() => this.#scheduleReconcile(), 1000).unref();
        }
        // The change listener schedules another pass that starts the new tasks.
      }
    }
    const fresh = this.#options.configStore.snapshot();
    await this.#reconcileTasks(fresh);
  }

  async #reconcileTasks(snap: ConfigSnapshot): Promise<void> {
    const wanted = new Map<string, { id: ConnectorTaskId; config: Record<string, string> }>();
    for (const [name, configs] of snap.taskConfigs) {
      if (!snap.connectors.has(name)) continue;
      configs.forEach((config, task) => {
        const id = { connector: name, task };
        if (this.isTaskAssigned(id)) wanted.set(Worker.taskKey(id), { id, config });
      });
    }
    const toStop = this.#worker.taskIds().filter((id) => {
      const w = wanted.get(Worker.taskKey(id));
      return !w || !sameConfig(w.config, this.#runningTaskConfigs.get(Worker.taskKey(id)));
    });
    await this.#worker.stopTasks(toStop);
    for (const id of toStop) {
      this.#runningTaskConfigs.delete(Worker.taskKey(id));
      if (!wanted.has(Worker.taskKey(id)) && !snap.connectors.has(id.connector))
        await this.#options.statusStore.putTask(id.connector, id.task, null).catch(() => undefined);
    }
    // Status of tasks beyond the current count (connector shrank) is removed.
    for (const [name, configs] of snap.taskConfigs) {
      for (const [task] of this.#options.statusStore.tasks(name)) {
        if (task >= configs.length && this.isLeader())
          await this.#options.statusStore.putTask(name, task, null).catch(() => undefined);
      }
    }
    for (const [k, w] of wanted) {
      const target = snap.targetStates.get(w.id.connector) ?? 'STARTED';
      const running = this.#worker.task(w.id);
      if (running) {
        running.transitionTo(target);
        continue;
      }
      const connectorConfig = snap.connectors.get(w.id.connector)!;
      await this.#worker.startTask(w.id, connectorConfig, w.config, target);
      this.#runningTaskConfigs.set(k, w.config);
    }
  }

  // ---------------------------------------------------------------- REST-facing API

  serverInfo(): ServerInfo {
    return {
      version: VERSION,
      commit: this.#options.commit ?? 'unknown',
      kafka_cluster_id: this.#options.kafkaClusterId,
    };
  }

  async health(): Promise<HealthInfo> {
    if (!this.#started) return { status: 'starting', message: 'Worker is still starting up.' };
    if (this.#stopping) return { status: 'unhealthy', message: 'Worker is shutting down.' };
    return { status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' };
  }

  #snapshot(): ConfigSnapshot {
    return this.#options.configStore.snapshot();
  }

  /** The connector's config, or a 404 with Kafka Connect's message for the request (each endpoint has its own). */
  #requireConnector(
    snap: ConfigSnapshot,
    name: string,
    message = `Connector ${name} not found`,
  ): Record<string, string> {
    const c = snap.connectors.get(name);
    if (!c) throw new NotFoundError(message);
    return c;
  }

  #typeOf(config: Readonly<Record<string, string>>): ConnectorType {
    const p = this.#options.plugins.find(config['connector.class'] ?? '');
    const k = p?.descriptor.kind;
    return k === 'source' || k === 'sink' ? k : 'unknown';
  }

  #info(snap: ConfigSnapshot, name: string): ConnectorInfo {
    const config = this.#requireConnector(snap, name);
    const tasks = (snap.taskConfigs.get(name) ?? []).map((_, task) => ({ connector: name, task }));
    return { name, config: this.#shown(config), tasks, type: this.#typeOf(config) };
  }

  async connectors(): Promise<string[]> {
    return [...this.#snapshot().connectors.keys()].sort();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    return this.#info(this.#snapshot(), name);
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    return this.#shown(this.#requireConnector(this.#snapshot(), name));
  }

  #validateName(name: string): string {
    const n = name.trim();
    const problem = connectorNameProblem(n);
    if (problem) throw new BadRequestError(problem);
    return n;
  }

  async putConnectorConfig(
    name: string,
    config: Record<string, string>,
    options: { allowReplace: boolean; initialState?: TargetState },
  ): Promise<PutConfigResult> {
    const n = this.#validateName(name);
    const full: Record<string, string> = { ...config, name: n };
    const tooLarge = this.#options.configStore.connectorConfigTooLarge(n, full);
    if (tooLarge) throw new ConnectRestException(413, tooLarge);
    const keys = passwordKeys(this.#options.plugins, full);
    // Learnt before validation, whose error messages may quote a value.
    this.#options.loggers.secrets.addConfig(full, keys);
    const validation = await this.#validator.validate(full, null);
    if (validation.error_count > 0) throw this.#configError(validation);
    return this.#serialWrite(async () => {
      await this.#options.configStore.refresh();
      const snap = this.#snapshot();
      const exists = snap.connectors.has(n);
      if (exists && !options.allowReplace) throw new AlreadyExistsError(`Connector ${n} already exists`);
      if (exists && this.#masking) {
        // A config read back from this API carries [hidden] for its secrets: keep the stored ones.
        const stored = snap.connectors.get(n)!;
        for (const [k, v] of Object.entries(full))
          if (v === HIDDEN && isSecretKey(k, keys) && stored[k] !== undefined) full[k] = stored[k]!;
      }
      // As Kafka Connect: a target-state record only when the request names an initial state; none means STARTED.
      await this.#options.configStore.putConnectorConfig(n, full, exists ? undefined : options.initialState);
      await this.#reconcile();
      return { created: !exists, info: this.#info(this.#snapshot(), n) };
    });
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const current = this.#requireConnector(this.#snapshot(), name);
    const merged: Record<string, string> = { ...current };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    const r = await this.putConnectorConfig(name, merged, { allowReplace: true });
    return r.info;
  }

  #configError(v: ConfigInfos): ConfigException {
    const errors: Record<string, string[]> = {};
    for (const c of v.configs)
      if (c.value.errors.length > 0)
        errors[c.value.name] = this.#masking ? c.value.errors.map((e) => this.#shownTrace(e)) : c.value.errors;
    const lines = Object.values(errors).flat();
    return new ConfigException(
      errors,
      `Connector configuration is invalid and contains the following ${lines.length} error(s):\n${lines.join('\n')}\nYou can also find the above list of errors at the endpoint \`/connector-plugins/{connectorType}/config/validate\``,
    );
  }

  async deleteConnector(name: string): Promise<void> {
    await this.#serialWrite(async () => {
      this.#requireConnector(this.#snapshot(), name);
      await this.#options.configStore.removeConnectorConfig(name);
      await this.#reconcile();
      const tasks = this.#options.statusStore.tasks(name);
      for (const [t] of tasks) await this.#options.statusStore.putTask(name, t, null).catch(() => undefined);
      await this.#options.statusStore.putConnector(name, null).catch(() => undefined);
    });
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const snap = this.#snapshot();
    const config = this.#requireConnector(snap, name, `No status found for connector ${name}`);
    const cs = this.#options.statusStore.connector(name);
    const taskCount = snap.taskConfigs.get(name)?.length ?? 0;
    const statuses = this.#options.statusStore.tasks(name);
    const tasks: TaskState[] = [];
    for (let i = 0; i < taskCount; i++) {
      const s = statuses.get(i);
      tasks.push({
        id: i,
        state: s?.state ?? 'UNASSIGNED',
        worker_id: s?.worker_id ?? '',
        ...(s?.trace ? { trace: this.#shownTrace(s.trace) } : {}),
        version: s?.version ?? null,
        ...this.#healingFields(s),
      });
    }
    return {
      name,
      connector: {
        state: cs?.state ?? 'UNASSIGNED',
        worker_id: cs?.worker_id ?? '',
        ...(cs?.trace ? { trace: this.#shownTrace(cs.trace) } : {}),
        version: cs?.version ?? null,
        ...this.#healingFields(cs),
      },
      tasks,
      type: this.#typeOf(config),
    };
  }

  /** The self-healing fields a status shows after Kafka Connect's (clients that do not know them ignore them). */
  #healingFields(s: StatusRecord | null | undefined): Pick<TaskState, 'auto_restart' | 'stuck'> {
    const a = s?.auto_restart;
    return {
      ...(a
        ? { auto_restart: { ...a, last_failure: a.last_failure === null ? null : this.#shownTrace(a.last_failure) } }
        : {}),
      ...(s?.stuck && s.state === 'RUNNING' ? { stuck: { ...s.stuck } } : {}),
    };
  }

  async taskStatus(name: string, task: number): Promise<TaskState> {
    const snap = this.#snapshot();
    this.#requireConnector(snap, name, `No status found for task ${name}-${task}`);
    const count = snap.taskConfigs.get(name)?.length ?? 0;
    if (task < 0 || task >= count) throw new NotFoundError(`No status found for task ${name}-${task}`);
    const s = this.#options.statusStore.task(name, task);
    return {
      id: task,
      state: s?.state ?? 'UNASSIGNED',
      worker_id: s?.worker_id ?? '',
      ...(s?.trace ? { trace: this.#shownTrace(s.trace) } : {}),
      version: s?.version ?? null,
      ...this.#healingFields(s),
    };
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    const snap = this.#snapshot();
    const connector = this.#requireConnector(snap, name);
    return (snap.taskConfigs.get(name) ?? []).map((config, task) => ({
      id: { connector: name, task },
      config: this.#shown(config, connector),
    }));
  }

  async restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null> {
    const snap = this.#snapshot();
    const config = this.#requireConnector(snap, name, `Unknown connector: ${name}`);
    const plain = !request.includeTasks && !request.onlyFailed;
    const status = await this.connectorStatus(name);
    // RESTARTING counts as failed here: in a cluster the leader marks what it will restart first.
    const failed = (s: string): boolean => s === 'FAILED' || s === 'RESTARTING';
    const restartConnector = !request.onlyFailed || failed(status.connector.state);
    const restartTasks = request.includeTasks
      ? status.tasks.filter((t) => !request.onlyFailed || failed(t.state)).map((t) => t.id)
      : [];
    const result: ConnectorStateInfo | null = plain
      ? null
      : {
          ...status,
          connector: restartConnector ? { ...status.connector, state: 'RESTARTING', version: null } : status.connector,
          tasks: status.tasks.map((t) =>
            restartTasks.includes(t.id) ? { ...t, state: 'RESTARTING' as const, version: null } : t,
          ),
        };
    // A plain restart stops and starts the connector as Kafka Connect's does, with no RESTARTING status in between.
    if (!plain) await this.markRestarting(name, restartConnector, restartTasks);
    const work = this.#serial(async () => {
      const target = this.#snapshot().targetStates.get(name) ?? 'STARTED';
      if (restartConnector && this.isConnectorAssigned(name)) {
        await this.#worker.startConnector(name, config, target);
        this.#runningConnectorConfigs.set(name, config);
      }
      const taskConfigs = this.#snapshot().taskConfigs.get(name) ?? [];
      for (const t of restartTasks) {
        const id = { connector: name, task: t };
        const tc = taskConfigs[t];
        if (!tc || !this.isTaskAssigned(id)) continue;
        await this.#worker.startTask(id, config, tc, target);
        this.#runningTaskConfigs.set(Worker.taskKey(id), tc);
      }
      this.#reconfigure.add(name);
      await this.#reconcile();
    });
    if (plain) await work;
    else void work.catch((e: unknown) => this.#logger.error({ connector: name, err: String(e) }, 'restart failed'));
    return result;
  }

  /**
   * Writes RESTARTING for what a restart request covers before the request is answered, so a
   * status read right after the 202 never shows the old state (the owner writes RUNNING later).
   */
  protected async markRestarting(name: string, connector: boolean, tasks: number[]): Promise<void> {
    const gen = this.#worker.generation;
    if (connector) {
      const cur = this.#options.statusStore.connector(name);
      await this.#options.statusStore.putConnector(name, {
        state: 'RESTARTING',
        trace: null,
        worker_id: cur?.worker_id ?? this.#worker.opts.workerId,
        generation: Math.max(gen, cur?.generation ?? 0),
        version: null,
      });
    }
    for (const t of tasks) {
      const cur = this.#options.statusStore.task(name, t);
      await this.#options.statusStore.putTask(name, t, {
        state: 'RESTARTING',
        trace: null,
        worker_id: cur?.worker_id ?? this.#worker.opts.workerId,
        generation: Math.max(gen, cur?.generation ?? 0),
        version: null,
      });
    }
  }

  async restartTask(name: string, task: number): Promise<void> {
    const snap = this.#snapshot();
    const config = this.#requireConnector(snap, name, `Unknown connector: ${name}`);
    const tc = snap.taskConfigs.get(name)?.[task];
    if (!tc) throw new NotFoundError(`Unknown task: ${name}-${task}`);
    await this.#serial(async () => {
      const id = { connector: name, task };
      await this.#worker.startTask(id, config, tc, this.#snapshot().targetStates.get(name) ?? 'STARTED');
      this.#runningTaskConfigs.set(Worker.taskKey(id), tc);
    });
  }

  async #setTarget(name: string, state: TargetState): Promise<void> {
    this.#requireConnector(this.#snapshot(), name, `Unknown connector ${name}`);
    await this.#serial(async () => {
      await this.#options.configStore.putTargetState(name, state);
      await this.#reconcile();
    });
  }

  pauseConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'PAUSED');
  }
  resumeConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'STARTED');
  }
  stopConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'STOPPED');
  }

  /** As Kafka Connect, for any name: a connector that does not exist (any more) has the topics it left, or none. */
  async connectorActiveTopics(name: string): Promise<string[]> {
    return this.#options.statusStore
      .topics(name)
      .map((t) => t.name)
      .sort();
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    for (const t of this.#options.statusStore.topics(name)) await this.#options.statusStore.deleteTopic(name, t.name);
  }

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    const config = this.#requireConnector(this.#snapshot(), name);
    if (this.#typeOf(config) === 'sink') return { offsets: await readSinkOffsets(this.#adminClient, name) };
    await this.#options.offsetStore.refresh();
    return { offsets: this.#options.offsetStore.connectorOffsets(name) };
  }

  async #requireStopped(name: string): Promise<Record<string, string>> {
    const snap = this.#snapshot();
    const config = this.#requireConnector(snap, name);
    const target = snap.targetStates.get(name);
    if (target !== 'STOPPED' || (snap.taskConfigs.get(name)?.length ?? 0) > 0) {
      throw new BadRequestError(
        `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`,
      );
    }
    return config;
  }

  async alterConnectorOffsets(name: string, offsets: ConnectorOffset[]): Promise<{ message: string }> {
    return this.#modifyOffsets(name, offsets, false);
  }

  async resetConnectorOffsets(name: string): Promise<{ message: string }> {
    return this.#modifyOffsets(name, null, true);
  }

  async #modifyOffsets(name: string, offsets: ConnectorOffset[] | null, reset: boolean): Promise<{ message: string }> {
    return this.#serialWrite(async () => {
      const config = await this.#requireStopped(name);
      const connector: Connector = this.#worker.instantiateConnector(config);
      let handled: boolean;
      if (connector.kind === 'sink') {
        const sinkOffsets = (offsets ?? []).map(parseSinkOffset);
        handled = await connector.alterOffsets(config, sinkOffsets);
        if (reset) await resetSinkOffsets(this.#adminClient, name);
        else await alterSinkOffsets(this.#adminClient, name, sinkOffsets);
      } else {
        await this.#options.offsetStore.refresh();
        const entries: Array<{ partition: SourcePartition; offset: SourceOffset | null }> = reset
          ? this.#options.offsetStore.connectorOffsets(name).map((o) => ({ partition: o.partition, offset: null }))
          : (offsets ?? []).map((o) => {
              if (!o.partition || typeof o.partition !== 'object')
                throw new BadRequestError('Source connector offsets need a partition object');
              return { partition: o.partition, offset: o.offset };
            });
        handled = await connector.alterOffsets(config, entries);
        await this.#options.offsetStore.set(name, entries);
      }
      const verb = reset ? 'reset' : 'altered';
      return {
        message: handled
          ? `The offsets for this connector have been ${verb} successfully`
          : `The Connect framework-managed offsets for this connector have been ${verb} successfully. However, if this connector manages offsets externally, they will need to be manually ${verb} in the system that the connector uses.`,
      };
    });
  }

  plugins(connectorsOnly: boolean): PluginInfo[] {
    const kinds = new Set(
      connectorsOnly
        ? ['source', 'sink']
        : ['source', 'sink', 'converter', 'header_converter', 'transformation', 'predicate'],
    );
    return this.#options.plugins
      .all()
      .filter((p) => kinds.has(p.descriptor.kind))
      .map((p) => ({ class: p.className, type: p.descriptor.kind as PluginInfo['type'], version: p.version }))
      .sort((a, b) => a.class.localeCompare(b.class));
  }

  pluginConfig(plugin: string): ConfigKeyInfo[] {
    const p = this.#options.plugins.find(plugin);
    if (!p) throw new NotFoundError(`Unknown plugin ${plugin}.`);
    const instance = p.descriptor.create() as { config?: () => { definitions(): ConfigKeyInfo[] } };
    const own = instance.config?.().definitions() ?? [];
    // As Kafka Connect 4 (AbstractHerder.connectorPluginConfig): the connector's own keys, then the framework's, whose
    // connector.plugin.version defaults to this plugin's version.
    const kind = p.descriptor.kind;
    if (kind !== 'source' && kind !== 'sink') return own;
    const base = (kind === 'sink' ? SinkConnectorConfigDef : SourceConnectorConfigDef)
      .definitions()
      .map((d) => (d.name === 'connector.plugin.version' ? { ...d, default_value: p.version ?? null } : d));
    return [...own.filter((d) => !base.some((b) => b.name === d.name)), ...base];
  }

  async validateConnectorConfig(plugin: string, config: Record<string, string>): Promise<ConfigInfos> {
    const cls = config['connector.class'];
    if (cls !== undefined && cls !== plugin) {
      const a = this.#options.plugins.find(cls);
      const b = this.#options.plugins.find(plugin);
      if (!a || !b || a !== b)
        throw new BadRequestError(`Included connector type ${cls} does not match request type ${plugin}`);
    }
    const infos = await this.#validator.validate({ ...config, 'connector.class': cls ?? plugin }, plugin);
    if (!this.#masking) return infos;
    // Declared PASSWORD keys already print as [hidden]; well-known secret keys do too.
    const keys = passwordKeys(this.#options.plugins, { ...config, 'connector.class': plugin });
    // Error messages may quote a value: this request's secrets are scrubbed from them too.
    const own = new SecretValues();
    own.addConfig(config, keys);
    for (const c of infos.configs) {
      const v = c.value.value;
      if (typeof v === 'string' && v !== '' && !isPlaceholderOnly(v) && isSecretKey(c.value.name, keys))
        c.value.value = HIDDEN;
      c.value.errors = c.value.errors.map((e) => own.scrub(this.#shownTrace(e)));
    }
    return infos;
  }

  async putTaskConfigsFromWorker(
    _name: string,
    _configs: Record<string, string>[],
    _auth: { signature: string | null; algorithm: string | null; body: string },
  ): Promise<void> {
    throw new ConnectRestException(404, 'Internal task config endpoint exists only in distributed mode');
  }

  loggers(): Record<string, LoggerLevel> {
    return this.#options.loggers.levels();
  }

  logger(name: string): LoggerLevel {
    const l = this.#options.loggers.level(name);
    if (!l) throw new NotFoundError(`Logger ${name} not found.`);
    return l;
  }

  async setClusterLoggerLevel(name: string, level: string): Promise<void> {
    // Applied here too when the record is read back (putLoggerLevel returns once it is), as on every other worker.
    await this.#options.configStore.putLoggerLevel(name, level);
  }

  #applyLoggerLevel(name: string, level: string): void {
    try {
      this.#options.loggers.setLevel(name, level);
      this.#logger.info({ namespace: name, level }, 'applied the cluster-wide logger level');
    } catch (err) {
      this.#logger.error({ namespace: name, level, err: String(err) }, 'ignoring an invalid cluster-wide logger level');
    }
  }

  setLoggerLevel(name: string, level: string): string[] {
    try {
      return this.#options.loggers.setLevel(name, level);
    } catch (err) {
      throw new BadRequestError((err as Error).message);
    }
  }

  /** Hook for the distributed herder: the leader's worker id (a standalone worker leads itself). */
  protected leaderWorkerId(): string | null {
    return this.#worker.opts.workerId;
  }

  async cluster(): Promise<ClusterInfo> {
    const self = this.#worker.opts.workerId;
    const leader = this.leaderWorkerId();
    const byId = new Map<string, ClusterWorker>();
    const workerFor = (id: string): ClusterWorker => {
      let w = byId.get(id);
      if (!w) {
        w = { id, leader: id === leader, self: id === self, connectors: [], tasks: [] };
        byId.set(id, w);
      }
      return w;
    };
    workerFor(self);
    if (leader) workerFor(leader);
    // Statuses say which worker runs what, across the cluster (the status topic is shared).
    const snap = this.#snapshot();
    const store = this.#options.statusStore;
    const failed: ClusterInfo['failed'] = [];
    for (const name of [...snap.connectors.keys()].sort()) {
      const cs = store.connector(name);
      if (cs?.worker_id) workerFor(cs.worker_id).connectors.push(name);
      if (cs?.state === 'FAILED')
        failed.push({
          connector: name,
          task: null,
          worker_id: cs.worker_id,
          since: store.stateSince(name),
          trace: cs.trace === null ? null : this.#shownTrace(cs.trace),
        });
      const count = snap.taskConfigs.get(name)?.length ?? 0;
      for (const [task, ts] of [...store.tasks(name)].sort((a, b) => a[0] - b[0])) {
        if (task >= count) continue;
        if (ts.worker_id) workerFor(ts.worker_id).tasks.push({ connector: name, task });
        if (ts.state === 'FAILED')
          failed.push({
            connector: name,
            task,
            worker_id: ts.worker_id,
            since: store.stateSince(name, task),
            trace: ts.trace === null ? null : this.#shownTrace(ts.trace),
          });
      }
    }
    const workers = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
    return { leader, self, workers, failed };
  }

  async readTopic(topic: string, options: { limit: number; partition?: number }): Promise<TopicRecords> {
    try {
      const r = await this.#browser.last(topic, options);
      // The config topic holds connector configs as written; the console must not show their secrets.
      const records = this.#masking
        ? r.records.map((rec) => ({ ...rec, key: this.#scrubBytes(rec.key), value: this.#scrubBytes(rec.value) }))
        : r.records;
      return { topic, partitions: r.partitions, records };
    } catch (err) {
      if (/Unknown topic|UNKNOWN_TOPIC/i.test(String(err)) || /Unknown topic/.test(errorMessage(err)))
        throw new NotFoundError(`Topic ${topic} not found`);
      throw err;
    }
  }

  /** Known secret values in a record replaced by [hidden] (records that are not UTF-8 text stay as they are). */
  #scrubBytes(b: Buffer | null): Buffer | null {
    if (!b) return b;
    const text = b.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(b)) return b;
    const scrubbed = this.#options.loggers.secrets.scrub(text);
    return scrubbed === text ? b : Buffer.from(scrubbed, 'utf8');
  }

  async replayDeadLetters(
    topic: string,
    records: ReadonlyArray<{ partition: number; offset: number }>,
  ): Promise<ReplayResult[]> {
    const found = await this.#browser.at(topic, records);
    this.#replayProducer ??= replayProducer(
      this.#options.bootstrapServers,
      `${this.#worker.opts.clientIdPrefix}-dlq-replay`,
    );
    const sent = await replayDeadLetters(this.#replayProducer, found);
    const missing = records
      .filter((w) => !found.some((r) => r.partition === w.partition && r.offset === w.offset))
      .map((w) => ({ ...w, error: `no record at ${topic}-${w.partition}@${w.offset}` }));
    this.#logger.info(
      { topic, sent: sent.filter((r) => !r.error).length, failed: sent.filter((r) => r.error).length + missing.length },
      'dead letter queue records re-sent',
    );
    return [...sent, ...missing];
  }

  metricsHistory(since: number): MetricsHistoryInfo {
    return {
      interval_ms: this.#history.intervalMs,
      worker_id: this.#worker.opts.workerId,
      samples: this.#history.samples(since),
    };
  }

  /** For metrics and tests: the worker behind this herder. */
  get worker(): Worker {
    return this.#worker;
  }
}
