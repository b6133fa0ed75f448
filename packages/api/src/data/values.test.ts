import { describe, expect, it } from 'vitest';
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp } from './logical.js';
import { Schema, SchemaBuilder } from './schema.js';
import { Struct } from './struct.js';
import {
  base64ToBytes,
  bytesToBase64,
  javaBigDecimalToString,
  javaDoubleToString,
  javaFloatToString,
  Values,
} from './values.js';

describe('Java number formatting', () => {
  it('lays doubles out as Double.toString', () => {
    expect(javaDoubleToString(1)).toBe('1.0');
    expect(javaDoubleToString(12.34)).toBe('12.34');
    expect(javaDoubleToString(-0.5)).toBe('-0.5');
    expect(javaDoubleToString(0.001)).toBe('0.001');
    expect(javaDoubleToString(0.0001)).toBe('1.0E-4');
    expect(javaDoubleToString(1234567)).toBe('1234567.0');
    expect(javaDoubleToString(12345678)).toBe('1.2345678E7');
    expect(javaDoubleToString(1e21)).toBe('1.0E21');
    expect(javaDoubleToString(Number.NaN)).toBe('NaN');
    expect(javaDoubleToString(-0)).toBe('-0.0');
  });

  it('prints the shortest digits of the nearest float as Float.toString', () => {
    expect(javaFloatToString(12.34)).toBe('12.34');
    expect(javaFloatToString(Math.fround(0.1))).toBe('0.1');
    expect(javaFloatToString(3.4028234663852886e38)).toBe('3.4028235E38');
    expect(javaFloatToString(1e10)).toBe('1.0E10');
  });

  it('prints BigDecimal as Java does, scientific below 1E-6', () => {
    expect(javaBigDecimalToString(new BigDecimal(15600n, 4))).toBe('1.5600');
    expect(javaBigDecimalToString(new BigDecimal(1n, 7))).toBe('1E-7');
    expect(javaBigDecimalToString(new BigDecimal(-123n, 9))).toBe('-1.23E-7');
  });
});

describe('bytesToBase64', () => {
  it('writes what Buffer writes for every length around the table and Buffer paths, and views into larger buffers', () => {
    const backing = new Uint8Array(200);
    for (let i = 0; i < backing.length; i++) backing[i] = (i * 151 + 7) & 255;
    for (let length = 0; length <= 100; length++)
      for (const offset of [0, 1, 5]) {
        const view = backing.subarray(offset, offset + length);
        const expected = Buffer.from(view).toString('base64');
        expect(bytesToBase64(view)).toBe(expected);
        expect(Buffer.from(base64ToBytes(bytesToBase64(view))).equals(Buffer.from(view))).toBe(true);
      }
    expect(bytesToBase64(new Uint8Array([0xff, 0xfe, 0xfd]))).toBe('//79');
    expect(bytesToBase64(new Uint8Array([0]))).toBe('AA==');
    expect(bytesToBase64(new Uint8Array([0xfb, 0xff]))).toBe('+/8=');
  });
});

describe('Values', () => {
  it('renders values as strings the way SimpleHeaderConverter writes them', () => {
    expect(Values.convertToString(Schema.INT32_SCHEMA, 42)).toBe('42');
    expect(Values.convertToString(Schema.FLOAT64_SCHEMA, 2)).toBe('2.0');
    expect(Values.convertToString(Schema.BYTES_SCHEMA, new Uint8Array([1, 2, 3]))).toBe('AQID');
    expect(Values.convertToString(ConnectTimestamp.SCHEMA, new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6)))).toBe(
      '2020-01-02T03:04:05.006Z',
    );
    expect(Values.convertToString(ConnectDate.SCHEMA, new Date(Date.UTC(2020, 0, 2)))).toBe('2020-01-02');
    expect(Values.convertToString(null, ['a', 1, null])).toBe('["a",1,null]');
    expect(Values.convertToString(null, new Map<unknown, unknown>([['k', 'v"q']]))).toBe('{"k":"v\\"q"}');
    const schema = SchemaBuilder.struct().field('a', Schema.STRING_SCHEMA).field('b', Schema.INT32_SCHEMA).build();
    expect(Values.convertToString(schema, new Struct(schema).put('a', 'x').put('b', 1))).toBe('{"a":"x","b":1}');
    expect(Values.convertToString(null, null)).toBeNull();
  });

  it('infers the narrowest type when parsing strings', () => {
    expect(Values.parseString('true')).toEqual({ schema: Schema.BOOLEAN_SCHEMA, value: true });
    expect(Values.parseString('12')).toEqual({ schema: Schema.INT8_SCHEMA, value: 12 });
    expect(Values.parseString('1000')).toEqual({ schema: Schema.INT16_SCHEMA, value: 1000 });
    expect(Values.parseString('100000')).toEqual({ schema: Schema.INT32_SCHEMA, value: 100000 });
    expect(Values.parseString('10000000000')).toEqual({ schema: Schema.INT64_SCHEMA, value: 10000000000 });
    expect(Values.parseString('9223372036854775807')).toEqual({
      schema: Schema.INT64_SCHEMA,
      value: 9223372036854775807n,
    });
    expect(Values.parseString('1.5').schema).toBe(Schema.FLOAT32_SCHEMA);
    expect(Values.parseString('hello world')).toEqual({ schema: Schema.STRING_SCHEMA, value: 'hello world' });
    expect(Values.parseString('1,2')).toEqual({ schema: Schema.STRING_SCHEMA, value: '1,2' });
    expect(Values.parseString('')).toEqual({ schema: Schema.STRING_SCHEMA, value: '' });
    expect(Values.parseString('"quoted"')).toEqual({ schema: Schema.STRING_SCHEMA, value: 'quoted' });
  });

  it('parses temporal literals, arrays and maps', () => {
    const ts = Values.parseString('2020-01-02T03:04:05.006Z');
    expect(ts.schema).toBe(ConnectTimestamp.SCHEMA);
    expect((ts.value as Date).getTime()).toBe(Date.UTC(2020, 0, 2, 3, 4, 5, 6));
    expect(Values.parseString('2020-01-02').schema).toBe(ConnectDate.SCHEMA);
    expect(Values.parseString('03:04:05.006Z').schema).toBe(ConnectTime.SCHEMA);
    const arr = Values.parseString('[1, 2, 3]');
    expect(arr.schema?.type).toBe('array');
    expect(arr.schema?.valueSchema?.type).toBe('int8');
    expect(arr.value).toEqual([1, 2, 3]);
    const map = Values.parseString('{"a":1,"b":2}');
    expect(map.schema?.keySchema?.type).toBe('string');
    expect(map.value).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    expect(Values.parseString('[1, "x"]').schema).toBeNull();
  });

  it('round-trips through convertToString and parseString', () => {
    for (const [schema, value] of [
      [Schema.INT8_SCHEMA, -5],
      [Schema.BOOLEAN_SCHEMA, false],
      [ConnectTimestamp.SCHEMA, new Date(1_600_000_000_123)],
    ] as const) {
      const parsed = Values.parseString(Values.convertToString(schema, value));
      expect(parsed.schema).toBe(schema);
      expect(parsed.value).toEqual(value);
    }
  });
});
