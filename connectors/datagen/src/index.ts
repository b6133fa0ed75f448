/** The datagen plugin: the source connector registered under Confluent's DatagenConnector class name, and its public exports. */
import { definePlugins } from '@tributary/api';
import { DatagenConnector } from './connector.js';
import { VERSION } from './version.js';

export {
  CURRENT_ITERATION,
  DatagenConnector,
  DatagenTask,
  MAX_BATCH,
  RANDOM_SEED,
  TASK_GENERATION,
  TASK_ID,
} from './connector.js';
export { type Quickstart, QUICKSTARTS } from './quickstarts.js';

export const plugins = definePlugins([
  {
    kind: 'source',
    className: 'DatagenConnector',
    aliases: ['io.confluent.kafka.connect.datagen.DatagenConnector'],
    version: VERSION,
    create: () => new DatagenConnector(),
  },
]);
