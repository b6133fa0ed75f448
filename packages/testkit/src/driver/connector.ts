/** Test drivers for whole source and sink connectors without a worker: start with a config, get task configs, start their tasks. */
import {
  ConfigException,
  type ConfigValueInfo,
  type ConnectorContext,
  type SinkConnector,
  type SinkTask,
  type SourceConnector,
  type SourceOffset,
  type SourcePartition,
  type SourceTask,
  type TaskConfig,
  type TopicPartition,
} from '@tributary/api';
import { CollectingLogger } from './logger.js';
import { InMemoryOffsetStore } from './offsets.js';
import { SinkTaskDriver, type SinkTaskDriverOptions } from './sink.js';
import { SourceTaskDriver, type SourceTaskDriverOptions } from './source.js';

/** The task type a connector's taskClass() creates. */
export type TaskOf<C, Base> = C extends { taskClass(): new () => infer T } ? (T extends Base ? T : Base) : Base;

/** A connector instance, the plugin descriptor that creates it, or a function that does. */
export type ConnectorSource<C> = C | { create(): C } | (new () => C) | (() => C);

export interface ConnectorDriverOptions {
  /** The connector's name, added to its config as `name` when the config has none (default `test-connector`). */
  name?: string;
  /** Where the connector's and its tasks' log lines go (default: a fresh CollectingLogger). */
  logger?: CollectingLogger;
}

export interface SourceConnectorDriverOptions extends ConnectorDriverOptions {
  /** Committed offsets shared by the connector's context and its tasks (default: a fresh, empty store). */
  offsets?: InMemoryOffsetStore;
}

function resolve<C extends object>(source: ConnectorSource<C>, kind: 'source' | 'sink'): C {
  if (typeof source === 'function') {
    const proto = (source as { prototype?: { taskClass?: unknown } }).prototype;
    return proto && typeof proto.taskClass === 'function' ? new (source as new () => C)() : (source as () => C)();
  }
  const maybePlugin = source as { create?: unknown; kind?: unknown };
  if (typeof maybePlugin.create === 'function' && 'className' in source) {
    if (maybePlugin.kind !== kind)
      throw new Error(`plugin ${String((source as { className: unknown }).className)} is not a ${kind} connector`);
    return (source as { create(): C }).create();
  }
  return source as C;
}

abstract class ConnectorDriverBase<C extends SourceConnector | SinkConnector> {
  readonly connector: C;
  readonly logger: CollectingLogger;
  readonly #name: string;
  readonly #errors: Error[] = [];
  #reconfigurations = 0;
  #config: Readonly<Record<string, string>> | null = null;
  #started = false;

  protected constructor(connector: C, options: ConnectorDriverOptions) {
    this.connector = connector;
    this.logger = options.logger ?? new CollectingLogger();
    this.#name = options.name ?? 'test-connector';
  }

  protected baseContext(): ConnectorContext {
    return {
      requestTaskReconfiguration: () => {
        this.#reconfigurations++;
      },
      raiseError: (e: Error) => {
        this.#errors.push(e);
      },
      logger: this.logger.child({ connector: this.#name }),
    };
  }

  /** How many times the connector called requestTaskReconfiguration(). */
  get reconfigurationRequests(): number {
    return this.#reconfigurations;
  }

  /** Errors the connector raised through its context (each would fail it in a worker). */
  get raisedErrors(): readonly Error[] {
    return this.#errors;
  }

  /** The config the connector was started with (with `name` added), or null before start(). */
  get config(): Readonly<Record<string, string>> | null {
    return this.#config;
  }

  /** Runs the connector's validate() on a raw config, as PUT /connector-plugins/{p}/config/validate does. */
  async validate(config: Readonly<Record<string, string>>): Promise<ConfigValueInfo[]> {
    return (await this.connector.validate(config)).configs;
  }

  /**
   * Validates the config (throwing a ConfigException that names every bad key, as the REST API
   * would answer 400), then calls the connector's start().
   */
  async start(config: Readonly<Record<string, string>>): Promise<void> {
    if (this.#started) throw new Error('connector already started; stop() it first');
    const full = { name: this.#name, ...config };
    const bad = (await this.validate(full)).filter((v) => v.errors.length > 0);
    if (bad.length > 0) throw new ConfigException(Object.fromEntries(bad.map((v) => [v.name, v.errors])));
    await this.connector.start(full);
    this.#config = Object.freeze(full);
    this.#started = true;
  }

  /**
   * The connector's task configs for `maxTasks` (default 1). Throws when it returns more configs
   * than allowed, as a worker refuses them.
   */
  async taskConfigs(maxTasks = 1): Promise<TaskConfig[]> {
    this.assertStarted();
    const configs = await this.connector.taskConfigs(maxTasks);
    if (configs.length > maxTasks) {
      throw new Error(`the connector generated ${configs.length} task configs, more than tasks.max=${maxTasks}`);
    }
    return configs.map((c) => ({ ...c }));
  }

  protected assertStarted(): void {
    if (!this.#started) throw new Error('connector not started: call start(config) first');
  }

  protected async stopConnector(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.connector.stop();
  }

  protected taskConfigAt(configs: TaskConfig[], index: number, maxTasks: number): TaskConfig {
    const c = configs[index];
    if (!c)
      throw new Error(
        `no task ${index}: the connector generated ${configs.length} task configs for tasks.max=${maxTasks}`,
      );
    return c;
  }

  protected get name(): string {
    return this.#name;
  }
}

/**
 * Drives a source connector without a worker: start it with a config, split it into task configs,
 * and run its tasks with SourceTaskDriver against one shared in-memory offset store.
 *
 * ```ts
 * const driver = ConnectorTestDriver.source(plugins[0], { offsets: new InMemoryOffsetStore().put({ filename: f }, { position: 6 }) });
 * await driver.start({ file: f, topic: 'lines' });
 * const task = await driver.startTask();
 * ```
 */
export class SourceConnectorDriver<C extends SourceConnector = SourceConnector> extends ConnectorDriverBase<C> {
  readonly offsets: InMemoryOffsetStore;
  readonly #tasks = new Set<SourceTaskDriver<TaskOf<C, SourceTask>>>();

  constructor(connector: ConnectorSource<C>, options: SourceConnectorDriverOptions = {}) {
    super(resolve(connector, 'source'), options);
    this.offsets = options.offsets ?? new InMemoryOffsetStore();
    this.connector.initialize({ ...this.baseContext(), offsetStorageReader: this.offsets });
  }

  /** Tasks started through this driver that have not stopped. */
  get tasks(): readonly SourceTaskDriver<TaskOf<C, SourceTask>>[] {
    return [...this.#tasks];
  }

  /**
   * Starts task `index` of the connector's taskConfigs(maxTasks) (defaults 0 and 1) with the
   * connector's task class, sharing the driver's offsets and logger.
   */
  async startTask(
    index = 0,
    options: SourceTaskDriverOptions & { maxTasks?: number } = {},
  ): Promise<SourceTaskDriver<TaskOf<C, SourceTask>>> {
    const maxTasks = options.maxTasks ?? Math.max(1, index + 1);
    const config = this.taskConfigAt(await this.taskConfigs(maxTasks), index, maxTasks);
    return this.#run(config, index, options);
  }

  /** Starts one task per config the connector generates for `maxTasks`. */
  async startTasks(
    maxTasks: number,
    options: SourceTaskDriverOptions = {},
  ): Promise<SourceTaskDriver<TaskOf<C, SourceTask>>[]> {
    const configs = await this.taskConfigs(maxTasks);
    const out: SourceTaskDriver<TaskOf<C, SourceTask>>[] = [];
    for (const [i, c] of configs.entries()) out.push(await this.#run(c, i, options));
    return out;
  }

  async #run(
    config: TaskConfig,
    index: number,
    options: SourceTaskDriverOptions,
  ): Promise<SourceTaskDriver<TaskOf<C, SourceTask>>> {
    const task = await SourceTaskDriver.start(this.connector.taskClass() as new () => TaskOf<C, SourceTask>, config, {
      ...options,
      offsets: this.offsets,
      logger: options.logger ?? this.logger.child({ connector: this.name, task: index }),
    });
    this.#tasks.add(task);
    task.onStopped((t) => this.#tasks.delete(t));
    return task;
  }

  /**
   * Changes committed offsets the way PATCH /connectors/{c}/offsets does: asks the connector's
   * alterOffsets() (which may throw to refuse), then writes them (null resets a partition).
   * Like the REST API, it requires the connector to be stopped.
   */
  async alterOffsets(
    offsets: ReadonlyArray<{ partition: SourcePartition; offset: SourceOffset | null }>,
    config?: Readonly<Record<string, string>>,
  ): Promise<void> {
    const props = config ?? this.config;
    if (!props)
      throw new Error('alterOffsets() needs the connector config: pass it, or start() and stop() the connector first');
    if (this.#tasks.size > 0) throw new Error('stop the connector and its tasks before altering offsets');
    await this.connector.alterOffsets(props, offsets);
    for (const o of offsets) this.offsets.put(o.partition, o.offset);
  }

  /** Stops every running task (committing their offsets), then the connector. */
  async stop(): Promise<void> {
    for (const t of [...this.#tasks]) await t.stop();
    await this.stopConnector();
  }
}

/**
 * Drives a sink connector without a worker: start it with a config, split it into task configs
 * (with `topics`/`topics.regex` added, as the runtime does), and run its tasks with SinkTaskDriver.
 */
export class SinkConnectorDriver<C extends SinkConnector = SinkConnector> extends ConnectorDriverBase<C> {
  readonly #tasks = new Set<SinkTaskDriver<TaskOf<C, SinkTask>>>();

  constructor(connector: ConnectorSource<C>, options: ConnectorDriverOptions = {}) {
    super(resolve(connector, 'sink'), options);
    this.connector.initialize(this.baseContext());
  }

  get tasks(): readonly SinkTaskDriver<TaskOf<C, SinkTask>>[] {
    return [...this.#tasks];
  }

  override async taskConfigs(maxTasks = 1): Promise<TaskConfig[]> {
    const configs = await super.taskConfigs(maxTasks);
    const c = this.config ?? {};
    return configs.map((t) => ({
      ...t,
      ...(c.topics !== undefined ? { topics: c.topics } : {}),
      ...(c['topics.regex'] !== undefined ? { 'topics.regex': c['topics.regex'] } : {}),
    }));
  }

  /**
   * Starts task `index` of taskConfigs(maxTasks) (defaults 0 and 1); pass `assignment` for the
   * partitions it starts with.
   */
  async startTask(
    index = 0,
    options: SinkTaskDriverOptions & { maxTasks?: number } = {},
  ): Promise<SinkTaskDriver<TaskOf<C, SinkTask>>> {
    const maxTasks = options.maxTasks ?? Math.max(1, index + 1);
    const config = this.taskConfigAt(await this.taskConfigs(maxTasks), index, maxTasks);
    const task = await SinkTaskDriver.start(this.connector.taskClass() as new () => TaskOf<C, SinkTask>, config, {
      ...options,
      logger: options.logger ?? this.logger.child({ connector: this.name, task: index }),
    });
    this.#tasks.add(task);
    task.onStopped((t) => this.#tasks.delete(t));
    return task;
  }

  /** Asks the connector's alterOffsets() about new consumer offsets (null resets a partition). */
  async alterOffsets(
    offsets: ReadonlyArray<{ partition: TopicPartition; offset: number | null }>,
    config?: Readonly<Record<string, string>>,
  ): Promise<boolean> {
    const props = config ?? this.config;
    if (!props)
      throw new Error('alterOffsets() needs the connector config: pass it, or start() and stop() the connector first');
    return this.connector.alterOffsets(props, offsets);
  }

  /** Stops every running task (committing offsets and closing partitions), then the connector. */
  async stop(): Promise<void> {
    for (const t of [...this.#tasks]) await t.stop();
    await this.stopConnector();
  }
}
