// The MySQL / MariaDB source connector: one task (a binlog is one ordered stream), and a validate() that asks the server.
import {
  type ConfigDef,
  type ConfigValueInfo,
  type ConnectorValidation,
  type RawConfig,
  SourceConnector,
  type SourceTask,
  type TaskConfig,
} from '@tributary/api';
import { mysqlConfigDef, normalizeConfig, parseConfig } from './config.js';
import { connect, missingGrants, serverInfo, serverProblems } from './connection.js';
import { CONNECTOR_VERSION } from './events.js';
import { MySqlSourceTask } from './task.js';

function addError(configs: ConfigValueInfo[], props: RawConfig, name: string, message: string): void {
  const info = configs.find((c) => c.name === name);
  if (info) {
    if (!info.errors.includes(message)) info.errors.push(message);
    return;
  }
  configs.push({ name, value: props[name] ?? null, recommended_values: [], errors: [message], visible: true });
}

/** Debezium-compatible MySQL / MariaDB change data capture (registered under both Debezium class names). */
export class MySqlConnector extends SourceConnector {
  #props: Record<string, string> = {};

  version(): string {
    return CONNECTOR_VERSION;
  }

  override config(): ConfigDef {
    return mysqlConfigDef;
  }

  start(props: Readonly<Record<string, string>>): void {
    parseConfig(props);
    for (const d of normalizeConfig(props).deprecations)
      this.context.logger.warn(
        { key: d.oldKey, replacement: d.newKey },
        `'${d.oldKey}' is deprecated: use '${d.newKey}'`,
      );
    this.#props = { ...props };
  }

  taskClass(): new () => SourceTask {
    return MySqlSourceTask;
  }

  taskConfigs(_maxTasks: number): TaskConfig[] {
    return [{ ...this.#props }];
  }

  stop(): void {}

  /**
   * Checks the keys, then the server itself (as Debezium's validateConnection does): binary logging
   * on in ROW format with full row images, and the replication grants, each reported on the key a
   * user would look at (the server variable is named in the message).
   */
  override async validate(props: RawConfig): Promise<ConnectorValidation> {
    const { props: normalized } = normalizeConfig(props);
    const configs = mysqlConfigDef.validate(normalized);
    let parsed: ReturnType<typeof parseConfig> | null = null;
    try {
      parsed = parseConfig(props);
    } catch (err) {
      const errors = (err as { errors?: Record<string, readonly string[]> }).errors ?? {};
      for (const [name, more] of Object.entries(errors)) for (const m of more) addError(configs, normalized, name, m);
    }
    if (!parsed) return { configs };
    let conn: Awaited<ReturnType<typeof connect>> | null = null;
    try {
      conn = await connect(parsed);
    } catch (err) {
      addError(
        configs,
        normalized,
        'database.hostname',
        `Unable to connect to ${parsed['database.hostname']}:${parsed['database.port']} as ${parsed['database.user']}: ${(err as Error).message}`,
      );
      return { configs };
    }
    try {
      const info = await serverInfo(conn);
      for (const [variable, message] of Object.entries(serverProblems(info)))
        addError(configs, normalized, 'database.hostname', `${variable}: ${message}`);
      const missing = await missingGrants(conn);
      if (missing.length > 0)
        addError(
          configs,
          normalized,
          'database.user',
          `User '${parsed['database.user']}' lacks ${missing.join(' and ')}: GRANT ${missing.join(', ')} ON *.* TO the user (the binlog cannot be read without them).`,
        );
    } finally {
      await conn.end().catch(() => undefined);
    }
    return { configs };
  }
}
