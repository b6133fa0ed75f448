import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  Decimal,
  Schema,
  SchemaBuilder,
  Struct,
} from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { decodeMessageIndexes, encodeMessageIndexes, indexesOf, messageAt, parseProto } from './proto-schema.js';
import {
  PROTOBUF_TYPE_ENUM,
  PROTOBUF_TYPE_UNION,
  fromConnectSchema,
  toConnectSchema,
  toConnectValue,
  toProtoMessage,
} from './protobuf-data.js';

const plain = {
  enhancedSchemaSupport: false,
  scrubInvalidNames: false,
  wrapperForNullables: false,
  optionalForNullables: false,
};

describe('message indexes (Confluent wire format)', () => {
  it('writes [0] as the single byte 0 and other paths as a zig-zag count then zig-zag indexes', () => {
    expect([...encodeMessageIndexes([0])]).toEqual([0x00]);
    expect([...encodeMessageIndexes([1])]).toEqual([0x02, 0x02]);
    expect([...encodeMessageIndexes([1, 0])]).toEqual([0x04, 0x02, 0x00]);
    expect([...encodeMessageIndexes([0, 2, 70])]).toEqual([0x06, 0x00, 0x04, 0x8c, 0x01]);
    expect(decodeMessageIndexes(Uint8Array.of(0x00, 0x0a))).toEqual({ indexes: [0], length: 1 });
    expect(decodeMessageIndexes(Uint8Array.of(0x04, 0x02, 0x00, 0xff))).toEqual({ indexes: [1, 0], length: 3 });
  });

  it('matches the golden bytes of Confluent’s own serializer tests (confluent-kafka-python test_index_encoder)', () => {
    // Their cases are [count, index] with the count byte skipped: index 1 → 02, 127 → fe01, 128 → 8002.
    expect(Buffer.from(encodeMessageIndexes([1])).toString('hex')).toBe('02' + '02');
    expect(Buffer.from(encodeMessageIndexes([127])).toString('hex')).toBe('02' + 'fe01');
    expect(Buffer.from(encodeMessageIndexes([128])).toString('hex')).toBe('02' + '8002');
    // Their encoder writes the first message as count 1, index 0 (02 00) rather than the 00 shortcut: both read as [0].
    expect(decodeMessageIndexes(Buffer.from('0200', 'hex'))).toEqual({ indexes: [0], length: 2 });
    expect(decodeMessageIndexes(Buffer.from('028002', 'hex'))).toEqual({ indexes: [128], length: 3 });
  });

  it('finds nested messages by their path and back', () => {
    const file = parseProto(`syntax = "proto3"; package p;
      message A { string a = 1; }
      message B { message C { int32 c = 1; } message D { message E { bool e = 1; } } C c = 1; }`);
    expect(messageAt(file, [0]).name).toBe('A');
    expect(messageAt(file, [1, 1, 0]).fullName).toBe('.p.B.D.E');
    expect(indexesOf(file, file.root.lookupType('p.B.D.E'))).toEqual([1, 1, 0]);
    expect(() => messageAt(file, [2])).toThrow(/out of range/);
  });

  it('reads the option lists Confluent prints for (confluent.field_meta)', () => {
    const text = `syntax = "proto3";
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
message M {
  int32 small = 1 [(confluent.field_meta) = {
    params: [
      {
        key: "connect.type",
        value: "int16"
      }
    ]
  }];
  confluent.type.Decimal price = 2 [(confluent.field_meta) = { params: [ { key: "precision", value: "5" }, { key: "scale", value: "2" } ] }];
  string note = 3; // a comment with params: [ ]
  string tag = 4 [json_name = "x:[y]"];
}`;
    const type = parseProto(text).messages[0]!;
    const s = toConnectSchema(type, plain);
    expect(s.field('small')!.schema.type).toBe('int16');
    expect(s.field('price')!.schema.parameters).toMatchObject({ scale: '2', 'connect.decimal.precision': '5' });
  });

  it('refuses an import that is neither a reference nor built in, and resolves one given as a reference', () => {
    const main = 'syntax = "proto3"; import "other.proto"; message M { other.O o = 1; }';
    expect(() => parseProto(main)).toThrow(/other\.proto/);
    const f = parseProto(main, [
      { name: 'other.proto', schema: 'syntax = "proto3"; package other; message O { string x = 1; }' },
    ]);
    expect(f.messages.map((m) => m.name)).toEqual(['M']);
  });
});

const Address = SchemaBuilder.struct().name('com.example.Address').field('city', Schema.STRING_SCHEMA).build();
const Status = SchemaBuilder.string()
  .name('Status')
  .parameter(PROTOBUF_TYPE_ENUM, 'Status')
  .parameter(`${PROTOBUF_TYPE_ENUM}.ACTIVE`, '0')
  .parameter(`${PROTOBUF_TYPE_ENUM}.BLOCKED`, '1')
  .build();
const Union = SchemaBuilder.struct()
  .name(`${PROTOBUF_TYPE_UNION}.contact`)
  .optional()
  .field('email', SchemaBuilder.string().optional().parameter('io.confluent.connect.protobuf.Tag', '20').build())
  .field('phone', SchemaBuilder.int64().optional().parameter('io.confluent.connect.protobuf.Tag', '21').build())
  .build();

const Everything = SchemaBuilder.struct()
  .name('com.example.Everything')
  .field('i8', Schema.INT8_SCHEMA)
  .field('i16', Schema.INT16_SCHEMA)
  .field('i32', Schema.INT32_SCHEMA)
  .field('big', Schema.INT64_SCHEMA)
  .field('f32', Schema.FLOAT32_SCHEMA)
  .field('f64', Schema.FLOAT64_SCHEMA)
  .field('flag', Schema.BOOLEAN_SCHEMA)
  .field('text', Schema.STRING_SCHEMA)
  .field('blob', Schema.BYTES_SCHEMA)
  .field('price', Decimal.builder(2).parameter('connect.decimal.precision', '10').build())
  .field('day', ConnectDate.SCHEMA)
  .field('at', ConnectTime.SCHEMA)
  .field('ts', ConnectTimestamp.SCHEMA)
  .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
  .field('attrs', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
  .field('home', Address)
  .field('nick', Schema.OPTIONAL_STRING_SCHEMA)
  .field('status', Status)
  .field('contact', Union)
  .build();

function everything(): Struct {
  return new Struct(Everything)
    .put('i8', -8)
    .put('i16', 1600)
    .put('i32', 320_000)
    .put('big', 4_503_599_627_370_496_123n)
    .put('f32', 1.5)
    .put('f64', Math.PI)
    .put('flag', true)
    .put('text', 'héllo')
    .put('blob', new Uint8Array([0, 1, 254, 255]))
    .put('price', new BigDecimal(-12345n, 2))
    .put('day', new Date(Date.UTC(2024, 1, 29)))
    .put('at', new Date(13 * 3_600_000 + 5 * 60_000 + 7_000 + 9))
    .put('ts', new Date(Date.UTC(2024, 1, 29, 13, 5, 7, 9)))
    .put('tags', ['a', 'b'])
    .put('attrs', new Map([['x', 1]]))
    .put('home', new Struct(Address).put('city', 'Oslo'))
    .put('nick', null)
    .put('status', 'BLOCKED')
    .put('contact', new Struct(Union).put('phone', 4_712_345_678));
}

describe('ProtobufData', () => {
  it('writes the proto3 file Confluent writes for a Connect struct', () => {
    const g = fromConnectSchema(Everything, plain);
    expect(g.messageName).toBe('com.example.Everything');
    expect(g.text).toBe(`syntax = "proto3";
package com.example;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";
import "google/protobuf/timestamp.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";

message Everything {
  int32 i8 = 1 [(confluent.field_meta) = { params { key: "connect.type", value: "int8" } }];
  int32 i16 = 2 [(confluent.field_meta) = { params { key: "connect.type", value: "int16" } }];
  int32 i32 = 3;
  int64 big = 4;
  float f32 = 5;
  double f64 = 6;
  bool flag = 7;
  string text = 8;
  bytes blob = 9;
  confluent.type.Decimal price = 10 [(confluent.field_meta) = { params { key: "precision", value: "10" } params { key: "scale", value: "2" } }];
  google.type.Date day = 11;
  google.type.TimeOfDay at = 12;
  google.protobuf.Timestamp ts = 13;
  repeated string tags = 14;
  repeated ConnectDefault1Entry attrs = 15;
  Address home = 16;
  string nick = 17;
  Status status = 18;
  oneof contact {
    string email = 20;
    int64 phone = 21;
  }
  message ConnectDefault1Entry {
    string key = 1;
    int32 value = 2;
  }
  message Address {
    string city = 1;
  }
  enum Status {
    ACTIVE = 0;
    BLOCKED = 1;
  }
}
`);
  });

  it('round-trips every Connect type through the generated schema and protobuf binary', () => {
    const g = fromConnectSchema(Everything, plain);
    const file = parseProto(g.text);
    const type = file.root.lookupType(g.messageName);
    const bytes = type.encode(toProtoMessage(Everything, everything(), type)).finish();
    const connect = toConnectSchema(type, plain);
    expect(connect.name).toBe('Everything');
    expect(connect.fields.map((f) => f.name)).toEqual([
      'contact_0',
      'i8',
      'i16',
      'i32',
      'big',
      'f32',
      'f64',
      'flag',
      'text',
      'blob',
      'price',
      'day',
      'at',
      'ts',
      'tags',
      'attrs',
      'home',
      'nick',
      'status',
    ]);
    expect(connect.fields.every((f) => f.schema.optional)).toBe(true);
    expect(connect.field('i8')!.schema.type).toBe('int8');
    expect(connect.field('i16')!.schema.type).toBe('int16');
    expect(connect.field('price')!.schema.parameters).toMatchObject({ scale: '2', 'connect.decimal.precision': '10' });
    expect(connect.field('big')!.schema.parameters).toEqual({ 'io.confluent.connect.protobuf.Tag': '4' });
    const v = toConnectValue(connect, type.decode(bytes), type);
    expect(v.get('i8')).toBe(-8);
    expect(v.get('big')).toBe(4_503_599_627_370_496_123n);
    expect(v.get('f32')).toBe(1.5);
    expect(v.get('text')).toBe('héllo');
    expect([...(v.get('blob') as Uint8Array)]).toEqual([0, 1, 254, 255]);
    expect(v.get('price')).toEqual(new BigDecimal(-12345n, 2));
    expect((v.get('day') as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect((v.get('at') as Date).getTime()).toBe(13 * 3_600_000 + 5 * 60_000 + 7_000 + 9);
    expect((v.get('ts') as Date).toISOString()).toBe('2024-02-29T13:05:07.009Z');
    expect(v.get('tags')).toEqual(['a', 'b']);
    expect(v.get('attrs')).toEqual(new Map([['x', 1]]));
    expect((v.get('home') as Struct).get('city')).toBe('Oslo');
    // proto3 without presence: an unset string reads as its default, as Confluent's converter reads it.
    expect(v.get('nick')).toBe('');
    expect(v.get('status')).toBe('BLOCKED');
    expect((v.get('contact_0') as Struct).get('phone')).toBe(4_712_345_678);
    expect((v.get('contact_0') as Struct).get('email')).toBeNull();
  });

  it('encodes a message byte for byte as protoc does', () => {
    const s = SchemaBuilder.struct()
      .name('MyRecord')
      .field('f1', Schema.STRING_SCHEMA)
      .field('f2', Schema.INT32_SCHEMA)
      .build();
    const g = fromConnectSchema(s, plain);
    expect(g.text).toBe('syntax = "proto3";\n\nmessage MyRecord {\n  string f1 = 1;\n  int32 f2 = 2;\n}\n');
    const type = parseProto(g.text).root.lookupType('MyRecord');
    const bytes = type.encode(toProtoMessage(s, new Struct(s).put('f1', 'value1').put('f2', 150), type)).finish();
    // field 1 (LEN) "value1", field 2 (VARINT) 150 = 0x96 0x01
    expect(Buffer.from(bytes).toString('hex')).toBe('0a0676616c7565311096' + '01');
  });

  it('writes a Decimal as Confluent’s ProtobufConverterTest expects: unscaled two’s-complement bytes, precision, scale', () => {
    const s = SchemaBuilder.struct().name('D').field('value', Decimal.builder(3).build()).build();
    const type = parseProto(fromConnectSchema(s, plain).text).root.lookupType('D');
    const bytes = type
      .encode(toProtoMessage(s, new Struct(s).put('value', new BigDecimal(12345678n, 3)), type))
      .finish();
    // field 1 (LEN 10): confluent.type.Decimal { value = 00 bc 61 4e, precision = 8, scale = 3 }
    expect(Buffer.from(bytes).toString('hex')).toBe('0a0a' + '0a0400bc614e' + '1008' + '1803');
    const v = toConnectValue(toConnectSchema(type, plain), type.decode(bytes), type);
    expect(v.get('value')).toEqual(new BigDecimal(12345678n, 3));
  });

  it('writes optional primitives as wrappers or proto3 optional fields when asked, and reads them back as null when unset', () => {
    const s = SchemaBuilder.struct()
      .name('N')
      .field('a', Schema.OPTIONAL_INT32_SCHEMA)
      .field('b', Schema.OPTIONAL_STRING_SCHEMA)
      .build();
    const wrapped = fromConnectSchema(s, { ...plain, wrapperForNullables: true });
    expect(wrapped.text).toContain('google.protobuf.Int32Value a = 1;');
    expect(wrapped.text).toContain('import "google/protobuf/wrappers.proto";');
    const opt = fromConnectSchema(s, { ...plain, optionalForNullables: true });
    expect(opt.text).toContain('optional int32 a = 1;');
    for (const [g, cfg] of [
      [wrapped, { ...plain, wrapperForNullables: true }],
      [opt, plain],
    ] as const) {
      const type = parseProto(g.text).root.lookupType('N');
      const bytes = type.encode(toProtoMessage(s, new Struct(s).put('a', 0).put('b', null), type)).finish();
      const connect = toConnectSchema(type, cfg);
      const v = toConnectValue(connect, type.decode(bytes), type);
      expect(v.get('a')).toBe(0);
      expect(v.get('b')).toBeNull();
    }
  });

  it('refuses a root that is not a struct and arrays of arrays', () => {
    expect(() => fromConnectSchema(Schema.STRING_SCHEMA, plain)).toThrow(/Unsupported root schema of type STRING/);
    const nested = SchemaBuilder.struct()
      .field('m', SchemaBuilder.array(SchemaBuilder.array(Schema.INT32_SCHEMA).build()).build())
      .build();
    expect(() => fromConnectSchema(nested, plain)).toThrow(/Array cannot be nested/);
  });

  it('names unnamed structs ConnectDefault1, 2, … and suffixes a type named like its field', () => {
    const inner = SchemaBuilder.struct().field('x', Schema.INT32_SCHEMA).build();
    const named = SchemaBuilder.struct().name('item').field('y', Schema.INT32_SCHEMA).build();
    const s = SchemaBuilder.struct().field('inner', inner).field('item', named).build();
    const g = fromConnectSchema(s, plain);
    expect(g.messageName).toBe('ConnectDefault1');
    expect(g.text).toContain('ConnectDefault2 inner = 1;');
    expect(g.text).toContain('itemMessage item = 2;');
    expect(() => parseProto(g.text)).not.toThrow();
  });
});
