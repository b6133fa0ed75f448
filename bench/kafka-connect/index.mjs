// `BENCH=kafka-connect`: the same file pipelines on a real Kafka Connect 4.3.1 worker and on a Tributary
// worker process, side by side in one run, interleaved, with Kafka's own ProducerPerformance and
// ConsumerPerformance as the broker's limit on this machine (issue 13). Both workers run standalone with the
// same converters and connector configs; each figure is the median of the repetitions.
//
// - sink drain: N records of ~200 B already in a topic (1 and 4 partitions, tasks.max = partitions) →
//   FileStreamSink; timed from the first byte in the output file to the last (start-up and group join left out).
// - source: an N-line file → FileStreamSource → a topic; timed from the first record in the topic to the last.
// - Postgres CDC: the real Debezium PostgresConnector (scripts/debezium/pom.xml) against ours under the same
//   class name and config, JsonConverter with schemas: the snapshot of an N-row table, then a backlog of N
//   updates made in one transaction; each timed from its first record in Kafka to its last.
// - MariaDB CDC: the real Debezium MariaDbConnector (scripts/debezium/mariadb/pom.xml) against ours under the same
//   class name and config, on a private mariadbd (binlog ROW): the snapshot of an N-row table, then a binlog
//   backlog of M updates made in one statement; timed the same way.
// Peak RSS (VmHWM) and CPU seconds are the worker process's own (for CDC streaming: CPU of that phase alone).
// BENCH_KC_PIPELINES=sink,source,postgres,mariadb picks some; BENCH_KC_RECORDS, BENCH_KC_CDC_ROWS,
// BENCH_KC_MARIADB_ROWS (300000), BENCH_KC_MARIADB_UPDATES (200000) and BENCH_KC_REPEATS set the volumes.
// BENCH_TRIBUTARY_WORKER_PROPS and BENCH_TRIBUTARY_CONNECTOR_PROPS (`key=value,…`) add properties to this
// checkout's workers and connectors only: with BENCH_TRIBUTARY_BASELINE=. a setting is measured beside the default.
// BENCH_BASELINE_WORKER_PROPS does the same for the baseline's workers (e.g. task.isolation=thread on both sides).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Producer } from '@platformatic/kafka';
import { KafkaReader } from '@tributary/runtime';
import { withAdmin } from '../topics.mjs';
import {
  ensureFileConnectJars,
  ensureJars,
  freePort,
  props,
  startKafkaConnect,
} from '../../scripts/debezium/kafka-connect.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CDC_ROWS = Number(process.env.BENCH_KC_CDC_ROWS ?? 200_000);
const repo = path.resolve(here, '../..');
const N = Number(process.env.BENCH_KC_RECORDS ?? 500_000);
const REPEATS = Number(process.env.BENCH_KC_REPEATS ?? 3);
// A second built checkout (BENCH_TRIBUTARY_BASELINE=/path) runs as "baseline" in the same interleaved
// rounds, so a change is measured before/after under the same load; BENCH_KC_SYSTEMS picks who runs
// (kafka-connect, baseline, tributary, threads: tributary with task.isolation=thread).
// BENCH_BASELINE_NODE_OPTIONS sets the baseline's Node options (BENCH_TRIBUTARY_NODE_OPTIONS by default), so a
// V8 flag can be measured the same way with this checkout as its own baseline (BENCH_TRIBUTARY_BASELINE=.).
const BASELINE = process.env.BENCH_TRIBUTARY_BASELINE ? path.resolve(process.env.BENCH_TRIBUTARY_BASELINE) : null;
const nodeOptions = (system) =>
  (system === 'baseline' ? process.env.BENCH_BASELINE_NODE_OPTIONS : undefined) ??
  process.env.BENCH_TRIBUTARY_NODE_OPTIONS ??
  '';
const SYSTEMS = (
  process.env.BENCH_KC_SYSTEMS ?? (BASELINE ? 'kafka-connect,baseline,tributary' : 'kafka-connect,tributary')
)
  .split(',')
  .map((x) => x.trim());
const MARIADB_ROWS = Number(process.env.BENCH_KC_MARIADB_ROWS ?? 300_000);
const MARIADB_UPDATES = Number(process.env.BENCH_KC_MARIADB_UPDATES ?? 200_000);
/** Which pipelines run: sink, source, postgres, mariadb (all by default). */
const PIPELINES = new Set(
  (process.env.BENCH_KC_PIPELINES ?? 'sink,source,postgres,mariadb').split(',').map((x) => x.trim()),
);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A short name of each system for database and topic names. */
const tag = (system) => ({ tributary: 't', baseline: 'b', threads: 'h' })[system] ?? 'k';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** A value shaped like datagen's orders as JSON text, ~200 bytes. */
const line = (i) =>
  JSON.stringify({
    ordertime: 1497014222380 + i,
    orderid: i,
    itemid: `Item_${i % 1000}`,
    orderunits: (i % 100) / 7,
    address: { city: `City_${i % 97}`, state: `State_${i % 50}`, zipcode: 10000 + (i % 90000) },
    note: 'x'.repeat(40),
  });

function procStats(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const hz = 100;
    return {
      peakRssMiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
      cpuSecs: (Number(fields[11]) + Number(fields[12])) / hz,
    };
  } catch {
    return { peakRssMiB: 0, cpuSecs: 0 };
  }
}

async function fillTopic(bootstrap, topic, partitions) {
  await withAdmin(bootstrap, (admin) => admin.createTopics({ topics: [topic], partitions, replicas: 1 }));
  const producer = new Producer({ clientId: 'bench-kc-fill', bootstrapBrokers: bootstrap, acks: 1 });
  const inFlight = [];
  for (let i = 0; i < N; i += 2000) {
    const messages = [];
    for (let j = i; j < Math.min(N, i + 2000); j++)
      messages.push({ topic, partition: j % partitions, value: Buffer.from(line(j)) });
    inFlight.push(producer.send({ messages }));
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.close();
}

/** `key=value,key=value` as properties. */
function propsFromEnv(name) {
  return Object.fromEntries(
    (process.env[name] ?? '')
      .split(',')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()]),
  );
}
// Not for the baseline: see BENCH_TRIBUTARY_WORKER_PROPS at the top.
const EXTRA_WORKER_PROPS = propsFromEnv('BENCH_TRIBUTARY_WORKER_PROPS');
const BASELINE_WORKER_PROPS = propsFromEnv('BENCH_BASELINE_WORKER_PROPS');
const EXTRA_CONNECTOR_PROPS = propsFromEnv('BENCH_TRIBUTARY_CONNECTOR_PROPS');

/** A Tributary standalone worker process, like `tributary standalone worker.properties connector.properties`. */
async function startTributary(dir, worker, connector, checkout = repo, options = nodeOptions('tributary')) {
  const w = path.join(dir, 'worker.properties');
  const c = path.join(dir, `${connector.name}.properties`);
  writeFileSync(w, props(worker));
  writeFileSync(c, props(connector));
  const child = spawn(process.execPath, [path.join(checkout, 'packages/cli/dist/bin.js'), 'standalone', w, c], {
    stdio: ['ignore', 'ignore', 'ignore'],
    // BENCH_TRIBUTARY_NODE_OPTIONS reaches the worker alone (e.g. --cpu-prof), not the bench or Kafka Connect.
    env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'warn', NODE_OPTIONS: options },
  });
  let exited = null;
  child.on('exit', (code) => {
    exited = code;
  });
  return {
    pid: child.pid,
    exited: () => exited,
    stop: async () => {
      if (exited !== null) return;
      child.kill('SIGTERM');
      // A profiled worker writes its profile as it exits: give it the time to get there.
      const waits = options.includes('--cpu-prof') ? 600 : 100;
      for (let i = 0; i < waits && exited === null; i++) await sleep(100);
      if (exited === null) child.kill('SIGKILL');
    },
  };
}

async function startWorker(system, dir, bootstrap, connector, converters = STRING_CONVERTERS, libs = kcLibs) {
  const worker = {
    'bootstrap.servers': bootstrap.join(','),
    'offset.storage.file.filename': path.join(dir, 'offsets'),
    'offset.flush.interval.ms': '10000',
    ...converters,
  };
  if (system !== 'kafka-connect')
    return startTributary(
      dir,
      {
        ...worker,
        listeners: `http://127.0.0.1:${await freePort()}`,
        // "threads" is this checkout with each source task's connector side in a thread of its own.
        ...(system === 'threads' ? { 'task.isolation': 'thread' } : {}),
        ...(system === 'baseline' ? BASELINE_WORKER_PROPS : EXTRA_WORKER_PROPS),
      },
      system === 'baseline' ? connector : { ...connector, ...EXTRA_CONNECTOR_PROPS },
      system === 'baseline' ? BASELINE : repo,
      nodeOptions(system),
    );
  return startKafkaConnect({
    libs,
    dir,
    mode: 'standalone',
    worker: { ...worker, 'plugin.discovery': 'only_scan' },
    connectors: [connector],
  });
}

const STRING_CONVERTERS = {
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
};
const JSON_CONVERTERS = {
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'key.converter.schemas.enable': 'true',
  'value.converter.schemas.enable': 'true',
};

let kcLibs = '';
let debeziumLibs = '';
let debeziumMariaDbLibs = '';

/**
 * One CDC connector through a whole worker: the snapshot of `rows` rows, then, once all of them are in Kafka,
 * `update()` makes `updates` changes the connector streams. Each phase is timed from its first record in the
 * topic to its last. Peak RSS is VmHWM after each phase (the streaming figure is the peak of the whole run);
 * CPU seconds are the snapshot's (with the worker's start-up) and the streaming phase's alone.
 */
async function cdcPipeline(system, bootstrap, { topics, connector, libs, rows, updates, update }) {
  const dir = path.join(os.tmpdir(), `bench-kc-${system}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const [topic] = topics;
  const reader = new KafkaReader({ bootstrapServers: bootstrap, clientId: 'bench-kc-cdc-reader' });
  try {
    await withAdmin(bootstrap, (admin) => admin.createTopics({ topics, partitions: 1, replicas: 1 }));
    const w = await startWorker(system, dir, bootstrap, connector, JSON_CONVERTERS, libs);
    const end = async () => [...(await reader.endOffsets([{ topic, partition: 0 }])).values()][0] ?? 0;
    const deadline = Date.now() + 900_000;
    const timed = async (from, to) => {
      while ((await end()) <= from && Date.now() < deadline && w.exited() === null) await sleep(10);
      const t0 = Date.now();
      while ((await end()) < to && Date.now() < deadline && w.exited() === null) await sleep(20);
      return { secs: (Date.now() - t0) / 1000, ok: (await end()) >= to };
    };
    const snap = await timed(0, rows);
    const afterSnapshot = procStats(w.pid);
    await update();
    const stream = await timed(rows, rows + updates);
    const atEnd = procStats(w.pid);
    await w.stop();
    return {
      snapshot: { rate: snap.ok ? rows / snap.secs : 0, ok: snap.ok, ...afterSnapshot },
      streaming: {
        rate: stream.ok ? updates / stream.secs : 0,
        ok: stream.ok,
        peakRssMiB: atEnd.peakRssMiB,
        cpuSecs: atEnd.cpuSecs - afterSnapshot.cpuSecs,
      },
    };
  } finally {
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Snapshot of a CDC_ROWS-row Postgres table, then CDC_ROWS updates in one transaction. */
async function postgresCdc(system, bootstrap, pgUrl) {
  const { createTestDatabase, dropTestDatabase } = await import('@tributary/testkit');
  const pg = (await import('pg')).default;
  const url = await createTestDatabase(`bench_kc_${system}`, pgUrl);
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  const prefix = `benchkc${tag(system)}${Date.now()}`;
  try {
    await sql.query(
      'CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL)',
    );
    await sql.query(
      `INSERT INTO orders SELECT g, 'customer-' || g, (g % 1000) / 7.0, 'new', '2024-01-01'::timestamptz + g * interval '1 second' FROM generate_series(1, ${CDC_ROWS}) g`,
    );
    const u = new URL(url);
    return await cdcPipeline(system, bootstrap, {
      topics: [`${prefix}.public.orders`],
      libs: debeziumLibs,
      rows: CDC_ROWS,
      updates: CDC_ROWS,
      // The slot exists once the snapshot has begun; the updates are streamed after it.
      update: () => sql.query(`UPDATE orders SET status = 'paid', amount = amount + 1`),
      connector: {
        name: `cdc-${system}`,
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        'tasks.max': '1',
        'database.hostname': u.hostname,
        'database.port': u.port || '5432',
        'database.user': decodeURIComponent(u.username || 'postgres'),
        'database.dbname': decodeURIComponent(u.pathname.slice(1)),
        'topic.prefix': prefix,
        'plugin.name': 'pgoutput',
        'slot.name': `${prefix}_slot`,
        'slot.drop.on.stop': 'true',
        'table.include.list': 'public.orders',
      },
    });
  } finally {
    await sql.end().catch(() => undefined);
    await dropTestDatabase(url).catch(() => undefined);
  }
}

let mariadbRun = 0;

/**
 * Snapshot of a MARIADB_ROWS-row table on a private mariadbd (binlog ROW), then MARIADB_UPDATES updates in one
 * statement streamed from the binlog. Each run has its own database, server id and topics on the same server.
 */
async function mariadbCdc(system, bootstrap, server) {
  const mysql = (await import('mysql2/promise')).default;
  const { createOrders, insertOrders } = await import('../mysql-cdc/orders.mjs');
  const run = ++mariadbRun;
  const db = `bench_${tag(system)}${run}`;
  const prefix = `benchkcm${tag(system)}${Date.now()}`;
  const sql = await mysql.createConnection({ host: server.host, port: server.port, user: server.user });
  try {
    await createOrders(sql, db);
    await insertOrders(sql, db, 1, MARIADB_ROWS);
    return await cdcPipeline(system, bootstrap, {
      topics: [`${prefix}.${db}.orders`, prefix],
      libs: debeziumMariaDbLibs,
      rows: MARIADB_ROWS,
      updates: MARIADB_UPDATES,
      update: () =>
        sql.query(`UPDATE \`${db}\`.orders SET status = 'shipped', amount = amount + 1 WHERE id <= ${MARIADB_UPDATES}`),
      connector: {
        name: `mariadb-${system}`,
        'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
        'tasks.max': '1',
        'database.hostname': server.host,
        'database.port': String(server.port),
        'database.user': server.user,
        'database.password': '',
        'database.server.id': String(7000 + run),
        'topic.prefix': prefix,
        'database.include.list': db,
        'table.include.list': `${db}.orders`,
        'schema.history.internal.kafka.bootstrap.servers': bootstrap.join(','),
        'schema.history.internal.kafka.topic': `${prefix}-history`,
      },
    });
  } finally {
    await sql.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
    await sql.end().catch(() => undefined);
  }
}

async function sinkDrain(system, bootstrap, topic, partitions, expectedBytes) {
  const dir = path.join(os.tmpdir(), `bench-kc-${system}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, 'out.txt');
  const w = await startWorker(system, dir, bootstrap, {
    name: `sink-${system}-${Date.now()}`,
    'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
    'tasks.max': String(partitions),
    topics: topic,
    file: out,
  });
  const size = () => statSync(out, { throwIfNoEntry: false })?.size ?? 0;
  const deadline = Date.now() + 600_000;
  while (size() === 0 && Date.now() < deadline) await sleep(5);
  const t0 = Date.now();
  // A file sink's last lines may wait for its offset flush (10 s here); that wait is part of the figure.
  while (size() < expectedBytes && Date.now() < deadline) await sleep(5);
  const secs = (Date.now() - t0) / 1000;
  const stats = procStats(w.pid);
  await w.stop();
  const ok = size() === expectedBytes;
  rmSync(dir, { recursive: true, force: true });
  return { rate: ok ? N / secs : 0, secs, ...stats, ok };
}

async function fileSource(system, bootstrap, input) {
  const dir = path.join(os.tmpdir(), `bench-kc-${system}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const topic = `bench-kc-src-${system}-${Date.now()}`;
  await withAdmin(bootstrap, (admin) => admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 }));
  const reader = new KafkaReader({ bootstrapServers: bootstrap, clientId: 'bench-kc-src-reader' });
  const end = async () => [...(await reader.endOffsets([{ topic, partition: 0 }])).values()][0] ?? 0;
  const w = await startWorker(system, dir, bootstrap, {
    name: `source-${system}-${Date.now()}`,
    'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
    topic,
    file: input,
  });
  const deadline = Date.now() + 600_000;
  while ((await end()) === 0 && Date.now() < deadline) await sleep(10);
  const t0 = Date.now();
  while ((await end()) < N && Date.now() < deadline) await sleep(20);
  const secs = (Date.now() - t0) / 1000;
  const stats = procStats(w.pid);
  const ok = (await end()) === N;
  await w.stop();
  await reader.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate: ok ? N / secs : 0, secs, ...stats, ok };
}

/** Kafka's ProducerPerformance and ConsumerPerformance with records of the same size. */
function brokerLimit(bootstrap, topic) {
  const libs = ensureJars(
    path.join(here, 'tools-pom.xml'),
    path.join(os.homedir(), '.cache/tributary', 'kafka-tools-4.3.1'),
  );
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin/java') : 'java';
  const run = (main, args) => {
    const r = spawnSync(java, ['-cp', `${libs}/*`, main, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${main} failed: ${r.stderr}`);
    return r.stdout;
  };
  const produced = run('org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    topic,
    '--num-records',
    String(N),
    '--record-size',
    String(Buffer.byteLength(line(0))),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${bootstrap.join(',')}`,
    'acks=all',
  ]);
  const p = /(\d+) records sent, ([\d.]+) records\/sec/.exec(produced.trim().split('\n').at(-1) ?? '');
  const consumed = run('org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    bootstrap.join(','),
    '--topic',
    topic,
    '--messages',
    String(N),
  ]);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, …
  const row =
    consumed
      .trim()
      .split('\n')
      .at(-1)
      ?.split(',')
      .map((s) => s.trim()) ?? [];
  // fetch.nMsg.sec (the rate without the group join) where this version prints it.
  return { produce: Number(p?.[2] ?? 0), consume: Number(row[9] ?? row[5] ?? 0) };
}

export async function run(endpoints) {
  const bootstrap = [endpoints.kafka.bootstrap];
  const files = PIPELINES.has('sink') || PIPELINES.has('source');
  const volumes = [
    files && `${N.toLocaleString()} records of ~${Buffer.byteLength(line(0))} B`,
    PIPELINES.has('postgres') && `${CDC_ROWS.toLocaleString()} Postgres CDC rows`,
    PIPELINES.has('mariadb') &&
      `MariaDB ${MARIADB_ROWS.toLocaleString()} rows + ${MARIADB_UPDATES.toLocaleString()} updates`,
  ].filter(Boolean);
  console.log(
    `\n== Kafka Connect 4.3.1 and Debezium side by side (${[...PIPELINES].join(', ')}; ${volumes.join(', ')}; ${REPEATS} interleaved repeats)`,
  );
  console.log(`load average at start: ${loadavg()}`);
  kcLibs = ensureFileConnectJars();
  const debeziumJars = (pom, name) => {
    const version = /<debezium\.version>([^<]+)</.exec(readFileSync(pom, 'utf8'))?.[1];
    return ensureJars(pom, path.join(os.homedir(), '.cache/tributary', `${name}-${version}`));
  };
  if (PIPELINES.has('postgres')) debeziumLibs = debeziumJars(path.join(repo, 'scripts/debezium/pom.xml'), 'debezium');
  if (PIPELINES.has('mariadb'))
    debeziumMariaDbLibs = debeziumJars(path.join(repo, 'scripts/debezium/mariadb/pom.xml'), 'debezium-mariadb');
  const stamp = Date.now();
  const topics = { 1: `bench-kc-in1-${stamp}`, 4: `bench-kc-in4-${stamp}` };
  const input = path.join(os.tmpdir(), `bench-kc-input-${stamp}.txt`);
  let expectedBytes = 0;
  let limit = null;
  if (files) {
    if (PIPELINES.has('sink')) for (const [p, t] of Object.entries(topics)) await fillTopic(bootstrap, t, Number(p));
    expectedBytes = Array.from({ length: N }, (_, i) => Buffer.byteLength(line(i)) + 1).reduce((a, b) => a + b, 0);
    writeFileSync(input, `${Array.from({ length: N }, (_, i) => line(i)).join('\n')}\n`);
    limit = brokerLimit(bootstrap, `bench-kc-perf-${stamp}`);
  }
  let mariadb = null;
  if (PIPELINES.has('mariadb')) {
    const { startPrivateMariaDb } = await import('@tributary/testkit');
    mariadb = await startPrivateMariaDb({ binlog: true, serverId: 1 });
  }

  const results = {};
  const add = (k, system, r) => {
    results[k] ??= {};
    results[k][system] ??= [];
    results[k][system].push(r);
  };
  try {
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const system of rep % 2 === 0 ? SYSTEMS : [...SYSTEMS].reverse()) {
        if (PIPELINES.has('sink')) {
          add('sink, 1 partition', system, await sinkDrain(system, bootstrap, topics[1], 1, expectedBytes));
          add('sink, 4 partitions, 4 tasks', system, await sinkDrain(system, bootstrap, topics[4], 4, expectedBytes));
        }
        if (PIPELINES.has('source')) add('file source', system, await fileSource(system, bootstrap, input));
        if (PIPELINES.has('postgres')) {
          const cdc = await postgresCdc(system, bootstrap, endpoints.postgres.url);
          add('Postgres CDC snapshot', system, cdc.snapshot);
          add('Postgres CDC streaming', system, cdc.streaming);
        }
        if (PIPELINES.has('mariadb')) {
          const cdc = await mariadbCdc(system, bootstrap, mariadb);
          add('MariaDB CDC snapshot', system, cdc.snapshot);
          add('MariaDB CDC streaming', system, cdc.streaming);
        }
      }
      console.log(`  repeat ${rep + 1}/${REPEATS} done (load ${loadavg()})`);
    }
  } finally {
    rmSync(input, { force: true });
    await mariadb?.destroy();
  }

  const fmt = (n) => Math.round(n).toLocaleString();
  if (limit)
    console.log(
      `broker limit (Kafka's tools, same record size): produce ${fmt(limit.produce)} rec/s (acks=all), consume ${fmt(limit.consume)} rec/s`,
    );
  // Ratios are Tributary's over the reference: Kafka Connect when it ran, else the baseline checkout. Without
  // "tributary" in BENCH_KC_SYSTEMS (threads against a threaded baseline) the first other system is the subject.
  const reference = SYSTEMS.includes('kafka-connect')
    ? 'kafka-connect'
    : SYSTEMS.includes('baseline')
      ? 'baseline'
      : null;
  const subject = SYSTEMS.includes('tributary') ? 'tributary' : (SYSTEMS.find((x) => x !== reference) ?? SYSTEMS[0]);
  const columns = [subject, ...SYSTEMS.filter((x) => x !== subject)];
  const label = (x) => (x === 'kafka-connect' ? 'KC' : x);
  const short = (x) => (x === 'tributary' ? 'T' : label(x));
  const threads = subject !== 'threads' && SYSTEMS.includes('threads') && reference ? ' | threads ratio' : '';
  console.log(
    `pipeline                      | ${columns.map((x) => `${label(x)} rec/s`.padStart(15)).join(' | ')} | ratio${threads} | of broker | RSS MiB ${columns.map(short).join(' / ')} | CPU s ${columns.map(short).join(' / ')}`,
  );
  for (const [name, by] of Object.entries(results)) {
    const rate = (x) => median(by[x].map((r) => r.rate));
    const tr = rate(subject);
    const brokerSide = name.startsWith('sink') ? limit?.consume : limit?.produce;
    const ofBroker = brokerSide ? `${((100 * tr) / brokerSide).toFixed(0)}%` : '-';
    const bad = SYSTEMS.some((x) => by[x].some((r) => !r.ok)) ? '  (a run did not complete: rate 0)' : '';
    const each = (f) => columns.map((x) => f(by[x])).join(' / ');
    console.log(
      `${name.padEnd(29)} | ${columns.map((x) => fmt(rate(x)).padStart(15)).join(' | ')} | ${(reference ? (tr / rate(reference)).toFixed(2) : '-').padStart(5)}${threads ? ` | ${(rate('threads') / rate(reference)).toFixed(2).padStart(13)}` : ''} | ${ofBroker.padStart(9)} | ${each((rs) => fmt(median(rs.map((r) => r.peakRssMiB))))} | ${each((rs) => median(rs.map((r) => r.cpuSecs)).toFixed(1))}${bad}`,
    );
  }
  console.log(`load average at end: ${loadavg()}`);
}
