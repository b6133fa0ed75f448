// __Name__Source: a numbered record with a schema every `interval.ms`, carrying on after the last committed one.
import {
  type ConfigOf,
  ConnectTimestamp,
  Schema,
  SchemaBuilder,
  type SourceRecord,
  Struct,
  type TaskConfig,
  TypedSourceConnector,
  TypedSourceTask,
} from '@tributary/api';
import { sourceConfig } from './config.js';
import { VERSION } from './version.js';

/** The source partition (where records come from) and source offset (how far) of this connector. */
export type __Name__Partition = { source: string };
export type __Name__Offset = { seq: number };

const PARTITION: __Name__Partition = { source: '__package__' };

export const RECORD_SCHEMA = SchemaBuilder.struct()
  .name('__package__.Record')
  .field('seq', Schema.INT64_SCHEMA)
  .field('message', Schema.STRING_SCHEMA)
  .field('at', ConnectTimestamp.SCHEMA)
  .build();

export class __Name__SourceTask extends TypedSourceTask<typeof sourceConfig, __Name__Partition, __Name__Offset> {
  protected readonly configDef = sourceConfig;
  #seq = 0;
  #stopped = false;
  #wake: (() => void) | null = null;

  version(): string {
    return VERSION;
  }

  async startWith(config: ConfigOf<typeof sourceConfig>): Promise<void> {
    const committed = await this.committedOffset(PARTITION);
    this.#seq = committed ? committed.seq : 0;
    this.context.logger.info({ seq: this.#seq, topic: config.topic }, 'starting');
  }

  async poll(): Promise<SourceRecord[] | null> {
    // Wait, but wake at once on stop(), so a worker never waits a whole interval to stop the task.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.config['interval.ms']);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    if (this.#stopped) return null;
    const seq = this.#seq++;
    const value = new Struct(RECORD_SCHEMA).put('seq', seq).put('message', this.config.message).put('at', new Date());
    return [
      this.record({
        topic: this.config.topic,
        sourcePartition: PARTITION,
        sourceOffset: { seq: seq + 1 },
        keySchema: Schema.STRING_SCHEMA,
        key: String(seq),
        valueSchema: RECORD_SCHEMA,
        value,
      }),
    ];
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }
}

export class __Name__SourceConnector extends TypedSourceConnector<typeof sourceConfig> {
  protected readonly configDef = sourceConfig;

  version(): string {
    return VERSION;
  }

  startWith(_config: ConfigOf<typeof sourceConfig>): void {}

  taskClass(): new () => __Name__SourceTask {
    return __Name__SourceTask;
  }

  /** One partition, so one task, whatever tasks.max says. */
  taskConfigs(_maxTasks: number): TaskConfig[] {
    return [{ ...this.props }];
  }

  stop(): void {}
}
