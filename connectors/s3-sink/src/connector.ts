/** The S3 sink connector: validates the config and gives every task the same one (Confluent's io.confluent.connect.s3.S3SinkConnector). */
import {
  ConfigException,
  type ConfigDef,
  type ConnectorValidation,
  type RawConfig,
  SinkConnector,
  type SinkTask,
  type TaskConfig,
} from '@tributary/api';
import { parseS3SinkConfig, S3_SINK_CONFIG } from './config.js';
import { S3SinkTask, VERSION } from './task.js';

/**
 * Sinks topics to S3 objects in Parquet, JSON, Avro or raw bytes: a drop-in for Confluent's
 * io.confluent.connect.s3.S3SinkConnector with the same keys and object layout.
 */
export class S3SinkConnector extends SinkConnector {
  #props: Record<string, string> = {};

  version(): string {
    return VERSION;
  }

  override config(): ConfigDef {
    return S3_SINK_CONFIG;
  }

  start(props: Readonly<Record<string, string>>): void {
    parseS3SinkConfig(props);
    this.#props = { ...props };
  }

  taskClass(): new () => SinkTask {
    return S3SinkTask;
  }

  /** Every task gets the same config; the consumer group spreads the partitions over them. */
  taskConfigs(maxTasks: number): TaskConfig[] {
    return Array.from({ length: maxTasks }, () => ({ ...this.#props }));
  }

  stop(): void {}

  /** Per-key checks plus the cross-key ones (partitioner needs, credentials pairs, …). */
  override validate(props: RawConfig): ConnectorValidation {
    const configs = S3_SINK_CONFIG.validate(props);
    try {
      parseS3SinkConfig(props);
    } catch (e) {
      if (!(e instanceof ConfigException)) throw e;
      for (const [key, msgs] of Object.entries(e.errors)) {
        const c = configs.find((x) => x.name === key);
        if (c) for (const m of msgs) if (!c.errors.some((x) => x.includes(m))) c.errors.push(m);
      }
    }
    return { configs };
  }
}
