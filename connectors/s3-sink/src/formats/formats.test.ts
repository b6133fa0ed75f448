import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  Schema,
  SchemaBuilder,
  Struct,
} from '@tributary/api';
import avro from 'avsc';
import { beforeAll, describe, expect, it } from 'vitest';
import { duckQuery } from '../../test-support/read-back.js';
import { AvroFormat } from './avro.js';
import type { FormatWriter } from './format.js';
import { inferSchema } from './infer.js';
import { ByteArrayFormat, JsonFormat, toJsonText, unescapeSeparator } from './json.js';
import { ParquetFormat } from './parquet.js';
import { loadZstd } from './parquet-encoder.js';

function drain(w: FormatWriter): Buffer {
  w.finish();
  return Buffer.concat(w.take());
}

const ADDRESS = SchemaBuilder.struct()
  .name('com.example.Address')
  .field('street', Schema.STRING_SCHEMA)
  .field('zip', Schema.OPTIONAL_INT32_SCHEMA)
  .build();
const DECIMAL = Decimal.builder(4).parameter('connect.decimal.precision', '20').build();
const ORDER = SchemaBuilder.struct()
  .name('com.example.Order')
  .version(1)
  .field('id', Schema.INT64_SCHEMA)
  .field('small', Schema.INT8_SCHEMA)
  .field('name', Schema.OPTIONAL_STRING_SCHEMA)
  .field('price', DECIMAL)
  .field('day', ConnectDate.SCHEMA)
  .field('at', ConnectTimestamp.SCHEMA)
  .field('time', ConnectTime.SCHEMA)
  .field('ratio', Schema.FLOAT64_SCHEMA)
  .field('ok', Schema.BOOLEAN_SCHEMA)
  .field('raw', Schema.OPTIONAL_BYTES_SCHEMA)
  .field('address', ADDRESS)
  .field('tags', SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build())
  .field('attrs', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).optional().build())
  .field('history', SchemaBuilder.array(ADDRESS).optional().build())
  .build();

function order(i: number): Struct {
  return new Struct(ORDER)
    .put('id', 9_007_199_254_740_993n + BigInt(i))
    .put('small', -5)
    .put('name', i % 2 === 0 ? `order-${i}` : null)
    .put('price', BigDecimal.parse(`${12345678901 + i}.0042`))
    .put('day', new Date(Date.UTC(2024, 1, 29)))
    .put('at', new Date(Date.UTC(2024, 1, 29, 13, 14, 15, 678)))
    .put('time', new Date(3_723_004))
    .put('ratio', 0.25 * i)
    .put('ok', i % 3 === 0)
    .put('raw', i % 2 === 0 ? Uint8Array.from([1, 2, 255]) : null)
    .put('address', new Struct(ADDRESS).put('street', `Main ${i}`).put('zip', i === 1 ? null : 10_000 + i))
    .put('tags', ['a', null, `t${i}`])
    .put(
      'attrs',
      i === 2
        ? null
        : new Map([
            ['x', i],
            ['y', -i],
          ]),
    )
    .put('history', i === 0 ? [] : [new Struct(ADDRESS).put('street', 'Old').put('zip', 1)]);
}

describe('ParquetFormat', () => {
  beforeAll(async () => {
    await loadZstd();
  });

  it('writes nested structs, arrays, maps, optionals and logical types that DuckDB reads back exactly', async () => {
    const f = new ParquetFormat('snappy', 1024);
    expect(f.extension).toBe('.snappy.parquet');
    const w = f.newWriter(ORDER);
    for (let i = 0; i < 5; i++) w.write(order(i));
    const rows = await duckQuery(
      drain(w),
      `select id::VARCHAR as id, small, name, price::VARCHAR as price, typeof(price) as pt, day::VARCHAR as day,
              epoch_ms("at")::BIGINT as at_ms, time::VARCHAR as time, ratio, ok, hex(raw) as raw, address.street as street,
              address.zip as zip, tags, attrs['x'] as ax, len(history) as hl, history[1].street as h1
         from read_parquet({file}) order by id`,
    );
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({
      id: '9007199254740993',
      small: -5,
      name: 'order-0',
      price: '12345678901.0042',
      pt: 'DECIMAL(20,4)',
      day: '2024-02-29',
      at_ms: String(Date.UTC(2024, 1, 29, 13, 14, 15, 678)),
      time: '01:02:03.004+00',
      ratio: 0,
      ok: true,
      raw: '0102FF',
      street: 'Main 0',
      zip: 10000,
      tags: ['a', null, 't0'],
      ax: 0,
      hl: '0',
      h1: null,
    });
    expect(rows[1]).toMatchObject({
      id: '9007199254740994',
      name: null,
      raw: null,
      zip: null,
      hl: '1',
      h1: 'Old',
      ax: 1,
    });
    expect(rows[2]).toMatchObject({ ax: null });
  });

  it.each([
    ['snappy', 'SNAPPY', '.snappy.parquet'],
    ['gzip', 'GZIP', '.gz.parquet'],
    ['zstd', 'ZSTD', '.zstd.parquet'],
    ['brotli', 'BROTLI', '.br.parquet'],
    ['none', 'UNCOMPRESSED', '.parquet'],
  ])('parquet.codec=%s compresses with %s and names files %s', async (codec, expected, ext) => {
    const f = new ParquetFormat(codec, 64 * 1024);
    expect(f.extension).toBe(ext);
    const s = SchemaBuilder.struct().field('n', Schema.INT32_SCHEMA).field('s', Schema.STRING_SCHEMA).build();
    const w = f.newWriter(s);
    for (let i = 0; i < 3000; i++) w.write(new Struct(s).put('n', i).put('s', `row ${i} `.repeat(10)));
    const bytes = drain(w);
    const meta = await duckQuery(bytes, 'select distinct compression as c from parquet_metadata({file})');
    expect(meta.map((r) => r.c)).toEqual([expected]);
    const agg = await duckQuery(
      bytes,
      'select count(*)::INT as n, sum(n)::BIGINT as total, count(distinct row_group_id)::INT as g from read_parquet({file}), parquet_metadata({file})',
    );
    expect(Number(agg[0]!.n)).toBeGreaterThan(0);
    const sum = await duckQuery(bytes, 'select count(*)::INT as n, sum(n)::BIGINT as total from read_parquet({file})');
    expect(sum[0]).toEqual({ n: 3000, total: String((2999 * 3000) / 2) });
  });

  it('cuts row groups by parquet.row.group.bytes so an open file holds one row group of rows', async () => {
    const f = new ParquetFormat('snappy', 64 * 1024);
    const s = SchemaBuilder.struct().field('s', Schema.STRING_SCHEMA).build();
    const w = f.newWriter(s);
    for (let i = 0; i < 2000; i++) {
      w.write(new Struct(s).put('s', 'x'.repeat(200)));
      expect(w.bufferedBytes).toBeLessThan(2 * 64 * 1024 + 4096);
      w.take();
    }
    w.finish();
    // 2000 × ~208 estimated bytes in groups of 64 KiB
    expect(w.take().length).toBeGreaterThan(0);
  });

  it('wraps a non-struct value schema in one column named value', async () => {
    const w = new ParquetFormat('snappy', 1024).newWriter(Schema.STRING_SCHEMA);
    w.write('hello');
    w.write('world');
    expect(await duckQuery(drain(w), 'select value from read_parquet({file})')).toEqual([
      { value: 'hello' },
      { value: 'world' },
    ]);
  });

  it('writes schemaless maps under an inferred schema', async () => {
    const v = new Map<string, unknown>([
      ['id', 7],
      ['name', 'x'],
      ['score', 1.5],
      ['nested', { a: true, list: [1, 2.5] }],
    ]);
    const schema = inferSchema(v);
    const w = new ParquetFormat('snappy', 1024).newWriter(schema);
    w.write(v);
    expect(
      await duckQuery(drain(w), 'select id, name, score, nested.a as a, nested.list as l from read_parquet({file})'),
    ).toEqual([{ id: '7', name: 'x', score: 1.5, a: true, l: [1, 2.5] }]);
  });

  it('refuses to write without a schema', () => {
    expect(() => new ParquetFormat('snappy', 1024).newWriter(null)).toThrow(DataException);
  });
});

describe('inferSchema', () => {
  it('types integers as int64, other numbers as float64, objects as structs of optional fields', () => {
    const s = inferSchema({ a: 1, b: 1.5, c: 'x', d: null, e: [1, 2], f: { g: true }, h: new Date(0) });
    expect(s.type).toBe('struct');
    expect(s.fields.map((f) => [f.name, f.schema.type, f.schema.optional])).toEqual([
      ['a', 'int64', true],
      ['b', 'float64', true],
      ['c', 'string', true],
      ['d', 'string', true],
      ['e', 'array', true],
      ['f', 'struct', true],
      ['h', 'int64', true],
    ]);
    expect(s.field('h')!.schema.name).toBe(ConnectTimestamp.LOGICAL_NAME);
  });

  it('widens mixed numeric array elements and merges struct elements', () => {
    const s = inferSchema({ xs: [1, 2.5], os: [{ a: 1 }, { b: 'x' }] });
    expect(s.field('xs')!.schema.valueSchema!.type).toBe('float64');
    expect(s.field('os')!.schema.valueSchema!.fields.map((f) => f.name)).toEqual(['a', 'b']);
  });

  it('fails clearly on elements that cannot share a schema', () => {
    expect(() => inferSchema({ xs: [1, 'a'] })).toThrow(/array elements of types int64 and string at value.xs\[1\]/);
  });
});

describe('JsonFormat', () => {
  it('writes one JsonConverter-style line per record', () => {
    const f = new JsonFormat(null);
    expect(f.extension).toBe('.json');
    const w = f.newWriter(ORDER);
    w.write(order(2));
    w.write(new Map([['plain', [1, 'x', null]]]));
    const lines = drain(w).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const first = lines[0]!;
    expect(first).toContain('"id":9007199254740995');
    expect(JSON.parse(first)).toMatchObject({
      small: -5,
      name: 'order-2',
      day: 19782,
      at: Date.UTC(2024, 1, 29, 13, 14, 15, 678),
      time: 3_723_004,
      raw: 'AQL/',
      address: { street: 'Main 2', zip: 10002 },
      tags: ['a', null, 't2'],
      attrs: null,
    });
    expect(JSON.parse(lines[1]!)).toEqual({ plain: [1, 'x', null] });
  });

  it('writes Decimal as base64 by default and as a number with NUMERIC', () => {
    expect(toJsonText(DECIMAL, BigDecimal.parse('1.0000'))).toBe('"JxA="');
    expect(toJsonText(DECIMAL, BigDecimal.parse('1.0000'), 'NUMERIC')).toBe('1.0000');
  });

  it('gzips with s3.compression.type=gzip into a file gunzip reads', () => {
    const f = new JsonFormat(6);
    expect(f.extension).toBe('.json.gz');
    const w = f.newWriter(null);
    for (let i = 0; i < 50_000; i++) w.write({ i, s: 'abcdefghij'.repeat(3) });
    const text = gunzipSync(drain(w)).toString('utf8').trimEnd().split('\n');
    expect(text).toHaveLength(50_000);
    expect(JSON.parse(text[49_999]!)).toEqual({ i: 49_999, s: 'abcdefghij'.repeat(3) });
  });
});

describe('ByteArrayFormat', () => {
  it('writes raw bytes with the separator between records', () => {
    const f = new ByteArrayFormat('.bin', unescapeSeparator('\\n'), null);
    const w = f.newWriter();
    w.write(Uint8Array.from([0x41, 0x42]));
    w.write('C');
    expect(drain(w).toString('latin1')).toBe('AB\nC\n');
    expect(() => f.newWriter().write(5)).toThrow(DataException);
  });
});

const LONG_AS_BIGINT = avro.types.LongType.__with({
  fromBuffer: (b: Buffer) => b.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    return b;
  },
  fromJSON: BigInt,
  toJSON: Number,
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

describe('AvroFormat', () => {
  it('writes a container file avsc decodes, with exact int64 and logical types', async () => {
    const w = new AvroFormat('deflate').newWriter(ORDER, 'topics/t/partition=0/t+0+0000000000.avro');
    for (let i = 0; i < 3; i++) w.write(order(i));
    const bytes = drain(w);
    const records: Record<string, unknown>[] = [];
    let schemaJson: unknown;
    await new Promise<void>((resolve, reject) => {
      Readable.from([bytes])
        .pipe(
          new avro.streams.BlockDecoder({
            parseHook: (s: unknown) => {
              schemaJson = s;
              return avro.Type.forSchema(s as avro.Schema, {
                wrapUnions: false,
                typeHook: (x: avro.Schema) =>
                  x === 'long' || (x as { type?: string }).type === 'long' ? LONG_AS_BIGINT : undefined,
              });
            },
          }),
        )
        .on('data', (r: Record<string, unknown>) => records.push(r))
        .on('end', resolve)
        .on('error', reject);
    });
    expect(records).toHaveLength(3);
    expect(records[0]!.name).toBe('order-0');
    expect(records[1]!.name).toBe(null);
    expect((records[0]!.address as Record<string, unknown>).street).toBe('Main 0');
    expect(records[0]!.day).toBe(19782);
    expect(records[0]!.id).toBe(9_007_199_254_740_993n);
    expect(records[0]!.at).toBe(BigInt(Date.UTC(2024, 1, 29, 13, 14, 15, 678)));
    expect((records[0]!.attrs as Record<string, number>).y).toBe(0);
    expect(JSON.stringify(schemaJson)).toContain('"logicalType":"decimal"');
    // Same records, same key: same bytes (the sync marker derives from the key).
    const again = new AvroFormat('deflate').newWriter(ORDER, 'topics/t/partition=0/t+0+0000000000.avro');
    for (let i = 0; i < 3; i++) again.write(order(i));
    expect(drain(again).equals(bytes)).toBe(true);
  });
});
