import {
  BigDecimal,
  ConfigException,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  Schema,
  SchemaBuilder,
  Struct,
} from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { Cast } from './cast.js';
import { RegexRouter } from './regex-router.js';
import { SimpleDateFormat } from './simple-date-format.js';
import { TimestampConverter } from './timestamp-converter.js';
import { TimestampRouter } from './timestamp-router.js';
import { sourceRecord } from '../test-support/records.js';

const MS_PER_DAY = 86_400_000;

function castValue(
  spec: string,
  value: unknown,
  schema: Schema | null = null,
): { schema: Schema | null; value: unknown } {
  const xf = new Cast('value');
  xf.configure({ spec });
  const out = xf.apply(sourceRecord({ valueSchema: schema, value }))!;
  return { schema: out.valueSchema, value: out.value };
}

describe('Cast', () => {
  it('rejects invalid specs as Kafka Connect does', () => {
    expect(() => new Cast('value').configure({})).toThrow(ConfigException);
    expect(() => new Cast('value').configure({ spec: 'foo:array' })).toThrow(/does not support casting to ARRAY/);
    expect(() => new Cast('value').configure({ spec: 'array' })).toThrow(ConfigException);
    expect(() => new Cast('value').configure({ spec: 'foo:faketype' })).toThrow(
      'Invalid type found in casting spec: faketype',
    );
    expect(() => new Cast('value').configure({ spec: 'foo:int8,int32' })).toThrow(/may ony specify a single cast/);
  });

  it('casts a whole key with a schema', () => {
    const xf = new Cast('key');
    xf.configure({ spec: 'int8' });
    const out = xf.apply(sourceRecord({ keySchema: Schema.INT32_SCHEMA, key: 42 }))!;
    expect(out.keySchema!.type).toBe('int8');
    expect(out.key).toBe(42);
  });

  it('casts whole schemaless values to every type', () => {
    expect(castValue('int8', 42).value).toBe(42);
    expect(castValue('int16', 42).value).toBe(42);
    expect(castValue('int32', 42).value).toBe(42);
    expect(castValue('int64', 42).value).toBe(42);
    expect(castValue('float32', 42).value).toBe(42);
    expect(castValue('float64', 42).value).toBe(42);
    expect(castValue('boolean', 42).value).toBe(true);
    expect(castValue('boolean', 0).value).toBe(false);
    expect(castValue('string', 42).value).toBe('42');
    expect(castValue('int32', '42').value).toBe(42);
    expect(castValue('boolean', 'TRUE').value).toBe(true);
    expect(castValue('boolean', 'yes').value).toBe(false);
    expect(castValue('string', new Uint8Array([1, 2, 3])).value).toBe('AQID');
  });

  it('narrows numbers the way Java does', () => {
    expect(castValue('int8', 300, Schema.INT32_SCHEMA).value).toBe(44);
    expect(castValue('int16', -32769, Schema.INT32_SCHEMA).value).toBe(32767);
    expect(castValue('int32', 3.99, Schema.FLOAT64_SCHEMA).value).toBe(3);
    expect(castValue('int32', -3.99, Schema.FLOAT64_SCHEMA).value).toBe(-3);
    expect(castValue('int32', 1e20, Schema.FLOAT64_SCHEMA).value).toBe(2147483647);
    expect(castValue('int64', 9223372036854775807n, Schema.INT64_SCHEMA).value).toBe(9223372036854775807n);
    expect(castValue('int32', 9223372036854775807n, Schema.INT64_SCHEMA).value).toBe(-1);
    expect(castValue('boolean', 0.5, Schema.FLOAT64_SCHEMA).value).toBe(false);
    expect(() => castValue('int8', '300')).toThrow('Value out of range. Value:"300" Radix:10');
    expect(() => castValue('int8', 'abc')).toThrow('For input string: "abc"');
  });

  it('writes numbers as Java prints them when casting to string', () => {
    expect(castValue('string', 1, Schema.FLOAT64_SCHEMA).value).toBe('1.0');
    expect(castValue('string', 12345678.9, Schema.FLOAT64_SCHEMA).value).toBe('1.23456789E7');
    expect(castValue('string', 32.5, Schema.FLOAT32_SCHEMA).value).toBe('32.5');
    expect(castValue('string', new BigDecimal(42n, 0), Decimal.schema(0)).value).toBe('42');
    expect(castValue('string', new Date(MS_PER_DAY + 1), ConnectTimestamp.SCHEMA).value).toBe(
      '1970-01-02T00:00:00.001Z',
    );
  });

  it('casts logical types to their internal numbers', () => {
    expect(castValue('int32', new Date(2 * MS_PER_DAY), ConnectDate.SCHEMA).value).toBe(2);
    expect(castValue('int32', new Date(1234), ConnectTime.SCHEMA).value).toBe(1234);
    expect(castValue('int64', new Date(86401234), ConnectTimestamp.SCHEMA).value).toBe(86401234);
    expect(castValue('float64', BigDecimal.parse('1.25'), Decimal.schema(2)).value).toBe(1.25);
  });

  it('casts struct fields, keeping optionality and casting defaults', () => {
    const schema = SchemaBuilder.struct()
      .name('s')
      .field('int8', Schema.INT8_SCHEMA)
      .field('int16', Schema.OPTIONAL_INT16_SCHEMA)
      .field('int32', SchemaBuilder.int32().defaultValue(2).build())
      .field('int64', Schema.INT64_SCHEMA)
      .field('float32', Schema.FLOAT32_SCHEMA)
      .field('float64', Schema.FLOAT64_SCHEMA)
      .field('boolean', Schema.BOOLEAN_SCHEMA)
      .field('string', Schema.STRING_SCHEMA)
      .field('untouched', Schema.STRING_SCHEMA)
      .build();
    const value = new Struct(schema)
      .put('int8', 8)
      .put('int16', 16)
      .put('int64', 64)
      .put('float32', 32)
      .put('float64', -64)
      .put('boolean', true)
      .put('string', '42')
      .put('untouched', 'x');
    const out = castValue(
      'int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32',
      value,
      schema,
    );
    const s = out.schema!;
    expect(s.name).toBe('s');
    expect(s.field('int8')!.schema.type).toBe('int16');
    expect(s.field('int16')!.schema.optional).toBe(true);
    expect(s.field('int32')!.schema.type).toBe('int64');
    expect(s.field('int32')!.schema.defaultValue).toBe(2);
    expect(s.field('untouched')!.schema).toBe(Schema.STRING_SCHEMA);
    const v = out.value as Struct;
    expect([
      v.get('int8'),
      v.get('int16'),
      v.get('int32'),
      v.get('int64'),
      v.get('float32'),
      v.get('float64'),
      v.get('boolean'),
      v.get('string'),
    ]).toEqual([8, 16, 2, true, 32, true, 1, 42]);
  });

  it('casts schemaless map fields and passes tombstones', () => {
    expect(castValue('a:string,b:int8', { a: 1, b: '2', c: 3 }).value).toEqual({ a: '1', b: 2, c: 3 });
    const tombstone = castValue('int8', null, Schema.OPTIONAL_INT32_SCHEMA);
    expect(tombstone.value).toBeNull();
    expect(() => castValue('int8', [1, 2])).toThrow(/does not support casting from ARRAY/);
    expect(() => castValue('int8', new Date(0))).toThrow(DataException);
  });
});

describe('RegexRouter', () => {
  const route = (regex: string, replacement: string, topic: string): string => {
    const xf = new RegexRouter();
    xf.configure({ regex, replacement });
    return xf.apply(sourceRecord({ topic }))!.topic;
  };

  it('routes as Kafka Connect tests expect', () => {
    expect(route('foo', 'bar', 'foo')).toBe('bar');
    expect(route('foo', 'bar', 'orig')).toBe('orig');
    expect(route('(.*)', '$1', 'orig')).toBe('orig');
    expect(route('(.*)', 'prefix-$1', 'orig')).toBe('prefix-orig');
    expect(route('(.*)', '$1-suffix', 'orig')).toBe('orig-suffix');
    expect(route('(.*)-(\\d\\d\\d\\d\\d\\d\\d\\d)', '$1', 'index-20160117')).toBe('index');
  });

  it('requires the whole topic to match and supports named groups and escapes', () => {
    expect(route('foo', 'bar', 'foobar')).toBe('foobar');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Java replacement groups, not a template
    expect(route('(?<db>[^.]+)\\.(?<table>.+)', '${table}_from_${db}', 'inventory.customers')).toBe(
      'customers_from_inventory',
    );
    expect(route('(.*)', 'cost-\\$1', 'x')).toBe('cost-$1');
  });

  it('rejects invalid regexes', () => {
    expect(() => new RegexRouter().configure({ regex: '(', replacement: 'x' })).toThrow(ConfigException);
    expect(() => new RegexRouter().configure({ regex: 'x' })).toThrow(/Missing required configuration "replacement"/);
  });
});

describe('TimestampRouter', () => {
  it('formats the record timestamp into the topic in UTC', () => {
    const xf = new TimestampRouter();
    xf.configure({});
    expect(xf.apply(sourceRecord({ topic: 'test', timestamp: 1483425001864 }))!.topic).toBe('test-20170103');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Kafka Connect placeholders, not a template
    xf.configure({ 'topic.format': 'logs_${timestamp}_${topic}', 'timestamp.format': "yyyy-MM-dd'T'HH" });
    expect(xf.apply(sourceRecord({ topic: 'app', timestamp: 1483425001864 }))!.topic).toBe('logs_2017-01-03T06_app');
    expect(() => xf.apply(sourceRecord({ topic: 'app', timestamp: null }))).toThrow(/Timestamp missing on record/);
  });
});

describe('SimpleDateFormat', () => {
  const d = new Date(Date.UTC(2017, 0, 3, 6, 30, 1, 864));

  it('formats every pattern letter in UTC', () => {
    expect(new SimpleDateFormat('yyyy MM dd HH mm ss SSS z').format(new Date(86401234))).toBe(
      '1970 01 02 00 00 01 234 UTC',
    );
    expect(new SimpleDateFormat('EEE, d MMM yyyy HH:mm:ss Z').format(d)).toBe('Tue, 3 Jan 2017 06:30:01 +0000');
    expect(new SimpleDateFormat('EEEE MMMM yy G').format(d)).toBe('Tuesday January 17 AD');
    expect(new SimpleDateFormat('h:mm a, k K D F u w W').format(d)).toBe('6:30 AM, 6 6 3 1 2 1 1');
    expect(new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").format(d)).toBe('2017-01-03T06:30:01.864Z');
    expect(new SimpleDateFormat("'o''clock' hh 'at' ''").format(d)).toBe("o'clock 06 at '");
    expect(new SimpleDateFormat('YYYY ww').format(new Date(Date.UTC(2016, 11, 31)))).toBe('2016 53');
    expect(new SimpleDateFormat('YYYY ww').format(new Date(Date.UTC(2019, 11, 30)))).toBe('2020 01');
  });

  it('rejects illegal pattern letters and unterminated quotes', () => {
    expect(() => new SimpleDateFormat('bad-format')).toThrow("Illegal pattern character 'b'");
    expect(() => new SimpleDateFormat("yyyy 'oops")).toThrow('Unterminated quote');
  });

  it('parses leniently, with abutting fields, zones and ignored trailing text', () => {
    expect(new SimpleDateFormat('yyyy MM dd HH mm ss SSS z').parse('1970 01 02 00 00 01 234 UTC').getTime()).toBe(
      86401234,
    );
    expect(new SimpleDateFormat('yyyyMMddHHmmss').parse('20170103063001').getTime()).toBe(
      Date.UTC(2017, 0, 3, 6, 30, 1),
    );
    expect(new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ssXXX").parse('2017-01-03T08:30:01+02:00').getTime()).toBe(
      Date.UTC(2017, 0, 3, 6, 30, 1),
    );
    expect(new SimpleDateFormat('dd MMM yyyy hh:mm a Z').parse('03 jan 2017 06:30 PM -0100').getTime()).toBe(
      Date.UTC(2017, 0, 3, 19, 30),
    );
    expect(new SimpleDateFormat('yyyy-MM-dd').parse('2017-02-30 extra').getTime()).toBe(Date.UTC(2017, 2, 2));
    expect(() => new SimpleDateFormat('yyyy-MM-dd').parse('nope')).toThrow('Unparseable date: "nope"');
  });
});

describe('TimestampConverter', () => {
  const DATE = new Date(MS_PER_DAY);
  const TIME = new Date(1234);
  const DATE_PLUS_TIME = new Date(86401234);
  const FMT = 'yyyy MM dd HH mm ss SSS z';
  const STR = '1970 01 02 00 00 01 234 UTC';
  const conv = (props: Record<string, string>, value: unknown, schema: Schema | null = null) => {
    const xf = new TimestampConverter('value');
    xf.configure(props);
    const out = xf.apply(sourceRecord({ valueSchema: schema, value }))!;
    return { schema: out.valueSchema, value: out.value };
  };

  it('validates its configuration', () => {
    expect(() => new TimestampConverter('value').configure({})).toThrow(/Missing required configuration "target.type"/);
    expect(() => new TimestampConverter('value').configure({ 'target.type': 'invalid' })).toThrow(ConfigException);
    expect(() => new TimestampConverter('value').configure({ 'target.type': 'string' })).toThrow(
      /requires format option/,
    );
    expect(() => new TimestampConverter('value').configure({ 'target.type': 'string', format: 'bad-format' })).toThrow(
      /SimpleDateFormat-compatible pattern/,
    );
  });

  it('converts schemaless values between every type', () => {
    expect(conv({ 'target.type': 'Timestamp' }, DATE_PLUS_TIME).value).toEqual(DATE_PLUS_TIME);
    expect(conv({ 'target.type': 'Date' }, DATE_PLUS_TIME).value).toEqual(DATE);
    expect(conv({ 'target.type': 'Time' }, DATE_PLUS_TIME).value).toEqual(TIME);
    expect(conv({ 'target.type': 'unix' }, DATE_PLUS_TIME).value).toBe(86401234);
    expect(conv({ 'target.type': 'string', format: FMT }, DATE_PLUS_TIME).value).toBe(STR);
    expect(conv({ 'target.type': 'Timestamp' }, 86401234).value).toEqual(DATE_PLUS_TIME);
    expect(conv({ 'target.type': 'Timestamp', format: FMT }, STR).value).toEqual(DATE_PLUS_TIME);
  });

  it('honours unix.precision in both directions', () => {
    expect(conv({ 'target.type': 'unix', 'unix.precision': 'seconds' }, DATE_PLUS_TIME).value).toBe(86401);
    expect(conv({ 'target.type': 'unix', 'unix.precision': 'microseconds' }, DATE_PLUS_TIME).value).toBe(86401234000);
    expect(conv({ 'target.type': 'unix', 'unix.precision': 'nanoseconds' }, DATE_PLUS_TIME).value).toBe(86401234000000);
    expect(conv({ 'target.type': 'Timestamp', 'unix.precision': 'microseconds' }, 86401234123).value).toEqual(
      DATE_PLUS_TIME,
    );
    expect(conv({ 'target.type': 'Timestamp', 'unix.precision': 'nanoseconds' }, 86401234123456n).value).toEqual(
      DATE_PLUS_TIME,
    );
    expect(conv({ 'target.type': 'Timestamp', 'unix.precision': 'seconds' }, 86401).value).toEqual(new Date(86401000));
    expect(conv({ 'target.type': 'unix', 'unix.precision': 'nanoseconds' }, new Date(1e13)).value).toBe(
      10000000000000000000n,
    );
  });

  it('converts whole values with schemas, keeping optionality', () => {
    const ts = conv({ 'target.type': 'Date' }, DATE_PLUS_TIME, ConnectTimestamp.SCHEMA);
    expect(ts.schema!.name).toBe(ConnectDate.LOGICAL_NAME);
    expect(ts.value).toEqual(DATE);
    const str = conv(
      { 'target.type': 'string', format: FMT },
      DATE_PLUS_TIME,
      ConnectTimestamp.builder().optional().build(),
    );
    expect(str.schema).toBe(Schema.OPTIONAL_STRING_SCHEMA);
    expect(str.value).toBe(STR);
    expect(conv({ 'target.type': 'Timestamp' }, 86401234, Schema.INT64_SCHEMA).value).toEqual(DATE_PLUS_TIME);
    const nul = conv({ 'target.type': 'Timestamp' }, null, ConnectTimestamp.builder().optional().build());
    expect(nul.value).toBeNull();
    expect(nul.schema!.optional).toBe(true);
    expect(() => conv({ 'target.type': 'unix' }, 'x', Schema.INT32_SCHEMA)).toThrow(
      /does not correspond to a known timestamp type format/,
    );
  });

  it('converts one field of a struct or map', () => {
    const schema = SchemaBuilder.struct()
      .field('ts', ConnectTimestamp.SCHEMA)
      .field('other', Schema.STRING_SCHEMA)
      .build();
    const out = conv(
      { 'target.type': 'string', format: FMT, field: 'ts' },
      new Struct(schema).put('ts', DATE_PLUS_TIME).put('other', 'x'),
      schema,
    );
    expect(out.schema!.field('ts')!.schema).toBe(Schema.STRING_SCHEMA);
    expect((out.value as Struct).get('ts')).toBe(STR);
    expect((out.value as Struct).get('other')).toBe('x');
    expect(conv({ 'target.type': 'unix', field: 'ts' }, { ts: DATE_PLUS_TIME, other: 1 }).value).toEqual({
      ts: 86401234,
      other: 1,
    });
    expect(conv({ 'target.type': 'unix', field: 'ts' }, null).value).toBeNull();
    expect(() => conv({ 'target.type': 'Timestamp', format: FMT }, 'not a date')).toThrow(
      /Could not parse timestamp: value \(not a date\) does not match pattern/,
    );
  });
});
