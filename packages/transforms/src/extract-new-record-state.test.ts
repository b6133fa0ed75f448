import { Headers, Schema, SchemaBuilder, Struct } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { ExtractNewRecordState } from './extract-new-record-state.js';
import { sourceRecord } from '../test-support/records.js';

const row = SchemaBuilder.struct()
  .name('dbserver1.inventory.customers.Value')
  .field('id', Schema.INT32_SCHEMA)
  .field('email', Schema.OPTIONAL_STRING_SCHEMA)
  .optional()
  .build();
const source = SchemaBuilder.struct()
  .name('io.debezium.connector.postgresql.Source')
  .field('version', Schema.STRING_SCHEMA)
  .field('connector', Schema.STRING_SCHEMA)
  .field('ts_ms', Schema.INT64_SCHEMA)
  .field('table', Schema.STRING_SCHEMA)
  .field('lsn', Schema.OPTIONAL_INT64_SCHEMA)
  .build();
const transaction = SchemaBuilder.struct()
  .field('id', Schema.STRING_SCHEMA)
  .field('total_order', Schema.INT64_SCHEMA)
  .optional()
  .build();
const envelope = SchemaBuilder.struct()
  .name('dbserver1.inventory.customers.Envelope')
  .version(1)
  .field('before', row)
  .field('after', row)
  .field('source', source)
  .field('transaction', transaction)
  .field('op', Schema.STRING_SCHEMA)
  .field('ts_ms', Schema.OPTIONAL_INT64_SCHEMA)
  .build();

function event(op: string, before: Struct | null, after: Struct | null): ReturnType<typeof sourceRecord> {
  const src = new Struct(source)
    .put('version', '2.7.0')
    .put('connector', 'postgresql')
    .put('ts_ms', 1000)
    .put('table', 'customers')
    .put('lsn', 123);
  const value = new Struct(envelope)
    .put('before', before)
    .put('after', after)
    .put('source', src)
    .put('op', op)
    .put('ts_ms', 2000);
  return sourceRecord({
    topic: 'dbserver1.inventory.customers',
    keySchema: Schema.INT32_SCHEMA,
    key: 1004,
    valueSchema: envelope,
    value,
  });
}
const customer = (id: number, email: string | null): Struct => new Struct(row).put('id', id).put('email', email);
const unwrap = (props: Record<string, string> = {}): ExtractNewRecordState => {
  const xf = new ExtractNewRecordState();
  xf.configure(props);
  return xf;
};

describe('ExtractNewRecordState', () => {
  it('replaces create, read and update events with the row after the change', () => {
    const xf = unwrap();
    for (const op of ['c', 'r', 'u']) {
      const out = xf.apply(event(op, customer(1004, 'old@x'), customer(1004, 'new@x')))!;
      expect(out.valueSchema).toBe(row);
      expect((out.value as Struct).get('email')).toBe('new@x');
      expect(out.key).toBe(1004);
      expect(out.topic).toBe('dbserver1.inventory.customers');
    }
  });

  it('by default (tombstone) turns a delete into a tombstone and drops the tombstone that follows', () => {
    const xf = unwrap();
    const del = xf.apply(event('d', customer(1004, 'a@x'), null))!;
    expect(del.value).toBeNull();
    expect(del.valueSchema).toBeNull();
    expect(del.key).toBe(1004);
    expect(xf.apply(sourceRecord({ key: 1004, value: null }))).toBeNull();
  });

  it('handles deletes and tombstones in every delete.tombstone.handling.mode', () => {
    const tombstone = sourceRecord({ key: 1004, value: null });
    const cases: Record<string, { del: 'null' | 'tombstone' | 'rewrite'; tombstone: boolean }> = {
      drop: { del: 'null', tombstone: false },
      tombstone: { del: 'tombstone', tombstone: false },
      rewrite: { del: 'rewrite', tombstone: false },
      'rewrite-with-tombstone': { del: 'rewrite', tombstone: true },
      'delete-to-tombstone': { del: 'tombstone', tombstone: true },
    };
    for (const [mode, expected] of Object.entries(cases)) {
      const xf = unwrap({ 'delete.tombstone.handling.mode': mode });
      const del = xf.apply(event('d', customer(1004, 'a@x'), null));
      if (expected.del === 'null') expect(del, mode).toBeNull();
      else if (expected.del === 'tombstone') expect(del!.value, mode).toBeNull();
      else {
        const v = del!.value as Struct;
        expect(v.get('id'), mode).toBe(1004);
        expect(v.get('__deleted'), mode).toBe('true');
      }
      expect(xf.apply(tombstone), mode).toBe(expected.tombstone ? tombstone : null);
    }
  });

  it('adds __deleted=false to other events in the rewrite modes', () => {
    const out = unwrap({ 'delete.tombstone.handling.mode': 'rewrite' }).apply(event('c', null, customer(1, 'x')))!;
    expect(out.valueSchema!.field('__deleted')!.schema).toBe(Schema.OPTIONAL_STRING_SCHEMA);
    expect((out.value as Struct).get('__deleted')).toBe('false');
    expect(out.valueSchema!.name).toBe(row.name);
  });

  it('maps the legacy drop.tombstones and delete.handling.mode keys', () => {
    const tombstone = sourceRecord({ key: 1, value: null });
    const legacy = unwrap({ 'drop.tombstones': 'false', 'delete.handling.mode': 'rewrite' });
    expect((legacy.apply(event('d', customer(1, 'x'), null))!.value as Struct).get('__deleted')).toBe('true');
    expect(legacy.apply(tombstone)).toBe(tombstone);
    const drop = unwrap({ 'delete.handling.mode': 'drop' });
    expect(drop.apply(event('d', customer(1, 'x'), null))).toBeNull();
    expect(drop.apply(tombstone)).toBeNull();
    const none = unwrap({ 'delete.handling.mode': 'none', 'drop.tombstones': 'false' });
    expect(none.apply(event('d', customer(1, 'x'), null))!.value).toBeNull();
    expect(none.apply(tombstone)).toBe(tombstone);
  });

  it('adds metadata fields with the prefix, struct-qualified names and renames', () => {
    const xf = unwrap({ 'add.fields': 'op,table,source.ts_ms,lsn:LSN,id' });
    const out = xf.apply(event('u', null, customer(7, 'x')))!;
    const v = out.value as Struct;
    expect(out.valueSchema!.fields.map((f) => f.name)).toEqual([
      'id',
      'email',
      '__op',
      '__table',
      '__source_ts_ms',
      '__LSN',
      '__id',
    ]);
    expect(out.valueSchema!.field('__source_ts_ms')!.schema.optional).toBe(true);
    expect([v.get('__op'), v.get('__table'), v.get('__source_ts_ms'), v.get('__LSN'), v.get('__id')]).toEqual([
      'u',
      'customers',
      1000,
      123,
      null,
    ]);
    const prefixed = unwrap({ 'add.fields': 'op', 'add.fields.prefix': 'meta_' }).apply(
      event('c', null, customer(1, 'x')),
    )!;
    expect((prefixed.value as Struct).get('meta_op')).toBe('c');
  });

  it('adds metadata headers', () => {
    const xf = unwrap({ 'add.headers': 'op,source.ts_ms', 'add.headers.prefix': 'dbz.' });
    const r = event('c', null, customer(1, 'x'));
    r.headers.addString('existing', 'y');
    const out = xf.apply(r)!;
    expect(out.headers.toArray().map((h) => [h.key, h.value])).toEqual([
      ['existing', 'y'],
      ['dbz.op', 'c'],
      ['dbz.source_ts_ms', 1000],
    ]);
    expect(out.headers.lastWithName('dbz.op')!.schema!.optional).toBe(true);
    expect(r.headers.size).toBe(1);
  });

  it('routes by a row field, using the before state for deletes', () => {
    const xf = unwrap({ 'route.by.field': 'email', 'delete.tombstone.handling.mode': 'rewrite' });
    expect(xf.apply(event('c', null, customer(1, 'routed')))!.topic).toBe('routed');
    expect(xf.apply(event('d', customer(1, 'gone'), null))!.topic).toBe('gone');
    expect(xf.apply(event('c', null, customer(1, null)))!.topic).toBe('dbserver1.inventory.customers');
  });

  it('passes records that are not change events unchanged and drops truncates', () => {
    const xf = unwrap();
    const plain = sourceRecord({ valueSchema: Schema.STRING_SCHEMA, value: 'x' });
    expect(xf.apply(plain)).toBe(plain);
    const schemaless = sourceRecord({ value: { before: null, after: { id: 1 }, op: 'c' } });
    expect(xf.apply(schemaless)).toBe(schemaless);
    expect(xf.apply(event('t', null, null))).toBeNull();
  });

  it('keeps headers on delete tombstones', () => {
    const r = event('d', customer(1, 'x'), null);
    const withHeaders = r.newRecord({ headers: new Headers().addString('h', 'v') });
    expect(unwrap().apply(withHeaders)!.headers.lastWithName('h')!.value).toBe('v');
  });
});
