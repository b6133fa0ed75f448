import {
  ConfigException,
  ConfigKeys,
  defineConfig,
  Schema,
  SinkConnector,
  type SinkRecord,
  SinkTask,
  SourceConnector,
  SourceRecord,
  SourceTask,
  type TaskConfig,
  type TopicPartition,
  type TopicPartitionOffset,
} from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { CollectingLogger, ConnectorTestDriver, InMemoryOffsetStore, SinkRecordFactory } from './index.js';

// A source that counts upward per "shard"; each poll returns `batch` records, or waits when `idle`.
const counterConfig = defineConfig({
  topic: ConfigKeys.string({ doc: 'topic to write to' }),
  shards: ConfigKeys.int({ default: 1 }),
  batch: ConfigKeys.int({ default: 3 }),
  limit: ConfigKeys.int({ default: -1 }),
});

class CounterTask extends SourceTask {
  topic = '';
  shard = 0;
  next = 0;
  batch = 3;
  limit = -1;
  stopped = false;
  committed = 0;
  #wake: (() => void) | null = null;

  version(): string {
    return '1.0';
  }
  async start(props: Readonly<Record<string, string>>): Promise<void> {
    const c = counterConfig.parse(props);
    this.topic = c.topic;
    this.batch = c.batch;
    this.limit = c.limit;
    this.shard = Number(props.shard ?? 0);
    const off = await this.context.offsetStorageReader.offset({ shard: this.shard });
    this.next = off ? Number(off.next) : 0;
    this.context.logger.info({ next: this.next }, 'counter starting');
  }
  async poll(): Promise<SourceRecord[] | null> {
    if (this.stopped) return null;
    if (this.limit >= 0 && this.next >= this.limit) {
      // Nothing more to produce: wait until stop() wakes us, as a well-behaved task does.
      await new Promise<void>((r) => {
        this.#wake = r;
      });
      return null;
    }
    const out: SourceRecord[] = [];
    for (let i = 0; i < this.batch && (this.limit < 0 || this.next < this.limit); i++) {
      const n = this.next++;
      out.push(
        new SourceRecord({
          topic: this.topic,
          sourcePartition: { shard: this.shard },
          sourceOffset: { next: n + 1 },
          valueSchema: Schema.INT64_SCHEMA,
          value: n,
        }),
      );
    }
    return out;
  }
  override commit(): void {
    this.committed++;
  }
  stop(): void {
    this.stopped = true;
    this.#wake?.();
  }
}

class CounterConnector extends SourceConnector {
  props: Readonly<Record<string, string>> = {};
  altered: unknown[] = [];
  version(): string {
    return '1.0';
  }
  override config() {
    return counterConfig;
  }
  start(props: Readonly<Record<string, string>>): void {
    this.props = props;
    this.context.logger.info('connector started');
  }
  taskClass() {
    return CounterTask;
  }
  taskConfigs(maxTasks: number): TaskConfig[] {
    const shards = Number(this.props.shards ?? 1);
    return Array.from(
      { length: Math.min(maxTasks, shards) },
      (_, i) => ({ ...this.props, shard: String(i) }) as TaskConfig,
    );
  }
  stop(): void {}
  override alterOffsets(
    _props: Readonly<Record<string, string>>,
    offsets: ReadonlyArray<{ partition: object; offset: object | null }>,
  ): boolean {
    for (const o of offsets) if (!('shard' in o.partition)) throw new Error('partition must name a shard');
    this.altered.push(...offsets);
    return true;
  }
}

const values = (rs: readonly SourceRecord[]) => rs.map((r) => r.value);

describe('ConnectorTestDriver.source', () => {
  it('starts the connector, splits it into tasks and polls an exact number of records', async () => {
    const driver = ConnectorTestDriver.source(CounterConnector);
    await driver.start({ topic: 'numbers', shards: '2' });
    expect(driver.config).toMatchObject({ name: 'test-connector', topic: 'numbers' });
    const configs = await driver.taskConfigs(4);
    expect(configs.map((c) => c.shard)).toEqual(['0', '1']);

    const task = await driver.startTask(1, { maxTasks: 2 });
    expect(task.config.shard).toBe('1');
    const five = await task.poll({ count: 5 });
    expect(values(five)).toEqual([0, 1, 2, 3, 4]);
    // The task returned two batches of 3: the sixth record waits for the next call.
    expect(task.pollCalls).toBe(2);
    expect(values(task.buffered)).toEqual([5]);
    expect(values(await task.poll({ count: 1 }))).toEqual([5]);
    expect(task.pollCalls).toBe(2);
    await driver.stop();
    expect(task.state).toBe('stopped');
    expect(driver.tasks).toHaveLength(0);
  });

  it('commits the last offset per partition of delivered records and calls commitRecord and commit', async () => {
    const task = await ConnectorTestDriver.sourceTask(CounterTask, { topic: 't' });
    await task.poll({ count: 4 });
    expect(task.commitRecordCalls.map((c) => c.metadata)).toEqual([
      expect.objectContaining({ topic: 't', partition: 0, offset: 0 }),
      expect.objectContaining({ offset: 1 }),
      expect.objectContaining({ offset: 2 }),
      expect.objectContaining({ offset: 3 }),
    ]);
    expect(task.pendingOffsets()).toEqual([{ partition: { shard: 0 }, offset: { next: 4 } }]);
    const committed = await task.commitOffsets();
    expect(committed).toEqual([{ partition: { shard: 0 }, offset: { next: 4 } }]);
    expect(task.offsets.get({ shard: 0 })).toEqual({ next: 4 });
    expect(task.task.committed).toBe(1);
    expect(task.commitCalls).toBe(1);
    // Buffered, undelivered records (5th and 6th) are not committed.
    expect(task.pendingOffsets()).toEqual([]);
    await task.stop();
  });

  it('restarts from committed offsets, and a crash replays what was not committed', async () => {
    const first = await ConnectorTestDriver.sourceTask(CounterTask, { topic: 't' });
    expect(values(await first.poll({ count: 4 }))).toEqual([0, 1, 2, 3]);
    const second = await first.restart();
    expect(first.state).toBe('stopped');
    expect(values(await second.poll({ count: 3 }))).toEqual([4, 5, 6]);
    await second.commitOffsets();
    expect(values(await second.poll({ count: 2 }))).toEqual([7, 8]);
    // A crash loses offsets since the last flush: the new instance starts again at 7.
    const third = await second.restart({ commitOffsets: false });
    expect(values(await third.poll({ count: 1 }))).toEqual([7]);
    // The instances share one logger, so the test sees each start.
    expect(
      third.logger
        .lines()
        .filter((l) => l.msg === 'counter starting')
        .map((l) => l.fields.next),
    ).toEqual([0, 4, 7]);
    await third.stop();
  });

  it('reads offsets seeded into the store', async () => {
    const offsets = new InMemoryOffsetStore().put({ shard: 0 }, { next: 100 });
    const driver = ConnectorTestDriver.source(new CounterConnector(), { offsets });
    await driver.start({ topic: 't' });
    const task = await driver.startTask();
    expect(values(await task.poll({ count: 2 }))).toEqual([100, 101]);
    await driver.stop();
    expect(offsets.get({ shard: 0 })).toEqual({ next: 102 });
  });

  it('polls until a predicate holds, or for a fixed time', async () => {
    const task = await ConnectorTestDriver.sourceTask(CounterTask, { topic: 't', limit: '8' });
    const upTo4 = await task.poll({ until: (rs) => rs.some((r) => r.value === 4) });
    // Whole batches are returned: the batch holding 4 also holds 5.
    expect(values(upTo4)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(values(await task.pollFor(50))).toEqual([6, 7]);
    expect(await task.pollFor(20)).toEqual([]);
    await task.stop();
  });

  it('throws when poll() does not produce enough records in time, keeping what it got', async () => {
    const task = await ConnectorTestDriver.sourceTask(CounterTask, { topic: 't', limit: '2' });
    await expect(task.poll({ count: 3, timeoutMs: 50 })).rejects.toThrow(
      'SourceTask.poll() did not return 3 records within 50 ms (got 2)',
    );
    expect(values(await task.poll({ count: 2 }))).toEqual([0, 1]);
    await task.stop();
  });

  it('fails a stop() whose task leaves poll() pending', async () => {
    class Stuck extends CounterTask {
      override async poll(): Promise<SourceRecord[] | null> {
        await new Promise(() => {});
        return null;
      }
      override stop(): void {}
    }
    const task = await ConnectorTestDriver.sourceTask(Stuck, { topic: 't' }, { stopTimeoutMs: 30 });
    await expect(task.poll({ count: 1, timeoutMs: 10 })).rejects.toThrow(
      /did not return a record|did not return 1 records/,
    );
    await expect(task.stop()).rejects.toThrow('SourceTask.poll() did not return within 30 ms of stop()');
  });

  it('rejects records whose value does not match their schema, naming the record', async () => {
    class Bad extends CounterTask {
      override async poll(): Promise<SourceRecord[]> {
        return [new SourceRecord({ topic: 't', valueSchema: Schema.INT32_SCHEMA, value: 'nope' })];
      }
    }
    const task = await ConnectorTestDriver.sourceTask(Bad, { topic: 't' });
    await expect(task.poll()).rejects.toThrow(/record 0 of poll\(\) call 1: value does not match its schema/);
    expect(task.state).toBe('failed');
    await expect(task.poll()).rejects.toThrow('cannot poll(): the task is failed');
    await task.stop();
  });

  it('refuses a config the connector does not validate, naming each key', async () => {
    const driver = ConnectorTestDriver.source(CounterConnector);
    const err = await driver.start({ batch: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigException);
    expect(Object.keys((err as ConfigException).errors).sort()).toEqual(['batch', 'topic']);
  });

  it('refuses offsets that would not survive the offset topic', () => {
    expect(() => new InMemoryOffsetStore().put({ p: 1 }, { big: 1n })).toThrow(
      /source offset .* is not JSON-serializable/,
    );
    const store = new InMemoryOffsetStore().put({ b: 1, a: 2 }, { at: new Date(0) });
    // Key order does not matter, and a Date arrives as the string it becomes in JSON.
    expect(store.get({ a: 2, b: 1 })).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });

  it('alters offsets through the connector while it is stopped', async () => {
    const connector = new CounterConnector();
    const driver = ConnectorTestDriver.source(connector);
    await driver.start({ topic: 't' });
    await driver.stop();
    await expect(driver.alterOffsets([{ partition: { nope: 1 }, offset: { next: 1 } }])).rejects.toThrow(
      'partition must name a shard',
    );
    await driver.alterOffsets([{ partition: { shard: 0 }, offset: { next: 50 } }]);
    expect(connector.altered).toHaveLength(1);
    await driver.start({ topic: 't' });
    const task = await driver.startTask();
    expect(values(await task.poll({ count: 1 }))).toEqual([50]);
    await driver.stop();
  });

  it('collects log lines from the connector and its tasks with their bindings', async () => {
    const logger = new CollectingLogger();
    const driver = ConnectorTestDriver.source(CounterConnector, { logger, name: 'counter' });
    await driver.start({ topic: 't' });
    await driver.startTask();
    expect(logger.find('connector started')?.fields).toEqual({ connector: 'counter' });
    expect(logger.find('counter starting')?.fields).toEqual({ connector: 'counter', task: 0, next: 0 });
    expect(logger.messages('info')).toEqual(['connector started', 'counter starting']);
    expect(logger.lines('warn')).toEqual([]);
    await driver.stop();
  });

  it('hands the task a recording transaction context when asked', async () => {
    class Tx extends CounterTask {
      override async poll(): Promise<SourceRecord[] | null> {
        const rs = await super.poll();
        if (rs && rs.length > 0) this.context.transactionContext?.commitTransaction(rs[rs.length - 1]);
        return rs;
      }
    }
    const plain = await ConnectorTestDriver.sourceTask(Tx, { topic: 't' });
    expect(plain.task.context.transactionContext).toBeNull();
    await plain.stop();
    const task = await ConnectorTestDriver.sourceTask(Tx, { topic: 't' }, { transactionContext: true });
    await task.poll({ count: 3 });
    expect(task.transactions?.commits.map((r) => r?.value)).toEqual([2]);
    await task.stop();
  });
});

// A sink that buffers values per partition and makes them durable only on flush().
class BufferingSinkTask extends SinkTask {
  readonly events: string[] = [];
  buffered: SinkRecord[] = [];
  durable: unknown[] = [];
  flushedTo = new Map<string, number>();

  version(): string {
    return '1.0';
  }
  start(): void {
    this.events.push('start');
  }
  put(records: SinkRecord[]): void {
    for (const r of records) {
      if (r.value === 'poison') {
        void this.context.errantRecordReporter?.report(r, new Error('cannot write poison'));
        continue;
      }
      this.buffered.push(r);
    }
    if (this.buffered.length >= 3) this.context.requestCommit();
  }
  override flush(offsets: readonly TopicPartitionOffset[]): void {
    this.events.push(`flush ${offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`).join(',')}`);
    this.durable.push(...this.buffered.map((r) => r.value));
    for (const r of this.buffered) this.flushedTo.set(`${r.topic}-${r.kafkaPartition}`, r.kafkaOffset + 1);
    this.buffered = [];
  }
  override async preCommit(offsets: readonly TopicPartitionOffset[]): Promise<readonly TopicPartitionOffset[]> {
    // Only partitions with something flushed are committable, at what was flushed.
    this.flush(offsets);
    return offsets
      .filter((o) => this.flushedTo.has(`${o.topic}-${o.partition}`))
      .map((o) => ({ ...o, offset: this.flushedTo.get(`${o.topic}-${o.partition}`)! }));
  }
  override open(partitions: readonly TopicPartition[]): void {
    this.events.push(`open ${partitions.map((p) => `${p.topic}-${p.partition}`).join(',')}`);
  }
  override close(partitions: readonly TopicPartition[]): void {
    this.events.push(`close ${partitions.map((p) => `${p.topic}-${p.partition}`).join(',')}`);
  }
  stop(): void {
    this.events.push('stop');
  }
}

class BufferingSinkConnector extends SinkConnector {
  props: Readonly<Record<string, string>> = {};
  version(): string {
    return '1.0';
  }
  start(props: Readonly<Record<string, string>>): void {
    this.props = props;
  }
  taskClass() {
    return BufferingSinkTask;
  }
  taskConfigs(maxTasks: number): TaskConfig[] {
    return Array.from({ length: maxTasks }, () => ({ label: this.props.label ?? '' }));
  }
  stop(): void {}
}

const t0 = { topic: 'orders', partition: 0 };
const t1 = { topic: 'orders', partition: 1 };

describe('SinkRecordFactory', () => {
  it('numbers records per topic partition', () => {
    const f = new SinkRecordFactory({ topic: 'orders', timestamp: 1000 });
    const rs = [...f.values(['a', 'b']), f.record('c', { partition: 1 }), f.record('d', { topic: 'other', key: 'k' })];
    expect(rs.map((r) => `${r.topic}-${r.kafkaPartition}@${r.kafkaOffset}`)).toEqual([
      'orders-0@0',
      'orders-0@1',
      'orders-1@0',
      'other-0@0',
    ]);
    expect(rs[3]?.key).toBe('k');
    expect(rs[0]?.timestamp).toBe(1000);
    expect(rs[0]?.timestampType).toBe('CreateTime');
    expect(f.nextOffset()).toBe(2);
    expect(f.record('e', { offset: 10 }).kafkaOffset).toBe(10);
    expect(f.nextOffset()).toBe(11);
  });
});

describe('ConnectorTestDriver.sink', () => {
  it('adds topics to task configs, opens the assignment and commits exactly what preCommit returns', async () => {
    const driver = ConnectorTestDriver.sink(BufferingSinkConnector);
    await driver.start({ topics: 'orders', label: 'x' });
    expect(await driver.taskConfigs(2)).toEqual([
      { label: 'x', topics: 'orders' },
      { label: 'x', topics: 'orders' },
    ]);
    const task = await driver.startTask(0, { assignment: [t0, t1] });
    expect(task.task.events).toEqual(['start', 'open orders-0,orders-1']);
    const records = new SinkRecordFactory({ topic: 'orders' });
    await task.put(records.values(['a', 'b']));
    expect(task.currentOffsets).toEqual([{ ...t0, offset: 2 }]);
    expect(await task.commitOffsets()).toEqual([{ ...t0, offset: 2 }]);
    expect(task.committedOffsets).toEqual([{ ...t0, offset: 2 }]);
    expect(task.task.durable).toEqual(['a', 'b']);
    await driver.stop();
    expect(task.task.events.slice(-3)).toEqual(['flush orders-0@2', 'close orders-0,orders-1', 'stop']);
  });

  it('closes revoked partitions after committing them, and opens new ones', async () => {
    const task = await ConnectorTestDriver.sinkTask(BufferingSinkTask, {}, { assignment: [t0, t1] });
    const records = new SinkRecordFactory({ topic: 'orders' });
    await task.put([records.record('a'), records.record('b', { partition: 1 })]);
    await task.assign([t1, { topic: 'orders', partition: 2 }]);
    expect(task.task.events.slice(1)).toEqual([
      'open orders-0,orders-1',
      'flush orders-0@1',
      'close orders-0',
      'open orders-2',
    ]);
    expect(task.committedOffsets).toEqual([{ ...t0, offset: 1 }]);
    expect(task.assignment).toEqual([t1, { topic: 'orders', partition: 2 }]);
    await expect(task.put([records.record('c')])).rejects.toThrow(
      'record orders-0@1 is for a partition not assigned to the task',
    );
    await task.stop();
  });

  it('records pause, resume, requestCommit, offset rewinds, timeouts and errant records', async () => {
    const task = await ConnectorTestDriver.sinkTask(BufferingSinkTask, {}, { assignment: [t0, t1] });
    const ctx = task.task.context;
    ctx.pause(t0);
    expect(task.paused).toEqual([t0]);
    const records = new SinkRecordFactory({ topic: 'orders' });
    await expect(task.put([records.record('x')])).rejects.toThrow('is for a partition the task paused');
    ctx.resume(t0);
    expect(task.pauseCalls).toEqual([[t0]]);
    expect(task.resumeCalls).toEqual([[t0]]);
    expect(task.paused).toEqual([]);
    ctx.offset([{ ...t1, offset: 42 }]);
    ctx.timeout(250);
    expect(task.offsetRequests).toEqual([{ ...t1, offset: 42 }]);
    expect(task.timeoutMs).toBe(250);
    expect(() => ctx.pause({ topic: 'elsewhere', partition: 0 })).toThrow(
      'cannot pause elsewhere-0: not assigned to this task',
    );

    await task.put(records.values(['a', 'poison', 'b', 'c'], { partition: 0 }));
    expect(task.errantRecords.map((e) => [e.record.value, e.error.message])).toEqual([
      ['poison', 'cannot write poison'],
    ]);
    expect(task.commitRequests).toBe(1);
    expect(task.putBatches).toHaveLength(1);
    await task.stop();

    const bare = await ConnectorTestDriver.sinkTask(BufferingSinkTask, {}, { errantRecordReporter: false });
    expect(bare.task.context.errantRecordReporter).toBeNull();
    await bare.stop();
  });

  it('restarts a task with the same assignment and the committed offsets', async () => {
    const first = await ConnectorTestDriver.sinkTask(BufferingSinkTask, {}, { assignment: [t0] });
    const records = new SinkRecordFactory({ topic: 'orders' });
    await first.put(records.values(['a', 'b', 'c']));
    const second = await first.restart({ commitOffsets: false });
    expect(first.task.events).toEqual(['start', 'open orders-0', 'close orders-0', 'stop']);
    expect(second.committedOffsets).toEqual([]);
    await second.put(records.values(['d']));
    const third = await second.restart();
    expect(third.committedOffsets).toEqual([{ ...t0, offset: 4 }]);
    expect(third.assignment).toEqual([t0]);
    expect(third.task.events).toEqual(['start', 'open orders-0']);
    await third.stop();
  });
});
