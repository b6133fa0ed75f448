import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SourceRecord } from '@tributary/api';
import { JsonConverter, type JsonValue, LosslessNumber, parseJsonExact } from '@tributary/converters';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, TaskHarness, testDatabase } from './harness.js';

const GOLDEN = path.resolve(import.meta.dirname, '../golden/postgres-cdc/types.json');

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** The fixed script: one row snapshotted, then streamed changes touching every common type. */
const SETUP = [
  'CREATE EXTENSION hstore',
  'CREATE EXTENSION citext',
  'CREATE EXTENSION ltree',
  "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
  `CREATE TABLE all_types (
     id serial PRIMARY KEY,
     c_smallint smallint, c_int int NOT NULL DEFAULT 42, c_bigint bigint, c_real real, c_double double precision,
     c_numeric numeric(10,2), c_numeric_var numeric, c_money money, c_bool boolean,
     c_char char(3), c_varchar varchar(10) DEFAULT 'dflt', c_text text, c_citext citext, c_bytea bytea,
     c_date date, c_time time, c_time3 time(3), c_timetz timetz, c_timestamp timestamp, c_timestamp3 timestamp(3),
     c_timestamptz timestamptz DEFAULT now(), c_interval interval,
     c_json json, c_jsonb jsonb, c_xml xml, c_uuid uuid,
     c_inet inet, c_cidr cidr, c_macaddr macaddr,
     c_int4range int4range, c_tsrange tsrange, c_daterange daterange, c_point point,
     c_bit1 bit(1), c_bit4 bit(4), c_varbit varbit(16),
     c_int_array int[], c_text_array text[], c_numeric_array numeric(5,1)[], c_mood mood, c_mood_array mood[],
     c_hstore hstore, c_ltree ltree
   )`,
  `INSERT INTO all_types (c_smallint, c_bigint, c_real, c_double, c_numeric, c_numeric_var, c_money, c_bool, c_char, c_varchar, c_text,
     c_citext, c_bytea, c_date, c_time, c_time3, c_timetz, c_timestamp, c_timestamp3, c_timestamptz, c_interval, c_json, c_jsonb,
     c_xml, c_uuid, c_inet, c_cidr, c_macaddr, c_int4range, c_tsrange, c_daterange, c_point, c_bit1, c_bit4, c_varbit,
     c_int_array, c_text_array, c_numeric_array, c_mood, c_mood_array, c_hstore, c_ltree)
   VALUES (-32768, 9223372036854775807, 1.5, 2.25, 12345678.91, 3.14159265358979323846, 1234.56, true, 'ab', 'varchar', 'text ✓',
     'CiText', '\\x00ff7f', '2024-02-29', '13:45:30.123456', '13:45:30.123', '10:15:30+02', '2018-06-20 15:13:16.945104',
     '2018-06-20 15:13:16.945', '2018-06-20 15:13:16.945104+02', '1 year 2 months 3 days 04:05:06.78', '{"a": [1, 2]}',
     '{"b": {"c": null}}', '<a>x</a>', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.0.1', '10.0.0.0/8', '08:00:2b:01:02:03',
     '[1,10)', '[2020-01-01 00:00,2020-01-02 00:00)', '[2020-01-01,2020-02-01)', '(1.5,-2)', B'1', B'1010', B'101',
     '{1,2,NULL}', '{"a b",c}', '{1.5,NULL}', 'ok', '{sad,happy}', '"k"=>"v"', 'top.middle.leaf')`,
  `CREATE TABLE defaults (id bigserial PRIMARY KEY, flag boolean NOT NULL DEFAULT false, label text NOT NULL DEFAULT 'none',
     amount numeric(8,3) DEFAULT 1.5, created date DEFAULT '2000-01-01', at timestamp DEFAULT now(), u uuid DEFAULT gen_random_uuid())`,
];

const SCRIPT = [
  `INSERT INTO all_types (c_int, c_numeric_var, c_bool, c_text, c_date, c_timestamptz, c_interval, c_jsonb, c_int_array, c_mood)
     VALUES (7, -0.000001, false, NULL, '1969-12-31', '1970-01-01 00:00:00+00', '-1 day -00:00:00.5', '[]', '{}', 'sad')`,
  "UPDATE all_types SET c_text = 'updated', c_numeric = -0.5, c_varbit = B'1111000011110000' WHERE id = 2",
  'DELETE FROM all_types WHERE id = 1',
  'INSERT INTO defaults DEFAULT VALUES',
  "UPDATE defaults SET label = 'set', created = '2000-01-02' WHERE id = 1",
];

/** Values that differ run to run (clock, WAL position, transaction ids, the test database name). */
const VOLATILE_SOURCE = ['ts_ms', 'ts_us', 'ts_ns', 'lsn', 'sequence', 'txId', 'db'];
const VOLATILE_ENVELOPE = ['ts_ms', 'ts_us', 'ts_ns'];

function normalize(json: unknown): unknown {
  const doc = json as { payload?: Record<string, unknown> | null } | null;
  const payload = doc?.payload;
  if (payload && typeof payload === 'object') {
    for (const k of VOLATILE_ENVELOPE) if (k in payload) payload[k] = '<volatile>';
    const source = payload.source as Record<string, unknown> | undefined;
    if (source)
      for (const k of VOLATILE_SOURCE) if (source[k] !== null && source[k] !== undefined) source[k] = '<volatile>';
    const after = payload.after as Record<string, unknown> | null | undefined;
    // Column defaults evaluated at insert time (gen_random_uuid(), now()) differ per run.
    if (after && typeof after.u === 'string') after.u = '<volatile>';
    if (after && after.at !== undefined && after.at !== null) after.at = '<volatile>';
  }
  return json;
}

/** Pretty JSON that keeps 64-bit integers and long decimals exact (JSON.stringify would not). */
function stringifyExact(v: unknown, indent = ''): string {
  const next = `${indent}  `;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint' || v instanceof LosslessNumber) return v.toString();
  if (typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v))
    return v.length === 0 ? '[]' : `[\n${v.map((x) => next + stringifyExact(x, next)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, x]) => `${next}${JSON.stringify(k)}: ${stringifyExact(x, next)}`).join(',\n')}\n${indent}}`;
}

function serialize(records: SourceRecord[]): unknown[] {
  const keys = new JsonConverter();
  keys.configure({ 'schemas.enable': 'true' }, true);
  const values = new JsonConverter();
  values.configure({ 'schemas.enable': 'true' }, false);
  const text = (b: Uint8Array | null): JsonValue =>
    b === null ? null : parseJsonExact(Buffer.from(b).toString('utf8'));
  return records.map((r) => ({
    topic: r.topic,
    key: text(keys.fromConnectData(r.topic, r.headers, r.keySchema, r.key)),
    value: normalize(text(values.fromConnectData(r.topic, r.headers, r.valueSchema, r.value))),
  }));
}

describe('golden file: Debezium JSON of a fixed SQL script', () => {
  it('matches the committed events field by field (timestamps and LSNs aside)', async () => {
    const db = await testDatabase('pgcdc_golden');
    cleanup.push(() => db.close());
    for (const s of SETUP) await db.sql(s);
    const h = new TaskHarness(connectorProps(db, { 'table.include.list': 'public\\.(all_types|defaults)' }));
    cleanup.push(() => h.stop());
    await h.start();
    await h.waitFor(() => h.changes().length === 1, 'the snapshot row');
    for (const s of SCRIPT) await db.sql(s);
    await h.waitFor(() => h.changes().length === 6, 'the scripted changes');
    await new Promise((r) => setTimeout(r, 200));
    const events = serialize(h.records);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) {
      writeFileSync(GOLDEN, `${stringifyExact(events)}\n`);
      if (process.env.UPDATE_GOLDEN !== '1')
        throw new Error(`Golden file was missing; wrote ${GOLDEN} — review and commit it`);
    }
    const golden = parseJsonExact(readFileSync(GOLDEN, 'utf8')) as unknown[];
    expect(events.length).toBe(golden.length);
    for (let i = 0; i < golden.length; i++) expect(events[i], `event ${i}`).toEqual(golden[i]);
  });
});
