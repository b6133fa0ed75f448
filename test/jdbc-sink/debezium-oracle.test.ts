// Side-by-side oracle: the real Debezium JDBC sink (3.4.0.Final, in a Kafka Connect 4.3.1 worker) and ours read the same topics into two Postgres databases; rows and DDL must agree.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_START_JVM } from '../../scripts/debezium/kafka-connect.mjs';
import {
  type ConnectorStatus,
  ensureJars,
  type KafkaConnectSinkWorker,
  startKafkaConnect,
} from '../../scripts/debezium/jdbc-sink/connect.mjs';
import {
  comparableShapes,
  debeziumSinkConfig,
  describeTable,
  diffRows,
  insertSql,
  runRound,
  SOURCE_DDL,
  type TableShape,
  tableRows,
  type WorkloadShape,
} from '../../scripts/debezium/jdbc-sink/oracle.mjs';
import { eventually, kafkaBootstrap, unique } from '../helpers.js';
import { connectorProps, type TestDb, testDatabase } from '../postgres-cdc/harness.js';
import { clusterSpec, WorkerProcess } from '../worker-process.js';
import { createTopic, kafka, type Message, produce, withSchema } from './harness.js';

/*
 * One Kafka Connect worker and one Tributary worker, started once; every scenario is a pair of sink connectors, one
 * on each, reading one topic into the same table name in database `ours` and database `theirs`. The scenarios run
 * at the same time (their records are produced and their connectors created in beforeAll), so the JVM's start is
 * paid once. A scenario is done when both sinks' consumer groups have committed the end of its topic; then its two
 * tables are compared: the columns (names, types with our deliberate choices excused by KNOWN_TYPE_DIFFERENCES,
 * nullability), the primary key, and the rows (oracle.mjs says how each type is normalised and why).
 */

const SHAPE: WorkloadShape = { inserts: 300, updates: 150, deletes: 50, keyChanges: 50 };
const ROUNDS = 6;
/** A column is added at the source after this round: both sinks' schema.evolution=basic adds it. */
const ADD_COLUMN_AFTER = 2;
/** The source is truncated after this round: a sink that ignored the truncate keeps the rows from before it. */
const TRUNCATE_AFTER = 3;

const name = unique('jdbc-oracle');
const tag = name.replace(/-/g, '_');
const cleanup: Array<() => Promise<unknown>> = [];
let source: TestDb;
let ours: TestDb;
let theirs: TestDb;
let worker: WorkerProcess;
let connect: KafkaConnectSinkWorker;
let cdcWorkload: Promise<void>;

const topics = {
  cdc: `${tag}.public.items`,
  unwrapped: `${tag}.public.items`,
  confluent: `${name}-users`,
  update: `${name}-upd`,
  header: `${name}-by-header`,
  kafka: `${name}-by-offset`,
  value: `${name}-by-value`,
};
/** Each side's connector has a name (and so a consumer group) of its own: one group would split the partitions. */
const connector = (scenario: keyof typeof topics, side: Side): string => `${name}-${scenario}-${side}`;
type Side = 'ours' | 'theirs';

const target = (db: TestDb) => ({
  jdbcUrl: `jdbc:postgresql://${db.host}:${db.port}/${db.name}`,
  user: db.user,
});

/** Creates the scenario's connector on both workers: ours with `oursConfig`, Debezium's with `theirsConfig`. */
async function createPair(
  scenario: keyof typeof topics,
  oursConfig: Record<string, string>,
  theirsConfig: Record<string, string>,
): Promise<void> {
  const res = await worker.request('PUT', `/connectors/${connector(scenario, 'ours')}/config`, oursConfig);
  if (res.status !== 201) throw new Error(`ours ${scenario}: ${res.status} ${JSON.stringify(res.body)}`);
  await connect.put(connector(scenario, 'theirs'), theirsConfig);
}

async function statusOf(side: Side, c: string): Promise<ConnectorStatus | null> {
  if (side === 'theirs') return connect.status(c);
  const r = await worker.request<ConnectorStatus>('GET', `/connectors/${c}/status`).catch(() => null);
  return r?.status === 200 ? r.body : null;
}

/** Both sinks of a scenario have committed the end of its topic; a FAILED task ends the wait with its trace. */
async function drained(scenario: keyof typeof topics, timeoutMs = 90_000): Promise<void> {
  const topic = topics[scenario];
  const admin = kafka().admin();
  await admin.connect();
  let failure: string | null = null;
  try {
    await eventually(
      async () => {
        const end = await admin.fetchTopicOffsets(topic);
        for (const side of ['ours', 'theirs'] as const) {
          const c = connector(scenario, side);
          const s = await statusOf(side, c);
          const failed = s && [s.connector, ...s.tasks].find((t) => t.state === 'FAILED');
          if (failed) {
            failure = `${side === 'ours' ? 'our' : "Debezium's"} ${scenario} sink FAILED: ${failed.trace}`;
            return true;
          }
          const committed = await admin.fetchOffsets({ groupId: `connect-${c}`, topics: [topic] });
          const at = new Map(committed[0]?.partitions.map((p) => [p.partition, p.offset]) ?? []);
          if (!end.every((p) => p.high === '0' || at.get(p.partition) === p.high)) return false;
        }
        return true;
      },
      { what: `both ${scenario} sinks at the end of ${topic}`, timeoutMs, intervalMs: 500 },
    );
  } finally {
    await admin.disconnect();
  }
  if (failure) throw new Error(failure);
}

/** Our table and Debezium's: same columns and key (types compared through comparableShapes), same rows. */
async function compareTables(table: string): Promise<{ shape: TableShape; rows: string[] }> {
  const mine = await describeTable(ours.client, table);
  const oracle = await describeTable(theirs.client, table);
  expect(oracle.columns.length, `Debezium created ${table}`).toBeGreaterThan(0);
  const shapes = comparableShapes(mine, oracle);
  expect(shapes.ours).toEqual(shapes.debezium);
  const a = await tableRows(ours.client, table, mine);
  const b = await tableRows(theirs.client, table, oracle);
  expect(diffRows(b, a), `${table}: ours against Debezium's`).toBeNull();
  return { shape: mine, rows: a };
}

/** JsonConverter's bytes for a Decimal: the unscaled value in big-endian two's complement, base64. */
function decimalB64(unscaled: bigint): string {
  const bytes: number[] = [];
  let v = unscaled;
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (!((v === 0n && (bytes[0]! & 0x80) === 0) || (v === -1n && (bytes[0]! & 0x80) !== 0)));
  return Buffer.from(bytes).toString('base64');
}

const field = (f: string, type: string, optional: boolean, extra: Record<string, unknown> = {}) => ({
  field: f,
  type,
  optional,
  ...extra,
});
const ID_KEY = { type: 'struct', optional: false, fields: [field('id', 'int32', false)] };

/** Confluent-style records: flat structs (no envelope) keyed by id, a tombstone, and a second schema with one field more. */
function confluentRecords(): Message[] {
  const v1 = [
    field('id', 'int32', false),
    field('name', 'string', false),
    field('score', 'bytes', true, { name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } }),
    field('at', 'int64', false, { name: 'org.apache.kafka.connect.data.Timestamp', version: 1 }),
    field('tags', 'array', true, { items: { type: 'string', optional: false } }),
    field('blob', 'bytes', true),
    field('secret', 'string', true),
  ];
  const v2 = [...v1, field('level', 'int32', true)];
  const t0 = Date.UTC(2024, 2, 1, 8, 30, 0, 250);
  const user = (id: number, extra: Record<string, unknown> = {}, fields = v1) => ({
    key: withSchema(ID_KEY, { id }),
    value: withSchema(
      { type: 'struct', name: 'com.example.User', optional: false, fields },
      {
        id,
        name: `user-${id}`,
        score: id % 3 === 0 ? null : decimalB64(BigInt(id * 12_345 - 50_000)),
        at: t0 + id * 1_001,
        tags: id % 4 === 0 ? null : [`t${id}`, 'x'],
        blob: id % 5 === 0 ? null : Buffer.from([id, 0, 255]).toString('base64'),
        secret: `pw-${id}`,
        ...extra,
      },
    ),
  });
  return [
    ...[1, 2, 3, 4, 5, 6].map((id) => user(id)),
    user(1, { name: 'user-1 again', tags: [] }),
    { key: withSchema(ID_KEY, { id: 2 }), value: null },
    user(7, { level: 5 }, v2),
    user(3, { level: null, score: decimalB64(-1n) }, v2),
    user(8),
    { key: withSchema(ID_KEY, { id: 6 }), value: null },
  ];
}

const UPD_VALUE = {
  type: 'struct',
  optional: false,
  fields: [field('id', 'int32', false), field('name', 'string', false), field('qty', 'int32', true)],
};
/** Updates of rows 1, 3 and 5 (1 twice) and records for rows 6 and 7, which the table does not have. */
const updateRecords = (): Message[] =>
  (
    [
      [1, 'a2', 10],
      [3, 'c2', null],
      [6, 'f', 6],
      [5, 'e2', 50],
      [7, 'g', 7],
      [1, 'a3', 11],
    ] as const
  ).map(([id, n, qty]) => ({ key: withSchema(ID_KEY, { id }), value: withSchema(UPD_VALUE, { id, name: n, qty }) }));

const PLAIN_VALUE = {
  type: 'struct',
  optional: false,
  fields: [field('name', 'string', false), field('qty', 'int32', true), field('note', 'string', true)],
};
/** Keyless records whose key is in their headers (tenant, seq); (acme, 2) comes twice. */
const headerRecords = (): Message[] =>
  (
    [
      ['acme', '1', 'first', 1],
      ['acme', '2', 'second', null],
      ['globex', '1', 'other tenant', 3],
      ['acme', '2', 'second again', 4],
      ['globex', '300', 'wide seq', 5],
    ] as const
  ).map(([tenant, seq, n, qty]) => ({
    key: null,
    value: withSchema(PLAIN_VALUE, { name: n, qty, note: `note ${n}` }),
    headers: { tenant, seq },
  }));

/** Records on two partitions, each its own row under primary.key.mode=kafka (a repeated value is a new row). */
const offsetRecords = (): Message[] =>
  [0, 1, 2, 3, 4, 5, 6].map((i) => ({
    key: null,
    value: withSchema(PLAIN_VALUE, { name: i === 6 ? 'n0' : `n${i}`, qty: i, note: null }),
    partition: i % 2,
  }));

/** Records keyed by a value field (name); 'b' and 'a' come again, and the reduction buffer keeps the last of each. */
const valueRecords = (): Message[] =>
  (
    [
      ['a', 1, 'one'],
      ['b', 2, null],
      ['c', 3, 'three'],
      ['b', 20, 'two again'],
      ['a', null, 'one again'],
    ] as const
  ).map(([n, qty, note]) => ({ key: null, value: withSchema(PLAIN_VALUE, { name: n, qty, note }) }));

/** Postgres CDC (ours) → topic: rounds of inserts, updates, deletes and key changes, with a TRUNCATE in the middle. */
async function runCdcWorkload(): Promise<void> {
  let next = 10_001;
  for (let round = 1; round <= ROUNDS; round++) {
    next = await runRound(source.client, round, next, SHAPE);
    if (round === ADD_COLUMN_AFTER) {
      await source.sql('ALTER TABLE items ADD COLUMN note varchar(40)');
      await source.sql(`UPDATE items SET note = 'n' || id WHERE id % 3 = 0`);
    }
    if (round === TRUNCATE_AFTER) await source.sql('TRUNCATE items');
  }
}

beforeAll(async () => {
  const libs = ensureJars();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jdbc-oracle-'));
  [source, ours, theirs] = await Promise.all([
    testDatabase('jdbc_oracle_src'),
    testDatabase('jdbc_oracle_ours'),
    testDatabase('jdbc_oracle_dbz'),
  ]);
  cleanup.push(
    () => source.close(),
    () => ours.close(),
    () => theirs.close(),
  );
  await source.sql(SOURCE_DDL);
  await source.sql(insertSql(1, 201, 0)); // the initial snapshot's rows
  // insert.mode=update writes into a table that is there already.
  for (const db of [ours, theirs]) {
    await db.sql('CREATE TABLE upd (id int PRIMARY KEY, name text NOT NULL, qty int)');
    await db.sql(`INSERT INTO upd VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3), (4, 'd', 4), (5, 'e', 5)`);
  }
  await Promise.all([
    createTopic(topics.confluent).then(() => produce(topics.confluent, confluentRecords())),
    createTopic(topics.update).then(() => produce(topics.update, updateRecords())),
    createTopic(topics.header).then(() => produce(topics.header, headerRecords())),
    createTopic(topics.kafka, 2).then(() => produce(topics.kafka, offsetRecords())),
    createTopic(topics.value).then(() => produce(topics.value, valueRecords())),
  ]);

  // Both workers with Kafka Connect's defaults for records: JsonConverter with schemas, SimpleHeaderConverter.
  const converters = {
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'true',
    'value.converter.schemas.enable': 'true',
    'offset.flush.interval.ms': '1000',
  };
  // Each worker is put in cleanup the moment it runs, so a failure of the other never leaves a JVM behind.
  const started = await Promise.allSettled([
    WorkerProcess.start(clusterSpec(name, converters)).then((w) => {
      worker = w;
      cleanup.push(() => w.stop());
    }),
    startKafkaConnect(
      libs,
      dir,
      null,
      { 'bootstrap.servers': kafkaBootstrap().join(','), ...converters },
      FAST_START_JVM,
    ).then((c) => {
      connect = c;
      cleanup.push(() => c.stop());
    }),
  ]);
  for (const r of started) if (r.status === 'rejected') throw r.reason;

  const cdc = connectorProps(source, { 'topic.prefix': tag });
  const put = await worker.request('PUT', `/connectors/${name}-source/config`, {
    ...cdc,
    'table.include.list': 'public.items',
    // Debezium's default skips truncates; the sinks' truncate.enabled needs them.
    'skipped.operations': 'none',
  });
  expect(put.status).toBe(201);
  const oursT = target(ours);
  const theirsT = target(theirs);

  // Debezium change events with Debezium's config, the same on both sides.
  const cdcSink = (t: ReturnType<typeof target>) =>
    debeziumSinkConfig(t, topics.cdc, 'items_replica', { 'truncate.enabled': 'true' });
  // Confluent's config on our side; on Debezium's the same meaning in its keys (fields.whitelist is its
  // field.include.list, which Debezium applies to the key too: the key field is listed).
  const whitelist = 'id,name,score,at,tags,blob,level';
  const confluent = (t: ReturnType<typeof target>) => ({
    'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
    'connection.url': t.jdbcUrl,
    'connection.user': t.user,
    topics: topics.confluent,
    'table.name.format': 'users',
    'auto.create': 'true',
    'auto.evolve': 'true',
    'insert.mode': 'upsert',
    'pk.mode': 'record_key',
    'delete.enabled': 'true',
    'fields.whitelist': whitelist,
  });
  const noDeletes = { 'delete.enabled': 'false' };
  // The classic Confluent pipeline: CDC events unwrapped by Debezium's SMT (a delete becomes a tombstone).
  const unwrap = {
    transforms: 'unwrap',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.unwrap.delete.tombstone.handling.mode': 'tombstone',
  };
  await Promise.all([
    createPair('cdc', cdcSink(oursT), cdcSink(theirsT)),
    createPair(
      'unwrapped',
      { ...confluent(oursT), topics: topics.cdc, 'table.name.format': 'items_flat', 'fields.whitelist': '', ...unwrap },
      debeziumSinkConfig(theirsT, topics.cdc, 'items_flat', unwrap),
    ),
    // Confluent's pk.mode=kafka on our side, Debezium's primary.key.mode=kafka on theirs: the same three columns.
    createPair(
      'kafka',
      {
        'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
        'connection.url': oursT.jdbcUrl,
        'connection.user': oursT.user,
        topics: topics.kafka,
        'table.name.format': 'by_offset',
        'auto.create': 'true',
        'pk.mode': 'kafka',
      },
      debeziumSinkConfig(theirsT, topics.kafka, 'by_offset', {
        ...noDeletes,
        'primary.key.mode': 'kafka',
        'insert.mode': 'insert',
      }),
    ),
    createPair(
      'confluent',
      confluent(oursT),
      debeziumSinkConfig(theirsT, topics.confluent, 'users', { 'field.include.list': whitelist }),
    ),
    createPair(
      'update',
      {
        'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
        'connection.url': oursT.jdbcUrl,
        'connection.user': oursT.user,
        topics: topics.update,
        'table.name.format': 'upd',
        'insert.mode': 'update',
        'pk.mode': 'record_key',
      },
      debeziumSinkConfig(theirsT, topics.update, 'upd', {
        ...noDeletes,
        'insert.mode': 'update',
        'schema.evolution': 'none',
      }),
    ),
    ...(
      [
        ['header', 'by_header', { 'primary.key.mode': 'record_header', 'field.exclude.list': `${topics.header}:note` }],
        [
          'value',
          'by_value',
          { 'primary.key.mode': 'record_value', 'primary.key.fields': 'name', 'use.reduction.buffer': 'true' },
        ],
      ] as const
    ).map(([s, table, extra]) =>
      createPair(
        s,
        debeziumSinkConfig(oursT, topics[s], table, { ...noDeletes, ...extra }),
        debeziumSinkConfig(theirsT, topics[s], table, { ...noDeletes, ...extra }),
      ),
    ),
  ]);

  // The workload starts once the snapshot's 200 rows are in the topic: changes made while the snapshot still runs
  // are left to the CDC connector's own tests, and here the truncate must reach the sinks as a change event.
  const admin = kafka().admin();
  await admin.connect();
  try {
    await eventually(async () => Number((await admin.fetchTopicOffsets(topics.cdc))[0]?.high ?? 0) >= 200, {
      what: 'the snapshot in the CDC topic',
      timeoutMs: 60_000,
    });
  } finally {
    await admin.disconnect();
  }
  cdcWorkload = runCdcWorkload();
  cdcWorkload.catch(() => undefined); // awaited by its test
}, 240_000);

afterAll(async () => {
  // Workers first (the JVM above all: none may outlive the test), then their databases.
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

describe('JDBC sink against the real Debezium JDBC sink', () => {
  it('Debezium change events (inserts, updates, deletes with tombstones, key changes, a new column, a truncate): both replicas equal the source', {
    timeout: 180_000,
  }, async () => {
    await cdcWorkload;
    const expected = await tableRows(source.client, 'items');
    await eventually(async () => diffRows(expected, await tableRows(ours.client, 'items_replica')) === null, {
      what: 'our replica equal to the source',
      timeoutMs: 120_000,
      intervalMs: 1000,
    });
    await drained('cdc');
    const { shape } = await compareTables('items_replica');
    expect(diffRows(expected, await tableRows(theirs.client, 'items_replica')), "Debezium's replica").toBeNull();
    // The replica's key and the types the issue names, as the comparison above found them on both sides.
    expect(shape.primaryKey).toEqual(['id']);
    expect(Object.fromEntries(shape.columns.map((c) => [c.name, c.type]))).toMatchObject({
      price: 'numeric(10,2)',
      updated: 'timestamp with time zone',
      doc: 'jsonb',
      tags: 'text[]',
      uid: 'uuid',
      blob: 'bytea',
      day: 'date',
      seen: 'timestamp without time zone',
      at_time: 'time without time zone',
      note: 'text',
    });
    // Nothing written before the truncate is left (moved rows keep their old id modulo MOVED), and rows came after it.
    const before = 10_001 + TRUNCATE_AFTER * SHAPE.inserts;
    const left = await ours.sql(
      'SELECT count(*) FILTER (WHERE id % 10000000 < $1)::int AS early, count(*)::int AS n FROM items_replica',
      [before],
    );
    expect(left.rows[0]).toMatchObject({ early: 0 });
    expect(left.rows[0].n).toBeGreaterThan(0);
  });

  it("Confluent-style config on the CDC topic unwrapped by ExtractNewRecordState: equal to Debezium's, truncates dropped by the SMT", {
    timeout: 180_000,
  }, async () => {
    await cdcWorkload;
    await drained('unwrapped', 120_000);
    const { rows } = await compareTables('items_flat');
    // Every source row is there; so are rows from before the truncate, which the SMT drops (in both workers).
    const expected = await tableRows(source.client, 'items');
    const have = new Set(rows);
    expect(expected.filter((r) => !have.has(r))).toEqual([]);
    expect(rows.length).toBeGreaterThan(expected.length);
  });

  it('Confluent-style config with flat records: upserts, tombstones delete, auto.evolve adds a column, fields.whitelist drops one', async () => {
    await drained('confluent');
    const { shape, rows } = await compareTables('users');
    expect(shape.primaryKey).toEqual(['id']);
    expect(shape.columns.map((c) => c.name)).toEqual(['id', 'name', 'score', 'at', 'tags', 'blob', 'level']);
    expect(rows).toHaveLength(6); // 1, 3, 4, 5, 7, 8: 2 and 6 deleted by their tombstones
    const r = await ours.sql('SELECT id, name, score::text AS score, tags, level FROM users ORDER BY id');
    expect(r.rows.map((x) => [x.id, x.name, x.score, x.tags, x.level])).toEqual([
      [1, 'user-1 again', '-376.55', [], null],
      [3, 'user-3', '-0.01', ['t3', 'x'], null],
      [4, 'user-4', '-6.20', null, null],
      [5, 'user-5', '117.25', ['t5', 'x'], null],
      [7, 'user-7', '364.15', ['t7', 'x'], 5],
      [8, 'user-8', '487.60', null, null],
    ]);
  });

  it('insert.mode=update updates the rows that exist and inserts none for records of missing rows, as both Java sinks', async () => {
    await drained('update');
    await compareTables('upd');
    const r = await ours.sql('SELECT id, name, qty FROM upd ORDER BY id');
    expect(r.rows).toEqual([
      { id: 1, name: 'a3', qty: 11 },
      { id: 2, name: 'b', qty: 2 },
      { id: 3, name: 'c2', qty: null },
      { id: 4, name: 'd', qty: 4 },
      { id: 5, name: 'e2', qty: 50 },
    ]);
    expect((await statusOf('ours', connector('update', 'ours')))?.tasks[0]?.state).toBe('RUNNING');
  });

  it('primary.key.mode=record_header takes the key columns from the headers; field.exclude.list drops a field', async () => {
    await drained('header');
    const { shape, rows } = await compareTables('by_header');
    expect(shape.primaryKey).toEqual(['tenant', 'seq']);
    expect(shape.columns.map((c) => c.name).sort()).toEqual(['name', 'qty', 'seq', 'tenant']);
    expect(rows).toHaveLength(4);
  });

  it('pk.mode=kafka (Confluent) and primary.key.mode=kafka (Debezium) key each row by __connect_topic, __connect_partition and __connect_offset', async () => {
    await drained('kafka');
    const { shape } = await compareTables('by_offset');
    expect(shape.primaryKey).toEqual(['__connect_topic', '__connect_partition', '__connect_offset']);
    const r = await ours.sql(
      'SELECT __connect_topic AS t, __connect_partition AS p, __connect_offset::int AS o, qty FROM by_offset ORDER BY qty',
    );
    expect(r.rows).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => ({ t: topics.kafka, p: i % 2, o: Math.floor(i / 2), qty: i })),
    );
  });

  it('primary.key.mode=record_value with primary.key.fields and use.reduction.buffer: the last record of each key wins', async () => {
    await drained('value');
    const { shape } = await compareTables('by_value');
    expect(shape.primaryKey).toEqual(['name']);
    const r = await ours.sql('SELECT name, qty, note FROM by_value ORDER BY name');
    expect(r.rows).toEqual([
      { name: 'a', qty: null, note: 'one again' },
      { name: 'b', qty: 20, note: 'two again' },
      { name: 'c', qty: 3, note: 'three' },
    ]);
  });
});
