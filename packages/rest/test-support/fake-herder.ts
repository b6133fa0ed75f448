/** An in-memory fake Herder for the REST layer's unit tests, with Kafka Connect's semantics for states, restarts, offsets and validation. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type ConfigDef, ConfigException, ConfigKeys, defineConfig } from '@tributary/api';
import {
  AlreadyExistsError,
  BadRequestError,
  type ClusterInfo,
  ConnectRestException,
  type ConfigInfos,
  type ConnectorInfo,
  type ConnectorOffset,
  type ConnectorOffsets,
  type ConnectorState,
  type ConnectorStateInfo,
  type ConnectorType,
  ForbiddenError,
  type HealthInfo,
  type Herder,
  type LoggerLevel,
  type MetricsHistoryInfo,
  NotFoundError,
  type PluginInfo,
  type PutConfigResult,
  type ReplayResult,
  type RestartRequest,
  type ServerInfo,
  type TargetState,
  type TaskInfo,
  type TaskState,
  type TopicRecord,
  type TopicRecords,
} from '@tributary/runtime';

/*
 * An in-memory Herder for the REST layer's unit tests: connectors "run" the moment they are
 * created, with Kafka Connect's semantics for target states, restarts, offsets and validation.
 * It is a fake of our own interface, not of any external service.
 */

const WORKER_ID = 'fake-worker:8083';
const FAKE_VERSION = '0.1.0';

/** The session key internal requests are signed with (base64, as the config topic stores it). */
export const FAKE_SESSION_KEY = Buffer.from('fake-session-key').toString('base64');

/** Kafka Connect's internal request signature: base64 HMAC-SHA256 of the body. */
export function signFakeRequest(body: string): string {
  return createHmac('sha256', Buffer.from(FAKE_SESSION_KEY, 'base64')).update(body).digest('base64');
}

const CommonConfig = defineConfig({
  name: ConfigKeys.string({
    doc: 'Globally unique name to use for this connector.',
    group: 'Common',
    importance: 'HIGH',
  }),
  'connector.class': ConfigKeys.class({
    doc: 'Name or alias of the class for this connector.',
    group: 'Common',
    importance: 'HIGH',
  }),
  'tasks.max': ConfigKeys.int({
    default: 1,
    doc: 'Maximum number of tasks to use for this connector.',
    group: 'Common',
    importance: 'HIGH',
  }),
});

interface FakePlugin {
  info: PluginInfo;
  aliases: string[];
  config: ConfigDef;
  /** Topics a running connector reports as active. */
  topics(config: Record<string, string>): string[];
}

export const FAKE_PLUGINS: readonly FakePlugin[] = [
  {
    info: { class: 'FakeSourceConnector', type: 'source', version: '1.0.0' },
    aliases: ['org.example.FakeSourceConnector', 'FakeSource'],
    config: defineConfig({
      topic: ConfigKeys.string({ doc: 'Topic to write to.', importance: 'HIGH', group: 'Source' }),
      'poll.interval.ms': ConfigKeys.int({ default: 1000, doc: 'How often to poll.', group: 'Source' }),
    }),
    topics: (c) => (c.topic ? [c.topic] : []),
  },
  {
    info: { class: 'FakeSinkConnector', type: 'sink', version: '1.0.0' },
    aliases: ['org.example.FakeSinkConnector', 'FakeSink'],
    config: defineConfig({
      topics: ConfigKeys.list({ doc: 'Topics to read from.', importance: 'HIGH', group: 'Sink' }),
      'batch.size': ConfigKeys.int({ default: 100, doc: 'Records per batch.', group: 'Sink' }),
    }),
    topics: (c) =>
      (c.topics ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
  },
  {
    info: { class: 'FakeConverter', type: 'converter', version: '1.0.0' },
    aliases: [],
    config: defineConfig({}),
    topics: () => [],
  },
  {
    info: { class: 'FakeTransform', type: 'transformation', version: '1.0.0' },
    aliases: [],
    config: defineConfig({ field: ConfigKeys.string({ default: '', doc: 'Field to touch.' }) }),
    topics: () => [],
  },
];

interface Status {
  state: ConnectorState;
  trace?: string;
}

interface FakeConnector {
  config: Record<string, string>;
  target: TargetState;
  connector: Status;
  tasks: Array<{ config: Record<string, string>; status: Status }>;
  topics: Set<string>;
  offsets: Map<string, ConnectorOffset>;
}

export class FakeHerder implements Herder {
  readonly #connectors = new Map<string, FakeConnector>();
  readonly #loggers = new Map<string, LoggerLevel>([['root', { level: 'INFO', last_modified: null }]]);
  #health: HealthInfo = { status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' };
  /** When set, every async call waits this long first (request timeout tests). */
  delayMs = 0;
  /** When set, the next async call throws it. */
  failNext: Error | null = null;

  setHealth(h: HealthInfo): void {
    this.#health = h;
  }

  /** Marks the connector (task undefined) or one task FAILED, as a crashed instance would be. */
  fail(name: string, task?: number, trace = 'java.lang.RuntimeException: boom'): void {
    const c = this.#require(name);
    if (task === undefined) c.connector = { state: 'FAILED', trace };
    else {
      const t = c.tasks[task];
      if (!t) throw new Error(`no task ${task}`);
      t.status = { state: 'FAILED', trace };
    }
  }

  async #tick(): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const e = this.failNext;
    if (e) {
      this.failNext = null;
      throw e;
    }
  }

  #require(name: string): FakeConnector {
    const c = this.#connectors.get(name);
    if (!c) throw new NotFoundError(`Connector ${name} not found`);
    return c;
  }

  #plugin(name: string | undefined): FakePlugin | undefined {
    if (!name) return undefined;
    return FAKE_PLUGINS.find((p) => p.info.class === name || p.aliases.includes(name));
  }

  #type(config: Record<string, string>): ConnectorType {
    const t = this.#plugin(config['connector.class'])?.info.type;
    return t === 'source' || t === 'sink' ? t : 'unknown';
  }

  #validate(config: Record<string, string>): ConfigInfos {
    const plugin = this.#plugin(config['connector.class']);
    const common = CommonConfig.validate(config);
    const cc = common.find((v) => v.name === 'connector.class')!;
    if (config['connector.class'] && (!plugin || (plugin.info.type !== 'source' && plugin.info.type !== 'sink'))) {
      cc.errors = [
        `Invalid value ${config['connector.class']} for configuration connector.class: Class ${config['connector.class']} could not be found.`,
      ];
    }
    const def = plugin ? CommonConfig.extend(plugin.config) : CommonConfig;
    const values = plugin ? [...common, ...plugin.config.validate(config)] : common;
    const definitions = def.definitions();
    const configs = values.map((value) => ({ definition: definitions.find((d) => d.name === value.name)!, value }));
    const groups: string[] = [];
    for (const d of definitions) if (d.group && !groups.includes(d.group)) groups.push(d.group);
    return {
      name: plugin?.info.class ?? config['connector.class'] ?? '',
      error_count: configs.reduce((n, c) => n + c.value.errors.length, 0),
      groups,
      configs,
    };
  }

  #start(c: FakeConnector): void {
    if (c.target === 'STOPPED') {
      c.connector = { state: 'STOPPED' };
      c.tasks = [];
      return;
    }
    const state: ConnectorState = c.target === 'PAUSED' ? 'PAUSED' : 'RUNNING';
    c.connector = { state };
    const max = Number(c.config['tasks.max'] ?? '1');
    c.tasks = Array.from({ length: max }, (_, i) => ({
      config: { ...c.config, 'task.id': String(i) },
      status: { state },
    }));
    if (state === 'RUNNING')
      for (const t of this.#plugin(c.config['connector.class'])?.topics(c.config) ?? []) c.topics.add(t);
  }

  #info(name: string, c: FakeConnector): ConnectorInfo {
    return {
      name,
      config: { ...c.config },
      tasks: c.tasks.map((_, task) => ({ connector: name, task })),
      type: this.#type(c.config),
    };
  }

  #statusOf(name: string, c: FakeConnector): ConnectorStateInfo {
    const st = (s: Status) => ({
      state: s.state,
      worker_id: WORKER_ID,
      ...(s.trace ? { trace: s.trace } : {}),
      version: s.state === 'RUNNING' || s.state === 'PAUSED' || s.state === 'STOPPED' ? FAKE_VERSION : null,
    });
    return {
      name,
      connector: st(c.connector),
      tasks: c.tasks.map((t, id) => ({ id, ...st(t.status) })),
      type: this.#type(c.config),
    };
  }

  serverInfo(): ServerInfo {
    return { version: '0.1.0', commit: 'fakecommit', kafka_cluster_id: 'fake-cluster-id' };
  }

  async health(): Promise<HealthInfo> {
    await this.#tick();
    return this.#health;
  }

  async connectors(): Promise<string[]> {
    await this.#tick();
    return [...this.#connectors.keys()].sort();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    await this.#tick();
    return this.#info(name, this.#require(name));
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    await this.#tick();
    return { ...this.#require(name).config };
  }

  async putConnectorConfig(
    name: string,
    config: Record<string, string>,
    options: { allowReplace: boolean; initialState?: TargetState },
  ): Promise<PutConfigResult> {
    await this.#tick();
    const v = this.#validate(config);
    if (v.error_count > 0) {
      const errors: Record<string, string[]> = {};
      for (const c of v.configs) if (c.value.errors.length > 0) errors[c.value.name] = c.value.errors;
      throw new ConfigException(errors);
    }
    const existing = this.#connectors.get(name);
    if (existing && !options.allowReplace) throw new AlreadyExistsError(`Connector ${name} already exists`);
    const c: FakeConnector = existing ?? {
      config,
      target: options.initialState ?? 'STARTED',
      connector: { state: 'UNASSIGNED' },
      tasks: [],
      topics: new Set(),
      offsets: new Map(),
    };
    c.config = { ...config };
    this.#start(c);
    this.#connectors.set(name, c);
    return { created: !existing, info: this.#info(name, c) };
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const merged = { ...this.#require(name).config };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    merged.name = name;
    return (await this.putConnectorConfig(name, merged, { allowReplace: true })).info;
  }

  async deleteConnector(name: string): Promise<void> {
    await this.#tick();
    this.#require(name);
    this.#connectors.delete(name);
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    await this.#tick();
    return this.#statusOf(name, this.#require(name));
  }

  async taskStatus(name: string, task: number): Promise<TaskState> {
    await this.#tick();
    const s = this.#statusOf(name, this.#require(name)).tasks[task];
    if (!s || task < 0) throw new NotFoundError(`No status found for task ${name}-${task}`);
    return s;
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    await this.#tick();
    return this.#require(name).tasks.map((t, task) => ({ id: { connector: name, task }, config: { ...t.config } }));
  }

  async restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null> {
    await this.#tick();
    const c = this.#require(name);
    const restartConnector = !request.onlyFailed || c.connector.state === 'FAILED';
    const restartTasks = request.includeTasks
      ? c.tasks.map((t, i) => ({ t, i })).filter(({ t }) => !request.onlyFailed || t.status.state === 'FAILED')
      : [];
    const before = this.#statusOf(name, c);
    const running: ConnectorState = c.target === 'PAUSED' ? 'PAUSED' : c.target === 'STOPPED' ? 'STOPPED' : 'RUNNING';
    if (restartConnector) c.connector = { state: running };
    for (const { t } of restartTasks) t.status = { state: running };
    if (!request.includeTasks && !request.onlyFailed) return null;
    // Kafka Connect answers with the plan: what it is restarting shows RESTARTING.
    return {
      ...before,
      connector: restartConnector ? { ...before.connector, state: 'RESTARTING', version: null } : before.connector,
      tasks: before.tasks.map((t) =>
        restartTasks.some((r) => r.i === t.id)
          ? { id: t.id, state: 'RESTARTING', worker_id: t.worker_id, version: null }
          : t,
      ),
    };
  }

  async restartTask(name: string, task: number): Promise<void> {
    await this.#tick();
    const c = this.#require(name);
    const t = c.tasks[task];
    if (!t || task < 0) throw new NotFoundError(`Unknown task: ${name}-${task}`);
    t.status = { state: c.target === 'PAUSED' ? 'PAUSED' : 'RUNNING' };
  }

  async #target(name: string, target: TargetState): Promise<void> {
    await this.#tick();
    const c = this.#require(name);
    if (c.target === target) return;
    c.target = target;
    this.#start(c);
  }

  pauseConnector(name: string): Promise<void> {
    return this.#target(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.#target(name, 'STARTED');
  }

  stopConnector(name: string): Promise<void> {
    return this.#target(name, 'STOPPED');
  }

  async connectorActiveTopics(name: string): Promise<string[]> {
    await this.#tick();
    // As Kafka Connect: any name has active topics, none when there is no such connector.
    return [...(this.#connectors.get(name)?.topics ?? [])].sort();
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    await this.#tick();
    this.#connectors.get(name)?.topics.clear();
  }

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    await this.#tick();
    return { offsets: [...this.#require(name).offsets.values()] };
  }

  #requireStopped(name: string): FakeConnector {
    const c = this.#require(name);
    if (c.target !== 'STOPPED') {
      throw new BadRequestError(
        `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`,
      );
    }
    return c;
  }

  async alterConnectorOffsets(name: string, offsets: ConnectorOffset[]): Promise<{ message: string }> {
    await this.#tick();
    const c = this.#requireStopped(name);
    if (this.#type(c.config) === 'sink') {
      for (const o of offsets) {
        if (typeof o.partition.kafka_topic !== 'string' || typeof o.partition.kafka_partition !== 'number') {
          throw new BadRequestError(
            'Sink connector offsets need a partition of {"kafka_topic": <string>, "kafka_partition": <int>}',
          );
        }
      }
    }
    for (const o of offsets) {
      const key = JSON.stringify(o.partition);
      if (o.offset === null) c.offsets.delete(key);
      else c.offsets.set(key, { partition: o.partition, offset: o.offset });
    }
    return {
      message:
        'The Connect framework-managed offsets for this connector have been altered successfully. However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses.',
    };
  }

  async resetConnectorOffsets(name: string): Promise<{ message: string }> {
    await this.#tick();
    this.#requireStopped(name).offsets.clear();
    return {
      message:
        'The Connect framework-managed offsets for this connector have been reset successfully. However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses.',
    };
  }

  plugins(connectorsOnly: boolean): PluginInfo[] {
    return FAKE_PLUGINS.map((p) => p.info).filter((p) => !connectorsOnly || p.type === 'source' || p.type === 'sink');
  }

  pluginConfig(plugin: string) {
    const p = this.#plugin(plugin);
    if (!p) throw new NotFoundError(`Unknown plugin ${plugin}.`);
    return p.info.type === 'source' || p.info.type === 'sink'
      ? CommonConfig.extend(p.config).definitions()
      : p.config.definitions();
  }

  async validateConnectorConfig(plugin: string, config: Record<string, string>): Promise<ConfigInfos> {
    await this.#tick();
    const included = config['connector.class'];
    if (included !== undefined && this.#plugin(included) !== this.#plugin(plugin)) {
      throw new BadRequestError(`Included connector type ${included} does not match request type ${plugin}`);
    }
    return this.#validate({ ...config, 'connector.class': included ?? plugin });
  }

  async putTaskConfigsFromWorker(
    name: string,
    configs: Record<string, string>[],
    auth: { signature: string | null; algorithm: string | null; body: string },
  ): Promise<void> {
    await this.#tick();
    if (!auth.signature || !auth.algorithm) {
      throw new ConnectRestException(400, 'Internal request missing required header X-Connect-Authorization');
    }
    const expected = Buffer.from(signFakeRequest(auth.body));
    const given = Buffer.from(auth.signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new ForbiddenError('Internal request contained invalid signature.');
    }
    const c = this.#require(name);
    c.tasks = configs.map((config) => ({ config: { ...config }, status: { state: c.connector.state } }));
  }

  loggers(): Record<string, LoggerLevel> {
    return Object.fromEntries(this.#loggers);
  }

  logger(name: string): LoggerLevel {
    const l = this.#loggers.get(name);
    if (!l) throw new NotFoundError(`Logger ${name} not found.`);
    return l;
  }

  setLoggerLevel(name: string, level: string): string[] {
    const now = Date.now();
    const upper = level.toUpperCase();
    this.#loggers.set(name, { level: upper, last_modified: now });
    const affected = [name];
    for (const [n, l] of this.#loggers) {
      if (n !== name && (name === 'root' || n.startsWith(`${name}.`))) {
        l.level = upper;
        l.last_modified = now;
        affected.push(n);
      }
    }
    return affected.sort();
  }

  async setClusterLoggerLevel(name: string, level: string): Promise<void> {
    this.setLoggerLevel(name, level);
  }

  /** Topics the console endpoints read: records put here by tests. */
  readonly topics = new Map<string, TopicRecord[]>();

  async cluster(): Promise<ClusterInfo> {
    const self = 'fake:8083';
    const connectors = [...this.#connectors.keys()].sort();
    const tasks = connectors.flatMap((c) => this.#connectors.get(c)!.tasks.map((_, task) => ({ connector: c, task })));
    return { leader: self, self, workers: [{ id: self, leader: true, self: true, connectors, tasks }], failed: [] };
  }

  async readTopic(topic: string, options: { limit: number; partition?: number }): Promise<TopicRecords> {
    const all = this.topics.get(topic);
    if (!all) throw new NotFoundError(`Topic ${topic} not found`);
    const records = all.filter((r) => options.partition === undefined || r.partition === options.partition);
    const partitions = [...new Set(all.map((r) => r.partition))].sort().map((partition) => {
      const offsets = all.filter((r) => r.partition === partition).map((r) => r.offset);
      return { partition, start: Math.min(...offsets), end: Math.max(...offsets) + 1 };
    });
    return { topic, partitions, records: records.slice(-options.limit) };
  }

  async replayDeadLetters(
    topic: string,
    records: ReadonlyArray<{ partition: number; offset: number }>,
  ): Promise<ReplayResult[]> {
    const all = this.topics.get(topic) ?? [];
    return records.map((w) => {
      const r = all.find((x) => x.partition === w.partition && x.offset === w.offset);
      const origin = r?.headers.find(([k]) => k === '__connect.errors.topic')?.[1]?.toString('utf8');
      if (!r || !origin) return { ...w, error: 'not found' };
      const list = this.topics.get(origin) ?? [];
      list.push({
        ...r,
        topic: origin,
        offset: list.length,
        headers: r.headers.filter(([k]) => !k.startsWith('__connect.errors.')),
      });
      this.topics.set(origin, list);
      return { ...w, topic: origin, target_partition: r.partition };
    });
  }

  metricsHistory(since: number): MetricsHistoryInfo {
    return { interval_ms: 2000, worker_id: 'fake:8083', samples: [{ at: Math.max(since + 1, Date.now()), tasks: [] }] };
  }
}
