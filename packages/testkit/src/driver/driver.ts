/** ConnectorTestDriver, the entry point for unit-testing connectors and tasks without Kafka or a worker. */
import type { SinkConnector, SinkTask, SourceConnector, SourceTask } from '@tributary/api';
import {
  type ConnectorDriverOptions,
  type ConnectorSource,
  SinkConnectorDriver,
  SourceConnectorDriver,
  type SourceConnectorDriverOptions,
} from './connector.js';
import { SinkTaskDriver, type SinkTaskDriverOptions } from './sink.js';
import { type SourceTaskDriverOptions, SourceTaskDriver, type TaskFactory } from './source.js';

/**
 * Entry point for unit-testing connectors without Kafka or a worker.
 *
 * - `ConnectorTestDriver.source(connector)` / `.sink(connector)` drive a connector: start it,
 *   get its task configs, start its tasks.
 * - `ConnectorTestDriver.sourceTask(TaskClass, config)` / `.sinkTask(TaskClass, config)` start
 *   one task directly, for tests that do not need the connector.
 *
 * A connector may be given as an instance, its class, its plugin descriptor (an entry of the
 * package's `plugins`), or a function returning one.
 */
export const ConnectorTestDriver = {
  source<C extends SourceConnector>(
    connector: ConnectorSource<C>,
    options?: SourceConnectorDriverOptions,
  ): SourceConnectorDriver<C> {
    return new SourceConnectorDriver(connector, options);
  },

  sink<C extends SinkConnector>(
    connector: ConnectorSource<C>,
    options?: ConnectorDriverOptions,
  ): SinkConnectorDriver<C> {
    return new SinkConnectorDriver(connector, options);
  },

  sourceTask<T extends SourceTask>(
    task: TaskFactory<T>,
    config: Readonly<Record<string, string>>,
    options?: SourceTaskDriverOptions,
  ): Promise<SourceTaskDriver<T>> {
    return SourceTaskDriver.start(task, config, options);
  },

  sinkTask<T extends SinkTask>(
    task: TaskFactory<T>,
    config: Readonly<Record<string, string>>,
    options?: SinkTaskDriverOptions,
  ): Promise<SinkTaskDriver<T>> {
    return SinkTaskDriver.start(task, config, options);
  },
} as const;
