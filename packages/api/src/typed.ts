/** Connectors and tasks that receive their config parsed and typed, with typed source partitions and offsets. */
import { brand } from './brand.js';
import type { ConfigDef, ConfigOf } from './config.js';
import { SinkConnector, SourceConnector } from './connector.js';
import { type SourceOffset, type SourcePartition, SourceRecord, type SourceRecordInit } from './record.js';
import { SinkTask, SourceTask } from './task.js';

/** D's parse() is typed by ConfigDef's own key map; a subclass's D is that map's def, so the cast is exact. */
function parseWith<D extends ConfigDef>(def: D, props: Readonly<Record<string, string>>): ConfigOf<D> {
  return def.parse(props) as ConfigOf<D>;
}

/** A source record whose partition and offset have the task's own shapes. */
export interface TypedSourceRecordInit<P extends SourcePartition, O extends SourceOffset>
  extends Omit<SourceRecordInit, 'sourcePartition' | 'sourceOffset'> {
  sourcePartition: P;
  sourceOffset: O;
}

/**
 * A SourceTask whose config is parsed with `configDef` before it starts: `startWith` gets the typed values
 * (every bad key reported at once, as a ConfigException), `record()` takes only partitions and offsets of
 * the task's shapes, and `committedOffset()` gives them back typed.
 */
export abstract class TypedSourceTask<
  D extends ConfigDef,
  P extends SourcePartition = SourcePartition,
  O extends SourceOffset = SourceOffset,
> extends SourceTask {
  #config: ConfigOf<D> | null = null;

  /** The spec this task's config is parsed with (usually the connector's). */
  protected abstract readonly configDef: D;

  /** Called by start() with the parsed config. */
  abstract startWith(config: ConfigOf<D>): Promise<void> | void;

  override start(props: Readonly<Record<string, string>>): Promise<void> | void {
    const config = parseWith(this.configDef, props);
    this.#config = config;
    return this.startWith(config);
  }

  /** The parsed config; throws before start(). */
  get config(): ConfigOf<D> {
    if (!this.#config) throw new Error('Task config read before start()');
    return this.#config;
  }

  /** The offset last committed for this partition, in the task's offset shape (null before the first). */
  protected async committedOffset(partition: P): Promise<O | null> {
    return (await this.context.offsetStorageReader.offset(partition)) as O | null;
  }

  protected record(init: TypedSourceRecordInit<P, O>): SourceRecord {
    return new SourceRecord(init);
  }
}

/** A SinkTask whose config is parsed with `configDef` before it starts; `startWith` gets the typed values. */
export abstract class TypedSinkTask<D extends ConfigDef> extends SinkTask {
  #config: ConfigOf<D> | null = null;

  protected abstract readonly configDef: D;

  abstract startWith(config: ConfigOf<D>): Promise<void> | void;

  override start(props: Readonly<Record<string, string>>): Promise<void> | void {
    const config = parseWith(this.configDef, props);
    this.#config = config;
    return this.startWith(config);
  }

  get config(): ConfigOf<D> {
    if (!this.#config) throw new Error('Task config read before start()');
    return this.#config;
  }
}

/**
 * A SourceConnector whose `config()` is `configDef` and whose `startWith` gets the parsed values. The raw
 * props are kept (`props`) because task configs are string maps: a task usually gets them as they came.
 */
export abstract class TypedSourceConnector<D extends ConfigDef> extends SourceConnector {
  #props: Readonly<Record<string, string>> = {};

  protected abstract readonly configDef: D;

  abstract startWith(config: ConfigOf<D>): Promise<void> | void;

  override config(): D {
    return this.configDef;
  }

  override start(props: Readonly<Record<string, string>>): Promise<void> | void {
    this.#props = props;
    return this.startWith(parseWith(this.configDef, props));
  }

  /** The config as the connector was started with it. */
  protected get props(): Readonly<Record<string, string>> {
    return this.#props;
  }
}

/** A SinkConnector whose `config()` is `configDef` and whose `startWith` gets the parsed values. */
export abstract class TypedSinkConnector<D extends ConfigDef> extends SinkConnector {
  #props: Readonly<Record<string, string>> = {};

  protected abstract readonly configDef: D;

  abstract startWith(config: ConfigOf<D>): Promise<void> | void;

  override config(): D {
    return this.configDef;
  }

  override start(props: Readonly<Record<string, string>>): Promise<void> | void {
    this.#props = props;
    return this.startWith(parseWith(this.configDef, props));
  }

  protected get props(): Readonly<Record<string, string>> {
    return this.#props;
  }
}

brand(TypedSourceTask, 'TypedSourceTask');
brand(TypedSinkTask, 'TypedSinkTask');
brand(TypedSourceConnector, 'TypedSourceConnector');
brand(TypedSinkConnector, 'TypedSinkConnector');
