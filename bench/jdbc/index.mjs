// JDBC sink bench: rows/s of one JdbcSinkTask upserting into Postgres at batch.size 500 and 3000, and its peak RSS.
// Each scenario runs in its own process so its RSS is its own. Then side-by-side.mjs runs ours and the Debezium JDBC
// sink on one topic. Called by the root `pnpm bench` (BENCH=jdbc) as
// run(endpoints), or directly:  node bench/jdbc/index.mjs  (after `pnpm build`; brings the services up itself).
//
// The task is driven directly with SinkRecords (a struct key and a 7-column struct value, half of them updates of
// rows written before), so the figures are the sink's and the database's: no Kafka fetch or converter in the
// loop. Nothing here asserts a timing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROWS = Number(process.env.JDBC_BENCH_ROWS ?? 200_000);

const SCENARIOS = [
  { name: 'upsert, batch 500', batch: 500 },
  { name: 'upsert, batch 3000', batch: 3000 },
  { name: 'upsert, batch 3000, reduction buffer', batch: 3000, reduction: true },
];

async function child(scenario, pgUrl) {
  const api = await import('@tributary/api');
  const { JdbcSinkTask } = await import('@tributary/connector-jdbc-sink');
  const { createTestDatabase, dropTestDatabase } = await import('@tributary/testkit');
  const { Schema, SchemaBuilder, Struct, SinkRecord, ConnectTimestamp, Decimal, BigDecimal } = api;
  const url = await createTestDatabase('jdbc_bench', pgUrl);
  const u = new URL(url);
  const keySchema = SchemaBuilder.struct().field('id', Schema.INT64_SCHEMA).build();
  const valueSchema = SchemaBuilder.struct()
    .field('id', Schema.INT64_SCHEMA)
    .field('customer', Schema.STRING_SCHEMA)
    .field('qty', Schema.INT32_SCHEMA)
    .field('price', Decimal.schema(2))
    .field('note', Schema.OPTIONAL_STRING_SCHEMA)
    .field('paid', Schema.BOOLEAN_SCHEMA)
    .field('created', ConnectTimestamp.SCHEMA)
    .build();
  const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {}, child: () => silent };
  const task = new JdbcSinkTask();
  task.initialize({
    configs: () => ({}),
    offset() {},
    timeout() {},
    assignment: () => [{ topic: 'orders', partition: 0 }],
    pause() {},
    resume() {},
    requestCommit() {},
    errantRecordReporter: null,
    logger: silent,
  });
  await task.start({
    'connection.url': `jdbc:postgresql://${u.hostname}:${u.port || 5432}${u.pathname}`,
    'connection.user': decodeURIComponent(u.username || 'postgres'),
    topics: 'orders',
    'auto.create': 'true',
    'insert.mode': 'upsert',
    'pk.mode': 'record_key',
    'batch.size': String(scenario.batch),
    'use.reduction.buffer': String(Boolean(scenario.reduction)),
  });
  // Half the records update a row written earlier (id reused), half insert a new one.
  const distinct = Math.floor(ROWS / 2);
  let peak = process.memoryUsage.rss();
  const started = process.hrtime.bigint();
  for (let offset = 0; offset < ROWS; offset += scenario.batch) {
    const batch = [];
    for (let i = offset; i < Math.min(ROWS, offset + scenario.batch); i++) {
      const id = i % 2 === 0 ? i / 2 : (i * 7919) % distinct;
      batch.push(
        new SinkRecord({
          topic: 'orders',
          kafkaPartition: 0,
          kafkaOffset: i,
          keySchema,
          key: new Struct(keySchema).put('id', id),
          valueSchema,
          value: new Struct(valueSchema)
            .put('id', id)
            .put('customer', `customer-${id % 997}`)
            .put('qty', i % 50)
            .put('price', new BigDecimal(BigInt(i % 100000), 2))
            .put('note', i % 5 === 0 ? null : `note ${i}`)
            .put('paid', i % 3 === 0)
            .put('created', new Date(Date.UTC(2024, 4, 1) + i * 1000)),
        }),
      );
    }
    await task.put(batch);
    peak = Math.max(peak, process.memoryUsage.rss());
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await task.stop();
  await dropTestDatabase(url);
  process.stdout.write(`${JSON.stringify({ rows: ROWS, seconds, peakRss: peak })}\n`);
}

export async function run(endpoints) {
  console.log(`\n== jdbc bench: JdbcSinkTask upserting ${ROWS} records into Postgres (half of them updates)`);
  const rows = [];
  for (const s of SCENARIOS) {
    const r = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', JSON.stringify(s), endpoints.postgres.url],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = r.stdout.trim().split('\n').pop();
    if (r.status !== 0 || !line) {
      console.log(`  ${s.name}: failed (exit ${r.status})`);
      continue;
    }
    const m = JSON.parse(line);
    rows.push({
      scenario: s.name,
      'rows/s': Math.round(m.rows / m.seconds),
      seconds: m.seconds.toFixed(1),
      'peak RSS MiB': (m.peakRss / 1048576).toFixed(0),
    });
  }
  console.table(rows);
  // The same upserts through Kafka, ours and Debezium's, in one run (JDBC_BENCH_DEBEZIUM=0 skips it).
  if (process.env.JDBC_BENCH_DEBEZIUM !== '0') {
    const n = Number(process.env.JDBC_BENCH_TOPIC_ROWS ?? 100_000);
    console.log(
      `\n== jdbc bench: ${n} records from one topic, upserted at batch 3000 by each sink in its own worker process`,
    );
    const { runSideBySide } = await import('./side-by-side.mjs');
    console.table(await runSideBySide(n));
  }
}

if (process.argv[2] === '--child') {
  await child(JSON.parse(process.argv[3]), process.argv[4]);
  process.exit(0);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const { servicesUp } = await import('@tributary/testkit');
  await run(await servicesUp());
  process.exit(0);
}
