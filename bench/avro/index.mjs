// Avro vs JSON-with-schemas on the CDC pipeline: the same Postgres snapshot through a worker twice in
// one run, once with JsonConverter (schemas.enable=true) and once with the AvroConverter against the
// built-in schema registry; prints records/s until readable in Kafka and key+value bytes per record.
// Called by `pnpm bench` (BENCH=avro) as run(endpoints), or directly: node bench/avro/index.mjs (after
// `pnpm build`). Volume: AVRO_BENCH_ROWS (200000). Nothing here asserts a timing.
import { distributedWorkerProps } from '@tributary/testkit';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const ROWS = Number(process.env.AVRO_BENCH_ROWS ?? 200_000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function worker(brokers, name, converters) {
  process.env.TRIBUTARY_LOG_LEVEL ??= 'warn';
  const { startDistributed } = await import('@tributary/runtime');
  const rt = await startDistributed({
    ...distributedWorkerProps(name, brokers),
    'offset.flush.interval.ms': '1000',
    listeners: `http://127.0.0.1:${21000 + Math.floor(Math.random() * 9000)}`,
    ...converters,
  });
  for (let i = 0; i < 200 && rt.herder.rebalancing; i++) await sleep(100);
  return rt;
}

async function countTopic(brokers, topic, onBatch) {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'avro-bench', brokers, logLevel: logLevel.NOTHING });
  const c = kafka.consumer({ groupId: `avro-bench-${randomUUID()}`, maxBytes: 64 * 1024 * 1024 });
  await c.connect();
  for (let i = 0; ; i++) {
    try {
      await c.subscribe({ topic, fromBeginning: true });
      break;
    } catch (e) {
      if (i > 100) throw e;
      await sleep(200);
    }
  }
  await c.run({ eachBatch: async ({ batch }) => onBatch(batch.messages, performance.now()) });
  return c;
}

function connectorProps(dbUrl) {
  const u = new URL(dbUrl);
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': u.hostname,
    'database.port': u.port || '5432',
    'database.user': decodeURIComponent(u.username || 'postgres'),
    ...(u.password ? { 'database.password': decodeURIComponent(u.password) } : {}),
    'database.dbname': decodeURIComponent(u.pathname.slice(1)),
    'topic.prefix': `avrobench_${randomUUID().slice(0, 8)}`,
    'plugin.name': 'pgoutput',
    'slot.name': `avrobench_${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    'slot.drop.on.stop': 'true',
    'snapshot.mode': 'initial_only',
    'snapshot.max.threads': '2',
    'max.batch.size': '256',
    'max.queue.size': '16384',
    'tasks.max': '1',
  };
}

async function snapshotOnce(url, brokers, label, converters) {
  const name = `avro-bench-${randomUUID().slice(0, 8)}`;
  const rt = await worker(brokers, name, converters);
  const props = connectorProps(url);
  const topic = `${props['topic.prefix']}.public.orders`;
  let received = 0;
  let bytes = 0;
  let doneAt = 0;
  const c = await countTopic(brokers, topic, (messages, now) => {
    for (const m of messages) {
      if (!m.value) continue;
      received++;
      bytes += m.value.length + (m.key?.length ?? 0);
      if (received === ROWS) doneAt = now;
    }
  });
  try {
    const t0 = performance.now();
    await rt.herder.putConnectorConfig('cdc', props, { allowReplace: false });
    while (received < ROWS) await sleep(100);
    const ms = doneAt - t0;
    const result = { label, rowsPerSec: ROWS / (ms / 1000), bytesPerRecord: bytes / received, seconds: ms / 1000 };
    console.log(
      `  ${label}: ${fmt(ROWS)} rows readable in Kafka after ${result.seconds.toFixed(1)} s = ${fmt(result.rowsPerSec)} rows/s, ${fmt(result.bytesPerRecord)} bytes per record (key + value)`,
    );
    await rt.herder.deleteConnector('cdc').catch(() => undefined);
    return result;
  } finally {
    await c.disconnect().catch(() => undefined);
    await rt.stop();
  }
}

export async function run(endpoints) {
  const brokers = [endpoints.kafka.bootstrap];
  const { createTestDatabase, dropTestDatabase } = await import('@tributary/testkit');
  const { startSchemaRegistry } = await import('@tributary/schema-registry');
  const pg = (await import('pg')).default;
  console.log('\n== avro bench (Postgres CDC snapshot through a worker: JsonConverter with schemas vs AvroConverter)');
  const url = await createTestDatabase('bench_avro', endpoints.postgres.url);
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  const topicName = `_schemas-bench-${randomUUID().slice(0, 8)}`;
  const registry = await startSchemaRegistry({
    listeners: 'http://127.0.0.1:0',
    'kafkastore.bootstrap.servers': brokers.join(','),
    'kafkastore.topic': topicName,
    'schema.registry.group.id': topicName,
  });
  try {
    for (let i = 0; i < 100 && !registry.isLeader(); i++) await sleep(100);
    await sql.query(
      'CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, note text)',
    );
    await sql.query(
      `INSERT INTO orders SELECT g, 'customer-' || (g % 100000), (g % 100000) / 100.0, 'new', '2024-01-01'::timestamptz + g * interval '1 second', md5(g::text)
         FROM generate_series(1, ${ROWS}) g`,
    );
    await sql.query('VACUUM ANALYZE orders');
    const json = await snapshotOnce(url, brokers, 'JsonConverter (schemas.enable=true)', {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    });
    const avro = await snapshotOnce(url, brokers, 'AvroConverter (schema registry)', {
      'key.converter': 'io.confluent.connect.avro.AvroConverter',
      'key.converter.schema.registry.url': registry.url,
      'value.converter': 'io.confluent.connect.avro.AvroConverter',
      'value.converter.schema.registry.url': registry.url,
    });
    console.log(
      `  Avro vs JSON: ${((avro.rowsPerSec / json.rowsPerSec) * 100).toFixed(0)}% of the records/s, ${((avro.bytesPerRecord / json.bytesPerRecord) * 100).toFixed(0)}% of the bytes per record`,
    );
  } finally {
    await registry.close();
    await sql.end().catch(() => undefined);
    await dropTestDatabase(url);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { servicesUp, exportEndpoints } = await import('@tributary/testkit');
  const endpoints = await servicesUp();
  exportEndpoints(endpoints);
  await run(endpoints);
  process.exit(0);
}
