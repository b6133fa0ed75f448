// Postgres CDC bench: snapshot rows/s of a ≥1M-row table, streaming events/s, and end-to-end
// latency p50/p99 (commit in Postgres → record readable in Kafka) under a sustained insert/update
// load through a worker with JsonConverter. Called by the root `pnpm bench` (BENCH=cdc) as
// run(endpoints), or directly:  node bench/cdc/index.mjs  (after `pnpm build`; brings the
// services up itself). Volumes: CDC_BENCH_SNAPSHOT_ROWS (1000000), CDC_BENCH_STREAM_EVENTS
// (200000), CDC_BENCH_LATENCY_RATE events/s (2000) for CDC_BENCH_LATENCY_SECONDS (20).
// Nothing here asserts a timing.
import { distributedWorkerProps } from '@tributary/testkit';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { PeakMemory } from '../peak-memory.mjs';
import { deleteTopics } from '../topics.mjs';

const SNAPSHOT_ROWS = Number(process.env.CDC_BENCH_SNAPSHOT_ROWS ?? 1_000_000);
const STREAM_EVENTS = Number(process.env.CDC_BENCH_STREAM_EVENTS ?? 200_000);
const LATENCY_RATE = Number(process.env.CDC_BENCH_LATENCY_RATE ?? 2000);
const LATENCY_SECONDS = Number(process.env.CDC_BENCH_LATENCY_SECONDS ?? 20);
const WORKER_BATCH = Number(process.env.CDC_BENCH_WORKER_BATCH ?? 256);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function connectorProps(dbUrl, extra) {
  const u = new URL(dbUrl);
  const db = decodeURIComponent(u.pathname.slice(1));
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': u.hostname,
    'database.port': u.port || '5432',
    'database.user': decodeURIComponent(u.username || 'postgres'),
    ...(u.password ? { 'database.password': decodeURIComponent(u.password) } : {}),
    'database.dbname': db,
    'topic.prefix': `bench_${randomUUID().slice(0, 8)}`,
    'plugin.name': 'pgoutput',
    'slot.name': `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    'slot.drop.on.stop': 'true',
    'max.batch.size': '4096',
    'max.queue.size': '16384',
    'poll.interval.ms': '100',
    ...extra,
  };
}

/** Runs a PostgresSourceTask without a worker: poll in a loop, count, stop. */
async function driveTask(props, untilCount, onRecord, afterStart) {
  const api = await import('@tributary/api');
  const { PostgresSourceTask } = await import('@tributary/connector-postgres-cdc');
  const task = new PostgresSourceTask();
  task.initialize({
    configs: () => props,
    offsetStorageReader: {
      offset: async () => null,
      offsets: async (ps) => ps.map((partition) => ({ partition, offset: null })),
    },
    transactionContext: null,
    logger: api.silentLogger,
  });
  let count = 0;
  const memory = new PeakMemory();
  const t0 = performance.now();
  await task.start(props);
  await afterStart?.();
  let firstAt = null;
  while (count < untilCount) {
    const batch = await task.poll();
    if (!batch) continue;
    firstAt ??= performance.now();
    for (const r of batch) if (r.value !== null) onRecord?.(r);
    count += batch.filter((r) => r.value !== null).length;
    memory.sample();
  }
  memory.sample(true);
  const done = performance.now();
  await task.stop();
  return { count, totalMs: done - t0, fromFirstMs: done - (firstAt ?? done), peakRss: memory.rss };
}

async function withDatabase(pgUrl, prefix, fn) {
  const { createTestDatabase, dropTestDatabase } = await import('@tributary/testkit');
  const url = await createTestDatabase(prefix, pgUrl);
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(url, client);
  } finally {
    await client.end().catch(() => undefined);
    await dropTestDatabase(url);
  }
}

async function benchSnapshot(pgUrl) {
  return withDatabase(pgUrl, 'bench_cdc_snapshot', async (url, sql) => {
    await sql.query(
      'CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, note text)',
    );
    await sql.query(
      `INSERT INTO orders SELECT g, 'customer-' || (g % 100000), (g % 100000) / 100.0, (ARRAY['new','paid','shipped'])[1 + g % 3],
         '2024-01-01'::timestamptz + g * interval '1 second', md5(g::text) FROM generate_series(1, ${SNAPSHOT_ROWS}) g`,
    );
    await sql.query('VACUUM ANALYZE orders');
    const size = (await sql.query(`SELECT pg_size_pretty(pg_total_relation_size('orders')) AS s`)).rows[0].s;
    const out = [];
    for (const threads of [1, 2]) {
      const r = await driveTask(
        connectorProps(url, { 'snapshot.mode': 'initial_only', 'snapshot.max.threads': String(threads) }),
        SNAPSHOT_ROWS,
      );
      out.push({ threads, ...r });
      console.log(
        `  snapshot, ${threads} reader${threads > 1 ? 's' : ''}: ${fmt(r.count)} rows (${size}) in ${(r.totalMs / 1000).toFixed(1)} s = ${fmt(r.count / (r.totalMs / 1000))} rows/s (peak RSS ${mb(r.peakRss)})`,
      );
    }
    // The same table through an incremental snapshot (signal table, watermark windows), streaming on.
    await sql.query('CREATE TABLE dbz_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data text)');
    for (const chunk of [1024, 8192]) {
      const r = await driveTask(
        connectorProps(url, {
          'snapshot.mode': 'no_data',
          'signal.data.collection': 'public.dbz_signal',
          'publication.autocreate.mode': 'filtered',
          'publication.name': `bench_pub_${chunk}`,
          'table.include.list': 'public.orders',
          'incremental.snapshot.chunk.size': String(chunk),
          'incremental.snapshot.watermarking.strategy': 'insert_delete',
        }),
        SNAPSHOT_ROWS,
        undefined,
        () =>
          sql.query(
            `INSERT INTO dbz_signal VALUES ('${randomUUID()}', 'execute-snapshot', '{"data-collections": ["public.orders"]}')`,
          ),
      );
      out.push({ incrementalChunk: chunk, ...r });
      console.log(
        `  incremental snapshot, chunk ${fmt(chunk)}: ${fmt(r.count)} rows in ${(r.totalMs / 1000).toFixed(1)} s = ${fmt(r.count / (r.totalMs / 1000))} rows/s (peak RSS ${mb(r.peakRss)})`,
      );
    }
    return out;
  });
}

async function benchStreamDirect(pgUrl) {
  return withDatabase(pgUrl, 'bench_cdc_stream', async (url, sql) => {
    await sql.query('CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, payload jsonb, n int NOT NULL)');
    // Create the slot, stop, write a backlog, then time how fast the connector works it off: the
    // figure is the connector's, not the SQL writer's.
    const props = connectorProps(url, { 'snapshot.mode': 'no_data', 'slot.drop.on.stop': 'false' });
    await driveTask(props, 0);
    const w0 = performance.now();
    const half = STREAM_EVENTS / 2;
    for (let i = 0; i < half; i += 1000) {
      await sql.query(
        `INSERT INTO events SELECT g, 'k' || (g % 7), jsonb_build_object('g', g), 0 FROM generate_series(${i + 1}, ${i + 1000}) g`,
      );
    }
    for (let i = 0; i < half; i += 1000)
      await sql.query(`UPDATE events SET n = n + 1 WHERE id > ${i} AND id <= ${i + 1000}`);
    const sqlMs = performance.now() - w0;
    const r = await driveTask({ ...props, 'slot.drop.on.stop': 'true' }, STREAM_EVENTS);
    console.log(
      `  streaming backlog (connector alone, no Kafka): ${fmt(r.count)} events (${fmt(half)} inserts + ${fmt(half)} updates in 1000-row transactions, written in ${(sqlMs / 1000).toFixed(1)} s) worked off in ${(r.fromFirstMs / 1000).toFixed(1)} s = ${fmt(r.count / (r.fromFirstMs / 1000))} events/s (peak RSS ${mb(r.peakRss)})`,
    );
    return { events: r.count, ms: r.fromFirstMs };
  });
}

async function worker(brokers, name) {
  process.env.TRIBUTARY_LOG_LEVEL ??= 'warn';
  const { startDistributed } = await import('@tributary/runtime');
  const rt = await startDistributed({
    ...distributedWorkerProps(name, brokers),
    'offset.flush.interval.ms': '1000',
    listeners: `http://127.0.0.1:${21000 + Math.floor(Math.random() * 9000)}`,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  });
  for (let i = 0; i < 200 && rt.herder.rebalancing; i++) await sleep(100);
  return rt;
}

/** Counts records of a topic as they become readable; `onKey` gets each record's key JSON. */
async function consumer(brokers, topic, onMessage) {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'cdc-bench', brokers, logLevel: logLevel.NOTHING });
  const c = kafka.consumer({
    groupId: `cdc-bench-${randomUUID()}`,
    maxBytes: 64 * 1024 * 1024,
    maxBytesPerPartition: 32 * 1024 * 1024,
  });
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
  await c.run({ eachBatch: async ({ batch }) => onMessage(batch.messages, performance.now()) });
  return c;
}

async function benchThroughWorker(pgUrl, brokers) {
  return withDatabase(pgUrl, 'bench_cdc_e2e', async (url, sql) => {
    const pg = (await import('pg')).default;
    await sql.query(
      'CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, note text)',
    );
    await sql.query(
      `INSERT INTO orders SELECT g, 'customer-' || (g % 100000), (g % 100000) / 100.0, 'new', '2024-01-01'::timestamptz + g * interval '1 second', md5(g::text)
         FROM generate_series(1, ${SNAPSHOT_ROWS}) g`,
    );
    await sql.query('VACUUM ANALYZE orders');
    const name = `cdc-bench-${randomUUID().slice(0, 8)}`;
    const rt = await worker(brokers, name);
    // The worker sends each poll() batch as one produce request; with the JSON envelope (schema
    // included) a record is ~3 KB, so batches are kept under the broker's 1 MB message limit.
    const props = connectorProps(url, {
      'snapshot.max.threads': '2',
      'tasks.max': '1',
      'max.batch.size': String(WORKER_BATCH),
    });
    const topic = `${props['topic.prefix']}.public.orders`;
    const outputs = [topic];
    let received = 0;
    const sent = new Map(); // id → commit time (performance.now())
    const latencies = [];
    let snapshotDoneAt = 0;
    const c = await consumer(brokers, topic, (messages, now) => {
      for (const m of messages) {
        if (!m.value) continue;
        received++;
        if (received === SNAPSHOT_ROWS) snapshotDoneAt = now;
        if (sent.size > 0 && m.key) {
          const id = JSON.parse(m.key.toString()).payload.id;
          const at = sent.get(id);
          if (at !== undefined) {
            latencies.push(now - at);
            sent.delete(id);
          }
        }
      }
    });
    try {
      const t0 = performance.now();
      await rt.herder.putConnectorConfig('cdc', props, { allowReplace: false });
      while (received < SNAPSHOT_ROWS) await sleep(200);
      const snapMs = snapshotDoneAt - t0;
      console.log(
        `  snapshot into Kafka (worker, JsonConverter with schemas, 2 readers, max.batch.size ${WORKER_BATCH}): ${fmt(SNAPSHOT_ROWS)} rows readable in Kafka after ${(snapMs / 1000).toFixed(1)} s = ${fmt(SNAPSHOT_ROWS / (snapMs / 1000))} rows/s`,
      );
      // Side by side: the same snapshot without Debezium's four __debezium.context.* headers per
      // record (extended.headers.enabled=false), while the first connector is paused.
      await rt.herder.pauseConnector('cdc');
      const bare = connectorProps(url, {
        'snapshot.max.threads': '2',
        'snapshot.mode': 'initial_only',
        'tasks.max': '1',
        'max.batch.size': String(WORKER_BATCH),
        'extended.headers.enabled': 'false',
      });
      let bareReceived = 0;
      let bareDoneAt = 0;
      outputs.push(`${bare['topic.prefix']}.public.orders`);
      const c2 = await consumer(brokers, outputs.at(-1), (messages, now) => {
        for (const m of messages) if (m.value && ++bareReceived === SNAPSHOT_ROWS) bareDoneAt = now;
      });
      const b0 = performance.now();
      await rt.herder.putConnectorConfig('cdc-bare', bare, { allowReplace: false });
      while (bareReceived < SNAPSHOT_ROWS) await sleep(200);
      const bareMs = bareDoneAt - b0;
      console.log(
        `  the same without the context headers (extended.headers.enabled=false): ${(bareMs / 1000).toFixed(1)} s = ${fmt(SNAPSHOT_ROWS / (bareMs / 1000))} rows/s (with headers: ${((SNAPSHOT_ROWS / (snapMs / 1000) / (SNAPSHOT_ROWS / (bareMs / 1000))) * 100).toFixed(0)}% of that)`,
      );
      await rt.herder.deleteConnector('cdc-bare');
      await c2.disconnect().catch(() => undefined);
      await rt.herder.resumeConnector('cdc');
      await sleep(1000);

      // Throughput: pause the connector, write a backlog (100-row transactions, inserts then
      // updates), resume and time until all of it is readable in Kafka.
      const base = received;
      const half = STREAM_EVENTS / 2;
      await rt.herder.pauseConnector('cdc');
      await sleep(1000);
      const w0 = performance.now();
      for (let i = 0; i < half; i += 100) {
        const from = SNAPSHOT_ROWS + 1 + i;
        await sql.query(
          `INSERT INTO orders SELECT g, 'c' || g, 1.00, 'new', now(), NULL FROM generate_series(${from}, ${from + 99}) g`,
        );
      }
      for (let i = 0; i < half; i += 100)
        await sql.query(`UPDATE orders SET status = 'paid' WHERE id > ${i} AND id <= ${i + 100}`);
      const sqlMs = performance.now() - w0;
      // Up to max.queue.size events were read before the pause took hold; count from the resume.
      const s0 = performance.now();
      await rt.herder.resumeConnector('cdc');
      while (received < base + STREAM_EVENTS) await sleep(50);
      const streamMs = performance.now() - s0;
      console.log(
        `  streaming backlog into Kafka: ${fmt(STREAM_EVENTS)} events (inserts + updates, 100-row transactions, written in ${(sqlMs / 1000).toFixed(1)} s while paused) readable in Kafka ${(streamMs / 1000).toFixed(1)} s after resume = ${fmt(STREAM_EVENTS / (streamMs / 1000))} events/s`,
      );

      // Latency: a steady load well under the throughput, single-row transactions.
      const cl = new pg.Client({ connectionString: url });
      await cl.connect();
      const total = LATENCY_RATE * LATENCY_SECONDS;
      const l0 = performance.now();
      let nextId = SNAPSHOT_ROWS + half + 1;
      for (let i = 0; i < total; i++) {
        const due = l0 + (i * 1000) / LATENCY_RATE;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        // Alternate single-row inserts of new ids and updates of distinct snapshot rows, so every
        // key is in flight once. The event can be readable before the client sees COMMIT's reply,
        // so the send time is registered first and refined once the commit returns.
        const id = i % 2 === 0 ? nextId++ : (i + 1) / 2;
        const before = performance.now();
        sent.set(id, before);
        if (i % 2 === 0) await cl.query(`INSERT INTO orders VALUES ($1, 'lat', 1.00, 'new', now(), NULL)`, [id]);
        else await cl.query(`UPDATE orders SET status = 'late' WHERE id = $1`, [id]);
        if (sent.get(id) === before) sent.set(id, performance.now());
      }
      const deadline = performance.now() + 30_000;
      while (sent.size > 0 && performance.now() < deadline) await sleep(50);
      await cl.end();
      const sorted = [...latencies].sort((a, b) => a - b);
      console.log(
        `  end-to-end latency (commit → readable in Kafka) at ${fmt(LATENCY_RATE)} events/s for ${LATENCY_SECONDS} s (${fmt(sorted.length)} events): p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms${sent.size ? `, ${sent.size} not seen` : ''}`,
      );
      await rt.herder.deleteConnector('cdc').catch(() => undefined);
    } finally {
      await c.disconnect().catch(() => undefined);
      await rt.stop();
      // A run writes ~3 KB per row into each output topic, gigabytes at the default volumes.
      await deleteTopics(brokers, (t) => outputs.includes(t)).catch(() => undefined);
    }
  });
}

export async function run(endpoints) {
  const pgUrl = endpoints.postgres.url;
  const brokers = [endpoints.kafka.bootstrap];
  const pg = (await import('pg')).default;
  const probe = new pg.Client({ connectionString: pgUrl });
  await probe.connect();
  const version = (await probe.query('SHOW server_version')).rows[0].server_version;
  await probe.end();
  const cpus = os.cpus();
  console.log('\n== cdc bench (Postgres CDC source)');
  console.log(
    `  machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${mb(os.totalmem())} RAM, ${os.platform()} ${os.release()}, Node ${process.version}, Postgres ${version}; Kafka, Postgres and the worker share this machine`,
  );
  console.log(
    `  volumes: snapshot ${fmt(SNAPSHOT_ROWS)} rows; streaming ${fmt(STREAM_EVENTS)} events; latency ${fmt(LATENCY_RATE)} events/s × ${LATENCY_SECONDS} s`,
  );
  await benchSnapshot(pgUrl);
  await benchStreamDirect(pgUrl);
  await benchThroughWorker(pgUrl, brokers);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { servicesUp, exportEndpoints } = await import('@tributary/testkit');
  const endpoints = await servicesUp();
  exportEndpoints(endpoints);
  await run(endpoints);
  process.exit(0);
}
