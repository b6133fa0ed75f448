// Compiled by `tsc --noEmit` (typed.test.ts): typed config, partitions and offsets, and the compile errors
// each `@ts-expect-error` line stands for. An expected error that stops happening fails the compile too.
import {
  ConfigKeys,
  type ConfigOf,
  defineConfig,
  type SinkRecord,
  type SinkTask,
  type SourceRecord,
  SourceTask,
  TypedSinkConnector,
  TypedSinkTask,
  TypedSourceConnector,
  TypedSourceTask,
} from '@tributary/api';

const config = defineConfig({
  table: ConfigKeys.string({ importance: 'HIGH', doc: 'Table to read' }),
  'batch.size': ConfigKeys.int({ default: 100, doc: 'Rows per poll' }),
  'poll.interval.ms': ConfigKeys.long({ default: 1000 }),
  'start.id': ConfigKeys.long({ default: null }),
  mode: ConfigKeys.enum(['bulk', 'incrementing'] as const, { default: 'bulk' }),
  password: ConfigKeys.password({ default: null }),
});

type TablePartition = { table: string };
type TableOffset = { id: number };

class TableTask extends TypedSourceTask<typeof config, TablePartition, TableOffset> {
  protected readonly configDef = config;
  #next = 0;

  version(): string {
    return '1.0.0';
  }

  async startWith(c: ConfigOf<typeof config>): Promise<void> {
    const table: string = c.table;
    const batch: number = c['batch.size'];
    const mode: 'bulk' | 'incrementing' = c.mode;
    // @ts-expect-error a key with a null default may be null
    const start: number = c['start.id'];
    // @ts-expect-error a key the spec does not declare
    c.tabel;
    // @ts-expect-error an enum key holds only its declared values
    const other: 'other' = c.mode;
    // @ts-expect-error a password is not a string (reveal it with .value())
    const secret: string = c.password;
    const committed = await this.committedOffset({ table });
    this.#next = committed ? committed.id + 1 : 0;
    // @ts-expect-error offsets come back in the task's shape
    committed?.lsn;
    // @ts-expect-error partitions must have the task's shape
    await this.committedOffset({ schema: table });
    void [batch, mode, start, other, secret];
  }

  async poll(): Promise<SourceRecord[]> {
    const table = this.config.table;
    const ok = this.record({ topic: table, sourcePartition: { table }, sourceOffset: { id: this.#next } });
    // @ts-expect-error an offset of another shape
    this.record({ topic: table, sourcePartition: { table }, sourceOffset: { id: 'one' } });
    // @ts-expect-error a record needs its partition and offset
    this.record({ topic: table });
    return [ok];
  }

  stop(): void {}
}

class TableSource extends TypedSourceConnector<typeof config> {
  protected readonly configDef = config;
  version(): string {
    return '1.0.0';
  }
  startWith(c: ConfigOf<typeof config>): void {
    void c.table;
  }
  taskClass(): new () => SourceTask {
    return TableTask;
  }
  taskConfigs(maxTasks: number): Record<string, string>[] {
    // @ts-expect-error task configs are string maps
    const bad: Record<string, string>[] = [{ 'batch.size': 100 }];
    void bad;
    return Array.from({ length: maxTasks }, () => ({ ...this.props }));
  }
  stop(): void {}
}

const sinkConfig = defineConfig({ url: ConfigKeys.string({ doc: 'Where to write' }) });

class UrlSinkTask extends TypedSinkTask<typeof sinkConfig> {
  protected readonly configDef = sinkConfig;
  version(): string {
    return '1.0.0';
  }
  startWith(c: { url: string }): void {
    void c.url;
  }
  put(_records: SinkRecord[]): void {}
  stop(): void {}
}

class UrlSink extends TypedSinkConnector<typeof sinkConfig> {
  protected readonly configDef = sinkConfig;
  version(): string {
    return '1.0.0';
  }
  // @ts-expect-error startWith takes the config as the spec parses it (url is a string)
  startWith(c: { url: number }): void {
    void c;
  }
  taskClass(): new () => SinkTask {
    // @ts-expect-error a sink connector's tasks are sink tasks
    return TableTask;
  }
  taskConfigs(): Record<string, string>[] {
    return [];
  }
  stop(): void {}
}

// @ts-expect-error a task must implement poll()
class NoPoll extends SourceTask {
  version(): string {
    return '1';
  }
  start(): void {}
  stop(): void {}
}

void [TableSource, UrlSinkTask, UrlSink, NoPoll];
