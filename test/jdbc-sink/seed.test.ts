// The Confluent seed config posted as-is over REST to a real worker process, schemaless JSON, and bad input (validate, errors.*, DLQ, trace).
import { TOPIC_PLACEHOLDER } from '@tributary/connector-jdbc-sink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, unique } from '../helpers.js';
import { clusterSpec, WorkerProcess } from '../worker-process.js';
import { createTopic, kafka, mariaTarget, type PgTarget, pgTarget, produce, withSchema } from './harness.js';

let worker: WorkerProcess;
let db: PgTarget;
const name = unique('jdbc-seed');

beforeAll(async () => {
  db = await pgTarget('jdbc_seed');
  // The users' workers run JsonConverter with schemas on both sides, as Kafka Connect's defaults.
  worker = await WorkerProcess.start(
    clusterSpec(name, {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'true',
      'value.converter.schemas.enable': 'true',
      'offset.flush.interval.ms': '500',
    }),
  );
});

afterAll(async () => {
  await worker?.stop();
  await db?.close();
});

/** Converter keys of a connector only apply when it names the converter too, as in Kafka Connect. */
const SCHEMALESS = {
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'key.converter.schemas.enable': 'false',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'false',
};

const KEY = { type: 'struct', optional: false, fields: [{ field: 'user_id', type: 'string', optional: false }] };
const EVENT = {
  type: 'struct',
  name: 'com.example.UserEvent',
  optional: false,
  fields: [
    { field: 'user_id', type: 'string', optional: false },
    { field: 'event', type: 'string', optional: false },
    { field: 'clicks', type: 'int32', optional: false },
    {
      field: 'score',
      type: 'bytes',
      optional: true,
      name: 'org.apache.kafka.connect.data.Decimal',
      parameters: { scale: '2' },
    },
    { field: 'at', type: 'int64', optional: false, name: 'org.apache.kafka.connect.data.Timestamp', version: 1 },
    { field: 'tags', type: 'array', optional: true, items: { type: 'string', optional: false } },
    { field: 'blob', type: 'bytes', optional: true },
  ],
};
const event = (user: string, ev: string, clicks: number, at: number) =>
  withSchema(EVENT, { user_id: user, event: ev, clicks, score: 'AQI=', at, tags: [ev, 'x'], blob: 'AAEC' });

async function status(
  connector: string,
): Promise<{ connector: { state: string }; tasks: Array<{ state: string; trace?: string }> }> {
  return (
    await worker.request<{ connector: { state: string }; tasks: Array<{ state: string; trace?: string }> }>(
      'GET',
      `/connectors/${connector}/status`,
    )
  ).body;
}

describe('JDBC sink: the Confluent seed config through REST', () => {
  it('upserts into Postgres; auto.create makes the key the primary key', async () => {
    const topic = unique('user-events');
    await createTopic(topic);
    const t0 = Date.UTC(2024, 5, 1, 12, 0, 0, 123);
    await produce(topic, [
      { key: withSchema(KEY, { user_id: 'u1' }), value: event('u1', 'login', 1, t0) },
      { key: withSchema(KEY, { user_id: 'u2' }), value: event('u2', 'login', 5, t0 + 1000) },
      { key: withSchema(KEY, { user_id: 'u1' }), value: event('u1', 'click', 2, t0 + 2000) },
    ]);
    // The config, exactly, with the host and database of this test (and a topic of its own).
    const seed = {
      name: 'postgres-sink',
      config: {
        'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
        'connection.url': `jdbc:postgresql://${db.host}:${db.port}/${db.name}`,
        'connection.user': 'postgres',
        'connection.password': 'password',
        topics: topic,
        'auto.create': 'true',
        'insert.mode': 'upsert',
        'pk.mode': 'record_key',
      },
    };
    const created = await worker.request('POST', '/connectors', seed);
    expect(created.status).toBe(201);
    const rows = await eventually(
      async () => {
        const r = await db
          .query(`SELECT user_id, event, clicks, score::text AS score, at, tags, blob FROM "${topic}" ORDER BY user_id`)
          .catch(() => []);
        return r.length === 2 && r[0]!.event === 'click' ? r : null;
      },
      { what: 'two upserted rows', timeoutMs: 60_000 },
    );
    expect(rows).toEqual([
      {
        user_id: 'u1',
        event: 'click',
        clicks: 2,
        score: '2.58',
        at: new Date(t0 + 2000),
        tags: ['click', 'x'],
        blob: Buffer.from([0, 1, 2]),
      },
      {
        user_id: 'u2',
        event: 'login',
        clicks: 5,
        score: '2.58',
        at: new Date(t0 + 1000),
        tags: ['login', 'x'],
        blob: Buffer.from([0, 1, 2]),
      },
    ]);
    const pk = await db.query(
      `SELECT a.attname AS col FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = $1::regclass AND i.indisprimary`,
      [`"${topic}"`],
    );
    expect(pk).toEqual([{ col: 'user_id' }]);
    const types = await db.query(
      `SELECT column_name AS c, data_type AS t, is_nullable AS n FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
      [topic],
    );
    expect(types).toEqual([
      { c: 'user_id', t: 'text', n: 'NO' },
      { c: 'event', t: 'text', n: 'NO' },
      { c: 'clicks', t: 'integer', n: 'NO' },
      { c: 'score', t: 'numeric', n: 'YES' },
      { c: 'at', t: 'timestamp with time zone', n: 'NO' },
      { c: 'tags', t: 'ARRAY', n: 'YES' },
      { c: 'blob', t: 'bytea', n: 'YES' },
    ]);
    // Offsets are committed once the rows are in: the group is at the end of the topic.
    await eventually(
      async () => {
        const admin = kafka().admin();
        await admin.connect();
        const o = await admin.fetchOffsets({ groupId: 'connect-postgres-sink', topics: [topic] });
        await admin.disconnect();
        return o[0]?.partitions[0]?.offset === '3';
      },
      { what: 'committed consumer offset 3' },
    );
    expect((await worker.request('DELETE', '/connectors/postgres-sink')).status).toBe(204);
  });

  it('writes schemaless JSON: types inferred on create, the existing columns used afterwards, and auto.evolve adds columns', async () => {
    const topic = unique('clicks');
    await createTopic(topic);
    await produce(topic, [
      { key: { id: 1 }, value: { id: 1, page: '/a', ms: 12.5, ok: true, n: 3, meta: { ua: 'x', langs: ['en'] } } },
      { key: { id: 2 }, value: { id: 2, page: '/b', ms: 3.25, ok: false, n: 4, meta: null } },
    ]);
    const connector = unique('schemaless');
    const res = await worker.request('PUT', `/connectors/${connector}/config`, {
      'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
      'connection.url': `jdbc:postgresql://${db.host}:${db.port}/${db.name}`,
      'connection.user': 'postgres',
      topics: topic,
      ...SCHEMALESS,
      'auto.create': 'true',
      'auto.evolve': 'true',
      'insert.mode': 'upsert',
      'pk.mode': 'record_key',
    });
    expect(res.status).toBe(201);
    await eventually(async () => (await db.query(`SELECT 1 FROM "${topic}"`).catch(() => [])).length === 2, {
      what: 'schemaless rows',
      timeoutMs: 60_000,
    });
    const types = await db.query(
      `SELECT column_name AS c, data_type AS t FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
      [topic],
    );
    expect(types).toEqual([
      { c: 'id', t: 'bigint' },
      { c: 'page', t: 'text' },
      { c: 'ms', t: 'double precision' },
      { c: 'ok', t: 'boolean' },
      { c: 'n', t: 'bigint' },
      { c: 'meta', t: 'jsonb' },
    ]);
    // A new field: auto.evolve adds it as a nullable column; a string into the bigint column is parsed by the table's type.
    await produce(topic, [
      { key: { id: 3 }, value: { id: 3, page: '/c', ms: 1, ok: true, n: '7', meta: { ua: 'y' }, extra: 'new' } },
    ]);
    const rows = await eventually(
      async () => {
        const r = await db.query(`SELECT id, page, ms, ok, n, meta, extra FROM "${topic}" ORDER BY id`).catch(() => []);
        return r.length === 3 ? r : null;
      },
      { what: 'evolved row', timeoutMs: 30_000 },
    );
    expect(rows).toEqual([
      { id: '1', page: '/a', ms: 12.5, ok: true, n: '3', meta: { ua: 'x', langs: ['en'] }, extra: null },
      { id: '2', page: '/b', ms: 3.25, ok: false, n: '4', meta: null, extra: null },
      { id: '3', page: '/c', ms: 1, ok: true, n: '7', meta: { ua: 'y' }, extra: 'new' },
    ]);
    await worker.request('DELETE', `/connectors/${connector}`);
  });
});

describe('JDBC sink: bad input', () => {
  it('validate and create name connection.url for an unreachable database and connection.password for refused credentials', async () => {
    const base = {
      'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
      topics: 'unused',
      'connection.user': 'postgres',
    };
    const unreachable = { ...base, 'connection.url': 'jdbc:postgresql://127.0.0.1:1/nowhere' };
    const v = await worker.request<{
      error_count: number;
      configs: Array<{ value: { name: string; errors: string[] } }>;
    }>('PUT', '/connector-plugins/io.confluent.connect.jdbc.JdbcSinkConnector/config/validate', unreachable);
    expect(v.status).toBe(200);
    const errs = (n: string) => v.body.configs.find((c) => c.value.name === n)?.value.errors ?? [];
    expect(errs('connection.url')[0]).toMatch(
      /Cannot connect to jdbc:postgresql:\/\/127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/,
    );
    const create = await worker.request<{ message: string }>(
      'PUT',
      `/connectors/${unique('unreachable')}/config`,
      unreachable,
    );
    expect(create.status).toBe(400);
    expect(create.body.message).toContain('connection.url');

    // Refused credentials need a server that checks them: the shared Postgres trusts everyone, MariaDB does not.
    const maria = await mariaTarget('jdbc_auth');
    const user = `u_${maria.name.slice(-8)}`;
    try {
      await maria.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'right'`);
      const bad = await worker.request<{ message: string }>('PUT', `/connectors/${unique('badpw')}/config`, {
        ...base,
        'connection.url': maria.jdbcUrl,
        'connection.user': user,
        'connection.password': 'wrong',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(
        /connection\.password: The database refused the credentials of user u_[0-9a-f]+: ER_ACCESS_DENIED_ERROR \(1045/,
      );
      expect(bad.body.message).not.toContain('wrong');
    } finally {
      await maria.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
      await maria.close();
    }
  });

  it('sends a record without a key and rows the table refuses to the DLQ with the SQL error, and writes the rest of the batch', async () => {
    const topic = unique('orders');
    const dlq = `${topic}-dlq`;
    await createTopic(topic);
    await db.query(`CREATE TABLE "${topic}" (id bigint PRIMARY KEY, qty bigint NOT NULL CHECK (qty >= 0), note text)`);
    await produce(topic, [
      { key: { id: 1 }, value: { id: 1, qty: 1, note: 'ok' } },
      { key: { id: 2 }, value: { id: 2, qty: -5, note: 'violates the check' } },
      { key: null, value: { id: 3, qty: 1, note: 'no key' } },
      { key: { id: 4 }, value: { id: 4, qty: 'many', note: 'not a number' } },
      { key: { id: 5 }, value: { id: 5, qty: 5, note: 'ok' } },
    ]);
    const connector = unique('dlq');
    const res = await worker.request('PUT', `/connectors/${connector}/config`, {
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      'connection.url': db.jdbcUrl,
      'connection.username': 'postgres',
      topics: topic,
      ...SCHEMALESS,
      'insert.mode': 'upsert',
      'primary.key.mode': 'record_key',
      'collection.name.format': TOPIC_PLACEHOLDER,
      'quote.identifiers': 'true',
      'errors.tolerance': 'all',
      'errors.deadletterqueue.topic.name': dlq,
      'errors.deadletterqueue.topic.replication.factor': '1',
      'errors.deadletterqueue.context.headers.enable': 'true',
    });
    expect(res.status).toBe(201);
    const rows = await eventually(
      async () => {
        const r = await db.query(`SELECT id::int AS id, qty::int AS qty FROM "${topic}" ORDER BY id`);
        return r.length === 2 ? r : null;
      },
      { what: 'the good rows', timeoutMs: 60_000 },
    );
    expect(rows).toEqual([
      { id: 1, qty: 1 },
      { id: 5, qty: 5 },
    ]);
    const consumer = kafka().consumer({ groupId: unique('dlq-read') });
    await consumer.connect();
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    const got: Array<{ offset: string; error: string }> = [];
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${got.length}/3 DLQ records`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push({
            offset: message.headers?.['__connect.errors.offset']?.toString() ?? '',
            error: message.headers?.['__connect.errors.exception.message']?.toString() ?? '',
          });
          if (got.length >= 3) {
            clearTimeout(t);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    got.sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(got.map((g) => g.offset)).toEqual(['1', '2', '3']);
    expect(got[0]!.error).toMatch(new RegExp(`${topic}-0@1: SQLSTATE 23514: .*check constraint`));
    expect(got[1]!.error).toMatch(/record_key but the record has no key/);
    expect(got[2]!.error).toMatch(/SQLSTATE 22P02: invalid input syntax for type bigint: "many"/);
    await worker.request('DELETE', `/connectors/${connector}`);
  });

  it('with errors.tolerance=none fails the task with the root SQL error and the record in the trace', async () => {
    const topic = unique('strict');
    await createTopic(topic);
    await db.query(`CREATE TABLE "${topic}" (id bigint PRIMARY KEY, qty bigint NOT NULL CHECK (qty >= 0))`);
    await produce(topic, [
      { key: { id: 1 }, value: { id: 1, qty: 1 } },
      { key: { id: 2 }, value: { id: 2, qty: -1 } },
    ]);
    const connector = unique('strict');
    await worker.request('PUT', `/connectors/${connector}/config`, {
      'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
      'connection.url': db.jdbcUrl,
      'connection.user': 'postgres',
      topics: topic,
      ...SCHEMALESS,
      'insert.mode': 'upsert',
      'pk.mode': 'record_key',
    });
    const failed = await eventually(
      async () => {
        const s = await status(connector);
        return s.tasks[0]?.state === 'FAILED' ? s.tasks[0] : null;
      },
      { what: 'task FAILED', timeoutMs: 60_000 },
    );
    expect(failed.trace).toContain(
      `refused record ${topic}-0@1: SQLSTATE 23514: new row for relation "${topic}" violates check constraint`,
    );
    await worker.request('DELETE', `/connectors/${connector}`);
  });
});
