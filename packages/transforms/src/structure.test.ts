import {
  BigDecimal,
  ConfigException,
  DataException,
  Decimal,
  Headers,
  Schema,
  SchemaBuilder,
  Struct,
  schemaEquals,
} from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { Filter } from './filter.js';
import { Flatten } from './flatten.js';
import { DropHeaders, HeaderFrom, InsertHeader } from './headers.js';
import { HoistField } from './hoist-field.js';
import { MaskField } from './mask-field.js';
import { HasHeaderKey, RecordIsTombstone, TopicNameMatches } from './predicates.js';
import { SetSchemaMetadata } from './set-schema-metadata.js';
import { sourceRecord } from '../test-support/records.js';

describe('Flatten', () => {
  it('flattens nested schemaless maps with the delimiter', () => {
    const xf = new Flatten('value');
    xf.configure({ delimiter: '#' });
    const value = {
      A: { B: { int8: 8, string: 'x', bytes: new Uint8Array([1]), array: [1, 2], nil: null } },
      top: true,
    };
    expect(xf.apply(sourceRecord({ value }))!.value).toEqual({
      'A#B#int8': 8,
      'A#B#string': 'x',
      'A#B#bytes': new Uint8Array([1]),
      'A#B#array': [1, 2],
      'A#B#nil': null,
      top: true,
    });
    const map = xf.apply(sourceRecord({ value: new Map<string, unknown>([['a', new Map([['b', 1]])]]) }))!.value;
    expect(map).toEqual(new Map([['a#b', 1]]));
  });

  it('flattens nested structs, carrying optionality and defaults down', () => {
    const inner = SchemaBuilder.struct()
      .field('x', Schema.INT32_SCHEMA)
      .field('y', SchemaBuilder.string().defaultValue('d').build())
      .optional()
      .build();
    const schema = SchemaBuilder.struct()
      .name('top')
      .field('inner', inner)
      .field('flag', Schema.BOOLEAN_SCHEMA)
      .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
      .build();
    const xf = new Flatten('value');
    xf.configure({});
    const out = xf.apply(
      sourceRecord({
        valueSchema: schema,
        value: new Struct(schema).put('inner', new Struct(inner).put('x', 1)).put('flag', true).put('tags', ['a']),
      }),
    )!;
    const s = out.valueSchema!;
    expect(s.name).toBe('top');
    expect(s.fields.map((f) => f.name)).toEqual(['inner.x', 'inner.y', 'flag', 'tags']);
    expect(s.field('inner.x')!.schema.optional).toBe(true);
    expect(s.field('inner.y')!.schema.defaultValue).toBe('d');
    expect(s.field('flag')!.schema.optional).toBe(false);
    const v = out.value as Struct;
    expect([v.get('inner.x'), v.get('inner.y'), v.get('flag'), v.get('tags')]).toEqual([1, 'd', true, ['a']]);
    const nullInner = xf.apply(
      sourceRecord({ valueSchema: schema, value: new Struct(schema).put('flag', false).put('tags', []) }),
    )!;
    expect((nullInner.value as Struct).get('inner.x')).toBeNull();
    expect(nullInner.valueSchema).toBe(out.valueSchema);
  });

  it('passes tombstones and null structs with the flattened schema', () => {
    const xf = new Flatten('value');
    xf.configure({});
    const t = sourceRecord({ value: null });
    expect(xf.apply(t)).toBe(t);
    expect(() => xf.apply(sourceRecord({ value: { a: new Date(0) } }))).toThrow(
      /Flatten transformation does not support Date for record without schemas \(for field a\)/,
    );
  });
});

describe('MaskField', () => {
  const schema = SchemaBuilder.struct()
    .field('magic', Schema.INT32_SCHEMA)
    .field('bool', Schema.BOOLEAN_SCHEMA)
    .field('int64', Schema.INT64_SCHEMA)
    .field('float64', Schema.FLOAT64_SCHEMA)
    .field('string', Schema.STRING_SCHEMA)
    .field('decimal', Decimal.schema(0))
    .field('array', SchemaBuilder.array(Schema.INT32_SCHEMA).build())
    .field('map', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build())
    .field('opt', Schema.OPTIONAL_STRING_SCHEMA)
    .build();
  const value = new Struct(schema)
    .put('magic', 42)
    .put('bool', true)
    .put('int64', 64)
    .put('float64', 1.5)
    .put('string', 'secret')
    .put('decimal', new BigDecimal(42n, 0))
    .put('array', [1, 2])
    .put('map', new Map([['k', 'v']]));
  const fields = 'magic,bool,int64,float64,string,decimal,array,map,opt';

  it('masks struct fields with the empty value of their type', () => {
    const xf = new MaskField('value');
    xf.configure({ fields });
    const v = xf.apply(sourceRecord({ valueSchema: schema, value }))!.value as Struct;
    expect([
      v.get('magic'),
      v.get('bool'),
      v.get('int64'),
      v.get('float64'),
      v.get('string'),
      v.get('array'),
      v.get('opt'),
    ]).toEqual([0, false, 0, 0, '', [], null]);
    expect(v.get('decimal')).toEqual(new BigDecimal(0n, 0));
    expect(v.get('map')).toEqual(new Map());
  });

  it('masks schemaless fields and uses the custom replacement where the type allows', () => {
    const xf = new MaskField('value');
    xf.configure({ fields: 'num,str,other', replacement: '123' });
    expect(xf.apply(sourceRecord({ value: { num: 5, str: 'x', keep: 1 } }))!.value).toEqual({
      num: 123,
      str: '123',
      other: null,
      keep: 1,
    });
    xf.configure({ fields: 'num', replacement: 'abc' });
    expect(() => xf.apply(sourceRecord({ value: { num: 5 } }))).toThrow('Unable to convert abc (string) to number');
    xf.configure({ fields: 'b', replacement: 'x' });
    expect(() => xf.apply(sourceRecord({ value: { b: true } }))).toThrow(
      'Cannot mask value of type boolean with custom replacement.',
    );
    xf.configure({ fields: 'b' });
    expect(() => xf.apply(sourceRecord({ value: { b: new Uint8Array([1]) } }))).toThrow(
      'Cannot mask value of type: bytes',
    );
  });

  it('parses the replacement as the field schema type', () => {
    const s = SchemaBuilder.struct()
      .field('price', Schema.FLOAT64_SCHEMA)
      .field('tiny', Schema.INT8_SCHEMA)
      .field('big', Schema.INT64_SCHEMA)
      .build();
    const xf = new MaskField('value');
    xf.configure({ fields: 'price', replacement: '1.5' });
    const v = new Struct(s).put('price', 2).put('tiny', 1).put('big', 5);
    expect((xf.apply(sourceRecord({ valueSchema: s, value: v }))!.value as Struct).get('price')).toBe(1.5);
    xf.configure({ fields: 'tiny', replacement: '1000' });
    expect(() => xf.apply(sourceRecord({ valueSchema: s, value: v }))).toThrow(
      'Unable to convert 1000 (string) to number',
    );
    xf.configure({ fields: 'big', replacement: '9223372036854775807' });
    expect((xf.apply(sourceRecord({ valueSchema: s, value: v }))!.value as Struct).get('big')).toBe(
      9223372036854775807n,
    );
  });

  it('passes tombstones', () => {
    const xf = new MaskField('value');
    xf.configure({ fields: 'a' });
    const t = sourceRecord({ value: null });
    expect(xf.apply(t)).toBe(t);
  });
});

describe('HoistField', () => {
  it('wraps schemaless and schema values in a single field', () => {
    const xf = new HoistField('key');
    xf.configure({ field: 'magic' });
    expect(xf.apply(sourceRecord({ key: 42 }))!.key).toEqual({ magic: 42 });
    const out = xf.apply(sourceRecord({ keySchema: Schema.INT32_SCHEMA, key: 42 }))!;
    expect(out.keySchema!.field('magic')!.schema).toBe(Schema.INT32_SCHEMA);
    expect((out.key as Struct).get('magic')).toBe(42);
    const nul = xf.apply(sourceRecord({ keySchema: Schema.OPTIONAL_INT32_SCHEMA, key: null }))!;
    expect((nul.key as Struct).get('magic')).toBeNull();
  });
});

describe('SetSchemaMetadata', () => {
  it('sets the name and version and rebinds struct values', () => {
    const xf = new SetSchemaMetadata('value');
    xf.configure({ 'schema.name': 'foo', 'schema.version': '42' });
    const schema = SchemaBuilder.struct().name('old').field('a', Schema.INT32_SCHEMA).optional().build();
    const out = xf.apply(sourceRecord({ valueSchema: schema, value: new Struct(schema).put('a', 1) }))!;
    expect(out.valueSchema!.name).toBe('foo');
    expect(out.valueSchema!.version).toBe(42);
    expect(out.valueSchema!.optional).toBe(true);
    expect((out.value as Struct).schema).toBe(out.valueSchema);
    expect((out.value as Struct).get('a')).toBe(1);
  });

  it('keeps map and array element schemas, passes null values and requires a schema', () => {
    const xf = new SetSchemaMetadata('value');
    xf.configure({ 'schema.name': 'm' });
    const map = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build();
    const out = xf.apply(sourceRecord({ valueSchema: map, value: new Map([['a', 1]]) }))!;
    expect(schemaEquals(out.valueSchema!.valueSchema, Schema.INT32_SCHEMA)).toBe(true);
    expect(out.valueSchema!.name).toBe('m');
    expect(xf.apply(sourceRecord({ valueSchema: Schema.OPTIONAL_STRING_SCHEMA, value: null }))!.value).toBeNull();
    expect(() => xf.apply(sourceRecord({ value: 'x' }))).toThrow('Schema required for [updating schema metadata]');
    expect(() => new SetSchemaMetadata('value').configure({})).toThrow('Neither schema name nor version configured');
  });
});

describe('HeaderFrom', () => {
  const schema = SchemaBuilder.struct()
    .field('field1', Schema.STRING_SCHEMA)
    .field('field2', Schema.INT32_SCHEMA)
    .build();
  const value = new Struct(schema).put('field1', 'a').put('field2', 2);

  it('copies struct fields into headers with their schemas', () => {
    const xf = new HeaderFrom('value');
    xf.configure({ fields: 'field1,field2', headers: 'h1,h2', operation: 'copy' });
    const out = xf.apply(
      sourceRecord({ valueSchema: schema, value, headers: new Headers().addString('existing', 'x') }),
    )!;
    expect(out.value).toBe(value);
    expect(out.headers.toArray().map((h) => [h.key, h.value, h.schema])).toEqual([
      ['existing', 'x', null],
      ['h1', 'a', Schema.STRING_SCHEMA],
      ['h2', 2, Schema.INT32_SCHEMA],
    ]);
  });

  it('moves fields out of the struct or map', () => {
    const xf = new HeaderFrom('value');
    xf.configure({ fields: 'field1', headers: 'h1', operation: 'move' });
    const out = xf.apply(sourceRecord({ valueSchema: schema, value }))!;
    expect(out.valueSchema!.fields.map((f) => f.name)).toEqual(['field2']);
    expect((out.value as Struct).get('field2')).toBe(2);
    expect(out.headers.lastWithName('h1')!.value).toBe('a');
    const schemaless = xf.apply(sourceRecord({ value: { field1: 'a', field2: 2 } }))!;
    expect(schemaless.value).toEqual({ field2: 2 });
    expect(schemaless.headers.lastWithName('h1')!.value).toBe('a');
  });

  it('validates its configuration', () => {
    expect(() => new HeaderFrom('value').configure({ fields: 'a,b', headers: 'h', operation: 'copy' })).toThrow(
      "'fields' config must have the same number of elements as 'headers' config.",
    );
    expect(() => new HeaderFrom('value').configure({ fields: 'a', headers: 'h', operation: 'steal' })).toThrow(
      ConfigException,
    );
  });
});

describe('InsertHeader and DropHeaders', () => {
  it('inserts a literal header typed as Values infers it', () => {
    const xf = new InsertHeader();
    xf.configure({ header: 'h', 'value.literal': '42' });
    const h = xf.apply(sourceRecord({ value: 'x' }))!.headers.lastWithName('h')!;
    expect([h.value, h.schema]).toEqual([42, Schema.INT8_SCHEMA]);
    xf.configure({ header: 'h', 'value.literal': 'hello world' });
    expect(xf.apply(sourceRecord({}))!.headers.lastWithName('h')!.value).toBe('hello world');
    expect(() => new InsertHeader().configure({ header: 'h' })).toThrow(/value.literal/);
  });

  it('drops every header with a listed name', () => {
    const xf = new DropHeaders();
    xf.configure({ headers: 'a,b' });
    const headers = new Headers().addString('a', '1').addString('c', '2').addString('b', '3').addString('a', '4');
    const original = sourceRecord({ headers });
    const out = xf.apply(original)!;
    expect(out.headers.toArray().map((h) => h.key)).toEqual(['c']);
    expect(original.headers.size).toBe(4);
    expect(() => new DropHeaders().configure({ headers: '' })).toThrow(/Empty list is not allowed/);
  });
});

describe('Filter and predicates', () => {
  it('Filter drops every record', () => {
    const xf = new Filter();
    xf.configure({});
    expect(xf.apply(sourceRecord({ value: 1 }))).toBeNull();
  });

  it('TopicNameMatches matches the whole topic name', () => {
    const p = new TopicNameMatches();
    p.configure({ pattern: 'my-prefix-.*' });
    expect(p.test(sourceRecord({ topic: 'my-prefix-foo' }))).toBe(true);
    expect(p.test(sourceRecord({ topic: 'x-my-prefix-foo' }))).toBe(false);
    expect(() => new TopicNameMatches().configure({ pattern: '[' })).toThrow(/must be a valid regex/);
    expect(() => new TopicNameMatches().configure({})).toThrow(/Missing required configuration "pattern"/);
  });

  it('HasHeaderKey looks for any header with the name', () => {
    const p = new HasHeaderKey();
    p.configure({ name: 'h' });
    expect(p.test(sourceRecord({ headers: new Headers().addString('h', null) }))).toBe(true);
    expect(p.test(sourceRecord({ headers: new Headers().addString('other', 'x') }))).toBe(false);
    expect(() => new HasHeaderKey().configure({ name: '' })).toThrow(ConfigException);
  });

  it('RecordIsTombstone is true for null values only', () => {
    const p = new RecordIsTombstone();
    p.configure({});
    expect(p.test(sourceRecord({ value: null }))).toBe(true);
    expect(p.test(sourceRecord({ value: 0 }))).toBe(false);
  });

  it('errors are DataExceptions', () => {
    const xf = new MaskField('value');
    xf.configure({ fields: 'a' });
    expect(() => xf.apply(sourceRecord({ value: 3 }))).toThrow(DataException);
  });
});
