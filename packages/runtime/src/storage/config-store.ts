import type { Logger } from '@tributary/api';
import type { TargetState } from '../herder-api.js';
import { KafkaBasedLog } from '../kafka/log.js';
import type { Admin } from '@platformatic/kafka';

/** The cluster's view of connector configs, task configs and target states (Kafka Connect's ClusterConfigState). */
export interface ConfigSnapshot {
  /** Offset of the last config-topic record applied (-1 when empty). */
  offset: number;
  connectors: Map<string, Record<string, string>>;
  targetStates: Map<string, TargetState>;
  /** Committed task configs per connector (only complete generations, as commit-<c> marks them). */
  taskConfigs: Map<string, Record<string, string>[]>;
  /** Restart requests not yet handled. */
  restartRequests: Map<string, { includeTasks: boolean; onlyFailed: boolean }>;
  sessionKey: { key: string; algorithm: string; creationTimestamp: number } | null;
}

export type ConfigChange =
  | { kind: 'connector'; name: string; removed: boolean }
  | { kind: 'target-state'; name: string }
  | { kind: 'tasks'; name: string }
  | { kind: 'restart'; name: string }
  | { kind: 'session-key' };

export interface ConfigBackingStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  snapshot(): ConfigSnapshot;
  /** Waits until every write made before the call is visible in snapshot(). */
  refresh(): Promise<void>;
  putConnectorConfig(name: string, config: Record<string, string>, targetState?: TargetState): Promise<void>;
  removeConnectorConfig(name: string): Promise<void>;
  putTargetState(name: string, state: TargetState): Promise<void>;
  putTaskConfigs(name: string, configs: Record<string, string>[]): Promise<void>;
  putRestartRequest(name: string, request: { includeTasks: boolean; onlyFailed: boolean }): Promise<void>;
  putSessionKey(key: { key: string; algorithm: string; creationTimestamp: number }): Promise<void>;
  onChange(listener: (change: ConfigChange) => void): void;
}

function emptySnapshot(): ConfigSnapshot {
  return {
    offset: -1,
    connectors: new Map(),
    targetStates: new Map(),
    taskConfigs: new Map(),
    restartRequests: new Map(),
    sessionKey: null,
  };
}

function copySnapshot(s: ConfigSnapshot): ConfigSnapshot {
  return {
    offset: s.offset,
    connectors: new Map([...s.connectors].map(([k, v]) => [k, { ...v }])),
    targetStates: new Map(s.targetStates),
    taskConfigs: new Map([...s.taskConfigs].map(([k, v]) => [k, v.map((c) => ({ ...c }))])),
    restartRequests: new Map(s.restartRequests),
    sessionKey: s.sessionKey,
  };
}

/**
 * Applies config-topic records (Kafka Connect's formats) to a snapshot. Task configs are staged
 * until their commit-<c> record arrives, so a half-written generation is never visible.
 */
export class ConfigStateMachine {
  readonly state: ConfigSnapshot = emptySnapshot();
  readonly #staged = new Map<string, Map<number, Record<string, string>>>();
  readonly #listeners: Array<(c: ConfigChange) => void> = [];
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  onChange(l: (c: ConfigChange) => void): void {
    this.#listeners.push(l);
  }

  #emit(c: ConfigChange): void {
    for (const l of this.#listeners) {
      try {
        l(c);
      } catch (err) {
        this.#logger.error({ err: String(err) }, 'config listener failed');
      }
    }
  }

  apply(key: string, value: unknown, offset: number): void {
    this.state.offset = offset;
    const obj = (value ?? null) as Record<string, unknown> | null;
    let m: RegExpExecArray | null;
    m = /^connector-(.+)$/s.exec(key);
    if (m) {
      const name = m[1]!;
      if (obj === null) {
        this.state.connectors.delete(name);
        this.state.targetStates.delete(name);
        this.state.taskConfigs.delete(name);
        this.#staged.delete(name);
        this.#emit({ kind: 'connector', name, removed: true });
      } else {
        this.state.connectors.set(name, { ...(obj.properties as Record<string, string>) });
        if (!this.state.targetStates.has(name)) this.state.targetStates.set(name, 'STARTED');
        this.#emit({ kind: 'connector', name, removed: false });
      }
      return;
    }
    m = /^target-state-(.+)$/s.exec(key);
    if (m) {
      const name = m[1]!;
      if (obj === null) this.state.targetStates.delete(name);
      else {
        const st = (obj['state.v2'] ?? obj.state) as TargetState;
        this.state.targetStates.set(name, st);
      }
      this.#emit({ kind: 'target-state', name });
      return;
    }
    m = /^task-(.+)-(\d+)$/s.exec(key);
    if (m) {
      const name = m[1]!;
      const task = Number(m[2]);
      const staged = this.#staged.get(name) ?? new Map<number, Record<string, string>>();
      this.#staged.set(name, staged);
      if (obj !== null) staged.set(task, { ...(obj.properties as Record<string, string>) });
      return;
    }
    m = /^commit-(.+)$/s.exec(key);
    if (m) {
      const name = m[1]!;
      if (obj === null) return;
      const count = Number(obj.tasks);
      const staged = this.#staged.get(name) ?? new Map();
      const configs: Record<string, string>[] = [];
      for (let i = 0; i < count; i++) {
        const c = staged.get(i);
        if (!c) {
          this.#logger.warn(
            { connector: name, task: i },
            'task config commit without the task config; ignoring commit',
          );
          return;
        }
        configs.push(c);
      }
      this.state.taskConfigs.set(name, configs);
      this.#staged.delete(name);
      this.#emit({ kind: 'tasks', name });
      return;
    }
    m = /^restart-connector-(.+)$/s.exec(key);
    if (m) {
      const name = m[1]!;
      if (obj === null) this.state.restartRequests.delete(name);
      else
        this.state.restartRequests.set(name, {
          includeTasks: obj['include-tasks'] === true,
          onlyFailed: obj['only-failed'] === true,
        });
      this.#emit({ kind: 'restart', name });
      return;
    }
    if (key === 'session-key') {
      if (obj) {
        this.state.sessionKey = {
          key: String(obj.key),
          algorithm: String(obj.algorithm),
          creationTimestamp: Number(obj['creation-timestamp']),
        };
        this.#emit({ kind: 'session-key' });
      }
    }
  }
}

export function targetStateValue(state: TargetState): Record<string, string> {
  // Kafka Connect writes STOPPED as state=PAUSED for workers that predate it, and the truth in state.v2.
  return state === 'STOPPED' ? { state: 'PAUSED', 'state.v2': 'STOPPED' } : { state, 'state.v2': state };
}

const enc = (v: unknown): Buffer | null => (v === null ? null : Buffer.from(JSON.stringify(v)));

/** Config store on the config topic (1 partition, compacted), as KafkaConfigBackingStore. */
export class KafkaConfigBackingStore implements ConfigBackingStore {
  readonly #log: KafkaBasedLog;
  readonly #machine: ConfigStateMachine;
  readonly #admin: Admin;

  constructor(opts: {
    bootstrapServers: string[];
    clientId: string;
    topic: string;
    replicationFactor: number;
    admin: Admin;
    logger: Logger;
  }) {
    this.#machine = new ConfigStateMachine(opts.logger);
    this.#admin = opts.admin;
    this.#log = new KafkaBasedLog({
      bootstrapServers: opts.bootstrapServers,
      clientId: opts.clientId,
      logger: opts.logger,
      topic: {
        name: opts.topic,
        partitions: 1,
        replicationFactor: opts.replicationFactor,
        configs: { 'cleanup.policy': 'compact' },
      },
      onRecord: (r) => {
        if (!r.key) return;
        let value: unknown = null;
        if (r.value) {
          try {
            value = JSON.parse(r.value.toString('utf8'));
          } catch {
            opts.logger.warn({ offset: r.offset }, 'skipping unparseable config record');
            return;
          }
        }
        this.#machine.apply(r.key.toString('utf8'), value, r.offset);
      },
    });
  }

  async start(): Promise<void> {
    await this.#log.start(this.#admin);
  }
  async stop(): Promise<void> {
    await this.#log.stop();
  }
  snapshot(): ConfigSnapshot {
    return copySnapshot(this.#machine.state);
  }
  async refresh(): Promise<void> {
    await this.#log.readToEnd();
  }
  onChange(listener: (change: ConfigChange) => void): void {
    this.#machine.onChange(listener);
  }

  async putConnectorConfig(name: string, config: Record<string, string>, targetState?: TargetState): Promise<void> {
    const records: Array<{ key: Buffer; value: Buffer | null }> = [];
    if (targetState)
      records.push({ key: Buffer.from(`target-state-${name}`), value: enc(targetStateValue(targetState)) });
    records.push({ key: Buffer.from(`connector-${name}`), value: enc({ properties: config }) });
    await this.#log.sendMany(records);
    await this.refresh();
  }
  async removeConnectorConfig(name: string): Promise<void> {
    await this.#log.sendMany([
      { key: Buffer.from(`connector-${name}`), value: null },
      { key: Buffer.from(`target-state-${name}`), value: null },
    ]);
    await this.refresh();
  }
  async putTargetState(name: string, state: TargetState): Promise<void> {
    await this.#log.send(Buffer.from(`target-state-${name}`), enc(targetStateValue(state)));
    await this.refresh();
  }
  async putTaskConfigs(name: string, configs: Record<string, string>[]): Promise<void> {
    await this.#log.sendMany([
      ...configs.map((c, i) => ({ key: Buffer.from(`task-${name}-${i}`), value: enc({ properties: c }) })),
      { key: Buffer.from(`commit-${name}`), value: enc({ tasks: configs.length }) },
    ]);
    await this.refresh();
  }
  async putRestartRequest(name: string, request: { includeTasks: boolean; onlyFailed: boolean }): Promise<void> {
    await this.#log.send(
      Buffer.from(`restart-connector-${name}`),
      enc({ 'include-tasks': request.includeTasks, 'only-failed': request.onlyFailed }),
    );
    await this.refresh();
  }
  async putSessionKey(key: { key: string; algorithm: string; creationTimestamp: number }): Promise<void> {
    await this.#log.send(
      Buffer.from('session-key'),
      enc({ key: key.key, algorithm: key.algorithm, 'creation-timestamp': key.creationTimestamp }),
    );
    await this.refresh();
  }
}

/** Config store held in memory (standalone mode, where configs come from the command line and REST). */
export class MemoryConfigBackingStore implements ConfigBackingStore {
  readonly #machine: ConfigStateMachine;
  #offset = 0;

  constructor(logger: Logger) {
    this.#machine = new ConfigStateMachine(logger);
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  snapshot(): ConfigSnapshot {
    return copySnapshot(this.#machine.state);
  }
  async refresh(): Promise<void> {}
  onChange(listener: (change: ConfigChange) => void): void {
    this.#machine.onChange(listener);
  }
  #apply(key: string, value: unknown): void {
    this.#machine.apply(key, value, this.#offset++);
  }
  async putConnectorConfig(name: string, config: Record<string, string>, targetState?: TargetState): Promise<void> {
    if (targetState) this.#apply(`target-state-${name}`, targetStateValue(targetState));
    this.#apply(`connector-${name}`, { properties: config });
  }
  async removeConnectorConfig(name: string): Promise<void> {
    this.#apply(`connector-${name}`, null);
    this.#apply(`target-state-${name}`, null);
  }
  async putTargetState(name: string, state: TargetState): Promise<void> {
    this.#apply(`target-state-${name}`, targetStateValue(state));
  }
  async putTaskConfigs(name: string, configs: Record<string, string>[]): Promise<void> {
    for (const [i, c] of configs.entries()) this.#apply(`task-${name}-${i}`, { properties: c });
    this.#apply(`commit-${name}`, { tasks: configs.length });
  }
  async putRestartRequest(name: string, request: { includeTasks: boolean; onlyFailed: boolean }): Promise<void> {
    this.#apply(`restart-connector-${name}`, {
      'include-tasks': request.includeTasks,
      'only-failed': request.onlyFailed,
    });
  }
  async putSessionKey(key: { key: string; algorithm: string; creationTimestamp: number }): Promise<void> {
    this.#apply('session-key', { key: key.key, algorithm: key.algorithm, 'creation-timestamp': key.creationTimestamp });
  }
}
