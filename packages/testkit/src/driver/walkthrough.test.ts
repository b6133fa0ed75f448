// The connector and tests of docs/writing-a-connector.md, verbatim apart from living in one file:
// if this file changes, change the walkthrough too, so what users copy keeps working.
import {
  type ConfigDef,
  ConfigException,
  ConfigKeys,
  ConnectTimestamp,
  defineConfig,
  definePlugins,
  Schema,
  SchemaBuilder,
  SourceConnector,
  SourceRecord,
  SourceTask,
  Struct,
  type TaskConfig,
} from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { ConnectorTestDriver, InMemoryOffsetStore } from './index.js';

// --- src/config.ts ---
export const heartbeatConfig = defineConfig({
  topic: ConfigKeys.string({ importance: 'HIGH', doc: 'Topic to write heartbeats to' }),
  'interval.ms': ConfigKeys.int({ default: 1000, importance: 'MEDIUM', doc: 'Milliseconds between heartbeats' }),
});

// --- src/task.ts ---
/** Every heartbeat comes from this one source partition; its offset is the next sequence number. */
const PARTITION = { source: 'heartbeat' };

const HEARTBEAT = SchemaBuilder.struct()
  .name('acme.Heartbeat')
  .field('seq', Schema.INT64_SCHEMA)
  .field('at', ConnectTimestamp.SCHEMA)
  .build();

export class HeartbeatTask extends SourceTask {
  #topic = '';
  #intervalMs = 1000;
  #seq = 0;
  #stopped = false;
  #wake: (() => void) | null = null;

  version(): string {
    return '0.1.0';
  }

  async start(props: Readonly<Record<string, string>>): Promise<void> {
    const config = heartbeatConfig.parse(props);
    this.#topic = config.topic;
    this.#intervalMs = config['interval.ms'];
    const committed = await this.context.offsetStorageReader.offset(PARTITION);
    this.#seq = committed ? Number(committed.seq) : 0;
    this.context.logger.info({ seq: this.#seq }, 'heartbeat starting');
  }

  async poll(): Promise<SourceRecord[] | null> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#intervalMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    if (this.#stopped) return null;
    const seq = this.#seq++;
    return [
      new SourceRecord({
        topic: this.#topic,
        sourcePartition: PARTITION,
        sourceOffset: { seq: seq + 1 },
        keySchema: Schema.STRING_SCHEMA,
        key: 'heartbeat',
        valueSchema: HEARTBEAT,
        value: new Struct(HEARTBEAT).put('seq', seq).put('at', new Date()),
      }),
    ];
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }
}

// --- src/connector.ts ---
export class HeartbeatConnector extends SourceConnector {
  #props: Readonly<Record<string, string>> = {};

  version(): string {
    return '0.1.0';
  }

  override config(): ConfigDef {
    return heartbeatConfig;
  }

  start(props: Readonly<Record<string, string>>): void {
    this.#props = props;
  }

  taskClass(): new () => HeartbeatTask {
    return HeartbeatTask;
  }

  taskConfigs(_maxTasks: number): TaskConfig[] {
    return [{ ...this.#props }];
  }

  stop(): void {}
}

// --- src/index.ts ---
export const plugins = definePlugins([
  {
    kind: 'source',
    className: 'HeartbeatConnector',
    aliases: ['Heartbeat'],
    version: '0.1.0',
    create: () => new HeartbeatConnector(),
  },
]);

// --- src/heartbeat.test.ts ---
const seqs = (records: SourceRecord[]) => records.map((r) => (r.value as Struct).get('seq'));

describe('HeartbeatConnector', () => {
  it('numbers heartbeats and resumes after the last committed one', async () => {
    const driver = ConnectorTestDriver.source(plugins[0]);
    await driver.start({ topic: 'beats', 'interval.ms': '1' });
    const task = await driver.startTask();

    expect(seqs(await task.poll({ count: 3 }))).toEqual([0, 1, 2]);

    const restarted = await task.restart(); // commits offsets, stops, starts a new task
    expect(seqs(await restarted.poll({ count: 2 }))).toEqual([3, 4]);
    await driver.stop();
  });

  it('starts from an offset committed by an earlier run', async () => {
    const offsets = new InMemoryOffsetStore().put({ source: 'heartbeat' }, { seq: 41 });
    const driver = ConnectorTestDriver.source(plugins[0], { offsets });
    await driver.start({ topic: 'beats', 'interval.ms': '1' });
    const task = await driver.startTask();
    expect(seqs(await task.poll({ count: 1 }))).toEqual([41]);
    expect(task.logger.find('heartbeat starting')?.fields).toEqual({ connector: 'test-connector', task: 0, seq: 41 });
    await driver.stop();
  });

  it('replays heartbeats whose offsets were never committed', async () => {
    const task = await ConnectorTestDriver.sourceTask(HeartbeatTask, { topic: 'beats', 'interval.ms': '1' });
    await task.poll({ count: 2 });
    await task.commitOffsets();
    await task.poll({ count: 2 });
    const afterCrash = await task.restart({ commitOffsets: false });
    expect(seqs(await afterCrash.poll({ count: 1 }))).toEqual([2]);
    await afterCrash.stop();
  });

  it('rejects a config without a topic', async () => {
    const driver = ConnectorTestDriver.source(plugins[0]);
    await expect(driver.start({ 'interval.ms': '10' })).rejects.toThrow(ConfigException);
  });
});
