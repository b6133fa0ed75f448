// The JDBC sink plugin: registered under its own name and the Confluent and Debezium class names it replaces.
import { definePlugins } from '@tributary/api';
import { JdbcSinkConnector } from './connector.js';
import { VERSION } from './task.js';

export { JDBC_SINK_CONFIG, parseJdbcSinkConfig, TOPIC_PLACEHOLDER, type JdbcSinkConfig } from './config.js';
export { JdbcSinkConnector } from './connector.js';
export { JdbcSinkTask } from './task.js';
export type { Dialect, DbSession, TableDescription, ExistingColumn, ErrorClass } from './dialect.js';
export { PostgresDialect } from './dialects/postgres.js';
export { MySqlDialect } from './dialects/mysql.js';
export { parseJdbcUrl, type JdbcUrl } from './url.js';

export const plugins = definePlugins([
  {
    kind: 'sink',
    className: 'JdbcSinkConnector',
    aliases: ['io.confluent.connect.jdbc.JdbcSinkConnector', 'io.debezium.connector.jdbc.JdbcSinkConnector'],
    version: VERSION,
    create: () => new JdbcSinkConnector(),
  },
]);
