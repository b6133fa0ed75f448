import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { ConfigException, Schema, SchemaBuilder, Struct } from '@tributary/api';
import { ConnectorTestDriver, InMemoryOffsetStore, SinkRecordFactory } from '@tributary/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStreamSinkConnector, FileStreamSourceConnector, FileStreamSourceTask, plugins } from './index.js';
import { dropTornLine } from './sink.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = (rs: readonly { value: unknown }[]) => rs.map((r) => r.value);
const positions = (rs: readonly { sourceOffset: unknown }[]) =>
  rs.map((r) => (r.sourceOffset as { position: number }).position);

async function sourceDriver(config: Record<string, string>, offsets?: InMemoryOffsetStore) {
  const driver = ConnectorTestDriver.source(plugins[0], offsets ? { offsets } : {});
  await driver.start(config);
  return driver;
}

describe('plugins', () => {
  it('declares both connectors under their Kafka Connect class names and short names', () => {
    expect(plugins.map((p) => [p.kind, p.className, p.aliases])).toEqual([
      [
        'source',
        'FileStreamSourceConnector',
        ['org.apache.kafka.connect.file.FileStreamSourceConnector', 'FileStreamSource'],
      ],
      ['sink', 'FileStreamSinkConnector', ['org.apache.kafka.connect.file.FileStreamSinkConnector', 'FileStreamSink']],
    ]);
    expect(plugins[0].create()).toBeInstanceOf(FileStreamSourceConnector);
    expect(plugins[1].create()).toBeInstanceOf(FileStreamSinkConnector);
  });
});

describe('FileStreamSourceConnector', () => {
  it('reads lines with their byte positions under the filename partition', async () => {
    const file = join(dir, 'in.txt');
    // Multi-byte characters and every line ending Kafka Connect accepts.
    await writeFile(file, 'alpha\nbéta\r\ngamma\rdelta\n');
    const driver = await sourceDriver({ file, topic: 'lines' });
    const task = await driver.startTask();
    const rs = await task.poll({ count: 4 });
    expect(lines(rs)).toEqual(['alpha', 'béta', 'gamma', 'delta']);
    expect(positions(rs)).toEqual([6, 13, 19, 25]);
    expect(rs[0]?.sourcePartition).toEqual({ filename: file });
    expect(rs[0]?.topic).toBe('lines');
    expect(rs[0]?.valueSchema).toBe(Schema.STRING_SCHEMA);
    expect(rs[0]?.key).toBeNull();
    await driver.stop();
    expect(driver.offsets.entries()).toEqual([{ partition: { filename: file }, offset: { position: 25 } }]);
  });

  it('resumes after the committed position when restarted', async () => {
    const file = join(dir, 'in.txt');
    await writeFile(file, 'one\ntwo\nthree\nfour\n');
    const driver = await sourceDriver({ file, topic: 't' });
    const first = await driver.startTask();
    expect(lines(await first.poll({ count: 2 }))).toEqual(['one', 'two']);
    const second = await first.restart();
    expect(lines(await second.poll({ count: 2 }))).toEqual(['three', 'four']);
    expect(second.logger.find('resuming after committed position')?.fields).toMatchObject({ position: 8 });
    await driver.stop();
  });

  it('starts at a seeded offset', async () => {
    const file = join(dir, 'in.txt');
    await writeFile(file, 'skip\nme\nread\n');
    const offsets = new InMemoryOffsetStore().put({ filename: file }, { position: 8 });
    const driver = await sourceDriver({ file, topic: 't' }, offsets);
    const task = await driver.startTask();
    expect(lines(await task.poll({ count: 1 }))).toEqual(['read']);
    await driver.stop();
  });

  it('tails the file: appended lines are picked up, a line is emitted only once complete', async () => {
    const file = join(dir, 'in.txt');
    await writeFile(file, 'first\nsec');
    const driver = await sourceDriver({ file, topic: 't' });
    const task = await driver.startTask();
    expect(lines(await task.poll({ count: 1 }))).toEqual(['first']);
    expect(await task.pollFor(100)).toEqual([]);
    await appendFile(file, 'ond\nthird\n');
    const more = await task.poll({ count: 2, timeoutMs: 5000 });
    expect(lines(more)).toEqual(['second', 'third']);
    expect(positions(more)).toEqual([13, 19]);
    await driver.stop();
  });

  it('returns at most batch.size records per poll', async () => {
    const file = join(dir, 'in.txt');
    await writeFile(file, Array.from({ length: 25 }, (_, i) => `line ${i}\n`).join(''));
    const driver = await sourceDriver({ file, topic: 't', 'batch.size': '10' });
    const task = await driver.startTask();
    expect(await task.pollOnce()).toHaveLength(10);
    expect(await task.pollOnce()).toHaveLength(10);
    expect(lines(await task.pollOnce())).toEqual(['line 20', 'line 21', 'line 22', 'line 23', 'line 24']);
    await driver.stop();
  });

  it('waits for a missing file to be created', async () => {
    const file = join(dir, 'later.txt');
    const driver = await sourceDriver({ file, topic: 't' });
    const task = await driver.startTask();
    expect(await task.pollOnce()).toEqual([]);
    expect(task.logger.messages('warn')).toEqual([`Couldn't find file ${file}, waiting for it to be created`]);
    await writeFile(file, 'here\n');
    expect(lines(await task.poll({ count: 1 }))).toEqual(['here']);
    await driver.stop();
  });

  it('reads standard input when no file is given, without offsets', async () => {
    const input = new PassThrough();
    class StdinTask extends FileStreamSourceTask {
      protected override stdin(): Readable {
        return input;
      }
    }
    const task = await ConnectorTestDriver.sourceTask(StdinTask, { topic: 't' });
    input.write('a\nb');
    expect(lines(await task.poll({ count: 1 }))).toEqual(['a']);
    input.end('\nc');
    const rest = await task.poll({ count: 2 });
    expect(lines(rest)).toEqual(['b', 'c']);
    expect(rest[0]?.sourcePartition).toBeNull();
    expect(rest[0]?.sourceOffset).toBeNull();
    await task.stop();
    expect(task.offsets.size).toBe(0);
  });

  it('stops promptly while poll() waits for data', async () => {
    const file = join(dir, 'in.txt');
    await writeFile(file, '');
    const task = await ConnectorTestDriver.sourceTask(
      FileStreamSourceTask,
      { file, topic: 't' },
      { stopTimeoutMs: 200 },
    );
    await expect(task.poll({ count: 1, timeoutMs: 50 })).rejects.toThrow(/did not return 1 records/);
    await task.stop();
    expect(task.state).toBe('stopped');
  });

  it('runs one task whatever tasks.max is, and requires exactly one topic', async () => {
    const driver = await sourceDriver({ file: '/tmp/x', topic: 'a' });
    // The connector's config as given (Kafka Connect's taskConfigs hands on its props); the task applies defaults.
    expect(await driver.taskConfigs(3)).toEqual([{ name: 'test-connector', file: '/tmp/x', topic: 'a' }]);
    const bad = ConnectorTestDriver.source(FileStreamSourceConnector);
    const err = await bad.start({ topic: 'a,b', 'batch.size': '0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigException);
    expect((err as ConfigException).errors).toEqual({
      topic: ["'topic' in FileStreamSourceConnector configuration requires definition of a single topic"],
      'batch.size': ['Invalid value 0 for configuration batch.size: Value must be at least 1'],
    });
    const missing = await bad.validate({});
    expect(missing.find((v) => v.name === 'topic')?.errors).toEqual([
      'Missing required configuration "topic" which has no default value.',
    ]);
  });

  it('accepts only offsets the task can use', async () => {
    const c = new FileStreamSourceConnector();
    const props = { file: '/tmp/in.txt', topic: 't' };
    expect(c.alterOffsets(props, [{ partition: { filename: '/tmp/in.txt' }, offset: { position: 10 } }])).toBe(true);
    expect(c.alterOffsets(props, [{ partition: { anything: 1 }, offset: null }])).toBe(true);
    expect(() => c.alterOffsets(props, [{ partition: { filename: 'f' }, offset: { pos: 1 } }])).toThrow(
      "contain the key 'position'",
    );
    expect(() => c.alterOffsets(props, [{ partition: { filename: 'f' }, offset: { position: '1' } }])).toThrow(
      'expected to be an integer',
    );
    expect(() => c.alterOffsets(props, [{ partition: { filename: 'f' }, offset: { position: -1 } }])).toThrow(
      'non-negative',
    );
    expect(() => c.alterOffsets(props, [{ partition: { file: 'f' }, offset: { position: 1 } }])).toThrow(
      "contain the key 'filename'",
    );
    expect(() => c.alterOffsets({ topic: 't' }, [])).toThrow('stdin is used for input');
    expect(c.exactlyOnceSupport()).toBe('SUPPORTED');
  });
});

describe('FileStreamSinkConnector', () => {
  const tp = { topic: 'orders', partition: 0 };

  async function sinkTask(file: string) {
    const driver = ConnectorTestDriver.sink(plugins[1]);
    await driver.start({ file, topics: 'orders' });
    return { driver, task: await driver.startTask(0, { assignment: [tp] }) };
  }

  it('appends one value per line, in order, and makes it durable on flush', async () => {
    const file = join(dir, 'out.txt');
    await writeFile(file, 'existing\n');
    const { driver, task } = await sinkTask(file);
    const records = new SinkRecordFactory({ topic: 'orders' });
    await task.put(records.values(['a', 'b']));
    await task.put(records.values(['c']));
    // Small batches stay buffered until flush, as with Kafka Connect's buffered PrintStream.
    expect(await readFile(file, 'utf8')).toBe('existing\n');
    expect(await task.commitOffsets()).toEqual([{ ...tp, offset: 3 }]);
    expect(await readFile(file, 'utf8')).toBe('existing\na\nb\nc\n');
    await task.put(records.values(['d']));
    // The runtime's put() after a poll that found nothing: the idle stream's tail is written then.
    await task.put([]);
    expect(await readFile(file, 'utf8')).toBe('existing\na\nb\nc\nd\n');
    await task.put(records.values(['e']));
    await driver.stop();
    expect(await readFile(file, 'utf8')).toBe('existing\na\nb\nc\nd\ne\n');
  });

  it('drops an incomplete last line (a write cut short) when it opens the file, so the replayed record follows whole lines', async () => {
    const file = join(dir, 'out.txt');
    await writeFile(file, 'a\nb\nhalf of c');
    const { driver, task } = await sinkTask(file);
    expect(await readFile(file, 'utf8')).toBe('a\nb\n');
    const records = new SinkRecordFactory({ topic: 'orders' });
    await task.put(records.values(['c', 'd']));
    await driver.stop();
    expect(await readFile(file, 'utf8')).toBe('a\nb\nc\nd\n');
    // Whole lines, or nothing at all, stay as they are.
    expect(await dropTornLine(file)).toBe(0);
    await writeFile(file, 'no newline yet');
    expect(await dropTornLine(file)).toBe('no newline yet'.length);
    expect(await readFile(file, 'utf8')).toBe('');
    expect(await dropTornLine(join(dir, 'missing.txt'))).toBe(0);
  });

  it('writes large batches without waiting for flush', async () => {
    const file = join(dir, 'out.txt');
    const { driver, task } = await sinkTask(file);
    const records = new SinkRecordFactory({ topic: 'orders' });
    const values = Array.from({ length: 10_000 }, (_, i) => `record-${i}`);
    await task.put(records.values(values));
    const written = (await readFile(file, 'utf8')).split('\n');
    expect(written.length).toBeGreaterThan(1);
    await driver.stop();
    expect((await readFile(file, 'utf8')).split('\n').slice(0, -1)).toEqual(values);
  });

  it('prints primitives as text, null as "null" and structured values as JSON', async () => {
    const file = join(dir, 'out.txt');
    const { driver, task } = await sinkTask(file);
    const schema = SchemaBuilder.struct()
      .name('ksql.orders')
      .field('orderid', Schema.INT32_SCHEMA)
      .field('total', Schema.INT64_SCHEMA)
      .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
      .field('note', Schema.OPTIONAL_STRING_SCHEMA)
      .build();
    const struct = new Struct(schema)
      .put('orderid', 7)
      .put('total', 2n ** 60n)
      .put('tags', ['x']);
    const records = new SinkRecordFactory({ topic: 'orders' });
    await task.put([
      records.record(struct, { valueSchema: schema }),
      records.record(42),
      records.record(null),
      records.record(new Map([['k', 1]])),
      records.record({ plain: true }),
      records.record(new TextEncoder().encode('raw bytes')),
    ]);
    await driver.stop();
    expect((await readFile(file, 'utf8')).split('\n')).toEqual([
      '{"orderid":7,"total":"1152921504606846976","tags":["x"],"note":null}',
      '42',
      'null',
      '{"k":1}',
      '{"plain":true}',
      'raw bytes',
      '',
    ]);
  });

  it('gives one task config per task, as Kafka Connect, and accepts any offset change', async () => {
    const driver = ConnectorTestDriver.sink(FileStreamSinkConnector);
    await driver.start({ file: '/tmp/out.txt', topics: 'a' });
    expect(await driver.taskConfigs(2)).toEqual([
      { name: 'test-connector', file: '/tmp/out.txt', topics: 'a' },
      { name: 'test-connector', file: '/tmp/out.txt', topics: 'a' },
    ]);
    expect(await driver.alterOffsets([{ partition: { topic: 'a', partition: 0 }, offset: 5 }])).toBe(true);
    await driver.stop();
  });
});
