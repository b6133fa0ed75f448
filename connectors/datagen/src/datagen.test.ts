import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigException, type Schema, type SourceRecord, type Struct } from '@tributary/api';
import { ConnectorTestDriver, InMemoryOffsetStore } from '@tributary/testkit';
import { describe, expect, it } from 'vitest';
import { DatagenConnector, MAX_BATCH, plugins, QUICKSTARTS } from './index.js';
import { Random } from './random.js';
import { RegexGenerator } from './regex.js';

const base = { 'kafka.topic': 'mock', 'max.interval': '0' };

async function startTask(config: Record<string, string>, offsets?: InMemoryOffsetStore) {
  const driver = ConnectorTestDriver.source(plugins[0], offsets ? { offsets } : {});
  await driver.start({ ...base, ...config });
  return { driver, task: await driver.startTask() };
}

const struct = (r: SourceRecord): Struct => r.value as Struct;
const field = (r: SourceRecord, name: string): unknown => struct(r).get(name);
const header = (r: SourceRecord, key: string): unknown => r.headers.lastWithName(key)?.value;
/** Field name → Connect type (nested structs as objects), for comparing with Confluent's schemas. */
function shape(schema: Schema): unknown {
  if (schema.type !== 'struct') return schema.type;
  return Object.fromEntries(schema.fields.map((f) => [f.name, shape(f.schema)]));
}

describe('DatagenConnector quickstarts', () => {
  it('is found by Confluent class name', () => {
    expect(plugins[0].aliases).toEqual(['io.confluent.kafka.connect.datagen.DatagenConnector']);
    expect(plugins[0].create()).toBeInstanceOf(DatagenConnector);
  });

  const expected: Record<string, { name: string; key: string; shape: unknown }> = {
    orders: {
      name: 'ksql.orders',
      key: 'orderid',
      shape: {
        ordertime: 'int64',
        orderid: 'int32',
        itemid: 'string',
        orderunits: 'float64',
        address: { city: 'string', state: 'string', zipcode: 'int64' },
      },
    },
    users: {
      name: 'ksql.users',
      key: 'userid',
      shape: { registertime: 'int64', userid: 'string', regionid: 'string', gender: 'string' },
    },
    pageviews: {
      name: 'ksql.pageviews',
      key: 'viewtime',
      shape: { viewtime: 'int64', userid: 'string', pageid: 'string' },
    },
    stock_trades: {
      name: 'ksql.StockTrade',
      key: 'symbol',
      shape: {
        side: 'string',
        quantity: 'int32',
        symbol: 'string',
        price: 'int32',
        account: 'string',
        userid: 'string',
      },
    },
    ratings: {
      name: 'ksql.ratings',
      key: 'rating_id',
      shape: {
        rating_id: 'int64',
        user_id: 'int32',
        stars: 'int32',
        route_id: 'int32',
        rating_time: 'int64',
        channel: 'string',
        message: 'string',
      },
    },
    clickstream: {
      name: 'clickstream.events',
      key: 'ip',
      shape: {
        ip: 'string',
        userid: 'int32',
        remote_user: 'string',
        time: 'int64',
        _time: 'int64',
        request: 'string',
        status: 'string',
        bytes: 'string',
        referrer: 'string',
        agent: 'string',
      },
    },
  };

  for (const [quickstart, want] of Object.entries(expected)) {
    it(`${quickstart}: Confluent's record name, fields and key field`, async () => {
      const { driver, task } = await startTask({ quickstart });
      const rs = await task.poll({ count: 20 });
      const schema = rs[0]!.valueSchema!;
      expect(schema.name).toBe(want.name);
      expect(shape(schema)).toEqual(want.shape);
      for (const r of rs) {
        expect(r.topic).toBe('mock');
        expect(r.keySchema?.type).toBe('string');
        expect(r.key).toBe(String(field(r, want.key)));
        expect(r.sourcePartition).toEqual({ 'task.id': 0 });
      }
      await driver.stop();
    });
  }

  it('covers every bundled quickstart in the expectations above or with a sequence field', () => {
    expect(QUICKSTARTS.map((q) => q.name).sort()).toEqual(
      [
        'clickstream',
        'clickstream_codes',
        'clickstream_users',
        'orders',
        'pageviews',
        'ratings',
        'stock_trades',
        'users',
      ].sort(),
    );
  });

  it('generates values within the quickstart rules', async () => {
    const orders = await startTask({ quickstart: 'orders' });
    for (const r of await orders.task.poll({ count: 500 })) {
      expect(field(r, 'itemid')).toMatch(/^BYOC_Item_[1-9][0-9]{0,2}$/);
      expect(field(r, 'orderunits')).toBeGreaterThanOrEqual(0.1);
      expect(field(r, 'orderunits')).toBeLessThan(10);
      expect(field(r, 'ordertime')).toBeGreaterThanOrEqual(1487715775521);
      const address = field(r, 'address') as Struct;
      expect(address.get('city')).toMatch(/^City_[1-9]{0,2}$/);
      expect(address.get('zipcode')).toBeGreaterThanOrEqual(10000);
      expect(address.get('zipcode')).toBeLessThan(99999);
    }
    await orders.driver.stop();

    const trades = await startTask({ quickstart: 'stock_trades' });
    const rs = await trades.task.poll({ count: 500 });
    expect(rs[0]!.valueSchema!.doc).toBe('Defines a hypothetical stock trade using some known test stock symbols.');
    expect(rs[0]!.valueSchema!.field('side')!.schema.doc).toBe('A simulated trade side (buy or sell or short)');
    expect(new Set(rs.map((r) => field(r, 'side')))).toEqual(new Set(['BUY', 'SELL', 'SHORT']));
    for (const r of rs) {
      expect(field(r, 'quantity')).toBeGreaterThanOrEqual(1);
      expect(field(r, 'quantity')).toBeLessThan(5000);
      expect(['ZBZX', 'ZJZZT', 'ZTEST', 'ZVV', 'ZVZZT', 'ZWZZT', 'ZXZZT']).toContain(field(r, 'symbol'));
      expect(field(r, 'userid')).toMatch(/^User_[1-9]?$/);
    }
    await trades.driver.stop();

    const users = await startTask({ quickstart: 'USERS' });
    for (const r of await users.task.poll({ count: 200 })) {
      expect(r.key).toMatch(/^User_[1-9]$/);
      expect(['MALE', 'FEMALE', 'OTHER']).toContain(field(r, 'gender'));
    }
    await users.driver.stop();
  });

  it('numbers records: the sequence field of each quickstart and the current.iteration header', async () => {
    const sequences: Record<string, (i: number) => number> = {
      orders: (i) => i,
      pageviews: (i) => 1 + 10 * i,
      ratings: (i) => 1 + i,
      clickstream: (i) => 1 + 10 * i,
      clickstream_users: (i) => 1 + i,
    };
    for (const q of QUICKSTARTS) {
      const { driver, task } = await startTask({ quickstart: q.name });
      const rs = await task.poll({ count: 30 });
      expect(rs.map((r) => header(r, 'current.iteration'))).toEqual(rs.map((_, i) => i));
      expect(rs.every((r) => header(r, 'task.id') === 0 && header(r, 'task.generation') === 0)).toBe(true);
      if (q.sequenceField)
        expect(rs.map((r) => field(r, q.sequenceField!))).toEqual(rs.map((_, i) => sequences[q.name]!(i)));
      else expect(sequences[q.name]).toBeUndefined();
      await driver.stop();
    }
  });
});

describe('DatagenTask offsets and iterations', () => {
  it('stops producing after `iterations` records per task', async () => {
    const { driver, task } = await startTask({ quickstart: 'orders', iterations: '5' });
    expect((await task.poll({ count: 5 })).map((r) => field(r, 'orderid'))).toEqual([0, 1, 2, 3, 4]);
    expect(await task.pollFor(50)).toEqual([]);
    expect(task.logger.find('generated the configured 5 records')).toBeDefined();
    await driver.stop();
  });

  it('resumes after a restart without gaps or repeats, emitting only the remaining iterations', async () => {
    const { driver, task } = await startTask({ quickstart: 'orders', iterations: '10' });
    expect((await task.poll({ count: 4 })).map((r) => field(r, 'orderid'))).toEqual([0, 1, 2, 3]);
    const offsets = driver.offsets.entries();
    expect(offsets).toEqual([]);
    const second = await task.restart();
    expect(driver.offsets.get({ 'task.id': 0 })).toMatchObject({ 'task.generation': 1, 'current.iteration': 4 });
    const rest = await second.poll({ count: 6 });
    expect(rest.map((r) => field(r, 'orderid'))).toEqual([4, 5, 6, 7, 8, 9]);
    expect(rest.map((r) => header(r, 'task.generation'))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await second.pollFor(50)).toEqual([]);
    await driver.stop();
  });

  it('replays what was not committed after a crash (at least once)', async () => {
    const { driver, task } = await startTask({ quickstart: 'pageviews' });
    await task.poll({ count: 3 });
    await task.commitOffsets();
    await task.poll({ count: 2 });
    const after = await task.restart({ commitOffsets: false });
    expect((await after.poll({ count: 2 })).map((r) => field(r, 'viewtime'))).toEqual([31, 41]);
    await driver.stop();
  });

  it('with random.seed, a restarted task continues the same data as an uninterrupted one', async () => {
    const seed = { quickstart: 'orders', 'random.seed': '42' };
    const whole = await startTask(seed);
    const all = (await whole.task.poll({ count: 10 })).map((r) => JSON.stringify(struct(r)));
    await whole.driver.stop();

    const parts = await startTask(seed);
    const first = await parts.task.poll({ count: 4 });
    const next = await parts.task.restart();
    const rest = await next.poll({ count: 6 });
    expect([...first, ...rest].map((r) => JSON.stringify(struct(r)))).toEqual(all);
    await parts.driver.stop();

    const other = await startTask({ ...seed, 'random.seed': '43' });
    expect((await other.task.poll({ count: 10 })).map((r) => JSON.stringify(struct(r)))).not.toEqual(all);
    await other.driver.stop();
  });

  it('gives each task its own task.id, offsets and data', async () => {
    const driver = ConnectorTestDriver.source(DatagenConnector);
    await driver.start({ ...base, quickstart: 'orders', 'random.seed': '7', 'tasks.max': '3' });
    const configs = await driver.taskConfigs(3);
    expect(configs.map((c) => c['task.id'])).toEqual(['0', '1', '2']);
    const tasks = await driver.startTasks(3);
    const batches = await Promise.all(tasks.map((t) => t.poll({ count: 3 })));
    expect(batches.map((b) => b[0]!.sourcePartition)).toEqual([{ 'task.id': 0 }, { 'task.id': 1 }, { 'task.id': 2 }]);
    expect(batches.map((b) => header(b[2]!, 'task.id'))).toEqual([0, 1, 2]);
    // Each task counts its own iterations (as Confluent's) but draws different random data.
    expect(batches.map((b) => b.map((r) => field(r, 'orderid')))).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(new Set(batches.map((b) => field(b[0]!, 'ordertime'))).size).toBe(3);
    await driver.stop();
    expect(driver.offsets.size).toBe(3);
  });

  it('starts at a seeded offset', async () => {
    const offsets = new InMemoryOffsetStore().put(
      { 'task.id': 0 },
      { 'task.generation': 3, 'current.iteration': 100, 'random.seed': 5 },
    );
    const { driver, task } = await startTask({ quickstart: 'orders' }, offsets);
    const [r] = await task.poll({ count: 1 });
    expect(field(r!, 'orderid')).toBe(100);
    expect(header(r!, 'task.generation')).toBe(3);
    expect(r!.sourceOffset).toMatchObject({ 'task.generation': 4, 'current.iteration': 101 });
    await driver.stop();
  });

  it('returns batches of up to MAX_BATCH with max.interval=0, and paces records otherwise', async () => {
    const fast = await startTask({ quickstart: 'users' });
    expect(await fast.task.pollOnce()).toHaveLength(MAX_BATCH);
    await fast.driver.stop();

    const paced = await startTask({ quickstart: 'users', 'max.interval': '20' });
    for (let i = 0; i < 3; i++) {
      const batch = await paced.task.pollOnce();
      expect(batch.length).toBeGreaterThanOrEqual(1);
      expect(batch.length).toBeLessThan(MAX_BATCH);
    }
    await paced.driver.stop();
  });

  it('stops promptly while poll() waits for the next record', async () => {
    const { driver, task } = await startTask({ quickstart: 'users', 'max.interval': '600000' });
    await expect(task.poll({ count: 1, timeoutMs: 20 })).rejects.toThrow(/did not return 1 records/);
    await driver.stop();
    expect(task.state).toBe('stopped');
  });
});

describe('DatagenConnector with custom schemas', () => {
  const custom = {
    type: 'record',
    name: 'Reading',
    namespace: 'sensors',
    fields: [
      { name: 'id', type: { type: 'long', 'arg.properties': { iteration: { start: 100, step: 5 } } } },
      { name: 'slot', type: { type: 'int', 'arg.properties': { iteration: { start: 0, restart: 3 } } } },
      { name: 'countdown', type: { type: 'int', 'arg.properties': { iteration: { start: 10, restart: 7 } } } },
      { name: 'level', type: { type: 'double', 'arg.properties': { range: { min: -1, max: 1 } } } },
      { name: 'flag', type: { type: 'boolean', 'arg.properties': { iteration: { start: true } } } },
      { name: 'code', type: { type: 'string', 'arg.properties': { regex: '(AB|CD)-\\d{3}[x-z]?' } } },
      { name: 'tag', type: { type: 'string', 'arg.properties': { length: { min: 3, max: 5 }, prefix: 't_' } } },
      { name: 'fixedLen', type: { type: 'string', 'arg.properties': { length: 4 } } },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
      { name: 'note', type: ['null', { type: 'string', 'arg.properties': { options: ['hi'] } }] },
      { name: 'values', type: { type: 'array', items: 'int', 'arg.properties': { length: 2 } } },
      {
        name: 'labels',
        type: { type: 'map', values: 'string', 'arg.properties': { length: 1, keys: { options: ['k1', 'k2'] } } },
      },
      {
        name: 'at',
        type: { type: 'long', logicalType: 'timestamp-millis', 'arg.properties': { range: { min: 0, max: 1000 } } },
      },
      {
        name: 'origin',
        type: {
          type: 'record',
          name: 'Origin',
          fields: [{ name: 'x', type: 'int' }],
          'arg.properties': { options: [{ x: 1 }, { x: 2 }] },
        },
      },
    ],
  };

  it('follows the arg.properties annotations and maps types as AvroData does', async () => {
    // Comments are allowed in schema files, as Avro's parser allows them.
    const text = `// readings\n${JSON.stringify(custom, null, 1)}`;
    const { driver, task } = await startTask({ 'schema.string': text, 'schema.keyfield': 'code' });
    const rs = await task.poll({ count: 40 });
    const schema = rs[0]!.valueSchema!;
    expect(schema.name).toBe('sensors.Reading');
    expect(schema.field('origin')!.schema.name).toBe('sensors.Origin');
    expect(schema.field('kind')!.schema).toMatchObject({ type: 'string', name: 'sensors.Kind' });
    expect(schema.field('note')!.schema).toMatchObject({ type: 'string', optional: true });
    expect(schema.field('values')!.schema.valueSchema?.type).toBe('int32');
    expect(schema.field('labels')!.schema.type).toBe('map');
    expect(schema.field('at')!.schema.name).toBe('org.apache.kafka.connect.data.Timestamp');

    expect(rs.map((r) => field(r, 'id')).slice(0, 3)).toEqual([100, 105, 110]);
    expect(rs.map((r) => field(r, 'slot')).slice(0, 7)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(rs.map((r) => field(r, 'countdown')).slice(0, 5)).toEqual([10, 9, 8, 10, 9]);
    expect(rs.map((r) => field(r, 'flag')).slice(0, 3)).toEqual([true, false, true]);
    for (const r of rs) {
      expect(r.key).toBe(field(r, 'code'));
      expect(field(r, 'code')).toMatch(/^(AB|CD)-\d{3}[x-z]?$/);
      expect(field(r, 'tag')).toMatch(/^t_[a-zA-Z0-9]{3,4}$/);
      expect(field(r, 'fixedLen')).toHaveLength(4);
      expect(field(r, 'level')).toBeGreaterThanOrEqual(-1);
      expect(field(r, 'level')).toBeLessThan(1);
      expect(['A', 'B']).toContain(field(r, 'kind'));
      expect([null, 'hi']).toContain(field(r, 'note'));
      expect(field(r, 'values')).toHaveLength(2);
      expect([...(field(r, 'labels') as Map<string, string>).keys()].every((k) => k === 'k1' || k === 'k2')).toBe(true);
      expect((field(r, 'at') as Date).getTime()).toBeLessThan(1000);
      expect([1, 2]).toContain((field(r, 'origin') as Struct).get('x'));
    }
    expect(new Set(rs.map((r) => field(r, 'note')))).toEqual(new Set([null, 'hi']));
    await driver.stop();
  });

  it('reads schema.filename, and Confluent bundled resource names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datagen-'));
    try {
      const file = join(dir, 'reading.avsc');
      await writeFile(file, `/* a schema with a block comment */ ${JSON.stringify(custom)}`);
      const fromFile = await startTask({ 'schema.filename': file, 'schema.keyfield': 'id' });
      const [r] = await fromFile.task.poll({ count: 1 });
      expect(r!.key).toBe('100');
      await fromFile.driver.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const bundled = await startTask({ 'schema.filename': 'orders_schema.avro', 'schema.keyfield': 'orderid' });
    expect((await bundled.task.poll({ count: 1 }))[0]!.valueSchema!.name).toBe('ksql.orders');
    await bundled.driver.stop();
  });

  it('uses an empty key when no key field is set', async () => {
    const { driver, task } = await startTask({ 'schema.string': JSON.stringify(custom) });
    expect((await task.poll({ count: 1 }))[0]!.key).toBe('');
    await driver.stop();
  });

  it('names every bad key in one ConfigException', async () => {
    const errorsOf = async (config: Record<string, string>) => {
      const err = await ConnectorTestDriver.source(DatagenConnector)
        .start(config)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigException);
      return (err as ConfigException).errors;
    };
    expect(await errorsOf({ quickstart: 'orders' })).toEqual({
      'kafka.topic': ['Missing required configuration "kafka.topic" which has no default value.'],
    });
    expect(await errorsOf({ ...base })).toEqual({
      quickstart: ['One of quickstart, schema.string or schema.filename must be set'],
    });
    expect(Object.keys(await errorsOf({ ...base, quickstart: 'orders', 'schema.string': '{}' })).sort()).toEqual([
      'quickstart',
      'schema.string',
    ]);
    expect((await errorsOf({ ...base, quickstart: 'nope' })).quickstart?.[0]).toMatch(
      /^Unknown quickstart 'nope'; one of: /,
    );
    expect((await errorsOf({ ...base, 'schema.string': '{"type": "record"' }))['schema.string']?.[0]).toMatch(
      /^Unable to parse the provided schema: schema is not valid JSON/,
    );
    expect((await errorsOf({ ...base, 'schema.filename': '/nonexistent/x.avsc' }))['schema.filename']?.[0]).toMatch(
      /Unable to find the schema file \/nonexistent\/x.avsc/,
    );
    expect(await errorsOf({ ...base, quickstart: 'orders', 'schema.keyfield': 'nope', 'max.interval': '-1' })).toEqual({
      'max.interval': ['Invalid value -1 for configuration max.interval: Value must be at least 0'],
      'schema.keyfield': ["The schema has no field 'nope' to use as the key"],
    });
  });
});

describe('RegexGenerator', () => {
  const sample = (re: string, n = 200) => {
    const g = new RegexGenerator(re);
    const r = new Random(1);
    return Array.from({ length: n }, () => g.generate(r));
  };

  it('generates strings matching classes, groups, alternation, escapes and quantifiers', () => {
    for (const re of [
      'User_[1-9]{0,1}',
      '[^a-z]{3}',
      '(foo|ba[rz])+\\.x?',
      '\\d{2}-\\w\\s[\\d_]',
      'a.b',
      '[a\\-z]{1,3}',
      '(?:ab){2,}$',
    ]) {
      const js = new RegExp(`^(?:${re})$`);
      for (const s of sample(re)) expect(s).toMatch(js);
    }
    expect(new Set(sample('[ab]'))).toEqual(new Set(['a', 'b']));
  });

  it('refuses what it cannot generate', () => {
    expect(() => new RegexGenerator('(a)\\1')).toThrow('back-references are not supported');
    expect(() => new RegexGenerator('(?=a)')).toThrow('look-arounds');
    expect(() => new RegexGenerator('[a-')).toThrow();
    expect(() => new RegexGenerator('*a')).toThrow('nothing to repeat');
  });
});
