// @tributary/connector-mysql-cdc: MySQL and MariaDB change data capture, registered under Debezium's class names.
import { definePlugins } from '@tributary/api';
import { MySqlConnector } from './connector.js';
import { CONNECTOR_VERSION } from './events.js';

export { MySqlConnector } from './connector.js';
export { MySqlSourceTask } from './task.js';
export { mysqlConfigDef, normalizeConfig, parseConfig } from './config.js';

export const plugins = definePlugins([
  {
    kind: 'source',
    className: 'MySqlConnector',
    aliases: [
      'io.debezium.connector.mysql.MySqlConnector',
      'io.debezium.connector.mariadb.MariaDbConnector',
      'MariaDbConnector',
    ],
    version: CONNECTOR_VERSION,
    // Decoding the change stream and building envelopes bind a task to its own CPU: in a thread of its own it
    // streamed 0-52% faster in the benchmark's runs, the worker's thread only producing (docs/operations.md).
    taskIsolation: 'thread',
    create: () => new MySqlConnector(),
  },
]);
