// The JDBC sink connector: validates the config (and that the database answers), hands every task the same config.
import {
  ConfigException,
  type ConfigDef,
  type ConnectorValidation,
  type RawConfig,
  SinkConnector,
  type SinkTask,
  type TaskConfig,
} from '@tributary/api';
import { JDBC_SINK_CONFIG, parseJdbcSinkConfig } from './config.js';
import { dialectFor } from './dialects/index.js';
import { JdbcSinkTask, VERSION } from './task.js';
import { redact } from './url.js';

/** How long validate waits for the database before naming connection.url. */
const VALIDATE_TIMEOUT_MS = 5_000;

/**
 * Writes topics to PostgreSQL or MariaDB/MySQL tables: a drop-in for Confluent's
 * io.confluent.connect.jdbc.JdbcSinkConnector and Debezium's io.debezium.connector.jdbc.JdbcSinkConnector.
 */
export class JdbcSinkConnector extends SinkConnector {
  #props: Record<string, string> = {};

  version(): string {
    return VERSION;
  }

  override config(): ConfigDef {
    return JDBC_SINK_CONFIG;
  }

  start(props: Readonly<Record<string, string>>): void {
    parseJdbcSinkConfig(props);
    this.#props = { ...props };
  }

  taskClass(): new () => SinkTask {
    return JdbcSinkTask;
  }

  /** Every task gets the same config; the consumer group spreads the partitions over them. */
  taskConfigs(maxTasks: number): TaskConfig[] {
    return Array.from({ length: maxTasks }, () => ({ ...this.#props }));
  }

  stop(): void {}

  /** Per-key checks, the cross-key ones, then a connection: a wrong password or host is a 400 before anything runs. */
  override async validate(props: RawConfig): Promise<ConnectorValidation> {
    const configs = JDBC_SINK_CONFIG.validate(props);
    const addError = (key: string, msg: string): void => {
      const c = configs.find((x) => x.name === key);
      if (c && !c.errors.some((x) => x.includes(msg))) c.errors.push(msg);
    };
    let parsed: ReturnType<typeof parseJdbcSinkConfig>;
    try {
      parsed = parseJdbcSinkConfig(props);
    } catch (e) {
      if (!(e instanceof ConfigException)) throw e;
      for (const [key, msgs] of Object.entries(e.errors)) for (const m of msgs) addError(key, m);
      return { configs };
    }
    const dialect = dialectFor(parsed);
    try {
      const session = await dialect.connect(parsed, VALIDATE_TIMEOUT_MS);
      await session.close();
    } catch (e) {
      const why = dialect.describeError(e);
      if (dialect.isAuthError(e)) {
        addError(
          'connection.password',
          `The database refused the credentials of user ${parsed.user ?? '(none)'}: ${why}`,
        );
      } else {
        addError('connection.url', `Cannot connect to ${redact(props['connection.url'] ?? '')}: ${why}`);
      }
    }
    return { configs };
  }
}
