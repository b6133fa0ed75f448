import { definePlugins } from '@tributary/api';
import { PostgresConnector } from './connector.js';
import { CONNECTOR_VERSION } from './events.js';

export { PostgresConnector } from './connector.js';
export { PostgresSourceTask } from './task.js';
export { postgresConfigDef } from './config.js';
export { ReplicationSlotError } from './replication.js';

export const plugins = definePlugins([
  {
    kind: 'source',
    className: 'PostgresConnector',
    aliases: ['io.debezium.connector.postgresql.PostgresConnector'],
    version: CONNECTOR_VERSION,
    create: () => new PostgresConnector(),
  },
]);
