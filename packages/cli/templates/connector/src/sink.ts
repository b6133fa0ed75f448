// __Name__Sink: appends every record to a file as one JSON line; what it flushed is what the worker may commit.
import { appendFile } from 'node:fs/promises';
import {
  BigDecimal,
  type ConfigOf,
  type SinkRecord,
  Struct,
  type TaskConfig,
  type TopicPartitionOffset,
  TypedSinkConnector,
  TypedSinkTask,
} from '@tributary/api';
import { sinkConfig } from './config.js';
import { VERSION } from './version.js';

/** A Connect value as JSON: a Struct's fields by name, bytes as base64, dates as ISO text, decimals as text. */
export function toJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Struct) {
    return Object.fromEntries(value.schema.fields.map((f) => [f.name, toJson(value.get(f))]));
  }
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof BigDecimal) return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v)]));
  if (Array.isArray(value)) return value.map(toJson);
  return value;
}

export class __Name__SinkTask extends TypedSinkTask<typeof sinkConfig> {
  protected readonly configDef = sinkConfig;
  #pending: string[] = [];

  version(): string {
    return VERSION;
  }

  startWith(_config: ConfigOf<typeof sinkConfig>): void {}

  put(records: SinkRecord[]): void {
    for (const r of records) {
      const line = { topic: r.topic, partition: r.kafkaPartition, offset: r.kafkaOffset, key: toJson(r.key) };
      this.#pending.push(`${JSON.stringify({ ...line, value: toJson(r.value) })}\n`);
    }
  }

  /** Writes what put() buffered; the worker commits the offsets only after this returns. */
  override async flush(_offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    await appendFile(this.config.file, text);
  }

  async stop(): Promise<void> {
    await this.flush([]);
  }
}

export class __Name__SinkConnector extends TypedSinkConnector<typeof sinkConfig> {
  protected readonly configDef = sinkConfig;

  version(): string {
    return VERSION;
  }

  startWith(_config: ConfigOf<typeof sinkConfig>): void {}

  taskClass(): new () => __Name__SinkTask {
    return __Name__SinkTask;
  }

  taskConfigs(maxTasks: number): TaskConfig[] {
    return Array.from({ length: maxTasks }, () => ({ ...this.props }));
  }

  stop(): void {}
}
