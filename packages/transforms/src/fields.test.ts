import { ConnectTimestamp, DataException, Schema, SchemaBuilder, Struct, schemaEquals } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { ExtractField } from './extract-field.js';
import { parseFieldPath } from './field-path.js';
import { InsertField } from './insert-field.js';
import { ReplaceField } from './replace-field.js';
import { ValueToKey } from './value-to-key.js';
import { sinkRecord, sourceRecord } from '../test-support/records.js';

describe('InsertField', () => {
  const props = {
    'topic.field': 'topic_field!',
    'partition.field': 'partition_field',
    'timestamp.field': 'timestamp_field?',
    'static.field': 'instance_id',
    'static.value': 'my-instance-id',
  };

  it('copies the schema basics and inserts the configured fields into a struct', () => {
    const xf = new InsertField('value');
    xf.configure(props);
    const schema = SchemaBuilder.struct()
      .name('name')
      .version(1)
      .doc('doc')
      .field('magic', Schema.OPTIONAL_INT64_SCHEMA)
      .build();
    const out = xf.apply(
      sourceRecord({ valueSchema: schema, value: new Struct(schema).put('magic', 42), timestamp: 789 }),
    )!;
    const s = out.valueSchema!;
    expect([s.name, s.version, s.doc]).toEqual(['name', 1, 'doc']);
    expect(s.field('magic')!.schema).toBe(Schema.OPTIONAL_INT64_SCHEMA);
    expect(s.field('topic_field')!.schema).toBe(Schema.STRING_SCHEMA);
    expect(s.field('partition_field')!.schema).toBe(Schema.OPTIONAL_INT32_SCHEMA);
    expect(schemaEquals(s.field('timestamp_field')!.schema, ConnectTimestamp.builder().optional().build())).toBe(true);
    expect(s.field('instance_id')!.schema).toBe(Schema.OPTIONAL_STRING_SCHEMA);
    const v = out.value as Struct;
    expect(v.get('magic')).toBe(42);
    expect(v.get('topic_field')).toBe('test');
    expect(v.get('partition_field')).toBe(0);
    expect(v.get('timestamp_field')).toEqual(new Date(789));
    expect(v.get('instance_id')).toBe('my-instance-id');
    // The derived schema is cached per input schema.
    const again = xf.apply(sourceRecord({ partition: 1, valueSchema: schema, value: new Struct(schema) }))!;
    expect(again.valueSchema).toBe(out.valueSchema);
  });

  it('inserts into schemaless maps and plain objects alike', () => {
    const xf = new InsertField('value');
    xf.configure(props);
    const obj = xf.apply(sourceRecord({ value: { magic: 42 }, timestamp: 123 }))!.value;
    expect(obj).toEqual({
      magic: 42,
      topic_field: 'test',
      partition_field: 0,
      timestamp_field: 123,
      instance_id: 'my-instance-id',
    });
    const map = xf.apply(sourceRecord({ value: new Map([['magic', 42]]), timestamp: 123 }))!.value as Map<
      string,
      unknown
    >;
    expect(map).toBeInstanceOf(Map);
    expect(map.get('topic_field')).toBe('test');
  });

  it('leaves tombstones and null keys unchanged', () => {
    const xf = new InsertField('value');
    xf.configure(props);
    const tombstone = sourceRecord({ value: null });
    expect(xf.apply(tombstone)).toBe(tombstone);
    const key = new InsertField('key');
    key.configure(props);
    const r = sourceRecord({ key: null, value: { a: 1 } });
    expect(key.apply(r)).toBe(r);
  });

  it('adds the offset only for sink records', () => {
    const xf = new InsertField('value');
    xf.configure({ 'offset.field': 'off' });
    expect((xf.apply(sinkRecord({ offset: 77, value: { a: 1 } }))!.value as Record<string, unknown>).off).toBe(77);
    expect(() => xf.apply(sourceRecord({ value: { a: 1 } }))).toThrow(
      'Only SinkRecord supported for [field insertion], found: SourceRecord',
    );
  });

  it('requires a struct or map', () => {
    const xf = new InsertField('value');
    xf.configure(props);
    expect(() => xf.apply(sourceRecord({ value: 42 }))).toThrow(
      'Only Map objects supported in absence of schema for [field insertion], found: number',
    );
    expect(() => xf.apply(sourceRecord({ valueSchema: Schema.INT32_SCHEMA, value: 42 }))).toThrow(
      'Only Struct objects supported for [field insertion], found: number',
    );
  });

  it('replaces null with defaults unless replace.null.with.default=false', () => {
    const schema = SchemaBuilder.struct().field('a', SchemaBuilder.int32().optional().defaultValue(7).build()).build();
    const xf = new InsertField('value');
    xf.configure({ 'topic.field': 't' });
    expect(
      (xf.apply(sourceRecord({ valueSchema: schema, value: new Struct(schema) }))!.value as Struct).getWithoutDefault(
        'a',
      ),
    ).toBe(7);
    xf.configure({ 'topic.field': 't', 'replace.null.with.default': 'false' });
    expect(
      (xf.apply(sourceRecord({ valueSchema: schema, value: new Struct(schema) }))!.value as Struct).getWithoutDefault(
        'a',
      ),
    ).toBeNull();
  });
});

describe('ReplaceField', () => {
  it('excludes, includes and renames schemaless fields', () => {
    const xf = new ReplaceField('value');
    xf.configure({ exclude: 'dont', renames: 'abc:xyz,foo:bar' });
    const out = xf.apply(sourceRecord({ value: { dont: 'whatever', abc: 42, foo: true, etc: 'etc' } }))!;
    expect(out.value).toEqual({ xyz: 42, bar: true, etc: 'etc' });
    const inc = new ReplaceField('value');
    inc.configure({ include: 'abc,foo', renames: 'abc:xyz' });
    expect(inc.apply(sourceRecord({ value: { dont: 1, abc: 42, foo: true } }))!.value).toEqual({ xyz: 42, foo: true });
  });

  it('derives the struct schema, keeping field schemas', () => {
    const xf = new ReplaceField('value');
    xf.configure({ include: 'abc,foo', renames: 'abc:xyz,foo:bar' });
    const schema = SchemaBuilder.struct()
      .field('dont', Schema.STRING_SCHEMA)
      .field('abc', Schema.INT32_SCHEMA)
      .field('foo', Schema.BOOLEAN_SCHEMA)
      .field('etc', Schema.STRING_SCHEMA)
      .build();
    const value = new Struct(schema).put('dont', 'whatever').put('abc', 42).put('foo', true).put('etc', 'etc');
    const out = xf.apply(sourceRecord({ valueSchema: schema, value }))!;
    const s = out.valueSchema!;
    expect(s.fields.map((f) => f.name)).toEqual(['xyz', 'bar']);
    expect(s.field('xyz')!.schema).toBe(Schema.INT32_SCHEMA);
    expect((out.value as Struct).get('xyz')).toBe(42);
    expect((out.value as Struct).get('bar')).toBe(true);
  });

  it('accepts the deprecated blacklist and whitelist keys', () => {
    const xf = new ReplaceField('value');
    xf.configure({ blacklist: 'a' });
    expect(xf.apply(sourceRecord({ value: { a: 1, b: 2 } }))!.value).toEqual({ b: 2 });
    xf.configure({ whitelist: 'a' });
    expect(xf.apply(sourceRecord({ value: { a: 1, b: 2 } }))!.value).toEqual({ a: 1 });
  });

  it('rejects bad rename mappings and passes tombstones', () => {
    expect(() => new ReplaceField('value').configure({ renames: 'a:b:c' })).toThrow(/Invalid rename mapping: a:b:c/);
    const xf = new ReplaceField('key');
    xf.configure({ exclude: 'a' });
    const r = sourceRecord({ key: null });
    expect(xf.apply(r)).toBe(r);
  });
});

describe('ValueToKey', () => {
  it('builds a schemaless key from value fields', () => {
    const xf = new ValueToKey();
    xf.configure({ fields: 'a,b' });
    const out = xf.apply(sourceRecord({ value: { a: 1, b: 2, c: 3 } }))!;
    expect(out.keySchema).toBeNull();
    expect(out.key).toEqual({ a: 1, b: 2 });
  });

  it('builds a struct key with the fields schemas', () => {
    const xf = new ValueToKey();
    xf.configure({ fields: 'a,b' });
    const schema = SchemaBuilder.struct()
      .field('a', Schema.INT32_SCHEMA)
      .field('b', Schema.INT32_SCHEMA)
      .field('c', Schema.INT32_SCHEMA)
      .build();
    const out = xf.apply(
      sourceRecord({ valueSchema: schema, value: new Struct(schema).put('a', 1).put('b', 2).put('c', 3) }),
    )!;
    expect(out.keySchema!.fields.map((f) => [f.name, f.schema])).toEqual([
      ['a', Schema.INT32_SCHEMA],
      ['b', Schema.INT32_SCHEMA],
    ]);
    expect((out.key as Struct).get('a')).toBe(1);
    expect(out.value).toBeInstanceOf(Struct);
  });

  it('names a missing field and requires at least one field', () => {
    const xf = new ValueToKey();
    xf.configure({ fields: 'not_exist' });
    const schema = SchemaBuilder.struct().field('a', Schema.INT32_SCHEMA).build();
    expect(() => xf.apply(sourceRecord({ valueSchema: schema, value: new Struct(schema).put('a', 1) }))).toThrow(
      'Field does not exist: not_exist',
    );
    expect(() => new ValueToKey().configure({ fields: '' })).toThrow(/Empty list is not allowed/);
    expect(() => new ValueToKey().configure({})).toThrow(/Missing required configuration "fields"/);
  });
});

describe('ExtractField', () => {
  it('extracts a schemaless field and passes null values', () => {
    const xf = new ExtractField('key');
    xf.configure({ field: 'magic' });
    expect(xf.apply(sourceRecord({ key: { magic: 42 } }))!.key).toBe(42);
    expect(xf.apply(sourceRecord({ key: { other: 42 } }))!.key).toBeNull();
    expect(xf.apply(sourceRecord({ key: null }))!.key).toBeNull();
  });

  it('extracts a struct field with its schema', () => {
    const xf = new ExtractField('key');
    xf.configure({ field: 'magic' });
    const schema = SchemaBuilder.struct().field('magic', Schema.INT32_SCHEMA).build();
    const out = xf.apply(sourceRecord({ keySchema: schema, key: new Struct(schema).put('magic', 42) }))!;
    expect(out.keySchema).toBe(Schema.INT32_SCHEMA);
    expect(out.key).toBe(42);
    const nullKey = xf.apply(sourceRecord({ keySchema: schema, key: null }))!;
    expect(nullKey.keySchema).toBe(Schema.INT32_SCHEMA);
    expect(nullKey.key).toBeNull();
    const bad = new ExtractField('key');
    bad.configure({ field: 'nope' });
    expect(() => bad.apply(sourceRecord({ keySchema: schema, key: new Struct(schema).put('magic', 42) }))).toThrow(
      'Unknown field: nope',
    );
  });

  it('follows nested paths with field.syntax.version=V2, including backtick-quoted names', () => {
    const inner = SchemaBuilder.struct().field('c', Schema.STRING_SCHEMA).build();
    const mid = SchemaBuilder.struct().field('b', inner).build();
    const schema = SchemaBuilder.struct().field('a', mid).field('x.y', Schema.INT32_SCHEMA).build();
    const value = new Struct(schema)
      .put('a', new Struct(mid).put('b', new Struct(inner).put('c', 'deep')))
      .put('x.y', 5);
    const xf = new ExtractField('value');
    xf.configure({ field: 'a.b.c', 'field.syntax.version': 'V2' });
    const out = xf.apply(sourceRecord({ valueSchema: schema, value }))!;
    expect(out.valueSchema).toBe(Schema.STRING_SCHEMA);
    expect(out.value).toBe('deep');
    xf.configure({ field: '`x.y`', 'field.syntax.version': 'V2' });
    expect(xf.apply(sourceRecord({ valueSchema: schema, value }))!.value).toBe(5);
    xf.configure({ field: 'a.b.c', 'field.syntax.version': 'V2' });
    expect(xf.apply(sourceRecord({ value: { a: { b: { c: 'map' } } } }))!.value).toBe('map');
    // V1 treats the dots as part of the name.
    xf.configure({ field: 'x.y' });
    expect(xf.apply(sourceRecord({ valueSchema: schema, value }))!.value).toBe(5);
  });

  it('splits paths as KIP-821 describes', () => {
    expect(parseFieldPath('a.b.c', 'V2')).toEqual(['a', 'b', 'c']);
    expect(parseFieldPath('`a.b`.c', 'V2')).toEqual(['a.b', 'c']);
    expect(parseFieldPath('a.`b.c`', 'V2')).toEqual(['a', 'b.c']);
    expect(parseFieldPath('`a\\`.b`.c', 'V2')).toEqual(['a`.b', 'c']);
    expect(parseFieldPath('a.b', 'V1')).toEqual(['a.b']);
  });

  it('requires a struct or map', () => {
    const xf = new ExtractField('value');
    xf.configure({ field: 'a' });
    expect(() => xf.apply(sourceRecord({ value: 'str' }))).toThrow(DataException);
  });
});
