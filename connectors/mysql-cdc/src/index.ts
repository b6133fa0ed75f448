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
    create: () => new MySqlConnector(),
  },
]);
