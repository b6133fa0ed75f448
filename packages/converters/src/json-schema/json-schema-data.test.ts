import { BigDecimal, ConnectDate, ConnectTimestamp, Decimal, Schema, SchemaBuilder, Struct } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { parseJsonExact } from '../json/lossless-json.js';
import { JSON_TYPE_ONE_OF, fromConnectSchema, readValue, toConnectSchema, writeValue } from './json-schema-data.js';
import { compileValidator } from './validator.js';

const Address = SchemaBuilder.struct().name('Address').field('city', Schema.STRING_SCHEMA).optional().build();
const Customer = SchemaBuilder.struct()
  .name('com.example.Customer')
  .version(2)
  .doc('a customer')
  .field('id', Schema.INT64_SCHEMA)
  .field('small', Schema.INT8_SCHEMA)
  .field('score', Schema.FLOAT32_SCHEMA)
  .field('email', Schema.OPTIONAL_STRING_SCHEMA)
  .field('blob', Schema.BYTES_SCHEMA)
  .field('price', Decimal.schema(2))
  .field('day', ConnectDate.SCHEMA)
  .field('ts', ConnectTimestamp.SCHEMA)
  .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
  .field('attrs', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
  .field('byId', SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build())
  .field('home', Address)
  .field('level', SchemaBuilder.int32().defaultValue(5).build())
  .build();

describe('JsonSchemaData', () => {
  it('maps Connect schemas as Confluent does: connect.type, connect.index, title, oneOf null, logical types', () => {
    expect(fromConnectSchema(Customer)).toEqual({
      title: 'com.example.Customer',
      description: 'a customer',
      type: 'object',
      properties: {
        id: { type: 'integer', 'connect.type': 'int64', 'connect.index': 0 },
        small: { type: 'integer', 'connect.type': 'int8', 'connect.index': 1 },
        score: { type: 'number', 'connect.type': 'float32', 'connect.index': 2 },
        email: { oneOf: [{ type: 'null' }, { type: 'string' }], 'connect.index': 3 },
        blob: { type: 'string', 'connect.type': 'bytes', 'connect.index': 4 },
        price: {
          title: 'org.apache.kafka.connect.data.Decimal',
          type: 'number',
          'connect.type': 'bytes',
          'connect.version': 1,
          'connect.parameters': { scale: '2' },
          'connect.index': 5,
        },
        day: {
          title: 'org.apache.kafka.connect.data.Date',
          type: 'integer',
          'connect.type': 'int32',
          'connect.version': 1,
          'connect.index': 6,
        },
        ts: {
          title: 'org.apache.kafka.connect.data.Timestamp',
          type: 'integer',
          'connect.type': 'int64',
          'connect.version': 1,
          'connect.index': 7,
        },
        tags: { type: 'array', items: { type: 'string' }, 'connect.index': 8 },
        attrs: {
          type: 'object',
          additionalProperties: { type: 'integer', 'connect.type': 'int32' },
          'connect.type': 'map',
          'connect.index': 9,
        },
        byId: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              key: { type: 'integer', 'connect.type': 'int32', 'connect.index': 0 },
              value: { type: 'string', 'connect.index': 1 },
            },
          },
          'connect.type': 'map',
          'connect.index': 10,
        },
        home: {
          oneOf: [
            { type: 'null' },
            { title: 'Address', type: 'object', properties: { city: { type: 'string', 'connect.index': 0 } } },
          ],
          'connect.index': 11,
        },
        level: { default: 5, type: 'integer', 'connect.type': 'int32', 'connect.index': 12 },
      },
      'connect.version': 2,
    });
  });

  it('reads back the Connect schema it wrote', () => {
    const back = toConnectSchema(fromConnectSchema(Customer));
    expect(back.name).toBe('com.example.Customer');
    expect(back.version).toBe(2);
    expect(back.fields.map((f) => [f.name, f.schema.type, f.schema.optional])).toEqual(
      Customer.fields.map((f) => [f.name, f.schema.type, f.schema.optional]),
    );
    expect(back.field('price')!.schema.name).toBe(Decimal.LOGICAL_NAME);
    expect(back.field('byId')!.schema.keySchema!.type).toBe('int32');
    expect(back.field('level')!.schema.defaultValue).toBe(5);
  });

  it('writes values as Confluent does and reads them back exactly (int64 past 2^53, decimals both ways)', () => {
    const v = new Struct(Customer)
      .put('id', 9_007_199_254_740_993n)
      .put('small', -3)
      .put('score', 0.1)
      .put('email', null)
      .put('blob', new Uint8Array([1, 2]))
      .put('price', new BigDecimal(-12345n, 2))
      .put('day', new Date(Date.UTC(2024, 1, 29)))
      .put('ts', new Date(Date.UTC(2024, 1, 29, 1, 2, 3, 4)))
      .put('tags', ['a'])
      .put('attrs', new Map([['x', 1]]))
      .put('byId', new Map([[7, 'seven']]))
      .put('home', new Struct(Address).put('city', 'Oslo'))
      .put('level', null);
    const numeric = writeValue(Customer, v, 'NUMERIC');
    expect(numeric).toBe(
      '{"id":9007199254740993,"small":-3,"score":0.1,"email":null,"blob":"AQI=","price":-123.45,"day":19782,"ts":1709168523004,"tags":["a"],"attrs":{"x":1},"byId":[{"key":7,"value":"seven"}],"home":{"city":"Oslo"},"level":5}',
    );
    expect(writeValue(Customer, v, 'BASE64')).toContain('"price":"z8c="');
    for (const text of [numeric, writeValue(Customer, v, 'BASE64')]) {
      const back = readValue(Customer, parseJsonExact(text)) as Struct;
      expect(back.get('id')).toBe(9_007_199_254_740_993n);
      expect(back.get('price')).toEqual(new BigDecimal(-12345n, 2));
      expect((back.get('day') as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z');
      expect(back.get('byId')).toEqual(new Map([[7, 'seven']]));
      expect((back.get('home') as Struct).get('city')).toBe('Oslo');
      expect(back.get('level')).toBe(5);
    }
  });

  it('reads JSON Schemas other producers write: type lists, $ref, oneOf unions, enums, plain integers', () => {
    const s = toConnectSchema({
      type: 'object',
      definitions: { Pet: { type: 'object', properties: { name: { type: 'string' } } } },
      properties: {
        n: { type: 'integer' },
        maybe: { type: ['null', 'number'] },
        pet: { $ref: '#/definitions/Pet' },
        color: { type: 'string', enum: ['RED', 'GREEN'] },
        either: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      },
    });
    expect(s.field('n')!.schema.type).toBe('int64');
    expect(s.field('maybe')!.schema).toMatchObject({ type: 'float64', optional: true });
    expect(s.field('pet')!.schema.field('name')!.schema.type).toBe('string');
    expect(s.field('color')!.schema.parameters).toMatchObject({ 'io.confluent.connect.json.Enum.RED': 'RED' });
    expect(s.field('either')!.schema.name).toBe(JSON_TYPE_ONE_OF);
    const v = readValue(
      s,
      parseJsonExact('{"n":1,"maybe":null,"pet":{"name":"rex"},"color":"RED","either":3}'),
    ) as Struct;
    expect((v.get('either') as Struct).get(`${JSON_TYPE_ONE_OF}.field.1`)).toBe(3);
    expect(() => toConnectSchema({ $ref: 'https://example.com/x.json' })).toThrow(/only local references/);
  });

  it('fails on bad values with the reason', () => {
    expect(() => readValue(Customer, parseJsonExact('[]'))).toThrow(
      /Structs should be encoded as JSON objects, but found ARRAY/,
    );
    expect(() => writeValue(Schema.INT32_SCHEMA, 'x', 'NUMERIC')).toThrow(/Invalid type for INT32/);
    expect(() => readValue(Schema.INT32_SCHEMA, null)).toThrow(/Invalid null value for required INT32 field/);
  });

  it('validates values against their schema for json.fail.invalid.schema', () => {
    const validate = compileValidator(fromConnectSchema(Customer));
    expect(
      validate(
        JSON.parse(
          writeValue(
            Customer,
            new Struct(Customer)
              .put('id', 1)
              .put('small', 1)
              .put('score', 1)
              .put('blob', new Uint8Array())
              .put('price', new BigDecimal(1n, 2))
              .put('day', new Date(0))
              .put('ts', new Date(0))
              .put('tags', [])
              .put('attrs', new Map())
              .put('byId', new Map()),
            'NUMERIC',
          ),
        ),
      ),
    ).toBeNull();
    expect(validate({ id: 'one' })).toMatch(/\/id must be integer/);
  });
});
