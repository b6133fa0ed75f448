import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  Schema,
  type SchemaAndValue,
  SchemaBuilder,
  Struct,
  schemaEquals,
  valuesEqual,
} from '@tributary/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { JsonConverter } from './json-converter.js';
import { parseJsonExact } from './lossless-json.js';

const TOPIC = 'topic';
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

function expectSV(actual: SchemaAndValue, schema: Schema | null, value: unknown): void {
  expect(schemaEquals(actual.schema, schema)).toBe(true);
  expect(valuesEqual(actual.value, value)).toBe(true);
}

describe('JsonConverter: JSON with an envelope → Connect (Kafka Connect test expectations)', () => {
  let converter: JsonConverter;
  const read = (json: string): SchemaAndValue => converter.toConnectData(TOPIC, null, enc(json));
  beforeEach(() => {
    converter = new JsonConverter();
    converter.configure({}, false);
  });

  it('translates schema metadata', () => {
    expectSV(read('{ "schema": { "type": "boolean" }, "payload": true }'), Schema.BOOLEAN_SCHEMA, true);
    expectSV(
      read('{ "schema": { "type": "boolean", "optional": true }, "payload": null }'),
      Schema.OPTIONAL_BOOLEAN_SCHEMA,
      null,
    );
    expectSV(
      read('{ "schema": { "type": "boolean", "default": true }, "payload": null }'),
      SchemaBuilder.bool().defaultValue(true).build(),
      true,
    );
    expectSV(
      read(
        '{ "schema": { "type": "boolean", "optional": false, "name": "bool", "version": 2, "doc": "the documentation", "parameters": { "foo": "bar" }}, "payload": true }',
      ),
      SchemaBuilder.bool().required().name('bool').version(2).doc('the documentation').parameter('foo', 'bar').build(),
      true,
    );
  });

  it('reads every primitive type', () => {
    expectSV(read('{ "schema": { "type": "int8" }, "payload": 12 }'), Schema.INT8_SCHEMA, 12);
    expectSV(read('{ "schema": { "type": "int16" }, "payload": 12 }'), Schema.INT16_SCHEMA, 12);
    expectSV(read('{ "schema": { "type": "int32" }, "payload": 12 }'), Schema.INT32_SCHEMA, 12);
    expectSV(read('{ "schema": { "type": "int64" }, "payload": 4398046511104 }'), Schema.INT64_SCHEMA, 4398046511104);
    expectSV(read('{ "schema": { "type": "float" }, "payload": 12.34 }'), Schema.FLOAT32_SCHEMA, 12.34);
    expectSV(read('{ "schema": { "type": "double" }, "payload": 12.34 }'), Schema.FLOAT64_SCHEMA, 12.34);
    expectSV(read('{ "schema": { "type": "string" }, "payload": "foo-bar-baz" }'), Schema.STRING_SCHEMA, 'foo-bar-baz');
    const bytes = read('{ "schema": { "type": "bytes" }, "payload": "dGVzdC1zdHJpbmc=" }');
    expect(dec(bytes.value as Uint8Array)).toBe('test-string');
  });

  it('keeps int64 values beyond 2^53 exact', () => {
    expectSV(
      read('{"schema":{"type":"int64","optional":false},"payload":9223372036854775807}'),
      Schema.INT64_SCHEMA,
      9223372036854775807n,
    );
    expectSV(
      read('{"schema":{"type":"int64","optional":false},"payload":-9007199254740993}'),
      Schema.INT64_SCHEMA,
      -9007199254740993n,
    );
    expect(() => read('{"schema":{"type":"int64"},"payload":9223372036854775808}')).toThrow(DataException);
  });

  it('reads arrays, maps with string and non-string keys, and structs', () => {
    expectSV(
      read('{ "schema": { "type": "array", "items": { "type" : "int32" } }, "payload": [1, 2, 3] }'),
      SchemaBuilder.array(Schema.INT32_SCHEMA).build(),
      [1, 2, 3],
    );
    expectSV(
      read(
        '{ "schema": { "type": "map", "keys": { "type" : "string" }, "values": { "type" : "int32" } }, "payload": { "key1": 12, "key2": 15} }',
      ),
      SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(),
      new Map([
        ['key1', 12],
        ['key2', 15],
      ]),
    );
    expectSV(
      read(
        '{ "schema": { "type": "map", "keys": { "type" : "int32" }, "values": { "type" : "int32" } }, "payload": [ [1, 12], [2, 15] ] }',
      ),
      SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.INT32_SCHEMA).build(),
      new Map([
        [1, 12],
        [2, 15],
      ]),
    );
    const structSchema = SchemaBuilder.struct()
      .field('field1', Schema.BOOLEAN_SCHEMA)
      .field('field2', Schema.STRING_SCHEMA)
      .build();
    expectSV(
      read(
        '{ "schema": { "type": "struct", "fields": [{ "field": "field1", "type": "boolean" }, { "field": "field2", "type": "string" }] }, "payload": { "field1": true, "field2": "string" } }',
      ),
      structSchema,
      new Struct(structSchema).put('field1', true).put('field2', 'string'),
    );
    const optSchema = SchemaBuilder.struct()
      .field('optional', Schema.OPTIONAL_STRING_SCHEMA)
      .field('required', Schema.STRING_SCHEMA)
      .build();
    expectSV(
      read(
        '{ "schema": { "type": "struct", "fields": [{ "field":"optional", "type": "string", "optional": true }, {  "field": "required", "type": "string" }] }, "payload": { "required": "required" } }',
      ),
      optSchema,
      new Struct(optSchema).put('required', 'required'),
    );
  });

  it('treats null bytes as a tombstone and null schema as schemaless', () => {
    expect(converter.toConnectData(TOPIC, null, null)).toEqual({ schema: null, value: null });
    expect(read('{ "schema": null, "payload": null }')).toEqual({ schema: null, value: null });
    expect(read('{ "schema": null, "payload": true }')).toEqual({ schema: null, value: true });
    expect(read('{ "schema": null, "payload": 12 }')).toEqual({ schema: null, value: 12 });
    expect(read('{ "schema": null, "payload": 12.24 }')).toEqual({ schema: null, value: 12.24 });
    expect(read('{ "schema": null, "payload": [1, "2", 3] }')).toEqual({ schema: null, value: [1, '2', 3] });
    expect(read('{ "schema": null, "payload": { "field1": 1, "field2": 2} }')).toEqual({
      schema: null,
      value: { field1: 1, field2: 2 },
    });
  });

  it('reads decimals as base64 bytes and as numbers, exactly', () => {
    const base =
      '{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }, "payload": ';
    expectSV(read(`${base}"AJw=" }`), Decimal.schema(2), new BigDecimal(156n, 2));
    expectSV(read(`${base}1.56 }`), Decimal.schema(2), new BigDecimal(156n, 2));
    const four =
      '{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "4" } }, "payload": 1.5600 }';
    expectSV(read(four), Decimal.schema(4), new BigDecimal(15600n, 4));
    const high =
      '{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "17" } }, "payload": 1.23456789123456789 }';
    expectSV(read(high), Decimal.schema(17), BigDecimal.parse('1.23456789123456789'));
    const opt = read(
      '{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "optional": true, "default": "AJw=", "parameters": { "scale": "2" } }, "payload": null }',
    );
    expectSV(opt, Decimal.builder(2).optional().defaultValue(new BigDecimal(156n, 2)).build(), new BigDecimal(156n, 2));
  });

  it('reads Date, Time and Timestamp, with defaults', () => {
    expectSV(
      read(
        '{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1 }, "payload": 10000 }',
      ),
      ConnectDate.SCHEMA,
      new Date(10000 * 86_400_000),
    );
    expectSV(
      read(
        '{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1, "optional": true, "default": 0 }, "payload": null }',
      ),
      ConnectDate.builder().optional().defaultValue(new Date(0)).build(),
      new Date(0),
    );
    expectSV(
      read(
        '{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1 }, "payload": 14400000 }',
      ),
      ConnectTime.SCHEMA,
      new Date(14400000),
    );
    expectSV(
      read(
        '{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1 }, "payload": 4000000000 }',
      ),
      ConnectTimestamp.SCHEMA,
      new Date(4000000000),
    );
    expectSV(
      read(
        '{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1,  "optional": true, "default": 42 }, "payload": null }',
      ),
      ConnectTimestamp.builder().optional().defaultValue(new Date(42)).build(),
      new Date(42),
    );
    expect(() =>
      read('{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp" }, "payload": 1.5 }'),
    ).toThrow('Invalid type for Timestamp, underlying representation should be integral but was NUMBER');
  });

  it('rejects data without the envelope with Kafka Connect message', () => {
    const message =
      'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.';
    expect(() => read('{"a":1}')).toThrow(message);
    expect(() => read('{"schema":null,"payload":1,"extra":2}')).toThrow(message);
    expect(() => read('[1,2]')).toThrow(message);
    expect(() => read('{"schema":')).toThrow(
      /Converting byte\[\] to Kafka Connect data failed due to serialization error/,
    );
  });

  it('reports schema and payload errors as DataException', () => {
    expect(() => read('{"schema":{"type":"nope"},"payload":1}')).toThrow('Unknown schema type: nope');
    expect(() => read('{"schema":{"optional":true},"payload":1}')).toThrow("Schema must contain 'type' field");
    expect(() => read('{"schema":{"type":"array"},"payload":[]}')).toThrow(
      'Array schema did not specify the element type',
    );
    expect(() => read('{"schema":{"type":"struct","fields":{}},"payload":{}}')).toThrow(
      'Struct schema\'s "fields" argument is not an array.',
    );
    expect(() => read('{"schema":{"type":"int32"},"payload":null}')).toThrow(
      'Invalid null value for required INT32 field',
    );
    expect(() => read('{"schema":{"type":"struct","fields":[]},"payload":[]}')).toThrow(
      'Structs should be encoded as JSON objects, but found ARRAY',
    );
    expect(() =>
      read('{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":{}}'),
    ).toThrow('Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT');
  });

  it('caches schemas by their JSON text', () => {
    read('{ "schema": { "type": "boolean" }, "payload": true }');
    expect(converter.cacheSizes.toConnect).toBe(1);
    read('{ "schema": { "type": "boolean" }, "payload": false }');
    expect(converter.cacheSizes.toConnect).toBe(1);
    read('{ "schema": { "type": "boolean", "optional": true }, "payload": true }');
    expect(converter.cacheSizes.toConnect).toBe(2);
    read('{ "schema": { "type": "boolean", "optional": false }, "payload": true }');
    expect(converter.cacheSizes.toConnect).toBe(3);
  });

  it('reads the same schema text with different payloads through the prefix cache correctly', () => {
    const schema =
      '{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false},"payload":';
    for (const id of [1, 2, 9007199254740993n]) {
      const sv = read(`${schema}{"id":${id}}}`);
      expect((sv.value as Struct).get('id')).toBe(typeof id === 'bigint' ? id : id);
    }
    expect(() => read(`${schema}{"id":1},"x":1}`)).toThrow(/requires "schema" and "payload"/);
  });

  it('keeps large integers exact in schemaless payloads read through the prefix cache', () => {
    for (const id of ['1', '12345678901234567890', '2']) {
      const sv = read(`{"schema":null,"payload":{"id":${id},"nested":[${id}]}}`);
      const expected = id.length > 15 ? BigInt(id) : Number(id);
      expect(sv).toEqual({ schema: null, value: { id: expected, nested: [expected] } });
    }
  });
});

describe('JsonConverter: Connect → JSON bytes as Kafka Connect writes them', () => {
  let converter: JsonConverter;
  const write = (schema: Schema | null, value: unknown): string | null =>
    dec(converter.fromConnectData(TOPIC, null, schema, value));
  beforeEach(() => {
    converter = new JsonConverter();
    converter.configure({}, false);
  });

  it('writes primitives with their schema', () => {
    expect(write(Schema.BOOLEAN_SCHEMA, true)).toBe('{"schema":{"type":"boolean","optional":false},"payload":true}');
    expect(write(Schema.INT8_SCHEMA, 12)).toBe('{"schema":{"type":"int8","optional":false},"payload":12}');
    expect(write(Schema.INT16_SCHEMA, 12)).toBe('{"schema":{"type":"int16","optional":false},"payload":12}');
    expect(write(Schema.INT32_SCHEMA, 42)).toBe('{"schema":{"type":"int32","optional":false},"payload":42}');
    expect(write(Schema.INT64_SCHEMA, 4398046511104)).toBe(
      '{"schema":{"type":"int64","optional":false},"payload":4398046511104}',
    );
    expect(write(Schema.INT64_SCHEMA, 9223372036854775807n)).toBe(
      '{"schema":{"type":"int64","optional":false},"payload":9223372036854775807}',
    );
    expect(write(Schema.FLOAT32_SCHEMA, 12.34)).toBe('{"schema":{"type":"float","optional":false},"payload":12.34}');
    expect(write(Schema.FLOAT64_SCHEMA, 12.34)).toBe('{"schema":{"type":"double","optional":false},"payload":12.34}');
    expect(write(Schema.FLOAT64_SCHEMA, 1)).toBe('{"schema":{"type":"double","optional":false},"payload":1.0}');
    expect(write(Schema.BYTES_SCHEMA, enc('test-string'))).toBe(
      '{"schema":{"type":"bytes","optional":false},"payload":"dGVzdC1zdHJpbmc="}',
    );
    expect(write(Schema.STRING_SCHEMA, 'test-string')).toBe(
      '{"schema":{"type":"string","optional":false},"payload":"test-string"}',
    );
    expect(write(Schema.OPTIONAL_BOOLEAN_SCHEMA, null)).toBe(
      '{"schema":{"type":"boolean","optional":true},"payload":null}',
    );
  });

  it('writes schema metadata in Kafka Connect order', () => {
    const schema = SchemaBuilder.bool()
      .required()
      .name('bool')
      .version(3)
      .doc('the documentation')
      .parameter('foo', 'bar')
      .build();
    expect(write(schema, true)).toBe(
      '{"schema":{"type":"boolean","optional":false,"name":"bool","version":3,"doc":"the documentation","parameters":{"foo":"bar"}},"payload":true}',
    );
    expect(write(SchemaBuilder.bool().defaultValue(true).build(), true)).toBe(
      '{"schema":{"type":"boolean","optional":false,"default":true},"payload":true}',
    );
  });

  it('writes arrays, maps and structs', () => {
    expect(write(SchemaBuilder.array(Schema.INT32_SCHEMA).build(), [1, 2, 3])).toBe(
      '{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2,3]}',
    );
    const stringMap = new Map([
      ['key1', 12],
      ['key2', 15],
    ]);
    expect(write(SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), stringMap)).toBe(
      '{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"key1":12,"key2":15}}',
    );
    const intMap = new Map([
      [1, 12],
      [2, 15],
    ]);
    expect(write(SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.INT32_SCHEMA).build(), intMap)).toBe(
      '{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":[[1,12],[2,15]]}',
    );
    const schema = SchemaBuilder.struct()
      .field('field1', Schema.BOOLEAN_SCHEMA)
      .field('field2', Schema.STRING_SCHEMA)
      .field('field3', Schema.STRING_SCHEMA)
      .field('field4', Schema.BOOLEAN_SCHEMA)
      .build();
    const input = new Struct(schema)
      .put('field1', true)
      .put('field2', 'string2')
      .put('field3', 'string3')
      .put('field4', false);
    expect(write(schema, input)).toBe(
      '{"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"},' +
        '{"type":"string","optional":false,"field":"field3"},{"type":"boolean","optional":false,"field":"field4"}],"optional":false},' +
        '"payload":{"field1":true,"field2":"string2","field3":"string3","field4":false}}',
    );
  });

  it('writes a Debezium-shaped change event byte for byte', () => {
    const value = SchemaBuilder.struct()
      .name('dbserver1.inventory.customers.Value')
      .field('id', Schema.INT32_SCHEMA)
      .field('email', Schema.OPTIONAL_STRING_SCHEMA)
      .optional()
      .build();
    const envelope = SchemaBuilder.struct()
      .name('dbserver1.inventory.customers.Envelope')
      .version(1)
      .field('before', value)
      .field('after', value)
      .field('op', Schema.STRING_SCHEMA)
      .field('ts_ms', Schema.OPTIONAL_INT64_SCHEMA)
      .build();
    const after = new Struct(value).put('id', 1004).put('email', 'annek@noanswer.org');
    const event = new Struct(envelope).put('after', after).put('op', 'c').put('ts_ms', 1486500577691);
    expect(write(envelope, event)).toBe(
      '{"schema":{"type":"struct","fields":[' +
        '{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"email"}],"optional":true,"name":"dbserver1.inventory.customers.Value","field":"before"},' +
        '{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"email"}],"optional":true,"name":"dbserver1.inventory.customers.Value","field":"after"},' +
        '{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"}],' +
        '"optional":false,"name":"dbserver1.inventory.customers.Envelope","version":1},' +
        '"payload":{"before":null,"after":{"id":1004,"email":"annek@noanswer.org"},"op":"c","ts_ms":1486500577691}}',
    );
  });

  it('writes decimals as base64 by default and as numbers with decimal.format=NUMERIC', () => {
    expect(write(Decimal.schema(2), new BigDecimal(156n, 2))).toBe(
      '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="}',
    );
    converter.configure({ 'decimal.format': 'NUMERIC' }, false);
    expect(write(Decimal.schema(2), new BigDecimal(156n, 2))).toBe(
      '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":1.56}',
    );
    expect(write(Decimal.schema(4), new BigDecimal(15600n, 4))).toMatch(/"payload":1\.5600}$/);
    expect(() => write(null, new BigDecimal(156n, 2))).toThrow(DataException);
  });

  it('writes Date, Time and Timestamp as integers', () => {
    expect(write(ConnectDate.SCHEMA, new Date(10000 * 86_400_000))).toBe(
      '{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":10000}',
    );
    expect(write(ConnectTime.SCHEMA, new Date(14400000))).toBe(
      '{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":14400000}',
    );
    expect(write(ConnectTimestamp.SCHEMA, new Date(4000000000))).toBe(
      '{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":4000000000}',
    );
  });

  it('writes schemaless values with a null schema', () => {
    expect(write(null, true)).toBe('{"schema":null,"payload":true}');
    expect(write(null, [1, 'string', true])).toBe('{"schema":null,"payload":[1,"string",true]}');
    expect(
      write(
        null,
        new Map<unknown, unknown>([
          ['key1', 12],
          ['key2', 'string'],
          ['key3', true],
        ]),
      ),
    ).toBe('{"schema":null,"payload":{"key1":12,"key2":"string","key3":true}}');
    expect(
      write(
        null,
        new Map<unknown, unknown>([
          ['string', 12],
          [52, 'string'],
          [false, true],
        ]),
      ),
    ).toBe('{"schema":null,"payload":[["string",12],[52,"string"],[false,true]]}');
    expect(write(null, { a: 1, b: { c: 'x' } })).toBe('{"schema":null,"payload":{"a":1,"b":{"c":"x"}}}');
  });

  it('produces tombstones only for a null schema and null value', () => {
    expect(converter.fromConnectData(TOPIC, null, null, null)).toBeNull();
    converter.configure({ 'schemas.enable': 'false' }, true);
    expect(converter.fromConnectData(TOPIC, null, null, null)).toBeNull();
  });

  it('rejects values that do not match the schema', () => {
    expect(() => write(Schema.FLOAT64_SCHEMA, true)).toThrow(DataException);
    expect(() => write(Schema.INT32_SCHEMA, null)).toThrow(
      'Conversion error: null value for field that is required and has no default value',
    );
    const a = SchemaBuilder.struct().field('x', Schema.INT32_SCHEMA).build();
    const b = SchemaBuilder.struct().field('y', Schema.INT32_SCHEMA).build();
    expect(() => write(a, new Struct(b).put('y', 1))).toThrow('Mismatching schema.');
  });

  it('replaces null with the default unless replace.null.with.default=false', () => {
    const schema = SchemaBuilder.struct().field('n', SchemaBuilder.int32().optional().defaultValue(42).build()).build();
    const s = new Struct(schema);
    expect(write(schema, s)).toMatch(/"payload":\{"n":42\}\}$/);
    converter.configure({ 'replace.null.with.default': 'false' }, false);
    expect(write(schema, s)).toMatch(/"payload":\{"n":null\}\}$/);
    const read = converter.toConnectData(TOPIC, null, enc(write(schema, s)!));
    expect((read.value as Struct).getWithoutDefault('n')).toBeNull();
  });

  it("reads a schema's default value with the converter's replace.null.with.default", () => {
    // An array default holding a null, and the element schema has a default of its own.
    const node = parseJsonExact(
      '{"type":"array","items":{"type":"int32","optional":true,"default":42},"optional":true,"default":[null, 7]}',
    );
    expect(converter.asConnectSchema(node)!.defaultValue).toEqual([42, 7]);
    converter.configure({ 'replace.null.with.default': 'false' }, false);
    expect(converter.asConnectSchema(node)!.defaultValue).toEqual([null, 7]);
  });

  it('escapes strings as Jackson does', () => {
    expect(write(Schema.STRING_SCHEMA, 'a"b\\c\n\u0001é')).toBe(
      '{"schema":{"type":"string","optional":false},"payload":"a\\"b\\\\c\\n\\u0001é"}',
    );
  });

  it('caches the JSON schema per schema', () => {
    write(SchemaBuilder.bool().build(), true);
    write(SchemaBuilder.bool().build(), true);
    expect(converter.cacheSizes.fromConnect).toBe(2);
    const shared = SchemaBuilder.bool().optional().build();
    write(shared, true);
    write(shared, false);
    expect(converter.cacheSizes.fromConnect).toBe(3);
    converter.configure({ 'schemas.cache.size': '2' }, false);
    for (let i = 0; i < 5; i++)
      write(
        SchemaBuilder.int32()
          .version(i + 1)
          .build(),
        i,
      );
    expect(converter.cacheSizes.fromConnect).toBe(2);
  });

  it('delegates header conversion to data conversion', () => {
    expect(dec(converter.fromConnectHeader(TOPIC, 'headerName', Schema.STRING_SCHEMA, 'test-string'))).toBe(
      '{"schema":{"type":"string","optional":false},"payload":"test-string"}',
    );
    expectSV(
      converter.toConnectHeader(
        TOPIC,
        'headerName',
        enc('{ "schema": { "type": "string" }, "payload": "foo-bar-baz" }'),
      ),
      Schema.STRING_SCHEMA,
      'foo-bar-baz',
    );
  });
});

describe('JsonConverter with schemas.enable=false', () => {
  let converter: JsonConverter;
  beforeEach(() => {
    converter = new JsonConverter();
    converter.configure({ 'schemas.enable': 'false' }, true);
  });

  it('reads plain JSON: empty bytes and null are null, objects are plain objects', () => {
    expect(converter.toConnectData(TOPIC, null, enc(''))).toEqual({ schema: null, value: null });
    expect(converter.toConnectData(TOPIC, null, enc('true'))).toEqual({ schema: null, value: true });
    expect(converter.toConnectData(TOPIC, null, enc('null'))).toEqual({ schema: null, value: null });
    expect(converter.toConnectData(TOPIC, null, enc('{ "a": "", "b": null}'))).toEqual({
      schema: null,
      value: { a: '', b: null },
    });
  });

  it('keeps large integers exact and leaves safe ones as numbers', () => {
    const sv = converter.toConnectData(
      TOPIC,
      null,
      enc('{"id":12345678901234567890,"small":7,"f":1.25,"arr":[9007199254740993,1.123456789012345678]}'),
    );
    expect(sv.value).toEqual({
      id: 12345678901234567890n,
      small: 7,
      f: 1.25,
      arr: [9007199254740993n, Number('1.123456789012345678')],
    });
  });

  it('writes plain JSON without the envelope', () => {
    expect(dec(converter.fromConnectData(TOPIC, null, null, true))).toBe('true');
    const schema = SchemaBuilder.struct().field('a', Schema.INT32_SCHEMA).build();
    expect(dec(converter.fromConnectData(TOPIC, null, schema, new Struct(schema).put('a', 1)))).toBe('{"a":1}');
    expect(dec(converter.fromConnectData(TOPIC, null, Schema.OPTIONAL_STRING_SCHEMA, null))).toBe('null');
  });

  it('reports malformed JSON as a DataException', () => {
    expect(() => converter.toConnectData(TOPIC, null, enc('{"a":'))).toThrow(DataException);
    expect(() => converter.toConnectData(TOPIC, null, enc('{"a":12345678901234567890'))).toThrow(
      /Converting byte\[\] to Kafka Connect data failed due to serialization error/,
    );
  });
});

describe('JsonConverter round trips', () => {
  it('reads back what it writes for a schema with every type', () => {
    const inner = SchemaBuilder.struct().field('s', Schema.OPTIONAL_STRING_SCHEMA).optional().build();
    const schema = SchemaBuilder.struct()
      .field('i8', Schema.INT8_SCHEMA)
      .field('i16', Schema.INT16_SCHEMA)
      .field('i32', Schema.INT32_SCHEMA)
      .field('i64', Schema.INT64_SCHEMA)
      .field('f32', Schema.FLOAT32_SCHEMA)
      .field('f64', Schema.FLOAT64_SCHEMA)
      .field('b', Schema.BOOLEAN_SCHEMA)
      .field('str', Schema.STRING_SCHEMA)
      .field('bytes', Schema.BYTES_SCHEMA)
      .field('arr', SchemaBuilder.array(Schema.OPTIONAL_INT32_SCHEMA).build())
      .field('map', SchemaBuilder.map(Schema.INT64_SCHEMA, inner).build())
      .field('dec', Decimal.schema(3))
      .field('date', ConnectDate.SCHEMA)
      .field('time', ConnectTime.SCHEMA)
      .field('ts', ConnectTimestamp.SCHEMA)
      .field('nested', inner)
      .field('withDefault', SchemaBuilder.string().defaultValue('dflt').build())
      .build();
    const value = new Struct(schema)
      .put('i8', -128)
      .put('i16', 32767)
      .put('i32', -2147483648)
      .put('i64', -9223372036854775808n)
      .put('f32', 3.14)
      .put('f64', 1e-300)
      .put('b', false)
      .put('str', 'ünïcødé ✓')
      .put('bytes', new Uint8Array([0, 255, 128]))
      .put('arr', [1, null, 3])
      .put('map', new Map([[5, new Struct(inner).put('s', 'x')]]))
      .put('dec', BigDecimal.parse('-12345678901234567890.123'))
      .put('date', new Date(Date.UTC(2024, 1, 29)))
      .put('time', new Date(3_600_000 + 123))
      .put('ts', new Date(1_700_000_000_123))
      .put('nested', null)
      .put('withDefault', 'dflt');
    for (const props of [{}, { 'decimal.format': 'NUMERIC' }] as Record<string, string>[]) {
      const c = new JsonConverter();
      c.configure(props, false);
      const bytes = c.fromConnectData(TOPIC, null, schema, value);
      const back = c.toConnectData(TOPIC, null, bytes);
      expect(schemaEquals(back.schema, schema)).toBe(true);
      expect(valuesEqual(back.value, value)).toBe(true);
      // A second read comes through the envelope prefix cache and must agree.
      expect(valuesEqual(c.toConnectData(TOPIC, null, bytes).value, value)).toBe(true);
    }
  });
});
