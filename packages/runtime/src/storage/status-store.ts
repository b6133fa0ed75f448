import type { Admin } from '@platformatic/kafka';
import type { Logger } from '@tributary/api';
import type { ConnectorState } from '../herder-api.js';
import { KafkaBasedLog } from '../kafka/log.js';

/** A connector's or task's status record: {state, trace, worker_id, generation}. */
export interface StatusRecord {
  state: ConnectorState;
  trace: string | null;
  worker_id: string;
  generation: number;
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
  putConnector(name: string, status: StatusRecord | null): Promise<void>;
  putTask(connector: string, task: number, status: StatusRecord | null): Promise<void>;
  connector(name: string): StatusRecord | null;
  task(connector: string, task: number): StatusRecord | null;
  tasks(connector: string): Map<number, StatusRecord>;
  putTopic(status: TopicStatus): Promise<void>;
  deleteTopic(connector: string, topic: string): Promise<void>;
  topics(connector: string): TopicStatus[];
  refresh(): Promise<void>;
}

class StatusTable {
  readonly connectors = new Map<string, StatusRecord>();
  readonly tasks = new Map<string, Map<number, StatusRecord>>();
  readonly topics = new Map<string, Map<string, TopicStatus>>();

  /**
   * Generation fencing: a status from an older generation never overwrites a newer one, except
   * from the same worker (its own later write) — as KafkaStatusBackingStore does.
   */
  static accepts(existing: StatusRecord | undefined, incoming: StatusRecord): boolean {
    if (!existing) return true;
    return incoming.generation >= existing.generation || incoming.worker_id === existing.worker_id;
  }

  apply(key: string, value: unknown): void {
    let m: RegExpExecArray | null;
    m = /^status-connector-(.+)$/s.exec(key);
    if (m) {
      const name = m[1]!;
      if (value === null) this.connectors.delete(name);
      else this.connectors.set(name, value as StatusRecord);
      return;
    }
    m = /^status-task-(.+)-(\d+)$/s.exec(key);
    if (m) {
      const name = m[1]!;
      const task = Number(m[2]);
      let t = this.tasks.get(name);
      if (!t) {
        t = new Map();
        this.tasks.set(name, t);
      }
      if (value === null) t.delete(task);
      else t.set(task, value as StatusRecord);
      return;
    }
    m = /^status-topic-(.+):connector-(.+)$/s.exec(key);
    if (m) {
      const topic = m[1]!;
      const connector = m[2]!;
      let t = this.topics.get(connector);
      if (!t) {
        t = new Map();
        this.topics.set(connector, t);
      }
      if (value === null) t.delete(topic);
      else t.set(topic, (value as { topic: TopicStatus }).topic);
    }
  }
}

const connectorKey = (name: string): string => `status-connector-${name}`;
const taskKey = (name: string, task: number): string => `status-task-${name}-${task}`;
const topicKey = (topic: string, connector: string): string => `status-topic-${topic}:connector-${connector}`;
const topicValue = (s: TopicStatus): Record<string, unknown> => ({ topic: s });

/** The status topic (5 partitions, compacted), as KafkaStatusBackingStore. */
export class KafkaStatusBackingStore implements StatusBackingStore {
  readonly #table = new StatusTable();
  readonly #log: KafkaBasedLog;
  readonly #admin: Admin;

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
    this.#log = new KafkaBasedLog({
      bootstrapServers: opts.bootstrapServers,
      clientId: opts.clientId,
      logger: opts.logger,
      topic: {
        name: opts.topic,
        partitions: opts.partitions,
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
            return;
          }
        }
        const key = r.key.toString('utf8');
        // Fencing applies to what others wrote too: a zombie's late write is ignored by readers.
        if (value !== null && !key.startsWith('status-topic-')) {
          const existing = this.#existing(key);
          if (!StatusTable.accepts(existing, value as StatusRecord)) return;
        }
        this.#table.apply(key, value);
      },
    });
  }

  #existing(key: string): StatusRecord | undefined {
    let m: RegExpExecArray | null;
    m = /^status-connector-(.+)$/s.exec(key);
    if (m) return this.#table.connectors.get(m[1]!);
    m = /^status-task-(.+)-(\d+)$/s.exec(key);
    if (m) return this.#table.tasks.get(m[1]!)?.get(Number(m[2]));
    return undefined;
  }

  async start(): Promise<void> {
    await this.#log.start(this.#admin);
  }
  async stop(): Promise<void> {
    await this.#log.stop();
  }
  async #put(key: string, value: unknown): Promise<void> {
    await this.#log.send(Buffer.from(key), value === null ? null : Buffer.from(JSON.stringify(value)));
    if (
      value === null ||
      key.startsWith('status-topic-') ||
      StatusTable.accepts(this.#existing(key), value as StatusRecord)
    ) {
      this.#table.apply(key, value);
    }
  }
  putConnector(name: string, status: StatusRecord | null): Promise<void> {
    return this.#put(connectorKey(name), status);
  }
  putTask(connector: string, task: number, status: StatusRecord | null): Promise<void> {
    return this.#put(taskKey(connector, task), status);
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
  putTopic(status: TopicStatus): Promise<void> {
    return this.#put(topicKey(status.name, status.connector), topicValue(status));
  }
  deleteTopic(connector: string, topic: string): Promise<void> {
    return this.#put(topicKey(topic, connector), null);
  }
  topics(connector: string): TopicStatus[] {
    return [...(this.#table.topics.get(connector)?.values() ?? [])];
  }
  async refresh(): Promise<void> {
    await this.#log.readToEnd();
  }
}

/** Status in memory (standalone mode). */
export class MemoryStatusBackingStore implements StatusBackingStore {
  readonly #table = new StatusTable();
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async putConnector(name: string, status: StatusRecord | null): Promise<void> {
    this.#table.apply(connectorKey(name), status);
  }
  async putTask(connector: string, task: number, status: StatusRecord | null): Promise<void> {
    this.#table.apply(taskKey(connector, task), status);
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
    this.#table.apply(topicKey(status.name, status.connector), topicValue(status));
  }
  async deleteTopic(connector: string, topic: string): Promise<void> {
    this.#table.apply(topicKey(topic, connector), null);
  }
  topics(connector: string): TopicStatus[] {
    return [...(this.#table.topics.get(connector)?.values() ?? [])];
  }
  async refresh(): Promise<void> {}
}
