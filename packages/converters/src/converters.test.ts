import { ConnectTimestamp, DataException, Schema, SchemaBuilder, Struct } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { ByteArrayConverter } from './byte-array-converter.js';
import { plugins } from './index.js';
import {
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  ShortConverter,
} from './number-converters.js';
import { SimpleHeaderConverter } from './simple-header-converter.js';
import { StringConverter } from './string-converter.js';

const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

describe('StringConverter', () => {
  it('writes UTF-8 by default and reads back an optional string', () => {
    const c = new StringConverter();
    c.configure({}, false);
    expect(hex(c.fromConnectData('t', null, Schema.STRING_SCHEMA, 'a-string'))).toBe(
      Buffer.from('a-string').toString('hex'),
    );
    expect(c.toConnectData('t', null, new TextEncoder().encode('ünï'))).toEqual({
      schema: Schema.OPTIONAL_STRING_SCHEMA,
      value: 'ünï',
    });
    expect(c.fromConnectData('t', null, null, null)).toBeNull();
    expect(c.toConnectData('t', null, null)).toEqual({ schema: Schema.OPTIONAL_STRING_SCHEMA, value: null });
  });

  it('writes non-string values by their string form', () => {
    const c = new StringConverter();
    c.configure({}, false);
    expect(new TextDecoder().decode(c.fromConnectData('t', null, null, 12)!)).toBe('12');
    expect(new TextDecoder().decode(c.fromConnectData('t', null, Schema.FLOAT64_SCHEMA, 2)!)).toBe('2.0');
  });

  it('honours converter.encoding, including UTF-16 with its byte-order mark', () => {
    const c = new StringConverter();
    c.configure({ 'converter.encoding': 'UTF-16' }, true);
    const bytes = c.fromConnectData('t', null, null, 'ab');
    expect(hex(bytes)).toBe('feff00610062');
    expect(c.toConnectData('t', null, bytes).value).toBe('ab');
    c.configure({ 'converter.encoding': 'ISO-8859-1' }, true);
    expect(hex(c.fromConnectData('t', null, null, 'é'))).toBe('e9');
    expect(() => c.configure({ 'converter.encoding': 'EBCDIC-XYZ' }, true)).toThrow(/Unsupported encoding/);
  });
});

describe('ByteArrayConverter', () => {
  it('passes bytes through and rejects other schemas and values', () => {
    const c = new ByteArrayConverter();
    c.configure({}, false);
    const b = new Uint8Array([1, 2, 3]);
    expect(c.fromConnectData('t', null, Schema.BYTES_SCHEMA, b)).toBe(b);
    expect(c.fromConnectData('t', null, null, null)).toBeNull();
    expect(c.toConnectData('t', null, b)).toEqual({ schema: Schema.OPTIONAL_BYTES_SCHEMA, value: b });
    expect(() => c.fromConnectData('t', null, Schema.INT32_SCHEMA, b)).toThrow(
      'Invalid schema type for ByteArrayConverter: INT32',
    );
    expect(() => c.fromConnectData('t', null, null, 'text')).toThrow(
      'ByteArrayConverter is not compatible with objects of type string',
    );
  });
});

describe('numeric converters (Kafka serializers, big-endian)', () => {
  it('writes and reads the bytes Kafka Short/Integer/Long/Float/Double serializers produce', () => {
    const cases = [
      [new ShortConverter(), 258, '0102', Schema.OPTIONAL_INT16_SCHEMA],
      [new ShortConverter(), -1, 'ffff', Schema.OPTIONAL_INT16_SCHEMA],
      [new IntegerConverter(), 16909060, '01020304', Schema.OPTIONAL_INT32_SCHEMA],
      [new IntegerConverter(), -2, 'fffffffe', Schema.OPTIONAL_INT32_SCHEMA],
      [new LongConverter(), 72623859790382856n, '0102030405060708', Schema.OPTIONAL_INT64_SCHEMA],
      [new LongConverter(), 9223372036854775807n, '7fffffffffffffff', Schema.OPTIONAL_INT64_SCHEMA],
      [new FloatConverter(), 1.5, '3fc00000', Schema.OPTIONAL_FLOAT32_SCHEMA],
      [new DoubleConverter(), -2.5, 'c004000000000000', Schema.OPTIONAL_FLOAT64_SCHEMA],
    ] as const;
    for (const [c, value, bytes, schema] of cases) {
      c.configure({}, false);
      expect(hex(c.fromConnectData('t', null, schema, value))).toBe(bytes);
      expect(c.toConnectData('t', null, fromHex(bytes))).toEqual({ schema, value });
    }
  });

  it('keeps null as null and rejects the wrong size or type', () => {
    const c = new IntegerConverter();
    expect(c.fromConnectData('t', null, null, null)).toBeNull();
    expect(c.toConnectData('t', null, null)).toEqual({ schema: Schema.OPTIONAL_INT32_SCHEMA, value: null });
    expect(() => c.toConnectData('t', null, fromHex('0102'))).toThrow(
      'Failed to deserialize integer: Size of data received by IntegerDeserializer is not 4',
    );
    expect(() => c.fromConnectData('t', null, null, 'x')).toThrow(DataException);
    expect(() => new ShortConverter().fromConnectData('t', null, null, 70000)).toThrow(/Failed to serialize to short/);
  });
});

describe('SimpleHeaderConverter', () => {
  const c = new SimpleHeaderConverter();
  const write = (schema: Parameters<SimpleHeaderConverter['fromConnectHeader']>[2], v: unknown): string | null => {
    const b = c.fromConnectHeader('t', 'h', schema, v);
    return b === null ? null : new TextDecoder().decode(b);
  };
  const read = (s: string) => c.toConnectHeader('t', 'h', new TextEncoder().encode(s));

  it('writes values as strings', () => {
    expect(write(Schema.STRING_SCHEMA, 'hello')).toBe('hello');
    expect(write(Schema.INT32_SCHEMA, 42)).toBe('42');
    expect(write(Schema.BOOLEAN_SCHEMA, true)).toBe('true');
    expect(write(ConnectTimestamp.SCHEMA, new Date(Date.UTC(2021, 4, 6, 7, 8, 9, 10)))).toBe(
      '2021-05-06T07:08:09.010Z',
    );
    const schema = SchemaBuilder.struct().field('a', Schema.STRING_SCHEMA).build();
    expect(write(schema, new Struct(schema).put('a', 'x'))).toBe('{"a":"x"}');
    expect(write(null, null)).toBeNull();
  });

  it('parses strings back into typed values', () => {
    expect(read('hello')).toEqual({ schema: Schema.STRING_SCHEMA, value: 'hello' });
    expect(read('')).toEqual({ schema: Schema.STRING_SCHEMA, value: '' });
    expect(read('42')).toEqual({ schema: Schema.INT8_SCHEMA, value: 42 });
    expect(read('true')).toEqual({ schema: Schema.BOOLEAN_SCHEMA, value: true });
    const ts = read('2021-05-06T07:08:09.010Z');
    expect(ts.schema).toBe(ConnectTimestamp.SCHEMA);
    expect(c.toConnectHeader('t', 'h', null)).toEqual({ schema: null, value: null });
  });
});

describe('plugins manifest', () => {
  it('declares every converter under its Kafka Connect class name', () => {
    const names = plugins.flatMap((p) => p.aliases ?? []);
    for (const n of [
      'org.apache.kafka.connect.json.JsonConverter',
      'org.apache.kafka.connect.storage.StringConverter',
      'org.apache.kafka.connect.converters.ByteArrayConverter',
      'org.apache.kafka.connect.converters.ShortConverter',
      'org.apache.kafka.connect.converters.IntegerConverter',
      'org.apache.kafka.connect.converters.LongConverter',
      'org.apache.kafka.connect.converters.FloatConverter',
      'org.apache.kafka.connect.converters.DoubleConverter',
      'org.apache.kafka.connect.storage.SimpleHeaderConverter',
      'io.confluent.connect.avro.AvroConverter',
      'io.confluent.connect.json.JsonSchemaConverter',
      'io.confluent.connect.protobuf.ProtobufConverter',
    ]) {
      expect(names).toContain(n);
    }
    for (const p of plugins) expect(p.create()).toBeTruthy();
  });
});
