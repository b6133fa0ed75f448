import {
  ConfigException,
  type ConfigKeyInfo,
  type ConfigValueInfo,
  type Connector,
  NotFoundException,
  type SourceOffset,
  type SourcePartition,
} from '@tributary/api';
import { Admin } from '@platformatic/kafka';
import {
  ConnectorConfigDef,
  SinkConnectorConfigDef,
  SourceConnectorConfigDef,
  TransformationChain,
} from './connector-config.js';
import { AlreadyExistsError, BadRequestError, ConnectRestException, NotFoundError } from './errors.js';
import type {
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
  PluginInfo,
  PutConfigResult,
  RestartRequest,
  ServerInfo,
  TargetState,
  TaskInfo,
  TaskState,
} from './herder-api.js';
import type { LoggerRegistry } from './logging.js';
import type { Plugins } from './plugins.js';
import type { ConfigBackingStore, ConfigSnapshot } from './storage/config-store.js';
import type { OffsetBackingStore } from './storage/offset-store.js';
import type { StatusBackingStore } from './storage/status-store.js';
import { Worker } from './worker.js';

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
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ISO control characters are exactly what connector names may not contain
const NAME_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

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
  readonly #o: HerderOptions;
  readonly #worker: Worker;
  #chain: Promise<unknown> = Promise.resolve();
  #reconcilePending = false;
  #reconfigure = new Set<string>();
  #started = false;
  #stopping = false;
  readonly #logger;
  /** Task configs this worker is running, to restart only what changed. */
  readonly #runningTaskConfigs = new Map<string, Record<string, string>>();
  readonly #runningConnectorConfigs = new Map<string, Record<string, string>>();
  #admin: Admin | null = null;

  constructor(o: HerderOptions) {
    this.#o = o;
    this.#worker = o.worker;
    this.#logger = o.loggers.get('tributary.herder', { worker_id: o.worker.opts.workerId });
    this.#worker.onTaskReconfigurationRequest = (name) => {
      this.#reconfigure.add(name);
      this.#scheduleReconcile();
    };
    o.configStore.onChange(() => this.#scheduleReconcile());
  }

  get #adminClient(): Admin {
    this.#admin ??= new Admin({
      clientId: `${this.#worker.opts.clientIdPrefix}-herder-admin`,
      bootstrapBrokers: this.#o.bootstrapServers,
    });
    return this.#admin;
  }

  /** Runs fn after everything queued before it. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async start(): Promise<void> {
    this.#started = true;
    await this.#serial(() => this.#reconcile());
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#serial(async () => {
      await this.#worker.stop();
    });
    await this.#admin?.close().catch(() => undefined);
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
    await this.#o.configStore.putTaskConfigs(name, configs);
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
    const snap = this.#o.configStore.snapshot();
    // Connectors removed or moved away.
    for (const name of this.#worker.connectorNames()) {
      if (!snap.connectors.has(name) || !this.isConnectorAssigned(name)) {
        await this.#worker.stopConnector(name);
        this.#runningConnectorConfigs.delete(name);
        if (!snap.connectors.has(name)) await this.#o.statusStore.putConnector(name, null).catch(() => undefined);
      }
    }
    // Connectors added, changed, or with a new target state.
    for (const [name, config] of snap.connectors) {
      if (!this.isConnectorAssigned(name)) continue;
      const target = snap.targetStates.get(name) ?? 'STARTED';
      const running = this.#worker.runningConnector(name);
      if (!running || !sameConfig(this.#runningConnectorConfigs.get(name), config)) {
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
    const fresh = this.#o.configStore.snapshot();
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
        await this.#o.statusStore.putTask(id.connector, id.task, null).catch(() => undefined);
    }
    // Status of tasks beyond the current count (connector shrank) is removed.
    for (const [name, configs] of snap.taskConfigs) {
      for (const [task] of this.#o.statusStore.tasks(name)) {
        if (task >= configs.length && this.isLeader())
          await this.#o.statusStore.putTask(name, task, null).catch(() => undefined);
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
    return { version: VERSION, commit: this.#o.commit ?? 'unknown', kafka_cluster_id: this.#o.kafkaClusterId };
  }

  async health(): Promise<HealthInfo> {
    if (!this.#started) return { status: 'starting', message: 'Worker is still starting up.' };
    if (this.#stopping) return { status: 'unhealthy', message: 'Worker is shutting down.' };
    return { status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' };
  }

  #snapshot(): ConfigSnapshot {
    return this.#o.configStore.snapshot();
  }

  #requireConnector(snap: ConfigSnapshot, name: string): Record<string, string> {
    const c = snap.connectors.get(name);
    if (!c) throw new NotFoundError(`Connector ${name} not found`);
    return c;
  }

  #typeOf(config: Readonly<Record<string, string>>): ConnectorType {
    const p = this.#o.plugins.find(config['connector.class'] ?? '');
    const k = p?.descriptor.kind;
    return k === 'source' || k === 'sink' ? k : 'unknown';
  }

  #info(snap: ConfigSnapshot, name: string): ConnectorInfo {
    const config = this.#requireConnector(snap, name);
    const tasks = (snap.taskConfigs.get(name) ?? []).map((_, task) => ({ connector: name, task }));
    return { name, config: { ...config }, tasks, type: this.#typeOf(config) };
  }

  async connectors(): Promise<string[]> {
    return [...this.#snapshot().connectors.keys()].sort();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    return this.#info(this.#snapshot(), name);
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    return { ...this.#requireConnector(this.#snapshot(), name) };
  }

  #validateName(name: string): string {
    const n = name.trim();
    if (!n) throw new BadRequestError('Connector name cannot be empty');
    if (NAME_CONTROL.test(n))
      throw new BadRequestError(`Connector name ${JSON.stringify(n)} contains ISO control characters`);
    return n;
  }

  async putConnectorConfig(
    name: string,
    config: Record<string, string>,
    options: { allowReplace: boolean; initialState?: TargetState },
  ): Promise<PutConfigResult> {
    const n = this.#validateName(name);
    const full = { ...config, name: n };
    const validation = await this.#validate(full, null);
    if (validation.error_count > 0) throw this.#configError(validation);
    return this.#serial(async () => {
      await this.#o.configStore.refresh();
      const snap = this.#snapshot();
      const exists = snap.connectors.has(n);
      if (exists && !options.allowReplace) throw new AlreadyExistsError(`Connector ${n} already exists`);
      await this.#o.configStore.putConnectorConfig(n, full, exists ? undefined : (options.initialState ?? 'STARTED'));
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
    for (const c of v.configs) if (c.value.errors.length > 0) errors[c.value.name] = c.value.errors;
    const lines = Object.values(errors).flat();
    return new ConfigException(
      errors,
      `Connector configuration is invalid and contains the following ${lines.length} error(s):\n${lines.join('\n')}\nYou can also find the above list of errors at the endpoint \`/connector-plugins/{connectorType}/config/validate\``,
    );
  }

  async deleteConnector(name: string): Promise<void> {
    await this.#serial(async () => {
      this.#requireConnector(this.#snapshot(), name);
      await this.#o.configStore.removeConnectorConfig(name);
      await this.#reconcile();
      const tasks = this.#o.statusStore.tasks(name);
      for (const [t] of tasks) await this.#o.statusStore.putTask(name, t, null).catch(() => undefined);
      await this.#o.statusStore.putConnector(name, null).catch(() => undefined);
    });
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const snap = this.#snapshot();
    const config = this.#requireConnector(snap, name);
    const cs = this.#o.statusStore.connector(name);
    const taskCount = snap.taskConfigs.get(name)?.length ?? 0;
    const statuses = this.#o.statusStore.tasks(name);
    const tasks: TaskState[] = [];
    for (let i = 0; i < taskCount; i++) {
      const s = statuses.get(i);
      tasks.push({
        id: i,
        state: s?.state ?? 'UNASSIGNED',
        worker_id: s?.worker_id ?? '',
        ...(s?.trace ? { trace: s.trace } : {}),
      });
    }
    return {
      name,
      connector: {
        state: cs?.state ?? 'UNASSIGNED',
        worker_id: cs?.worker_id ?? '',
        ...(cs?.trace ? { trace: cs.trace } : {}),
      },
      tasks,
      type: this.#typeOf(config),
    };
  }

  async taskStatus(name: string, task: number): Promise<TaskState> {
    const snap = this.#snapshot();
    this.#requireConnector(snap, name);
    const count = snap.taskConfigs.get(name)?.length ?? 0;
    if (task < 0 || task >= count) throw new NotFoundError(`No status found for task ${name}-${task}`);
    const s = this.#o.statusStore.task(name, task);
    return {
      id: task,
      state: s?.state ?? 'UNASSIGNED',
      worker_id: s?.worker_id ?? '',
      ...(s?.trace ? { trace: s.trace } : {}),
    };
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    const snap = this.#snapshot();
    this.#requireConnector(snap, name);
    return (snap.taskConfigs.get(name) ?? []).map((config, task) => ({
      id: { connector: name, task },
      config: { ...config },
    }));
  }

  async restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null> {
    const snap = this.#snapshot();
    const config = this.#requireConnector(snap, name);
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
          connector: restartConnector ? { ...status.connector, state: 'RESTARTING' } : status.connector,
          tasks: status.tasks.map((t) => (restartTasks.includes(t.id) ? { ...t, state: 'RESTARTING' as const } : t)),
        };
    await this.markRestarting(name, restartConnector, restartTasks);
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
      const cur = this.#o.statusStore.connector(name);
      await this.#o.statusStore.putConnector(name, {
        state: 'RESTARTING',
        trace: null,
        worker_id: cur?.worker_id ?? this.#worker.opts.workerId,
        generation: Math.max(gen, cur?.generation ?? 0),
      });
    }
    for (const t of tasks) {
      const cur = this.#o.statusStore.task(name, t);
      await this.#o.statusStore.putTask(name, t, {
        state: 'RESTARTING',
        trace: null,
        worker_id: cur?.worker_id ?? this.#worker.opts.workerId,
        generation: Math.max(gen, cur?.generation ?? 0),
      });
    }
  }

  async restartTask(name: string, task: number): Promise<void> {
    const snap = this.#snapshot();
    const config = this.#requireConnector(snap, name);
    const tc = snap.taskConfigs.get(name)?.[task];
    if (!tc) throw new NotFoundError(`Task ${name}-${task} not found`);
    await this.#serial(async () => {
      const id = { connector: name, task };
      await this.#worker.startTask(id, config, tc, this.#snapshot().targetStates.get(name) ?? 'STARTED');
      this.#runningTaskConfigs.set(Worker.taskKey(id), tc);
    });
  }

  async #setTarget(name: string, state: TargetState): Promise<void> {
    this.#requireConnector(this.#snapshot(), name);
    await this.#serial(async () => {
      await this.#o.configStore.putTargetState(name, state);
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

  async connectorActiveTopics(name: string): Promise<string[]> {
    this.#requireConnector(this.#snapshot(), name);
    return this.#o.statusStore
      .topics(name)
      .map((t) => t.name)
      .sort();
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    this.#requireConnector(this.#snapshot(), name);
    for (const t of this.#o.statusStore.topics(name)) await this.#o.statusStore.deleteTopic(name, t.name);
  }

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    const config = this.#requireConnector(this.#snapshot(), name);
    if (this.#typeOf(config) === 'sink') {
      const groups = await this.#adminClient.listConsumerGroupOffsets({ groups: [`connect-${name}`] });
      const offsets: ConnectorOffset[] = [];
      for (const g of groups) {
        for (const t of g.topics ?? []) {
          for (const p of t.partitions ?? []) {
            const off = Number(p.committedOffset);
            if (off < 0) continue;
            offsets.push({
              partition: { kafka_topic: t.name, kafka_partition: p.partitionIndex },
              offset: { kafka_offset: off },
            });
          }
        }
      }
      return { offsets };
    }
    await this.#o.offsetStore.refresh();
    return { offsets: this.#o.offsetStore.connectorOffsets(name) };
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
    return this.#serial(async () => {
      const config = await this.#requireStopped(name);
      const connector: Connector = this.#worker.instantiateConnector(config);
      let handled: boolean;
      if (connector.kind === 'sink') {
        const sinkOffsets = (offsets ?? []).map((o) => {
          const topic = o.partition.kafka_topic;
          const partition = o.partition.kafka_partition;
          if (typeof topic !== 'string' || typeof partition !== 'number') {
            throw new BadRequestError(
              'Sink connector offsets need a partition of {"kafka_topic": <string>, "kafka_partition": <int>}',
            );
          }
          const off = o.offset === null ? null : o.offset.kafka_offset;
          if (off !== null && (typeof off !== 'number' || off < 0))
            throw new BadRequestError(
              'Sink connector offsets need an offset of {"kafka_offset": <non-negative int>} or null',
            );
          return { partition: { topic, partition }, offset: off as number | null };
        });
        handled = await connector.alterOffsets(config, sinkOffsets);
        const group = `connect-${name}`;
        if (reset) {
          const current = await this.connectorOffsets(name);
          const byTopic = new Map<string, number[]>();
          for (const o of current.offsets)
            byTopic.set(String(o.partition.kafka_topic), [
              ...(byTopic.get(String(o.partition.kafka_topic)) ?? []),
              Number(o.partition.kafka_partition),
            ]);
          if (byTopic.size > 0) {
            await this.#adminClient.deleteConsumerGroupOffsets({
              groupId: group,
              topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
            });
          }
        } else {
          const toSet = sinkOffsets.filter((o) => o.offset !== null);
          const toDelete = sinkOffsets.filter((o) => o.offset === null);
          if (toSet.length > 0) {
            const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
            for (const o of toSet)
              byTopic.set(o.partition.topic, [
                ...(byTopic.get(o.partition.topic) ?? []),
                { partition: o.partition.partition, offset: BigInt(o.offset!) },
              ]);
            await this.#adminClient.alterConsumerGroupOffsets({
              groupId: group,
              topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
            });
          }
          if (toDelete.length > 0) {
            const byTopic = new Map<string, number[]>();
            for (const o of toDelete)
              byTopic.set(o.partition.topic, [...(byTopic.get(o.partition.topic) ?? []), o.partition.partition]);
            await this.#adminClient.deleteConsumerGroupOffsets({
              groupId: group,
              topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
            });
          }
        }
      } else {
        await this.#o.offsetStore.refresh();
        const entries: Array<{ partition: SourcePartition; offset: SourceOffset | null }> = reset
          ? this.#o.offsetStore.connectorOffsets(name).map((o) => ({ partition: o.partition, offset: null }))
          : (offsets ?? []).map((o) => {
              if (!o.partition || typeof o.partition !== 'object')
                throw new BadRequestError('Source connector offsets need a partition object');
              return { partition: o.partition, offset: o.offset };
            });
        handled = await connector.alterOffsets(config, entries);
        await this.#o.offsetStore.set(name, entries);
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
    return this.#o.plugins
      .all()
      .filter((p) => kinds.has(p.descriptor.kind))
      .map((p) => ({ class: p.className, type: p.descriptor.kind as PluginInfo['type'], version: p.version }))
      .sort((a, b) => a.class.localeCompare(b.class));
  }

  pluginConfig(plugin: string): ConfigKeyInfo[] {
    const p = this.#o.plugins.find(plugin);
    if (!p) throw new NotFoundError(`Unknown plugin ${plugin}.`);
    const instance = p.descriptor.create() as { config?: () => { definitions(): ConfigKeyInfo[] } };
    const own = instance.config?.().definitions() ?? [];
    // As recent Kafka Connect: a connector's definitions include the framework's connector keys.
    const kind = p.descriptor.kind;
    if (kind !== 'source' && kind !== 'sink') return own;
    const base = (kind === 'sink' ? SinkConnectorConfigDef : SourceConnectorConfigDef).definitions();
    return [...base, ...own.filter((d) => !base.some((b) => b.name === d.name))];
  }

  async validateConnectorConfig(plugin: string, config: Record<string, string>): Promise<ConfigInfos> {
    const cls = config['connector.class'];
    if (cls !== undefined && cls !== plugin) {
      const a = this.#o.plugins.find(cls);
      const b = this.#o.plugins.find(plugin);
      if (!a || !b || a !== b)
        throw new BadRequestError(`Included connector type ${cls} does not match request type ${plugin}`);
    }
    return this.#validate({ ...config, 'connector.class': plugin }, plugin);
  }

  /** Kafka Connect's validation: common keys, the connector's own keys, transforms and predicates. */
  async #validate(config: Record<string, string>, pathPlugin: string | null): Promise<ConfigInfos> {
    const cls = config['connector.class'];
    const configs: Array<{ definition: ConfigKeyInfo; value: ConfigValueInfo }> = [];
    let connector: Connector | null = null;
    let name = cls ?? pathPlugin ?? 'unknown';
    if (cls) {
      try {
        const p = this.#o.plugins.get(cls, 'source', 'sink');
        name = p.className;
        connector = p.descriptor.create();
      } catch (err) {
        if (pathPlugin) throw new NotFoundError(err instanceof NotFoundException ? err.message : String(err));
      }
    }
    const baseDef =
      connector?.kind === 'sink'
        ? SinkConnectorConfigDef
        : connector?.kind === 'source'
          ? SourceConnectorConfigDef
          : ConnectorConfigDef;
    const defs = baseDef.definitions();
    const values = baseDef.validate(config);
    for (const [i, d] of defs.entries()) configs.push({ definition: d, value: values[i]! });
    const byName = (n: string) => configs.find((c) => c.definition.name === n)?.value;
    if (!cls)
      byName('connector.class')!.errors = [
        'Missing required configuration "connector.class" which has no default value.',
      ];
    else if (!connector)
      byName('connector.class')!.errors = [
        `Invalid value ${cls} for configuration connector.class: Class ${cls} could not be found.`,
      ];
    if (connector?.kind === 'sink') {
      const hasTopics = (config.topics ?? '').trim() !== '';
      const hasRegex = (config['topics.regex'] ?? '').trim() !== '';
      if (hasTopics === hasRegex) {
        const msg = hasTopics
          ? 'topics and topics.regex are mutually exclusive options, but both are set.'
          : 'Must configure one of topics or topics.regex';
        byName('topics')!.errors.push(msg);
        byName('topics.regex')!.errors.push(msg);
      }
      const dlq = (config['errors.deadletterqueue.topic.name'] ?? '').trim();
      if (
        dlq &&
        (config.topics ?? '')
          .split(',')
          .map((s) => s.trim())
          .includes(dlq)
      ) {
        byName('errors.deadletterqueue.topic.name')!.errors.push(
          `The DLQ topic '${dlq}' may not be included in the list of topics ('topics=${config.topics}') consumed by the connector`,
        );
      }
    }
    if (connector) {
      const own = connector.config();
      const ownDefs = own.definitions();
      let ownValues: ConfigValueInfo[];
      try {
        ownValues = (await connector.validate(config)).configs;
      } catch (err) {
        ownValues = own.validate(config);
        this.#logger.warn({ err: String(err) }, 'connector validate() failed; falling back to its config spec');
      }
      for (const d of ownDefs) {
        if (configs.some((c) => c.definition.name === d.name)) continue;
        const v = ownValues.find((x) => x.name === d.name) ?? {
          name: d.name,
          value: config[d.name] ?? d.default_value,
          recommended_values: [],
          errors: [],
          visible: true,
        };
        configs.push({ definition: d, value: v });
      }
      // Values for keys the connector validated but did not define (e.g. cross-field checks).
      for (const v of ownValues) {
        if (configs.some((c) => c.definition.name === v.name)) {
          const existing = byName(v.name)!;
          for (const e of v.errors) if (!existing.errors.includes(e)) existing.errors.push(e);
        } else if (v.errors.length > 0) {
          // A key the connector reads by pattern (e.g. Debezium's column.mask.with.<n>.chars) has no
          // definition, but its errors must still reach the 400 and /validate.
          configs.push({
            definition: {
              name: v.name,
              type: 'STRING',
              required: false,
              default_value: null,
              importance: 'LOW',
              documentation: '',
              group: null,
              width: 'NONE',
              display_name: v.name,
              dependents: [],
              order: -1,
            },
            value: v,
          });
        }
      }
    }
    configs.push(...TransformationChain.definitions(config, this.#o.plugins));
    for (const kind of ['key', 'value', 'header'] as const) {
      const v = config[`${kind}.converter`];
      if (v && !this.#o.plugins.find(v))
        byName(`${kind}.converter`)!.errors.push(
          `Invalid value ${v} for configuration ${kind}.converter: Class ${v} could not be found.`,
        );
    }
    const groups: string[] = [];
    for (const c of configs)
      if (c.definition.group && !groups.includes(c.definition.group)) groups.push(c.definition.group);
    return { name, error_count: configs.reduce((n, c) => n + c.value.errors.length, 0), groups, configs };
  }

  async putTaskConfigsFromWorker(
    _name: string,
    _configs: Record<string, string>[],
    _auth: { signature: string | null; algorithm: string | null; body: string },
  ): Promise<void> {
    throw new ConnectRestException(404, 'Internal task config endpoint exists only in distributed mode');
  }

  loggers(): Record<string, LoggerLevel> {
    return this.#o.loggers.levels();
  }

  logger(name: string): LoggerLevel {
    const l = this.#o.loggers.level(name);
    if (!l) throw new NotFoundError(`Logger ${name} not found.`);
    return l;
  }

  setLoggerLevel(name: string, level: string): string[] {
    try {
      return this.#o.loggers.setLevel(name, level);
    } catch (err) {
      throw new BadRequestError((err as Error).message);
    }
  }

  /** For metrics and tests: the worker behind this herder. */
  get worker(): Worker {
    return this.#worker;
  }
}
