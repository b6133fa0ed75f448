/** The Postgres CDC source connector: one task, since a replication slot is one ordered stream (Debezium's PostgresConnector). */
import {
  type ConfigDef,
  type ConnectorValidation,
  type RawConfig,
  SourceConnector,
  type SourceTask,
  type TaskConfig,
} from '@tributary/api';
import { parseConfig, postgresConfigDef } from './config.js';
import { CONNECTOR_VERSION } from './events.js';
import { PostgresSourceTask } from './task.js';

/**
 * Debezium-compatible Postgres change data capture. One task: a replication slot is a single
 * ordered stream, so tasks.max above 1 still runs one task (as Debezium does).
 */
export class PostgresConnector extends SourceConnector {
  #props: Record<string, string> = {};

  version(): string {
    return CONNECTOR_VERSION;
  }

  override config(): ConfigDef {
    return postgresConfigDef;
  }

  start(props: Readonly<Record<string, string>>): void {
    parseConfig(props);
    this.#props = { ...props };
  }

  taskClass(): new () => SourceTask {
    return PostgresSourceTask;
  }

  taskConfigs(_maxTasks: number): TaskConfig[] {
    return [{ ...this.#props }];
  }

  stop(): void {}

  override validate(props: RawConfig): ConnectorValidation {
    const configs = postgresConfigDef.validate(props);
    try {
      parseConfig(props);
    } catch (err) {
      const errors = (err as { errors?: Record<string, readonly string[]> }).errors ?? {};
      for (const info of configs) {
        const more = errors[info.name];
        if (more) for (const m of more) if (!info.errors.includes(m)) info.errors.push(m);
      }
      // Keys named by pattern (column mappers) have no definition: report them on their own.
      for (const [name, more] of Object.entries(errors)) {
        if (configs.some((c) => c.name === name)) continue;
        configs.push({ name, value: props[name] ?? null, recommended_values: [], errors: [...more], visible: true });
      }
    }
    return { configs };
  }
}
