import {
  ConfigException,
  ConnectTimestamp,
  DataException,
  Schema,
  SchemaBuilder,
  SinkRecord,
  Struct,
} from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { parseS3SinkConfig } from './config.js';
import { JodaFormatter, parseJodaPattern, partitionStart } from './joda.js';
import {
  createPartitioner,
  DefaultPartitioner,
  FieldPartitioner,
  RecordFieldTimestampExtractor,
  RecordTimestampExtractor,
  TimeBasedPartitioner,
  WallclockTimestampExtractor,
} from './partitioner.js';

const BASE = {
  's3.bucket.name': 'b',
  'format.class': 'io.confluent.connect.s3.format.json.JsonFormat',
  'flush.size': '10',
};
const T = Date.UTC(2024, 1, 29, 13, 14, 15, 678); // Thursday 2024-02-29 13:14:15.678 UTC

function rec(
  value: unknown,
  opts: { partition?: number; offset?: number; timestamp?: number | null; schema?: Schema | null } = {},
) {
  return new SinkRecord({
    topic: 'orders',
    kafkaPartition: opts.partition ?? 3,
    kafkaOffset: opts.offset ?? 42,
    valueSchema: opts.schema ?? null,
    value,
    timestamp: opts.timestamp === undefined ? T : opts.timestamp,
  });
}

describe('Joda path.format', () => {
  const fmt = (p: string, ms = T, zone = 'UTC', locale = 'en-US') => new JodaFormatter(p, zone, locale).format(ms);

  it('formats the Hourly/Daily layouts with quoted literals', () => {
    expect(fmt("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH")).toBe('year=2024/month=02/day=29/hour=13');
    expect(fmt("YYYY-MM-dd'T'HH:mm:ss.SSS")).toBe('2024-02-29T13:14:15.678');
  });

  it('follows Joda letters: Y year of era, yy two digits, D day of year, e ISO day of week, w/x ISO week', () => {
    expect(fmt('yy YYYY yyyy')).toBe('24 2024 2024');
    expect(fmt('D e')).toBe('60 4');
    // 2021-01-03 is a Sunday in ISO week 53 of 2020.
    expect(fmt('xxxx-ww-e', Date.UTC(2021, 0, 3, 12))).toBe('2020-53-7');
    expect(fmt('h a K k', Date.UTC(2024, 0, 1, 0, 5))).toBe('12 AM 0 24');
    expect(fmt('S SS SSSS')).toBe('6 67 6780');
  });

  it('writes text fields in the locale', () => {
    expect(fmt('MMM MMMM EEE EEEE')).toBe('Feb February Thu Thursday');
    expect(fmt('MMMM EEEE', T, 'UTC', 'de_DE')).toBe('Februar Donnerstag');
    expect(fmt('MMMM', T, 'UTC', 'fr-FR')).toBe('février');
  });

  it('writes zone offsets and ids', () => {
    expect(fmt('Z ZZ ZZZ', T, 'Europe/Berlin')).toBe('+0100 +01:00 Europe/Berlin');
    expect(fmt('HH Z', Date.UTC(2024, 6, 1, 12), 'Europe/Berlin')).toBe('14 +0200');
    expect(fmt('HH:mm ZZ', T, '+05:30')).toBe('18:44 +05:30');
  });

  it("treats '' as a quote and rejects letters Joda does not define", () => {
    expect(fmt("'it''s' ''HH''")).toBe("it's '13'");
    expect(() => parseJodaPattern('YYYY-qq')).toThrow(/Illegal pattern component: q/);
    expect(() => parseJodaPattern("'open")).toThrow(/Unterminated quote/);
  });

  it('floors to partition.duration.ms in local time, across DST changes', () => {
    expect(partitionStart(T, 3_600_000, 'UTC')).toBe(Date.UTC(2024, 1, 29, 13));
    expect(partitionStart(T, 15 * 60_000, 'UTC')).toBe(Date.UTC(2024, 1, 29, 13, 0));
    // Kolkata is +05:30: the local hour starts at :30 UTC.
    expect(partitionStart(T, 3_600_000, 'Asia/Kolkata')).toBe(Date.UTC(2024, 1, 29, 12, 30));
    // A day in Los Angeles starts at 08:00 UTC in winter and 07:00 UTC in summer.
    expect(partitionStart(T, 86_400_000, 'America/Los_Angeles')).toBe(Date.UTC(2024, 1, 29, 8));
    expect(partitionStart(Date.UTC(2024, 6, 1, 12), 86_400_000, 'America/Los_Angeles')).toBe(Date.UTC(2024, 6, 1, 7));
  });
});

describe('partitioners', () => {
  it('DefaultPartitioner writes partition=<kafka partition>', () => {
    const p = new DefaultPartitioner('/');
    expect(p.encodePartition(rec({}))).toBe('partition=3');
    expect(p.generatePartitionedPath('orders', 'partition=3')).toBe('orders/partition=3');
  });

  it('FieldPartitioner joins several fields, from structs and schemaless maps', () => {
    const s = SchemaBuilder.struct()
      .field('region', Schema.STRING_SCHEMA)
      .field('year', Schema.INT32_SCHEMA)
      .field('vip', Schema.BOOLEAN_SCHEMA)
      .build();
    const p = new FieldPartitioner('/', ['region', 'year', 'vip']);
    expect(
      p.encodePartition(rec(new Struct(s).put('region', 'eu').put('year', 2024).put('vip', true), { schema: s })),
    ).toBe('region=eu/year=2024/vip=true');
    expect(
      p.encodePartition(
        rec(
          new Map<string, unknown>([
            ['region', 'us'],
            ['year', 2023],
            ['vip', false],
          ]),
        ),
      ),
    ).toBe('region=us/year=2023/vip=false');
    expect(new FieldPartitioner('|', ['a.b']).encodePartition(rec({ a: { b: 7n } }))).toBe('a.b=7');
  });

  it('FieldPartitioner fails clearly on missing fields, unsupported values and non-struct records', () => {
    const p = new FieldPartitioner('/', ['region']);
    expect(() => p.encodePartition(rec({ other: 1 }))).toThrow(/field region of record orders-3@42: no such field/);
    expect(() => p.encodePartition(rec({ region: 1.5 }))).toThrow(DataException);
    expect(() => p.encodePartition(rec('text'))).toThrow(/needs a struct or map value/);
  });

  it('TimeBasedPartitioner formats the bucket start in the time zone', () => {
    const p = new TimeBasedPartitioner(
      '/',
      "'dt'=YYYY-MM-dd/'hour'=HH/'min'=mm",
      15 * 60_000,
      'en-US',
      'Asia/Kolkata',
      new RecordTimestampExtractor(),
    );
    // 13:14 UTC = 18:44 IST, bucket 18:30.
    expect(p.encodePartition(rec({}), 0)).toBe('dt=2024-02-29/hour=18/min=30');
  });

  it('Hourly and Daily partitioners use Confluent path formats with directory.delim', () => {
    const hourly = createPartitioner(
      parseS3SinkConfig({
        ...BASE,
        'partitioner.class': 'io.confluent.connect.storage.partitioner.HourlyPartitioner',
        locale: 'en-US',
        timezone: 'UTC',
        'timestamp.extractor': 'Record',
      }),
    );
    expect(hourly.encodePartition(rec({}), 0)).toBe('year=2024/month=02/day=29/hour=13');
    const daily = createPartitioner(
      parseS3SinkConfig({
        ...BASE,
        'partitioner.class': 'io.confluent.connect.storage.partitioner.DailyPartitioner',
        'directory.delim': '#',
        locale: 'en',
        timezone: 'America/Los_Angeles',
        'timestamp.extractor': 'Record',
      }),
    );
    // 13:14 UTC is 05:14 the same day in Los Angeles.
    expect(daily.encodePartition(rec({}), 0)).toBe('year=2024#month=02#day=29');
    expect(daily.encodePartition(rec({}, { timestamp: Date.UTC(2024, 2, 1, 3) }), 0)).toBe('year=2024#month=02#day=29');
  });

  it('extractors: Record needs a timestamp, RecordField reads Timestamps, epoch numbers and ISO strings, Wallclock uses now', () => {
    expect(() => new RecordTimestampExtractor().extract(rec({}, { timestamp: null }))).toThrow(/has no timestamp/);
    const s = SchemaBuilder.struct()
      .field('meta', SchemaBuilder.struct().field('at', ConnectTimestamp.SCHEMA).build())
      .build();
    const v = new Struct(s).put('meta', new Struct(s.field('meta')!.schema).put('at', new Date(T)));
    expect(new RecordFieldTimestampExtractor('meta.at').extract(rec(v, { schema: s }))).toBe(T);
    expect(new RecordFieldTimestampExtractor('ts').extract(rec({ ts: T }))).toBe(T);
    expect(new RecordFieldTimestampExtractor('ts').extract(rec({ ts: '2024-02-29T13:14:15.678Z' }))).toBe(T);
    expect(() => new RecordFieldTimestampExtractor('ts').extract(rec({ ts: 'yesterday' }))).toThrow(/not a timestamp/);
    expect(new WallclockTimestampExtractor().extract(rec({}), 1234)).toBe(1234);
  });
});

describe('config', () => {
  it('accepts Confluent class names and reports every missing or conflicting key at once', () => {
    const c = parseS3SinkConfig({
      ...BASE,
      'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
      'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner',
      'partition.field.name': 'a,b',
    });
    expect(c.format).toBe('parquet');
    expect(c.partitioner).toBe('field');
    expect(c['partition.field.name']).toEqual(['a', 'b']);
    expect(c['parquet.codec']).toBe('snappy');
    expect(c['s3.part.size']).toBe(25 * 1024 * 1024);
    expect(c['filename.offset.zero.pad.width']).toBe(10);
    try {
      parseS3SinkConfig({
        ...BASE,
        'partitioner.class': 'io.confluent.connect.storage.partitioner.TimeBasedPartitioner',
        's3.part.size': '1000',
        'timestamp.extractor': 'Sundial',
        'aws.access.key.id': 'AK',
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigException);
      const errors = (e as ConfigException).errors;
      expect(Object.keys(errors).sort()).toEqual(['s3.part.size']);
    }
    try {
      parseS3SinkConfig({
        ...BASE,
        'partitioner.class': 'io.confluent.connect.storage.partitioner.TimeBasedPartitioner',
        'timestamp.extractor': 'Sundial',
        'aws.access.key.id': 'AK',
        timezone: 'Mars/Olympus',
      });
      expect.unreachable();
    } catch (e) {
      expect(Object.keys((e as ConfigException).errors).sort()).toEqual([
        'aws.secret.access.key',
        'locale',
        'partition.duration.ms',
        'path.format',
        'timestamp.extractor',
        'timezone',
      ]);
    }
  });
});
