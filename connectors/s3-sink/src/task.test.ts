import { randomBytes } from 'node:crypto';
import {
  DataException,
  type ErrantRecordReporter,
  Headers,
  Schema,
  SchemaBuilder,
  SinkRecord,
  type SinkTaskContext,
  Struct,
  silentLogger,
  type TopicPartition,
} from '@tributary/api';
import { afterEach, describe, expect, it } from 'vitest';
import { S3SinkTask } from './task.js';
import { MemoryStore } from '../test-support/memory-store.js';
import { duckQuery } from '../test-support/read-back.js';

const TOPIC = 'orders';
const BASE = {
  's3.bucket.name': 'bucket',
  'format.class': 'io.confluent.connect.s3.format.json.JsonFormat',
  'flush.size': '10',
};

interface Harness {
  task: S3SinkTask;
  store: MemoryStore;
  clock: { now: number };
  commitRequests: number;
  reported: SinkRecord[];
}

const tasks: S3SinkTask[] = [];
afterEach(async () => {
  for (const t of tasks.splice(0)) await t.stop();
});

async function harness(
  props: Record<string, string>,
  opts: { store?: MemoryStore; partitions?: number[]; reporter?: boolean; now?: number } = {},
): Promise<Harness> {
  const store = opts.store ?? new MemoryStore();
  const clock = { now: opts.now ?? Date.UTC(2024, 0, 1) };
  const h: Harness = {
    task: new S3SinkTask({ store, now: () => clock.now }),
    store,
    clock,
    commitRequests: 0,
    reported: [],
  };
  const reporter: ErrantRecordReporter = {
    report: async (r) => {
      h.reported.push(r);
    },
  };
  const ctx: SinkTaskContext = {
    configs: () => props,
    offset: () => undefined,
    timeout: () => undefined,
    assignment: () => [],
    pause: () => undefined,
    resume: () => undefined,
    requestCommit: () => {
      h.commitRequests++;
    },
    errantRecordReporter: opts.reporter ? reporter : null,
    logger: silentLogger,
  };
  h.task.initialize(ctx);
  await h.task.start({ ...BASE, ...props });
  tasks.push(h.task);
  const tps: TopicPartition[] = (opts.partitions ?? [0]).map((partition) => ({ topic: TOPIC, partition }));
  await h.task.open(tps);
  return h;
}

const VALUE_V1 = SchemaBuilder.struct()
  .name('Order')
  .version(1)
  .field('id', Schema.INT64_SCHEMA)
  .field('region', Schema.STRING_SCHEMA)
  .build();
const VALUE_V2 = SchemaBuilder.struct()
  .name('Order')
  .version(2)
  .field('id', Schema.INT64_SCHEMA)
  .field('region', Schema.STRING_SCHEMA)
  .field('note', SchemaBuilder.string().optional().defaultValue('none').build())
  .build();

function order(
  offset: number,
  o: { partition?: number; region?: string; ts?: number; schema?: Schema; key?: unknown } = {},
): SinkRecord {
  const schema = o.schema ?? VALUE_V1;
  const v = new Struct(schema).put('id', offset).put('region', o.region ?? 'eu');
  if (schema.field('note')) v.put('note', `n${offset}`);
  return new SinkRecord({
    topic: TOPIC,
    kafkaPartition: o.partition ?? 0,
    kafkaOffset: offset,
    keySchema: o.key === undefined ? null : Schema.STRING_SCHEMA,
    key: o.key ?? null,
    valueSchema: schema,
    value: v,
    timestamp: o.ts ?? Date.UTC(2024, 0, 1) + offset * 1000,
  });
}

function range(from: number, to: number, f: (i: number) => SinkRecord = (i) => order(i)): SinkRecord[] {
  return Array.from({ length: to - from }, (_, i) => f(from + i));
}

function lines(store: MemoryStore, key: string): Record<string, unknown>[] {
  const o = store.objects.get(key);
  if (!o) throw new Error(`no object ${key}; have ${store.keys().join(', ')}`);
  return Buffer.from(o.bytes)
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const commitOf = async (h: Harness, offset: number, partition = 0) =>
  (await h.task.preCommit([{ topic: TOPIC, partition, offset }])).find((o) => o.partition === partition)?.offset ??
  null;

describe('S3SinkTask rotation', () => {
  it('cuts files every flush.size records, names them by start offset, and commits only uploaded records', async () => {
    const h = await harness({});
    await h.task.put(range(0, 25));
    expect(h.store.keys()).toEqual([
      'topics/orders/partition=0/orders+0+0000000000.json',
      'topics/orders/partition=0/orders+0+0000000010.json',
    ]);
    expect(lines(h.store, 'topics/orders/partition=0/orders+0+0000000010.json').map((r) => r.id)).toEqual(
      range(10, 20).map((r) => r.kafkaOffset),
    );
    expect(await commitOf(h, 25)).toBe(20);
    expect(h.commitRequests).toBeGreaterThan(0);
  });

  it('honours topics.dir, directory.delim, file.delim and filename.offset.zero.pad.width', async () => {
    const h = await harness({
      'topics.dir': 'lake/raw',
      'directory.delim': '/',
      'file.delim': '_',
      'filename.offset.zero.pad.width': '4',
      'flush.size': '2',
    });
    await h.task.put(range(0, 2));
    expect(h.store.keys()).toEqual(['lake/raw/orders/partition=0/orders_0_0000.json']);
  });

  it('FieldPartitioner: files per field value share the cut and start at their own first offset', async () => {
    const h = await harness({
      'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner',
      'partition.field.name': 'region',
      'flush.size': '4',
    });
    await h.task.put([
      order(0, { region: 'eu' }),
      order(1, { region: 'us' }),
      order(2, { region: 'us' }),
      order(3, { region: 'eu' }),
      order(4, { region: 'us' }),
    ]);
    expect(h.store.keys()).toEqual([
      'topics/orders/region=eu/orders+0+0000000000.json',
      'topics/orders/region=us/orders+0+0000000001.json',
    ]);
    expect(lines(h.store, 'topics/orders/region=us/orders+0+0000000001.json').map((r) => r.id)).toEqual([1, 2]);
    expect(await commitOf(h, 5)).toBe(4);
  });

  it('rotate.interval.ms cuts on record time (deterministic), TimeBasedPartitioner hours land in their own paths', async () => {
    const h = await harness({
      'partitioner.class': 'io.confluent.connect.storage.partitioner.HourlyPartitioner',
      locale: 'en-US',
      timezone: 'UTC',
      'timestamp.extractor': 'Record',
      'flush.size': '1000',
      'rotate.interval.ms': '600000',
    });
    const t0 = Date.UTC(2024, 4, 1, 10, 0);
    // Every 4 minutes across 3 hours (10:00 … 12:56).
    await h.task.put(range(0, 45, (i) => order(i, { ts: t0 + i * 240_000 })));
    const keys = h.store.keys();
    expect(new Set(keys.map((k) => k.split('/').slice(0, -1).join('/')))).toEqual(
      new Set([10, 11, 12].map((hour) => `topics/orders/year=2024/month=05/day=01/hour=${hour}`)),
    );
    // 10 minutes of record time per file: records 0-2 (10:00-10:08), 3-5 (10:12-10:20), …
    expect(keys.slice(0, 2)).toEqual([
      'topics/orders/year=2024/month=05/day=01/hour=10/orders+0+0000000000.json',
      'topics/orders/year=2024/month=05/day=01/hour=10/orders+0+0000000003.json',
    ]);
    // The hour changes at record 15: a new encoded partition also cuts (one writer at a time).
    expect(keys).toContain('topics/orders/year=2024/month=05/day=01/hour=11/orders+0+0000000015.json');
    expect(await commitOf(h, 45)).toBe(42);
  });

  it('rotate.interval.ms with FieldPartitioner cuts on record time only, not on every change of field value', async () => {
    const h = await harness({
      'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner',
      'partition.field.name': 'region',
      'timestamp.extractor': 'Record',
      'flush.size': '1000',
      'rotate.interval.ms': '10000',
    });
    // Regions alternate every record; record time advances 1 s per record.
    await h.task.put(range(0, 12, (i) => order(i, { region: i % 2 === 0 ? 'eu' : 'us' })));
    expect(h.store.keys()).toEqual([
      'topics/orders/region=eu/orders+0+0000000000.json',
      'topics/orders/region=us/orders+0+0000000001.json',
    ]);
    expect(lines(h.store, h.store.keys()[0]!).map((r) => r.id)).toEqual([0, 2, 4, 6, 8]);
    expect(await commitOf(h, 12)).toBe(10);
  });

  it('rotate.size.bytes cuts once the records reach the size', async () => {
    const h = await harness({ 'flush.size': '1000', 'rotate.size.bytes': '200' });
    await h.task.put(range(0, 20));
    const counts = h.store.keys().map((k) => lines(h.store, k).length);
    expect(counts.length).toBeGreaterThan(1);
    expect(new Set(counts.slice(0, -1)).size).toBe(1);
  });

  it('rotates an idle partition by rotate.idle.ms and on rotate.schedule.interval.ms', async () => {
    const h = await harness({ 'flush.size': '1000', 'rotate.idle.ms': '5000' }, { partitions: [0, 1] });
    await h.task.put([...range(0, 3), order(0, { partition: 1 })]);
    h.clock.now += 3000;
    await h.task.put([order(1, { partition: 1 })]);
    h.clock.now += 2500;
    await h.task.tick();
    // Partition 0 had no record for 5.5 s; partition 1 for 2.5 s.
    expect(h.store.keys()).toEqual(['topics/orders/partition=0/orders+0+0000000000.json']);
    expect(await commitOf(h, 3, 0)).toBe(3);
    expect(await commitOf(h, 2, 1)).toBe(null);
    h.clock.now += 3000;
    await h.task.tick();
    expect(h.store.keys()).toHaveLength(2);

    const s = await harness(
      { 'flush.size': '1000', 'rotate.schedule.interval.ms': '3600000', timezone: 'UTC' },
      { now: Date.UTC(2024, 0, 1, 9, 59) },
    );
    await s.task.put(range(0, 3));
    await s.task.tick();
    expect(s.store.keys()).toEqual([]);
    s.clock.now = Date.UTC(2024, 0, 1, 10, 0);
    await s.task.tick();
    expect(s.store.keys()).toEqual(['topics/orders/partition=0/orders+0+0000000000.json']);
  });
});

describe('S3SinkTask schema changes', () => {
  const mixed = [order(0), order(1, { schema: VALUE_V2 }), order(2), order(3, { schema: VALUE_V2 }), order(4)];

  it('NONE rotates on every change', async () => {
    const h = await harness({ 'flush.size': '100', 'rotate.idle.ms': '1' });
    await h.task.put(mixed);
    h.clock.now += 10;
    await h.task.tick();
    expect(h.store.keys().map((k) => k.slice(-15))).toEqual([
      '0000000000.json',
      '0000000001.json',
      '0000000002.json',
      '0000000003.json',
      '0000000004.json',
    ]);
  });

  it('BACKWARD rotates on a newer version and projects older records into it (no tiny files)', async () => {
    const h = await harness({ 'flush.size': '100', 'rotate.idle.ms': '1', 'schema.compatibility': 'BACKWARD' });
    await h.task.put(mixed);
    h.clock.now += 10;
    await h.task.tick();
    expect(h.store.keys().map((k) => k.slice(-15))).toEqual(['0000000000.json', '0000000001.json']);
    expect(lines(h.store, h.store.keys()[1]!)).toEqual([
      { id: 1, region: 'eu', note: 'n1' },
      { id: 2, region: 'eu', note: 'none' },
      { id: 3, region: 'eu', note: 'n3' },
      { id: 4, region: 'eu', note: 'none' },
    ]);
  });

  it('FORWARD rotates on an older version and projects newer records into it', async () => {
    const h = await harness({ 'flush.size': '100', 'rotate.idle.ms': '1', 'schema.compatibility': 'FORWARD' });
    await h.task.put([order(0, { schema: VALUE_V2 }), order(1), order(2, { schema: VALUE_V2 })]);
    h.clock.now += 10;
    await h.task.tick();
    expect(h.store.keys().map((k) => k.slice(-15))).toEqual(['0000000000.json', '0000000001.json']);
    expect(lines(h.store, h.store.keys()[1]!)).toEqual([
      { id: 1, region: 'eu' },
      { id: 2, region: 'eu' },
    ]);
  });
});

describe('S3SinkTask null values, keys and headers', () => {
  const tombstone = (offset: number) =>
    new SinkRecord({
      topic: TOPIC,
      kafkaPartition: 0,
      kafkaOffset: offset,
      keySchema: Schema.STRING_SCHEMA,
      key: `k${offset}`,
      value: null,
    });

  it('behavior.on.null.values=fail fails the batch; ignore skips and still commits past it', async () => {
    const f = await harness({});
    await expect(f.task.put([order(0), tombstone(1)])).rejects.toThrow(/null value/);
    const i = await harness({ 'behavior.on.null.values': 'ignore', 'flush.size': '2' });
    await i.task.put([order(0), order(1), tombstone(2)]);
    expect(await commitOf(i, 3)).toBe(3);
  });

  it('behavior.on.null.values=write puts tombstones in tombstone.encoded.partition with their keys', async () => {
    const h = await harness({
      'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
      'behavior.on.null.values': 'write',
      'store.kafka.keys': 'true',
      'keys.format.class': 'io.confluent.connect.s3.format.json.JsonFormat',
      'flush.size': '3',
    });
    await h.task.put([order(0, { key: 'k0' }), tombstone(1), order(2, { key: 'k2' })]);
    expect(h.store.keys()).toEqual([
      'topics/orders/partition=0/orders+0+0000000000.keys.json',
      'topics/orders/partition=0/orders+0+0000000000.snappy.parquet',
      'topics/orders/tombstone/orders+0+0000000001.keys.json',
    ]);
    expect(lines(h.store, 'topics/orders/tombstone/orders+0+0000000001.keys.json')).toEqual(['k1']);
    expect(lines(h.store, 'topics/orders/partition=0/orders+0+0000000000.keys.json')).toEqual(['k0', 'k2']);
  });

  it('store.kafka.keys and store.kafka.headers write aligned .keys and .headers files', async () => {
    const h = await harness({
      'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
      'store.kafka.keys': 'true',
      'store.kafka.headers': 'true',
      'keys.format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
      'headers.format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
      'flush.size': '2',
    });
    const withHeaders = (o: number) => {
      const r = order(o, { key: `key-${o}` });
      return r.newRecord({ headers: new Headers().addString('trace', `t${o}`).add('n', o) });
    };
    await h.task.put([withHeaders(0), withHeaders(1)]);
    const dir = 'topics/orders/partition=0/orders+0+0000000000';
    expect(h.store.keys()).toEqual([
      `${dir}.headers.snappy.parquet`,
      `${dir}.keys.snappy.parquet`,
      `${dir}.snappy.parquet`,
    ]);
    expect(
      await duckQuery(
        h.store.objects.get(`${dir}.keys.snappy.parquet`)!.bytes,
        'select value from read_parquet({file})',
      ),
    ).toEqual([{ value: 'key-0' }, { value: 'key-1' }]);
    expect(
      await duckQuery(
        h.store.objects.get(`${dir}.headers.snappy.parquet`)!.bytes,
        'select value from read_parquet({file})',
      ),
    ).toEqual([
      {
        value: [
          { key: 'trace', value: 't0' },
          { key: 'n', value: '0' },
        ],
      },
      {
        value: [
          { key: 'trace', value: 't1' },
          { key: 'n', value: '1' },
        ],
      },
    ]);
    expect(
      await duckQuery(
        h.store.objects.get(`${dir}.snappy.parquet`)!.bytes,
        'select id, region from read_parquet({file})',
      ),
    ).toEqual([
      { id: '0', region: 'eu' },
      { id: '1', region: 'eu' },
    ]);
    await expect(h.task.put([order(2)])).rejects.toThrow(/null key/);
  });

  it('hands records it cannot write to the errant record reporter and skips them', async () => {
    const h = await harness(
      {
        'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner',
        'partition.field.name': 'missing',
        'flush.size': '1',
      },
      { reporter: true },
    );
    await h.task.put([order(0), order(1)]);
    expect(h.reported.map((r) => r.kafkaOffset)).toEqual([0, 1]);
    expect(await commitOf(h, 2)).toBe(2);
  });

  it('Parquet with schemaless values infers a schema, or fails with schemaless.inference=fail', async () => {
    const h = await harness({
      'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
      'flush.size': '2',
    });
    const raw = (o: number) =>
      new SinkRecord({
        topic: TOPIC,
        kafkaPartition: 0,
        kafkaOffset: o,
        value: new Map<string, unknown>([
          ['id', o],
          ['tags', ['a']],
        ]),
      });
    await h.task.put([raw(0), raw(1)]);
    expect(
      await duckQuery(h.store.objects.get(h.store.keys()[0]!)!.bytes, 'select id, tags from read_parquet({file})'),
    ).toEqual([
      { id: '0', tags: ['a'] },
      { id: '1', tags: ['a'] },
    ]);
    const strict = await harness({
      'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
      'schemaless.inference': 'fail',
    });
    await expect(strict.task.put([raw(0)])).rejects.toBeInstanceOf(DataException);
  });
});

describe('S3SinkTask exactly-once', () => {
  async function run(
    store: MemoryStore,
    records: SinkRecord[],
    props: Record<string, string>,
    stopAfter?: number,
  ): Promise<number | null> {
    const h = await harness(props, { store });
    let committed: number | null = null;
    for (let i = 0; i < records.length; i += 7) {
      if (stopAfter !== undefined && i >= stopAfter) break;
      await h.task.put(records.slice(i, i + 7));
      if ((i / 7) % 3 === 2)
        committed = (await commitOf(h, records[Math.min(i + 6, records.length - 1)]!.kafkaOffset + 1)) ?? committed;
    }
    await h.task.stop();
    return committed;
  }

  it('a replay from the committed offset writes the same keys and bytes as an uninterrupted run', async () => {
    const props = { 'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat', 'flush.size': '10' };
    const records = range(0, 100);
    const clean = new MemoryStore();
    await run(clean, records, props);

    const crashed = new MemoryStore();
    // First attempt: uploads past its last commit, then dies.
    const committed = (await run(crashed, records, props, 70)) ?? 0;
    expect(committed).toBe(60);
    expect(crashed.keys()).toContain('topics/orders/partition=0/orders+0+0000000060.snappy.parquet');
    // Second attempt resumes where the consumer group committed.
    await run(crashed, records.slice(committed), props);
    expect(crashed.keys()).toEqual(clean.keys());
    for (const k of clean.keys())
      expect(Buffer.from(crashed.objects.get(k)!.bytes).equals(Buffer.from(clean.objects.get(k)!.bytes))).toBe(true);
  });

  it('files an earlier attempt cut differently (timer, memory) are replaced or deleted, so every record is stored once', async () => {
    const store = new MemoryStore();
    // Attempt 1 cuts every 4 records (as if an idle timer had fired), commits nothing, dies.
    const a = await harness({ 'flush.size': '4' }, { store });
    await a.task.put(range(0, 12));
    await a.task.stop();
    expect(store.keys().map((k) => k.slice(-15))).toEqual(['0000000000.json', '0000000004.json', '0000000008.json']);
    // Attempt 2 replays from offset 0 with flush.size 10.
    const b = await harness({ 'flush.size': '10', 'rotate.idle.ms': '1' }, { store });
    await b.task.put(range(0, 12));
    b.clock.now += 10;
    await b.task.tick();
    expect(store.keys().map((k) => k.slice(-15))).toEqual(['0000000000.json', '0000000010.json']);
    const ids = store.keys().flatMap((k) => lines(store, k).map((r) => r.id));
    expect(ids).toEqual(range(0, 12).map((r) => r.kafkaOffset));
    expect(b.task.writerFor(TOPIC, 0)!.stats.orphansDeleted).toBe(2);
  });

  it('open() aborts incomplete multipart uploads of its own partitions only', async () => {
    const store = new MemoryStore();
    store.incomplete.set('u1', 'topics/orders/partition=0/orders+0+0000000000.json');
    store.incomplete.set('u2', 'topics/orders/partition=1/orders+1+0000000000.json');
    store.incomplete.set('u3', 'topics/orders/region=eu/orders+0+0000000100.json');
    await harness({}, { store, partitions: [0] });
    expect([...store.incomplete.keys()]).toEqual(['u2']);
  });
});

describe('S3SinkTask memory budget', () => {
  it('keeps 200 open partitions under memory.buffer.max.bytes by encoding and rotating early', async () => {
    const budget = 4 * 1024 * 1024;
    const partitions = Array.from({ length: 200 }, (_, i) => i);
    const h = await harness(
      {
        'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
        'flush.size': '100000',
        'memory.buffer.max.bytes': String(budget),
        'parquet.row.group.bytes': String(1024 * 1024),
      },
      { partitions },
    );
    // Incompressible text, so encoding alone cannot keep up and partitions must rotate early.
    const note = () => randomBytes(675).toString('base64');
    const schema = SchemaBuilder.struct().field('id', Schema.INT64_SCHEMA).field('note', Schema.STRING_SCHEMA).build();
    let offset = 0;
    for (let batch = 0; batch < 40; batch++) {
      const records = partitions.map(
        (p) =>
          new SinkRecord({
            topic: TOPIC,
            kafkaPartition: p,
            kafkaOffset: batch,
            valueSchema: schema,
            value: new Struct(schema).put('id', offset++).put('note', note()),
          }),
      );
      await h.task.put(records);
      expect(h.task.bufferedBytes).toBeLessThanOrEqual(budget);
    }
    // One batch (200 records, ~200 KB) may arrive on top of a full budget before it is enforced.
    expect(h.task.peakBufferedBytes).toBeLessThanOrEqual(budget + 300 * 1024);
    const rotations = [...partitions].reduce(
      (n, p) => n + (h.task.writerFor(TOPIC, p)!.stats.rotations.get('memory') ?? 0),
      0,
    );
    expect(rotations).toBeGreaterThan(0);
    const stored = (
      await Promise.all(
        h.store
          .keys()
          .map((k) => duckQuery(h.store.objects.get(k)!.bytes, 'select count(*)::INT as n from read_parquet({file})')),
      )
    ).reduce((n, r) => n + Number(r[0]!.n), 0);
    const open = partitions.reduce((n, p) => n + h.task.writerFor(TOPIC, p)!.recordCount, 0);
    expect(stored + open).toBe(200 * 40);
  });
});
