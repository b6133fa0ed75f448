/** The connector SDK: SourceConnector and SinkConnector base classes and their contexts, task configs and validation (Kafka Connect's Connector). */
import { type ConfigDef, type ConfigValueInfo, defineConfig, type RawConfig } from './config.js';
import type { Logger } from './logger.js';
import type { SourcePartition, SourceOffset, TopicPartition } from './record.js';
import type { OffsetStorageReader, SinkTask, SourceTask } from './task.js';
import { brand } from './brand.js';

export interface ConnectorContext {
  /** Asks the runtime to call taskConfigs() again and restart tasks whose config changed. */
  requestTaskReconfiguration(): void;
  /** Fails the connector with this error (status FAILED, trace visible over REST). */
  raiseError(error: Error): void;
  readonly logger: Logger;
}

export interface SourceConnectorContext extends ConnectorContext {
  readonly offsetStorageReader: OffsetStorageReader;
}

export type SinkConnectorContext = ConnectorContext;

export type ExactlyOnceSupport = 'SUPPORTED' | 'UNSUPPORTED';
export type ConnectorTransactionBoundaries = 'SUPPORTED' | 'UNSUPPORTED';

export type TaskConfig = Record<string, string>;

/** What a connector's own validate() reports; the runtime merges it with its common keys. */
export interface ConnectorValidation {
  configs: ConfigValueInfo[];
}

abstract class ConnectorBase<Ctx extends ConnectorContext> {
  #context: Ctx | null = null;

  /** Called once by the runtime before start(). */
  initialize(context: Ctx): void {
    this.#context = context;
  }

  get context(): Ctx {
    if (!this.#context) throw new Error('Connector used before initialize()');
    return this.#context;
  }

  abstract version(): string;
  /** The connector's own config keys (the runtime adds name, connector.class, tasks.max, transforms …). */
  config(): ConfigDef {
    return defineConfig({});
  }
  abstract start(props: Readonly<Record<string, string>>): Promise<void> | void;
  /** Config for up to maxTasks tasks; one entry per task to run. */
  abstract taskConfigs(maxTasks: number): Promise<TaskConfig[]> | TaskConfig[];
  abstract stop(): Promise<void> | void;
  /** Validates a raw config; the default checks it against config(). */
  validate(props: RawConfig): Promise<ConnectorValidation> | ConnectorValidation {
    return { configs: this.config().validate(props) };
  }
}

/** A source connector: splits its input into task configs for SourceTasks. */
export abstract class SourceConnector extends ConnectorBase<SourceConnectorContext> {
  readonly kind = 'source' as const;
  abstract taskClass(): new () => SourceTask;
  /** Whether this connector can give exactly-once delivery with this config (KIP-618). */
  exactlyOnceSupport(_props: Readonly<Record<string, string>>): ExactlyOnceSupport | null {
    return null;
  }
  /** Whether the connector defines its own transaction boundaries (transaction.boundary=connector). */
  canDefineTransactionBoundaries(_props: Readonly<Record<string, string>>): ConnectorTransactionBoundaries {
    return 'UNSUPPORTED';
  }
  /**
   * Called before offsets are altered or reset over REST; return true when the connector handled
   * (or accepts) the change, throw to refuse it. `null` offsets mean reset.
   */
  alterOffsets(
    _props: Readonly<Record<string, string>>,
    _offsets: ReadonlyArray<{ partition: SourcePartition; offset: SourceOffset | null }>,
  ): Promise<boolean> | boolean {
    return false;
  }
}

/** A sink connector: splits its topics into task configs for SinkTasks. */
export abstract class SinkConnector extends ConnectorBase<SinkConnectorContext> {
  readonly kind = 'sink' as const;
  abstract taskClass(): new () => SinkTask;
  alterOffsets(
    _props: Readonly<Record<string, string>>,
    _offsets: ReadonlyArray<{ partition: TopicPartition; offset: number | null }>,
  ): Promise<boolean> | boolean {
    return false;
  }
}

export type Connector = SourceConnector | SinkConnector;

brand(SourceConnector, 'SourceConnector');
brand(SinkConnector, 'SinkConnector');
