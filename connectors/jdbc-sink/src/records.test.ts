import {
  BigDecimal,
  ConnectTimestamp,
  DataException,
  Decimal,
  Headers,
  Schema,
  SchemaBuilder,
  SinkRecord,
  Struct,
} from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { Micros, parseIsoMicros } from './columns.js';
import { parseJdbcSinkConfig, TOPIC_PLACEHOLDER } from './config.js';
import { RecordMapper } from './records.js';

const mapper = (extra: Record<string, string> = {}) =>
  new RecordMapper(
    parseJdbcSinkConfig({
      'connection.url': 'jdbc:postgresql://h/db',
      'pk.mode': 'record_key',
      'insert.mode': 'upsert',
      ...extra,
    }),
  );
const rec = (init: Partial<ConstructorParameters<typeof SinkRecord>[0]>): SinkRecord =>
  new SinkRecord({ topic: 'orders', kafkaPartition: 0, kafkaOffset: 7, ...init });

const KEY = SchemaBuilder.struct().field('id', Schema.INT32_SCHEMA).build();
const ROW = SchemaBuilder.struct()
  .optional()
  .field('id', Schema.INT32_SCHEMA)
  .field('name', Schema.OPTIONAL_STRING_SCHEMA)
  .field('price', Decimal.builder(2).parameter('connect.decimal.precision', '10').build())
  .field('at', ConnectTimestamp.SCHEMA)
  .field('created', SchemaBuilder.int64().name('io.debezium.time.MicroTimestamp').optional().build())
  .field('doc', SchemaBuilder.string().name('io.debezium.data.Json').optional().build())
  .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
  .build();
const SOURCE = SchemaBuilder.struct().field('table', Schema.STRING_SCHEMA).build();
const ENVELOPE = SchemaBuilder.struct()
  .name('srv.public.orders.Envelope')
  .field('before', ROW)
  .field('after', ROW)
  .field('source', SOURCE)
  .field('op', Schema.STRING_SCHEMA)
  .build();

function row(id: number): Struct {
  return new Struct(ROW)
    .put('id', id)
    .put('name', `n${id}`)
    .put('price', new BigDecimal(1250n, 2))
    .put('at', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))
    .put('created', 1_700_000_000_123_456)
    .put('doc', '{"a":1}')
    .put('tags', ['x', 'y']);
}

describe('record mapping', () => {
  it('maps a Debezium create event: key columns from the key, value columns from the after image, typed', () => {
    const op = mapper().map(
      rec({
        keySchema: KEY,
        key: new Struct(KEY).put('id', 1),
        valueSchema: ENVELOPE,
        value: new Struct(ENVELOPE)
          .put('after', row(1))
          .put('source', new Struct(SOURCE).put('table', 'orders'))
          .put('op', 'c'),
      }),
    );
    expect(op.kind).toBe('write');
    if (op.kind !== 'write') return;
    expect(op.table).toEqual({ schema: null, table: 'orders' });
    expect(op.key).toEqual([{ name: 'id', type: { kind: 'int32' }, optional: false, value: 1 }]);
    expect(op.values.map((v) => [v.name, v.type, v.optional])).toEqual([
      ['name', { kind: 'string' }, true],
      ['price', { kind: 'decimal', scale: 2, precision: 10 }, false],
      ['at', { kind: 'timestamptz' }, false],
      ['created', { kind: 'timestamp' }, true],
      ['doc', { kind: 'json' }, true],
      ['tags', { kind: 'array', element: { kind: 'string' } }, true],
    ]);
    const values = Object.fromEntries(op.values.map((v) => [v.name, v.value]));
    expect(values.price).toEqual(new BigDecimal(1250n, 2));
    expect(values.at).toEqual(new Micros(1_704_164_645_678_000n));
    expect(values.created).toEqual(new Micros(1_700_000_000_123_456n));
    expect(values.doc).toBe('{"a":1}');
  });

  it('turns Debezium deletes and tombstones into deletes only with delete.enabled', () => {
    const del = rec({
      keySchema: KEY,
      key: new Struct(KEY).put('id', 3),
      valueSchema: ENVELOPE,
      value: new Struct(ENVELOPE)
        .put('before', row(3))
        .put('source', new Struct(SOURCE).put('table', 'orders'))
        .put('op', 'd'),
    });
    const tomb = rec({ keySchema: KEY, key: new Struct(KEY).put('id', 3) });
    expect(mapper().map(del)).toMatchObject({ kind: 'skip', reason: expect.stringMatching(/delete.enabled=false/) });
    expect(mapper().map(tomb)).toMatchObject({ kind: 'skip' });
    const on = mapper({ 'delete.enabled': 'true' });
    expect(on.map(del)).toMatchObject({ kind: 'delete', key: [{ name: 'id', value: 3 }] });
    expect(on.map(tomb)).toMatchObject({ kind: 'delete', key: [{ name: 'id', value: 3 }] });
  });

  it('understands schemaless JSON values and change events', () => {
    const m = mapper();
    const op = m.map(
      rec({
        key: { user: 'u1' },
        value: { user: 'u1', clicks: 3, score: 0.5, ok: true, meta: { a: [1] }, gone: null },
      }),
    );
    expect(op).toMatchObject({
      kind: 'write',
      key: [{ name: 'user', type: { kind: 'string' }, value: 'u1' }],
      values: [
        { name: 'clicks', type: { kind: 'int64' }, value: 3 },
        { name: 'score', type: { kind: 'float64' }, value: 0.5 },
        { name: 'ok', type: { kind: 'boolean' }, value: true },
        { name: 'meta', type: { kind: 'json' }, value: '{"a":[1]}' },
        { name: 'gone', optional: true, value: null },
      ],
    });
    const ev = m.map(rec({ key: { id: 1 }, value: { op: 'u', before: null, after: { id: 1, v: 'x' }, source: {} } }));
    expect(ev).toMatchObject({ kind: 'write', values: [{ name: 'v', value: 'x' }] });
  });

  it('flattens nested structs when asked', () => {
    const inner = SchemaBuilder.struct().optional().field('city', Schema.STRING_SCHEMA).build();
    const outer = SchemaBuilder.struct().field('id', Schema.INT32_SCHEMA).field('addr', inner).build();
    const value = new Struct(outer).put('id', 1).put('addr', new Struct(inner).put('city', 'Oslo'));
    const json = mapper({ 'pk.mode': 'record_value', 'pk.fields': 'id' }).map(rec({ valueSchema: outer, value }));
    expect(json).toMatchObject({ values: [{ name: 'addr', type: { kind: 'json' }, value: '{"city":"Oslo"}' }] });
    const flat = mapper({ 'pk.mode': 'record_value', 'pk.fields': 'id', 'nested.struct.mode': 'flatten' }).map(
      rec({ valueSchema: outer, value }),
    );
    expect(flat).toMatchObject({ values: [{ name: 'addr_city', type: { kind: 'string' }, value: 'Oslo' }] });
  });

  it('takes keys from Kafka coordinates, primitive keys, values and headers', () => {
    expect(mapper({ 'pk.mode': 'kafka' }).map(rec({ value: { a: 1 } }))).toMatchObject({
      key: [
        { name: '__connect_topic', value: 'orders' },
        { name: '__connect_partition', value: 0 },
        { name: '__connect_offset', value: 7 },
      ],
    });
    expect(
      mapper({ 'pk.fields': 'user_id' }).map(rec({ keySchema: Schema.STRING_SCHEMA, key: 'u9', value: { a: 1 } })),
    ).toMatchObject({
      key: [{ name: 'user_id', type: { kind: 'string' }, value: 'u9' }],
    });
    expect(mapper({ 'pk.mode': 'record_value', 'pk.fields': 'a' }).map(rec({ value: { a: 1, b: 2 } }))).toMatchObject({
      key: [{ name: 'a' }],
      values: [{ name: 'b' }],
    });
    expect(
      mapper({ 'pk.mode': 'record_header', 'pk.fields': 'tenant' }).map(
        rec({ value: { a: 1 }, headers: new Headers().addString('tenant', 't1').addString('other', 'x') }),
      ),
    ).toMatchObject({ key: [{ name: 'tenant', value: 't1' }] });
  });

  it('refuses records it cannot key, as DataException (errors.* handles them)', () => {
    expect(() => mapper().map(rec({ value: { a: 1 } }))).toThrow(/record_key but the record has no key/);
    expect(() => mapper().map(rec({ key: 5, value: { a: 1 } }))).toThrow(DataException);
    expect(() => mapper().map(rec({ key: 5, value: { a: 1 } }))).toThrow(/pk.fields must name exactly one column/);
    expect(() => mapper({ 'pk.fields': 'nope' }).map(rec({ key: { id: 1 }, value: { a: 1 } }))).toThrow(
      /nope not in the record key/,
    );
    expect(() => mapper().map(rec({ key: { id: 1 }, valueSchema: Schema.STRING_SCHEMA, value: 'text' }))).toThrow(
      /a struct is needed/,
    );
  });

  it('names tables as each Java sink does', () => {
    expect(mapper().tableFor('user-events')).toEqual({ schema: null, table: 'user-events' });
    expect(mapper().tableFor('srv.public.orders')).toEqual({ schema: 'public', table: 'orders' });
    const dbz = mapper({
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      'collection.name.format': `r_${TOPIC_PLACEHOLDER}`,
    });
    expect(dbz.tableFor('srv.public.orders')).toEqual({ schema: null, table: 'r_srv_public_orders' });
  });

  it('filters value fields with fields.whitelist and field.exclude.list', () => {
    const m = mapper({ 'fields.whitelist': 'a,b', 'field.exclude.list': 'orders:b' });
    expect(m.map(rec({ key: { id: 1 }, value: { id: 1, a: 1, b: 2, c: 3 } }))).toMatchObject({
      values: [{ name: 'a' }],
    });
  });

  it('keeps microseconds of ISO timestamps with offsets', () => {
    expect(parseIsoMicros('2024-01-02T03:04:05.123456Z')).toEqual(new Micros(1_704_164_645_123_456n));
    expect(parseIsoMicros('2024-01-02T04:04:05.1+01:00')).toEqual(new Micros(1_704_164_645_100_000n));
  });
});
