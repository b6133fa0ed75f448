import { Admin } from '@platformatic/kafka';
import type {
  Connector,
  Converter,
  HeaderConverter,
  Logger,
  SinkTask,
  SourceOffset,
  SourcePartition,
  SourceTask,
} from '@tributary/api';
import {
  SinkConnectorConfigDef,
  SourceConnectorConfigDef,
  ConnectorConfigDef,
  TransformationChain,
} from './connector-config.js';
import { DeadLetterQueueReporter } from './errors/dlq.js';
import { type ErrorReporter, LogReporter, RetryWithToleranceOperator } from './errors/tolerance.js';
import type { ConnectorState, ConnectorTaskId, TargetState } from './herder-api.js';
import { ensureTopic } from './kafka/log.js';
import type { LoggerRegistry } from './logging.js';
import type { Plugins } from './plugins.js';
import { KafkaOffsetBackingStore, type OffsetBackingStore } from './storage/offset-store.js';
import type { StatusBackingStore, StatusRecord } from './storage/status-store.js';
import { offsetStorageReader, WorkerSourceTask } from './tasks/worker-source-task.js';
import { WorkerSinkTask } from './tasks/worker-sink-task.js';
import type { Converters, TaskStatusListener, WorkerTask } from './tasks/worker-task.js';
import { withPrefix } from './worker-config.js';

export interface WorkerOptions {
  workerId: string;
  bootstrapServers: string[];
  clientIdPrefix: string;
  workerProps: Readonly<Record<string, string>>;
  keyConverter: string;
  valueConverter: string;
  headerConverter: string;
  offsetFlushIntervalMs: number;
  offsetFlushTimeoutMs: number;
  gracefulShutdownMs: number;
  maxBufferedRecords: number;
  maxPollRecords: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  topicCreationEnable: boolean;
  plugins: Plugins;
  offsetStore: OffsetBackingStore;
  statusStore: StatusBackingStore;
  loggers: LoggerRegistry;
  /** Exactly-once source support (distributed mode with exactly.once.source.support=enabled). */
  exactlyOnceSource: { groupId: string; offsetTopic: string; offsetPartitions: number } | null;
  /** Resolves ${provider:path:key} placeholders just before a connector or task sees its config. */
  resolveConfig: (props: Readonly<Record<string, string>>) => Promise<Record<string, string>>;
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
  readonly #tasks = new Map<string, WorkerTask>();
  #admin: Admin | null = null;
  generation = 0;
  /** Invoked when a connector asks for task reconfiguration. */
  onTaskReconfigurationRequest: (connector: string) => void = () => {};

  constructor(opts: WorkerOptions) {
    this.opts = opts;
    this.logger = opts.loggers.get('tributary.worker', { worker_id: opts.workerId });
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

  #status(state: ConnectorState, err?: Error): StatusRecord {
    return { state, trace: err ? trace(err) : null, worker_id: this.opts.workerId, generation: this.generation };
  }

  async #putConnectorStatus(name: string, state: ConnectorState, err?: Error): Promise<void> {
    await this.opts.statusStore
      .putConnector(name, this.#status(state, err))
      .catch((e: unknown) =>
        this.logger.error({ connector: name, err: String(e) }, 'failed to write connector status'),
      );
  }

  async #putTaskStatus(id: ConnectorTaskId, state: ConnectorState, err?: Error): Promise<void> {
    await this.opts.statusStore
      .putTask(id.connector, id.task, this.#status(state, err))
      .catch((e: unknown) =>
        this.logger.error({ connector: id.connector, task: id.task, err: String(e) }, 'failed to write task status'),
      );
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
      connector = this.instantiateConnector(config);
    } catch (err) {
      logger.error({ err: String(err) }, 'failed to create connector');
      await this.#putConnectorStatus(name, 'FAILED', err as Error);
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
        void this.#putConnectorStatus(name, 'FAILED', e);
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
      await connector.start(rc.resolved);
      rc.state = targetState === 'PAUSED' ? 'PAUSED' : 'RUNNING';
      logger.info({ state: rc.state }, 'connector started');
      await this.#putConnectorStatus(name, rc.state);
      return true;
    } catch (err) {
      rc.state = 'FAILED';
      logger.error({ err: String(err) }, 'connector failed to start');
      await this.#putConnectorStatus(name, 'FAILED', err as Error);
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
    const taskClass = rc.connector.taskClass().name;
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
    const rc = this.#connectors.get(name);
    if (!rc) return;
    this.#connectors.delete(name);
    if (rc.state !== 'STOPPED' && rc.state !== 'FAILED') await this.#stopPlugin(rc);
    rc.logger.info('connector stopped');
    this.opts.loggers.release(rc.loggerName, rc.logger);
  }

  #converter(kind: 'key' | 'value', props: Readonly<Record<string, string>>): { conv: Converter; cls: string } {
    const key = `${kind}.converter`;
    const fromConnector = props[key];
    const cls = fromConnector ?? (kind === 'key' ? this.opts.keyConverter : this.opts.valueConverter);
    const conv = this.opts.plugins.create(cls, 'converter');
    // Connector-level converter keys replace the worker's entirely, as in Kafka Connect.
    const cfg = fromConnector ? withPrefix(props, `${key}.`) : withPrefix(this.opts.workerProps, `${key}.`);
    conv.configure(cfg, kind === 'key');
    return { conv, cls };
  }

  #headerConverter(props: Readonly<Record<string, string>>): { conv: HeaderConverter; cls: string } {
    const fromConnector = props['header.converter'];
    const cls = fromConnector ?? this.opts.headerConverter;
    const conv = this.opts.plugins.create(cls, 'header_converter', 'converter') as HeaderConverter;
    conv.configure(
      fromConnector ? withPrefix(props, 'header.converter.') : withPrefix(this.opts.workerProps, 'header.converter.'),
    );
    return { conv, cls };
  }

  #listener(): TaskStatusListener {
    return {
      onStartup: (id) => void this.#putTaskStatus(id, 'RUNNING'),
      onRunning: (id) => void this.#putTaskStatus(id, 'RUNNING'),
      onPause: (id) => void this.#putTaskStatus(id, 'PAUSED'),
      onResume: (id) => void this.#putTaskStatus(id, 'RUNNING'),
      onFailure: (id, err) => void this.#putTaskStatus(id, 'FAILED', err),
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
    const plugin = this.opts.plugins.find(cls);
    const loggerName = plugin?.className ?? cls;
    const logger = this.opts.loggers.get(loggerName, { connector: id.connector, task: id.task });
    try {
      const resolved = await this.opts.resolveConfig(connectorConfig);
      const resolvedTask = await this.opts.resolveConfig(taskConfig);
      const connector = this.instantiateConnector(resolved);
      const key = this.#converter('key', resolved);
      const value = this.#converter('value', resolved);
      const header = this.#headerConverter(resolved);
      const converters: Converters = {
        key: key.conv,
        value: value.conv,
        header: header.conv,
        keyClass: key.cls,
        valueClass: value.cls,
        headerClass: header.cls,
      };
      const transforms = TransformationChain.build(resolved, this.opts.plugins);
      const base = (connector.kind === 'sink' ? SinkConnectorConfigDef : SourceConnectorConfigDef).parse(resolved);
      const common = ConnectorConfigDef.parse(resolved);
      let tolerance: RetryWithToleranceOperator;
      const reporters: ErrorReporter[] = [];
      let task: WorkerTask;
      const stopping = (): boolean => task?.stopping ?? false;
      tolerance = new RetryWithToleranceOperator(common, reporters, stopping);
      if (common['errors.log.enable'])
        reporters.push(new LogReporter(logger, common['errors.log.include.messages'], () => tolerance.counters));
      const clientId = `${this.opts.clientIdPrefix}-${id.connector}-${id.task}`;
      const onTopicUsed = (topic: string): void => {
        void this.opts.statusStore
          .putTopic({ name: topic, connector: id.connector, task: id.task, discoverTimestamp: Date.now() })
          .catch(() => undefined);
      };
      if (connector.kind === 'sink') {
        const sinkCfg = SinkConnectorConfigDef.parse(resolved);
        const dlqTopic = sinkCfg['errors.deadletterqueue.topic.name'];
        if (dlqTopic) {
          reporters.push(
            await DeadLetterQueueReporter.create({
              admin: this.admin,
              bootstrapServers: this.opts.bootstrapServers,
              clientId: `${clientId}-dlq`,
              topic: dlqTopic,
              replicationFactor: sinkCfg['errors.deadletterqueue.topic.replication.factor'],
              contextHeaders: sinkCfg['errors.deadletterqueue.context.headers.enable'],
              connector: id.connector,
              task: id.task,
              logger,
              counters: () => tolerance.counters,
            }),
          );
        }
        const topics = (resolvedTask.topics ?? sinkCfg.topics.join(','))
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const regex = resolvedTask['topics.regex'] ?? sinkCfg['topics.regex'];
        const TaskClass = connector.taskClass();
        task = new WorkerSinkTask({
          id,
          taskConfig: resolvedTask,
          connectorConfig: resolved,
          converters,
          transforms,
          tolerance,
          listener: this.#listener(),
          logger,
          initialState: targetState,
          task: new TaskClass() as SinkTask,
          connectorName: id.connector,
          bootstrapServers: this.opts.bootstrapServers,
          clientId,
          topics,
          topicsRegex: regex ? new RegExp(`^(?:${regex})$`) : null,
          offsetFlushIntervalMs: this.opts.offsetFlushIntervalMs,
          maxPollRecords: this.opts.maxPollRecords,
          sessionTimeoutMs: this.opts.sessionTimeoutMs,
          heartbeatIntervalMs: this.opts.heartbeatIntervalMs,
          rebalanceTimeoutMs: this.opts.rebalanceTimeoutMs,
          onTopicUsed,
        });
      } else {
        const srcCfg = base as ReturnType<typeof SourceConnectorConfigDef.parse>;
        const eosCfg = this.opts.exactlyOnceSource;
        const store = this.opts.offsetStore;
        const exactlyOnce = eosCfg
          ? {
              transactionalId: `${eosCfg.groupId}-${id.connector}-${id.task}`,
              boundary: srcCfg['transaction.boundary'],
              intervalMs: srcCfg['transaction.boundary.interval.ms'] ?? this.opts.offsetFlushIntervalMs,
              offsetTopic: eosCfg.offsetTopic,
              offsetPartitions: eosCfg.offsetPartitions,
              onCommitted: (entries: Array<{ partition: SourcePartition; offset: SourceOffset }>) => {
                if (store instanceof KafkaOffsetBackingStore) store.applyCommitted(id.connector, entries);
              },
            }
          : null;
        const TaskClass = connector.taskClass();
        task = new WorkerSourceTask({
          id,
          taskConfig: resolvedTask,
          connectorConfig: resolved,
          converters,
          transforms,
          tolerance,
          listener: this.#listener(),
          logger,
          initialState: targetState,
          task: new TaskClass() as SourceTask,
          offsetStore: this.opts.offsetStore,
          connectorName: id.connector,
          bootstrapServers: this.opts.bootstrapServers,
          clientId,
          offsetFlushIntervalMs: this.opts.offsetFlushIntervalMs,
          offsetFlushTimeoutMs: this.opts.offsetFlushTimeoutMs,
          maxBufferedRecords: this.opts.maxBufferedRecords,
          onTopicUsed,
          ensureTopic: async (topic) => {
            if (!this.opts.topicCreationEnable) return;
            await this.#ensureSourceTopic(topic, resolved);
          },
          exactlyOnce,
        });
      }
      this.#tasks.set(Worker.taskKey(id), task);
      task.start();
      return true;
    } catch (err) {
      logger.error({ err: String(err) }, 'failed to start task');
      await this.#putTaskStatus(id, 'FAILED', err as Error);
      return false;
    }
  }

  /** Topic creation for source connectors (KIP-158): the default group and topic.creation.<group>.* */
  async #ensureSourceTopic(topic: string, props: Readonly<Record<string, string>>): Promise<void> {
    const groups = (props['topic.creation.groups'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const hasDefault =
      props['topic.creation.default.partitions'] !== undefined ||
      props['topic.creation.default.replication.factor'] !== undefined;
    if (!hasDefault) return; // Without a default group, Kafka Connect leaves topic creation to the broker.
    let chosen = 'default';
    for (const g of groups) {
      const inc = props[`topic.creation.${g}.include`];
      const exc = props[`topic.creation.${g}.exclude`];
      const matches = (list: string | undefined): boolean =>
        !!list && list.split(',').some((re) => new RegExp(`^(?:${re.trim()})$`).test(topic));
      if (matches(inc) && !matches(exc)) {
        chosen = g;
        break;
      }
    }
    const pre = `topic.creation.${chosen}.`;
    const own = withPrefix(props, pre);
    const dflt = withPrefix(props, 'topic.creation.default.');
    const partitions = Number(own.partitions ?? dflt.partitions ?? -1);
    let rf = Number(own['replication.factor'] ?? dflt['replication.factor'] ?? -1);
    const configs: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...dflt, ...own })) {
      if (!['partitions', 'replication.factor', 'include', 'exclude'].includes(k)) configs[k] = v;
    }
    if (rf === -1) rf = 1;
    await ensureTopic(this.admin, {
      name: topic,
      partitions: partitions === -1 ? 1 : partitions,
      replicationFactor: rf,
      configs,
    });
  }

  async stopTask(id: ConnectorTaskId): Promise<void> {
    const t = this.#tasks.get(Worker.taskKey(id));
    if (!t) return;
    this.#tasks.delete(Worker.taskKey(id));
    await t.stop(this.opts.gracefulShutdownMs);
  }

  async stopTasks(ids: ConnectorTaskId[]): Promise<void> {
    await Promise.all(ids.map((id) => this.stopTask(id)));
  }

  async stop(): Promise<void> {
    await this.stopTasks(this.taskIds());
    for (const name of this.connectorNames()) await this.stopConnector(name);
    await this.#admin?.close().catch(() => undefined);
  }
}
