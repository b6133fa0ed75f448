/** The status store: connector and task states in the status topic or in memory (Kafka Connect's KafkaStatusBackingStore). */
import type { Admin } from '@platformatic/kafka';
import type { Logger } from '@tributary/api';
import type { ConnectorState } from '../herder-api.js';
import type { KafkaBasedLog } from '../kafka/log.js';
import { compactedJsonLog } from './compacted-log.js';
import { connectorStatusKey, parseStatusTopicKey, taskStatusKey, topicStatusKey } from './topic-keys.js';

/**
 * A connector's or task's status record, with Kafka Connect 4's fields in its order: {state, trace,
 * worker_id, generation, version}. `version` is the plugin version while it runs on the writer, null
 * otherwise; records older workers wrote have none.
 */
export interface StatusRecord {
  state: ConnectorState;
  trace: string | null;
  worker_id: string;
  generation: number;
  version?: string | null;
  /**
   * Tributary's self-healing state, after Kafka Connect's fields: Kafka Connect's readers take the
   * fields they know from the JSON map and ignore this one. Absent when the connector has not failed
   * since its config was last written, or when auto restart is off (then records are Kafka Connect's).
   */
  auto_restart?: AutoRestartRecord;
  /** The stuck-task watchdog's finding: the call that has not returned, and since when (epoch ms). */
  stuck?: StuckRecord;
}

export interface AutoRestartRecord {
  /** Automatic restarts so far (manual ones are not counted). */
  restarts: number;
  /** The trace of the last failure, kept after the restart succeeded. */
  last_failure: string | null;
  /** When it failed last, epoch ms. */
  last_failure_at: number | null;
  /** When the next automatic restart is due, epoch ms; null when none is scheduled. */
  next_attempt_at: number | null;
  /** True when max attempts ran out: the connector or task stays FAILED until restarted by hand. */
  gave_up: boolean;
}

export interface StuckRecord {
  call: 'poll' | 'put';
  since: number;
}

/** How a status is written: a safe write (UNASSIGNED, FAILED) never overwrites a newer generation's. */
export interface StatusWrite {
  safe?: boolean;
  /**
   * Whether a write that failed is still worth retrying (Kafka Connect's KafkaStatusBackingStore
   * retries until the writer's generation changes). Without it, a failed write is retried until it
   * lands, a newer write of the same key replaces it, or the store stops.
   */
  stillCurrent?: () => boolean;
}

/** Delay before the n-th retry of a failed status write (0-based): 250 ms doubling to 5 s. */
export function statusRetryDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** Math.min(attempt, 10), 5_000);
}

export interface TopicStatus {
  name: string;
  connector: string;
  task: number;
  discoverTimestamp: number;
}

export interface StatusBackingStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  putConnector(name: string, status: StatusRecord | null, write?: StatusWrite): Promise<void>;
  putTask(connector: string, task: number, status: StatusRecord | null, write?: StatusWrite): Promise<void>;
  connector(name: string): StatusRecord | null;
  task(connector: string, task: number): StatusRecord | null;
  tasks(connector: string): Map<number, StatusRecord>;
  putTopic(status: TopicStatus): Promise<void>;
  deleteTopic(connector: string, topic: string): Promise<void>;
  topics(connector: string): TopicStatus[];
  refresh(): Promise<void>;
  /** When the connector's (or task's) current state began, epoch ms (the status record's timestamp); null when unknown. */
  stateSince(connector: string, task?: number): number | null;
}

class StatusTable {
  readonly connectors = new Map<string, StatusRecord>();
  readonly tasks = new Map<string, Map<number, StatusRecord>>();
  readonly topics = new Map<string, Map<string, TopicStatus>>();
  /** Status key → when its current state was first seen (the console's "failing for 3 min"). */
  readonly since = new Map<string, number>();

  /** Remembers when a status key entered its state; repeated records of the same state keep the first time. */
  #track(key: string, before: StatusRecord | undefined, value: unknown, at: number): void {
    if (value === null) this.since.delete(key);
    else if (!before || before.state !== (value as StatusRecord).state) this.since.set(key, at);
  }

  /**
   * KafkaStatusBackingStore's CacheEntry.canWriteSafely: a safe write (putSafe: UNASSIGNED, FAILED) goes
   * out only when nothing is known, the same worker wrote the last status, or that status is not of a
   * newer generation. Readers apply every record they read; fencing is the writer's job.
   */
  static canWriteSafely(existing: StatusRecord | undefined, incoming: StatusRecord): boolean {
    if (!existing) return true;
    return existing.worker_id === incoming.worker_id || existing.generation <= incoming.generation;
  }

  existing(key: string): StatusRecord | undefined {
    const k = parseStatusTopicKey(key);
    if (k?.kind === 'connector') return this.connectors.get(k.connector);
    if (k?.kind === 'task') return this.tasks.get(k.connector)?.get(k.task);
    return undefined;
  }

  /** Whether a write should go out at all (a safe one that a newer generation's status fences does not). */
  shouldWrite(key: string, value: unknown, write: StatusWrite | undefined): boolean {
    if (!write?.safe || value === null) return true;
    return StatusTable.canWriteSafely(this.existing(key), value as StatusRecord);
  }

  apply(key: string, value: unknown, at: number = Date.now()): void {
    const k = parseStatusTopicKey(key);
    switch (k?.kind) {
      case 'connector': {
        this.#track(key, this.connectors.get(k.connector), value, at);
        if (value === null) this.connectors.delete(k.connector);
        else this.connectors.set(k.connector, value as StatusRecord);
        return;
      }
      case 'task': {
        let t = this.tasks.get(k.connector);
        if (!t) {
          t = new Map();
          this.tasks.set(k.connector, t);
        }
        this.#track(key, t.get(k.task), value, at);
        if (value === null) t.delete(k.task);
        else t.set(k.task, value as StatusRecord);
        return;
      }
      case 'topic': {
        let t = this.topics.get(k.connector);
        if (!t) {
          t = new Map();
          this.topics.set(k.connector, t);
        }
        if (value === null) t.delete(k.topic);
        else t.set(k.topic, (value as { topic: TopicStatus }).topic);
        return;
      }
    }
  }
}

/** The value as Kafka Connect 4's STATUS_SCHEMA_V0 lays it out (JsonConverter keeps the schema's field order). */
const statusValue = (s: StatusRecord): StatusRecord => ({
  state: s.state,
  trace: s.trace,
  worker_id: s.worker_id,
  generation: s.generation,
  version: s.version ?? null,
  ...(s.auto_restart ? { auto_restart: s.auto_restart } : {}),
  ...(s.stuck ? { stuck: s.stuck } : {}),
});
const topicValue = (s: TopicStatus): Record<string, unknown> => ({ topic: s });

/** The status topic (5 partitions, compacted), as KafkaStatusBackingStore. */
export class KafkaStatusBackingStore implements StatusBackingStore {
  readonly #table = new StatusTable();
  readonly #log: KafkaBasedLog;
  readonly #admin: Admin;
  readonly #logger: Logger;
  /**
   * Writes not yet acknowledged, newest per key. Reads on this worker see them at once, so a task
   * that died shows FAILED here even while the broker is away and the write is being retried.
   */
  readonly #pending = new Map<string, { value: unknown; seq: number }>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #seq = 0;
  #stopped = false;

  constructor(opts: {
    bootstrapServers: string[];
    clientId: string;
    topic: string;
    partitions: number;
    replicationFactor: number;
    admin: Admin;
    logger: Logger;
  }) {
    this.#admin = opts.admin;
    this.#logger = opts.logger;
    this.#log = compactedJsonLog({
      bootstrapServers: opts.bootstrapServers,
      clientId: opts.clientId,
      logger: opts.logger,
      topic: opts.topic,
      partitions: opts.partitions,
      replicationFactor: opts.replicationFactor,
      // As KafkaStatusBackingStore.readConnectorStatus/readTaskStatus: every record read is applied.
      onEntry: (key, value, r) => this.#table.apply(key, value, r.timestamp),
    });
  }

  async start(): Promise<void> {
    await this.#log.start(this.#admin);
  }
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#pending.clear();
    await this.#log.stop();
  }

  /**
   * Resolves after the first attempt, landed or not: a write that failed is retried in the
   * background with backoff (KafkaStatusBackingStore retries retriable errors the same way), so
   * a broker outage longer than the producer's retries cannot leave a stale RUNNING behind.
   */
  async #put(key: string, value: unknown, write?: StatusWrite): Promise<void> {
    if (!this.#table.shouldWrite(key, value, write)) return;
    const seq = ++this.#seq;
    this.#pending.set(key, { value, seq });
    await this.#attempt(key, value, seq, write, 0);
  }

  async #attempt(key: string, value: unknown, seq: number, write: StatusWrite | undefined, n: number): Promise<void> {
    // A retry never overtakes a newer write of the same key.
    if (n > 0 && this.#pending.get(key)?.seq !== seq) return;
    try {
      await this.#log.send(Buffer.from(key), value === null ? null : Buffer.from(JSON.stringify(value)));
      if (this.#pending.get(key)?.seq === seq) this.#pending.delete(key);
      this.#table.apply(key, value);
      if (n > 0) this.#logger.info({ key, attempts: n + 1 }, 'status write landed after retrying');
    } catch (err) {
      const superseded = this.#pending.get(key)?.seq !== seq;
      const current = write?.stillCurrent?.() ?? true;
      if (this.#stopped || superseded || !current || !this.#table.shouldWrite(key, value, write)) {
        if (!superseded) this.#pending.delete(key);
        return;
      }
      const delay = statusRetryDelayMs(n);
      this.#logger.warn({ key, err: (err as Error).message, retryInMs: delay }, 'status write failed; retrying');
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        void this.#attempt(key, value, seq, write, n + 1);
      }, delay);
      timer.unref();
      this.#timers.add(timer);
    }
  }

  /** Status writes waiting for the broker (for metrics and tests). */
  get pendingWrites(): number {
    return this.#pending.size;
  }

  #overlay<T>(key: string, fromTable: T | null): T | null {
    const p = this.#pending.get(key);
    return p ? (p.value as T | null) : fromTable;
  }
  putConnector(name: string, status: StatusRecord | null, write?: StatusWrite): Promise<void> {
    return this.#put(connectorStatusKey(name), status && statusValue(status), write);
  }
  putTask(connector: string, task: number, status: StatusRecord | null, write?: StatusWrite): Promise<void> {
    return this.#put(taskStatusKey(connector, task), status && statusValue(status), write);
  }
  connector(name: string): StatusRecord | null {
    return this.#overlay(connectorStatusKey(name), this.#table.connectors.get(name) ?? null);
  }
  task(connector: string, task: number): StatusRecord | null {
    return this.#overlay(taskStatusKey(connector, task), this.#table.tasks.get(connector)?.get(task) ?? null);
  }
  tasks(connector: string): Map<number, StatusRecord> {
    const out = new Map(this.#table.tasks.get(connector) ?? []);
    for (const [key, p] of this.#pending) {
      const k = parseStatusTopicKey(key);
      if (k?.kind !== 'task' || k.connector !== connector) continue;
      if (p.value === null) out.delete(k.task);
      else out.set(k.task, p.value as StatusRecord);
    }
    return out;
  }
  putTopic(status: TopicStatus): Promise<void> {
    return this.#put(topicStatusKey(status.name, status.connector), topicValue(status));
  }
  deleteTopic(connector: string, topic: string): Promise<void> {
    return this.#put(topicStatusKey(topic, connector), null);
  }
  topics(connector: string): TopicStatus[] {
    return [...(this.#table.topics.get(connector)?.values() ?? [])];
  }
  async refresh(): Promise<void> {
    await this.#log.readToEnd();
  }
  stateSince(connector: string, task?: number): number | null {
    return (
      this.#table.since.get(task === undefined ? connectorStatusKey(connector) : taskStatusKey(connector, task)) ?? null
    );
  }
}

/** Status in memory (standalone mode). */
export class MemoryStatusBackingStore implements StatusBackingStore {
  readonly #table = new StatusTable();
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async putConnector(name: string, status: StatusRecord | null, write?: StatusWrite): Promise<void> {
    const key = connectorStatusKey(name);
    const value = status && statusValue(status);
    if (this.#table.shouldWrite(key, value, write)) this.#table.apply(key, value);
  }
  async putTask(connector: string, task: number, status: StatusRecord | null, write?: StatusWrite): Promise<void> {
    const key = taskStatusKey(connector, task);
    const value = status && statusValue(status);
    if (this.#table.shouldWrite(key, value, write)) this.#table.apply(key, value);
  }
  connector(name: string): StatusRecord | null {
    return this.#table.connectors.get(name) ?? null;
  }
  task(connector: string, task: number): StatusRecord | null {
    return this.#table.tasks.get(connector)?.get(task) ?? null;
  }
  tasks(connector: string): Map<number, StatusRecord> {
    return new Map(this.#table.tasks.get(connector) ?? []);
  }
  async putTopic(status: TopicStatus): Promise<void> {
    this.#table.apply(topicStatusKey(status.name, status.connector), topicValue(status));
  }
  async deleteTopic(connector: string, topic: string): Promise<void> {
    this.#table.apply(topicStatusKey(topic, connector), null);
  }
  topics(connector: string): TopicStatus[] {
    return [...(this.#table.topics.get(connector)?.values() ?? [])];
  }
  async refresh(): Promise<void> {}
  stateSince(connector: string, task?: number): number | null {
    return (
      this.#table.since.get(task === undefined ? connectorStatusKey(connector) : taskStatusKey(connector, task)) ?? null
    );
  }
}
