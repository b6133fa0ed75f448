/** The config store: connector configs, task configs and target states in the config topic or in memory (Kafka Connect's KafkaConfigBackingStore). */
import type { Logger } from '@tributary/api';
import type { TargetState } from '../herder-api.js';
import type { KafkaBasedLog } from '../kafka/log.js';
import { compactedJsonLog } from './compacted-log.js';
import {
  commitTasksKey,
  connectorKey,
  loggerClusterKey,
  parseConfigTopicKey,
  restartKey,
  SESSION_KEY_KEY,
  targetStateKey,
  taskKey,
} from './topic-keys.js';
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
  | { kind: 'session-key' }
  /** A `logger-cluster-<namespace>` record read after the store started (older ones are history, as in Kafka Connect). */
  | { kind: 'logger-level'; namespace: string; level: string };

export interface ConfigBackingStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  snapshot(): ConfigSnapshot;
  /** Waits until every write made before the call is visible in snapshot(). */
  refresh(): Promise<void>;
  putConnectorConfig(name: string, config: Record<string, string>, targetState?: TargetState): Promise<void>;
  /**
   * Why a connector config cannot be written (its record would exceed the config topic's message size),
   * naming the limit; null when it fits. Checked before the write, so a request never reaches the broker
   * with a record it must refuse.
   */
  connectorConfigTooLarge(name: string, config: Record<string, string>): string | null;
  removeConnectorConfig(name: string): Promise<void>;
  putTargetState(name: string, state: TargetState): Promise<void>;
  putTaskConfigs(name: string, configs: Record<string, string>[]): Promise<void>;
  putRestartRequest(name: string, request: { includeTasks: boolean; onlyFailed: boolean }): Promise<void>;
  putSessionKey(key: { key: string; algorithm: string; creationTimestamp: number }): Promise<void>;
  /** A cluster-wide logger level (PUT /admin/loggers/<namespace>?scope=cluster), which every worker applies. */
  putLoggerLevel(namespace: string, level: string): Promise<void>;
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
  /** Set once the store has read the topic to its end at start: logger levels from before then are not applied. */
  started = false;

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
    const k = parseConfigTopicKey(key);
    if (!k) return;
    switch (k.kind) {
      case 'connector': {
        const name = k.connector;
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
      case 'target-state': {
        const name = k.connector;
        if (obj === null) this.state.targetStates.delete(name);
        else {
          const st = (obj['state.v2'] ?? obj.state) as TargetState;
          this.state.targetStates.set(name, st);
        }
        this.#emit({ kind: 'target-state', name });
        return;
      }
      case 'task': {
        const staged = this.#staged.get(k.connector) ?? new Map<number, Record<string, string>>();
        this.#staged.set(k.connector, staged);
        if (obj !== null) staged.set(k.task, { ...(obj.properties as Record<string, string>) });
        return;
      }
      case 'commit': {
        const name = k.connector;
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
      case 'restart': {
        const name = k.connector;
        if (obj === null) this.state.restartRequests.delete(name);
        else
          this.state.restartRequests.set(name, {
            includeTasks: obj['include-tasks'] === true,
            onlyFailed: obj['only-failed'] === true,
          });
        this.#emit({ kind: 'restart', name });
        return;
      }
      case 'logger-cluster': {
        const level = obj?.level;
        if (typeof level !== 'string') {
          this.#logger.error({ namespace: k.namespace }, 'ignoring a logger level record without a string level');
          return;
        }
        if (this.started) this.#emit({ kind: 'logger-level', namespace: k.namespace, level });
        return;
      }
      case 'session-key':
        if (obj) {
          this.state.sessionKey = {
            key: String(obj.key),
            algorithm: String(obj.algorithm),
            creationTimestamp: Number(obj['creation-timestamp']),
          };
          this.#emit({ kind: 'session-key' });
        }
        return;
    }
  }
}

/**
 * The records each config change writes, for both stores: the Kafka store sends them, the memory store
 * applies them, so standalone and distributed mode cannot disagree on a key or a value.
 */
const ConfigRecords = {
  connector(name: string, config: Record<string, string>, targetState?: TargetState): ConfigRecord[] {
    return [
      ...(targetState ? [{ key: targetStateKey(name), value: targetStateValue(targetState) }] : []),
      { key: connectorKey(name), value: { properties: config } },
    ];
  },
  removeConnector(name: string): ConfigRecord[] {
    return [
      { key: connectorKey(name), value: null },
      { key: targetStateKey(name), value: null },
    ];
  },
  targetState(name: string, state: TargetState): ConfigRecord[] {
    return [{ key: targetStateKey(name), value: targetStateValue(state) }];
  },
  /** The task configs, then the commit record that makes them current (readers apply them only then). */
  tasks(name: string, configs: readonly Record<string, string>[]): ConfigRecord[] {
    return [
      ...configs.map((c, i) => ({ key: taskKey(name, i), value: { properties: c } })),
      { key: commitTasksKey(name), value: { tasks: configs.length } },
    ];
  },
  restart(name: string, request: { includeTasks: boolean; onlyFailed: boolean }): ConfigRecord[] {
    return [
      { key: restartKey(name), value: { 'include-tasks': request.includeTasks, 'only-failed': request.onlyFailed } },
    ];
  },
  sessionKey(key: { key: string; algorithm: string; creationTimestamp: number }): ConfigRecord[] {
    return [
      {
        key: SESSION_KEY_KEY,
        value: { key: key.key, algorithm: key.algorithm, 'creation-timestamp': key.creationTimestamp },
      },
    ];
  },
  loggerLevel(namespace: string, level: string): ConfigRecord[] {
    return [{ key: loggerClusterKey(namespace), value: { level } }];
  },
};

interface ConfigRecord {
  key: string;
  /** The JSON value; null is a tombstone. */
  value: Record<string, unknown> | null;
}

const encodeRecord = (r: ConfigRecord): { key: Buffer; value: Buffer | null } => ({
  key: Buffer.from(r.key),
  value: enc(r.value),
});

export function targetStateValue(state: TargetState): Record<string, string> {
  // Kafka Connect writes STOPPED as state=PAUSED for workers that predate it, and the truth in state.v2.
  return state === 'STOPPED' ? { state: 'PAUSED', 'state.v2': 'STOPPED' } : { state, 'state.v2': state };
}

const enc = (v: unknown): Buffer | null => (v === null ? null : Buffer.from(JSON.stringify(v)));

/** The broker's default message.max.bytes (1 MiB plus the batch overhead), when the topic's own is unknown. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** Room a one-record batch needs besides key and value: batch header (61 bytes) and record framing. */
const BATCH_OVERHEAD_BYTES = 128;

/** The size problem of a connector record under a message size limit, or null when it fits. */
export function connectorRecordTooLarge(
  name: string,
  config: Record<string, string>,
  maxMessageBytes: number,
): string | null {
  const bytes = Buffer.byteLength(connectorKey(name)) + enc({ properties: config })!.length + BATCH_OVERHEAD_BYTES;
  if (bytes <= maxMessageBytes) return null;
  return `Connector configuration is too large: its record in the config topic would be ${bytes} bytes, over the topic's max.message.bytes of ${maxMessageBytes} bytes`;
}

/** Config store on the config topic (1 partition, compacted), as KafkaConfigBackingStore. */
export class KafkaConfigBackingStore implements ConfigBackingStore {
  #maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
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
    this.#log = compactedJsonLog({
      bootstrapServers: opts.bootstrapServers,
      clientId: opts.clientId,
      logger: opts.logger,
      topic: opts.topic,
      partitions: 1,
      replicationFactor: opts.replicationFactor,
      onEntry: (key, value, r) => this.#machine.apply(key, value, r.offset),
    });
  }

  async start(): Promise<void> {
    await this.#log.start(this.#admin);
    await this.#log.readToEnd();
    this.#machine.started = true;
    this.#maxMessageBytes = await this.#readMaxMessageBytes();
  }

  /** The config topic's max.message.bytes (its own, else the broker's), read once at start. */
  async #readMaxMessageBytes(): Promise<number> {
    try {
      const [d] = await this.#admin.describeConfigs({
        resources: [{ resourceType: 2, resourceName: this.#log.topic, configurationKeys: ['max.message.bytes'] }],
      });
      const v = Number(d?.configs.find((c) => c.name === 'max.message.bytes')?.value);
      return Number.isInteger(v) && v > 0 ? v : DEFAULT_MAX_MESSAGE_BYTES;
    } catch {
      return DEFAULT_MAX_MESSAGE_BYTES;
    }
  }

  connectorConfigTooLarge(name: string, config: Record<string, string>): string | null {
    return connectorRecordTooLarge(name, config, this.#maxMessageBytes);
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
    await this.#write(ConfigRecords.connector(name, config, targetState));
  }
  async removeConnectorConfig(name: string): Promise<void> {
    await this.#write(ConfigRecords.removeConnector(name));
  }
  async putTargetState(name: string, state: TargetState): Promise<void> {
    await this.#write(ConfigRecords.targetState(name, state));
  }
  async putTaskConfigs(name: string, configs: Record<string, string>[]): Promise<void> {
    const records = ConfigRecords.tasks(name, configs).map(encodeRecord);
    // One request per batch that fits the topic's message size (several large task configs together may
    // not); the commit record comes last, so readers see the new tasks only once all of them are written.
    let batch: typeof records = [];
    let bytes = 0;
    for (const r of records) {
      const size = r.key.length + (r.value?.length ?? 0) + BATCH_OVERHEAD_BYTES;
      if (batch.length > 0 && bytes + size > this.#maxMessageBytes) {
        await this.#log.sendMany(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(r);
      bytes += size;
    }
    await this.#log.sendMany(batch);
    await this.refresh();
  }
  async putRestartRequest(name: string, request: { includeTasks: boolean; onlyFailed: boolean }): Promise<void> {
    await this.#write(ConfigRecords.restart(name, request));
  }
  async putSessionKey(key: { key: string; algorithm: string; creationTimestamp: number }): Promise<void> {
    await this.#write(ConfigRecords.sessionKey(key));
  }
  async putLoggerLevel(namespace: string, level: string): Promise<void> {
    await this.#write(ConfigRecords.loggerLevel(namespace, level));
  }
  /** Writes the records in one request and reads the topic back to them, so the change is visible here on return. */
  async #write(records: readonly ConfigRecord[]): Promise<void> {
    await this.#log.sendMany(records.map(encodeRecord));
    await this.refresh();
  }
}

/** Config store held in memory (standalone mode, where configs come from the command line and REST). */
export class MemoryConfigBackingStore implements ConfigBackingStore {
  readonly #machine: ConfigStateMachine;
  #offset = 0;

  constructor(logger: Logger) {
    this.#machine = new ConfigStateMachine(logger);
    this.#machine.started = true;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  /** Standalone mode keeps configs in memory; the broker's default still bounds what a request may store. */
  connectorConfigTooLarge(name: string, config: Record<string, string>): string | null {
    return connectorRecordTooLarge(name, config, DEFAULT_MAX_MESSAGE_BYTES);
  }
  snapshot(): ConfigSnapshot {
    return copySnapshot(this.#machine.state);
  }
  async refresh(): Promise<void> {}
  onChange(listener: (change: ConfigChange) => void): void {
    this.#machine.onChange(listener);
  }
  #apply(records: readonly ConfigRecord[]): void {
    for (const r of records) this.#machine.apply(r.key, r.value, this.#offset++);
  }
  async putConnectorConfig(name: string, config: Record<string, string>, targetState?: TargetState): Promise<void> {
    this.#apply(ConfigRecords.connector(name, config, targetState));
  }
  async removeConnectorConfig(name: string): Promise<void> {
    this.#apply(ConfigRecords.removeConnector(name));
  }
  async putTargetState(name: string, state: TargetState): Promise<void> {
    this.#apply(ConfigRecords.targetState(name, state));
  }
  async putTaskConfigs(name: string, configs: Record<string, string>[]): Promise<void> {
    this.#apply(ConfigRecords.tasks(name, configs));
  }
  async putRestartRequest(name: string, request: { includeTasks: boolean; onlyFailed: boolean }): Promise<void> {
    this.#apply(ConfigRecords.restart(name, request));
  }
  async putSessionKey(key: { key: string; algorithm: string; creationTimestamp: number }): Promise<void> {
    this.#apply(ConfigRecords.sessionKey(key));
  }
  async putLoggerLevel(namespace: string, level: string): Promise<void> {
    this.#apply(ConfigRecords.loggerLevel(namespace, level));
  }
}
