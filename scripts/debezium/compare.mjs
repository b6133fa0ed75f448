#!/usr/bin/env node
/**
 * Runs the golden SQL script (SETUP + SCRIPT in test/postgres-cdc/golden.test.ts) through the REAL
 * Debezium PostgreSQL connector in a standalone Kafka Connect worker, reads what it wrote to Kafka, and
 * compares it field by field with our committed golden file (test/golden/postgres-cdc/types.json, which
 * golden.test.ts keeps equal to our connector's output). Exit code 0: equal apart from run-specific
 * fields; 1: differences (printed); 2: the comparison itself could not run.
 *
 *   node scripts/debezium/compare.mjs [--keep] [--verbose]
 *
 * Needs Java 17+, Maven (to fetch the jars once), `pnpm build` (for @tributary/converters' exact JSON
 * reader), a Kafka broker and a Postgres with wal_level=logical. Environment:
 *   PG_URL            Postgres to use (default postgres://postgres@127.0.0.1:5432/postgres); a superuser,
 *                     since the script creates extensions, a database and a publication for all tables
 *   KAFKA_BOOTSTRAP   broker list (default 127.0.0.1:9092)
 *   DEBEZIUM_CACHE    where the jars go (default ~/.cache/tributary/debezium-<version>)
 * --keep leaves the database, topics and temp dir in place for a look; --verbose prints every event.
 * Everything else it creates (database, replication slot, topics, consumer group) is removed at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LosslessNumber, parseJsonExact } from '@tributary/converters';
import kafkajs from 'kafkajs';
import pg from 'pg';

const ROOT = path.resolve(import.meta.dirname, '../..');
const POM = path.join(import.meta.dirname, 'pom.xml');
const GOLDEN_TEST = path.join(ROOT, 'test/postgres-cdc/golden.test.ts');
const GOLDEN = path.join(ROOT, 'test/golden/postgres-cdc/types.json');
const GOLDEN_PREFIX = 'srv'; // golden.test.ts's topic.prefix (harness connectorProps)

const args = new Set(process.argv.slice(2));
const KEEP = args.has('--keep');
const VERBOSE = args.has('--verbose');
const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BOOTSTRAP = (process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092').split(',');

/** Run-specific values: clocks, WAL positions, transaction ids, names that embed the random run id. */
const IGNORED_ENVELOPE = ['ts_ms', 'ts_us', 'ts_ns'];
const IGNORED_SOURCE = ['ts_ms', 'ts_us', 'ts_ns', 'lsn', 'txId', 'sequence', 'db', 'version', 'name'];
/** Columns whose defaults are evaluated at insert time (gen_random_uuid(), now()). */
const IGNORED_AFTER = ['u', 'at'];

const log = (msg) => process.stderr.write(`[compare] ${msg}\n`);

// ---------------------------------------------------------------------------------------------------
// Inputs: the script and the golden events, read from the test so the two can never drift apart.

/** Evaluates `const NAME = [...]` from golden.test.ts: plain string/template literals, no TS syntax. */
function goldenConstant(src, name) {
  const m = new RegExp(`const ${name} = (\\[[\\s\\S]*?\\n\\]);`).exec(src);
  if (!m) throw new Error(`${name} not found in ${GOLDEN_TEST}; has the test changed shape?`);
  return new Function(`return ${m[1]};`)();
}

function loadScript() {
  const src = readFileSync(GOLDEN_TEST, 'utf8');
  const include = /'table\.include\.list':\s*('(?:[^'\\]|\\.)*')/.exec(src);
  if (!include) throw new Error(`table.include.list not found in ${GOLDEN_TEST}`);
  return {
    setup: goldenConstant(src, 'SETUP'),
    script: goldenConstant(src, 'SCRIPT'),
    tableInclude: new Function(`return ${include[1]};`)(),
  };
}

// ---------------------------------------------------------------------------------------------------
// Debezium and Kafka Connect jars (Maven, cached per Debezium version).

function ensureJars() {
  const pom = readFileSync(POM, 'utf8');
  const version = /<debezium\.version>([^<]+)</.exec(pom)?.[1];
  const kafka = /<kafka\.version>([^<]+)</.exec(pom)?.[1];
  if (!version || !kafka) throw new Error(`debezium.version / kafka.version missing in ${POM}`);
  const dir = process.env.DEBEZIUM_CACHE ?? path.join(os.homedir(), '.cache/tributary', `debezium-${version}`);
  const libs = path.join(dir, 'libs');
  // The marker records the pom it was fetched for, so editing the pom refetches.
  const marker = path.join(dir, '.complete');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== pom) {
    log(`fetching Debezium ${version} + Kafka Connect ${kafka} jars into ${libs}`);
    rmSync(libs, { recursive: true, force: true });
    const r = spawnSync('mvn', ['-q', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`], {
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error(`mvn failed (exit ${r.status ?? r.signal})`);
    writeFileSync(marker, pom);
  }
  return { version, kafka, libs };
}

// ---------------------------------------------------------------------------------------------------
// Kafka Connect standalone with the Debezium connector.

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const props = (o) =>
  `${Object.entries(o)
    .map(([k, v]) => `${k}=${String(v).replaceAll('\\', '\\\\')}`)
    .join('\n')}\n`;

async function startConnect({ libs, tmp, db, prefix, slot, tableInclude }) {
  const port = await freePort();
  const worker = path.join(tmp, 'worker.properties');
  const connector = path.join(tmp, 'connector.properties');
  const log4j = path.join(tmp, 'log4j2.properties');
  const logFile = path.join(tmp, 'connect.log');
  writeFileSync(
    worker,
    props({
      'bootstrap.servers': BOOTSTRAP.join(','),
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'true',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'true',
      'offset.storage.file.filename': path.join(tmp, 'offsets.dat'),
      'offset.flush.interval.ms': '1000',
      listeners: `http://127.0.0.1:${port}`,
      // The connector is on the classpath; there is no plugin.path to scan.
      'plugin.discovery': 'only_scan',
    }),
  );
  const u = new URL(db.url);
  writeFileSync(
    connector,
    props({
      name: 'dbz-compare',
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': '1',
      'database.hostname': u.hostname,
      'database.port': u.port || '5432',
      'database.user': decodeURIComponent(u.username || 'postgres'),
      ...(u.password ? { 'database.password': decodeURIComponent(u.password) } : {}),
      'database.dbname': db.name,
      'topic.prefix': prefix,
      'plugin.name': 'pgoutput',
      'slot.name': slot,
      'slot.drop.on.stop': 'true',
      'publication.name': 'dbz_publication',
      'table.include.list': tableInclude,
      // Debezium's own default is fine, but the broker may not auto-create topics.
      'topic.creation.default.replication.factor': '1',
      'topic.creation.default.partitions': '1',
    }),
  );
  writeFileSync(
    log4j,
    props({
      status: 'error',
      'appender.file.type': 'File',
      'appender.file.name': 'file',
      'appender.file.fileName': logFile,
      'appender.file.layout.type': 'PatternLayout',
      'appender.file.layout.pattern': '[%d] %p %m (%c)%n',
      'rootLogger.level': 'info',
      'rootLogger.appenderRef.file.ref': 'file',
    }),
  );
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin/java') : 'java';
  const out = path.join(tmp, 'connect.out');
  const fd = openSync(out, 'a');
  const child = spawn(
    java,
    [
      `-Dlog4j2.configurationFile=${log4j}`,
      '-cp',
      `${libs}/*`,
      'org.apache.kafka.connect.cli.ConnectStandalone',
      worker,
      connector,
    ],
    { stdio: ['ignore', fd, fd] },
  );
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = code ?? signal;
  });
  const tail = () => {
    const text = [out, logFile]
      .filter(existsSync)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    return text.split('\n').slice(-40).join('\n');
  };
  const rest = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== null) throw new Error(`Kafka Connect exited (${exited}):\n${tail()}`);
    if (Date.now() > deadline) throw new Error(`Kafka Connect did not start the connector:\n${tail()}`);
    try {
      const r = await fetch(`${rest}/connectors/dbz-compare/status`);
      if (r.ok) {
        const s = await r.json();
        const task = s.tasks?.[0];
        if (s.connector?.state === 'FAILED' || task?.state === 'FAILED')
          throw new Error(`Debezium failed:\n${s.connector?.trace ?? task?.trace}`);
        if (task?.state === 'RUNNING') break;
      }
    } catch (e) {
      if (String(e.message).startsWith('Debezium failed')) throw e;
    }
    await sleep(500);
  }
  const status = async () => {
    const r = await fetch(`${rest}/connectors/dbz-compare/status`).catch(() => null);
    const s = r?.ok ? await r.json() : null;
    const task = s?.tasks?.[0];
    if (task?.state === 'FAILED') throw new Error(`Debezium task failed:\n${task.trace}`);
    if (exited !== null) throw new Error(`Kafka Connect exited (${exited}):\n${tail()}`);
  };
  const stop = async () => {
    if (exited !== null) return;
    child.kill('SIGTERM');
    for (let i = 0; i < 60 && exited === null; i++) await sleep(500);
    if (exited === null) child.kill('SIGKILL');
  };
  return { stop, status, tail };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// Kafka: waiting for and reading Debezium's topics.

async function topicCounts(admin, prefix) {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
  const counts = {};
  for (const t of topics) {
    const offsets = await admin.fetchTopicOffsets(t);
    counts[t] = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  }
  return counts;
}

async function waitForCounts(admin, prefix, connect, done, what) {
  const deadline = Date.now() + 120_000;
  let last = '';
  let stableSince = 0;
  for (;;) {
    await connect.status();
    const counts = await topicCounts(admin, prefix);
    const key = JSON.stringify(counts);
    if (key !== last) {
      last = key;
      stableSince = Date.now();
    }
    // Wait a little past the target so that extra events (which would be a difference) arrive too.
    if (done(counts) && Date.now() - stableSince > 3000) return counts;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; topics: ${key}\n${connect.tail()}`);
    await sleep(500);
  }
}

async function readTopics(kafka, admin, counts) {
  const groupId = `dbz-compare-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId });
  const byTopic = Object.fromEntries(Object.keys(counts).map((t) => [t, []]));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: Object.keys(counts), fromBeginning: true });
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    let seen = 0;
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        byTopic[topic].push({ offset: Number(message.offset), key: message.key, value: message.value });
        seen++;
      },
    });
    const deadline = Date.now() + 60_000;
    while (seen < total && Date.now() < deadline) await sleep(200);
    if (seen < total) throw new Error(`read ${seen} of ${total} messages`);
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  const text = (b) => (b === null || b === undefined ? null : parseJsonExact(b.toString('utf8')));
  const events = [];
  for (const [topic, msgs] of Object.entries(byTopic)) {
    msgs.sort((a, b) => a.offset - b.offset);
    for (const m of msgs) events.push({ topic, key: text(m.key), value: text(m.value) });
  }
  return events;
}

// ---------------------------------------------------------------------------------------------------
// Comparison.

/** Replaces run-specific values with '<ignored>' (only where present, so a missing field still shows). */
function normalize(event, prefix) {
  const rename = (v) => {
    if (typeof v === 'string')
      return v === prefix || v.startsWith(`${prefix}.`) ? `<prefix>${v.slice(prefix.length)}` : v;
    if (Array.isArray(v)) return v.map(rename);
    if (v && typeof v === 'object' && !(v instanceof LosslessNumber))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)]));
    return v;
  };
  const e = rename(structuredCloneExact(event));
  const payload = e.value?.payload;
  if (payload && typeof payload === 'object') {
    for (const k of IGNORED_ENVELOPE) if (k in payload) payload[k] = '<ignored>';
    if (payload.source) for (const k of IGNORED_SOURCE) if (k in payload.source) payload.source[k] = '<ignored>';
    if (e.topic.endsWith('.defaults') && payload.after)
      for (const k of IGNORED_AFTER)
        if (payload.after[k] !== null && payload.after[k] !== undefined) payload.after[k] = '<ignored>';
  }
  return e;
}

function structuredCloneExact(v) {
  if (Array.isArray(v)) return v.map(structuredCloneExact);
  if (v && typeof v === 'object' && !(v instanceof LosslessNumber))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, structuredCloneExact(x)]));
  return v;
}

/** Numbers compare by value whichever way the reader kept them (number, bigint, LosslessNumber). */
function scalarKey(v) {
  if (typeof v === 'bigint') return `n:${v}`;
  if (v instanceof LosslessNumber) return `n:${v.text}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `n:${BigInt(v)}` : `n:${v}`;
  return `${typeof v}:${JSON.stringify(v)}`;
}

function show(v) {
  if (v === undefined) return '(absent)';
  if (typeof v === 'bigint' || v instanceof LosslessNumber) return v.toString();
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' || x instanceof LosslessNumber ? x.toString() : x));
}

/** Field-by-field differences; schema `fields` arrays are matched by field name, not position. */
function diff(dbz, ours, at, out) {
  const isObj = (v) => v !== null && typeof v === 'object' && !(v instanceof LosslessNumber);
  if (Array.isArray(dbz) && Array.isArray(ours)) {
    const named = (a) => a.length > 0 && a.every((x) => isObj(x) && typeof x.field === 'string');
    if (named(dbz) && named(ours)) {
      const a = new Map(dbz.map((x) => [x.field, x]));
      const b = new Map(ours.map((x) => [x.field, x]));
      for (const [k, x] of a) diff(x, b.get(k), `${at}[${k}]`, out);
      for (const [k, x] of b) if (!a.has(k)) diff(undefined, x, `${at}[${k}]`, out);
      const order = (m, other) => [...m.keys()].filter((k) => other.has(k)).join(',');
      if (order(a, b) !== order(b, a))
        out.push({ path: `${at} (order)`, dbz: [...a.keys()].join(','), ours: [...b.keys()].join(',') });
      return;
    }
    for (let i = 0; i < Math.max(dbz.length, ours.length); i++) diff(dbz[i], ours[i], `${at}[${i}]`, out);
    return;
  }
  if (isObj(dbz) && isObj(ours) && !Array.isArray(dbz) && !Array.isArray(ours)) {
    for (const k of new Set([...Object.keys(dbz), ...Object.keys(ours)])) diff(dbz[k], ours[k], `${at}.${k}`, out);
    // Byte compatibility includes the order in which JSON keys are written.
    const common = (x, y) =>
      Object.keys(x)
        .filter((k) => k in y)
        .join(',');
    if (common(dbz, ours) !== common(ours, dbz))
      out.push({ path: `${at} (key order)`, dbz: Object.keys(dbz).join(','), ours: Object.keys(ours).join(',') });
    return;
  }
  if (isObj(dbz) || isObj(ours)) {
    if (show(dbz) !== show(ours)) out.push({ path: at, dbz: show(dbz), ours: show(ours) });
    return;
  }
  if (dbz === undefined || ours === undefined ? dbz !== ours : scalarKey(dbz) !== scalarKey(ours))
    out.push({ path: at, dbz: show(dbz), ours: show(ours) });
}

function compare(dbzEvents, ourEvents) {
  const group = (events) => {
    const m = new Map();
    for (const e of events) {
      if (!m.has(e.topic)) m.set(e.topic, []);
      m.get(e.topic).push(e);
    }
    return m;
  };
  const a = group(dbzEvents);
  const b = group(ourEvents);
  const found = [];
  for (const topic of new Set([...a.keys(), ...b.keys()])) {
    const da = a.get(topic) ?? [];
    const db = b.get(topic) ?? [];
    if (da.length !== db.length)
      found.push({ event: topic, path: 'event count', dbz: String(da.length), ours: String(db.length) });
    for (let i = 0; i < Math.max(da.length, db.length); i++) {
      const op = da[i]?.value?.payload?.op ?? db[i]?.value?.payload?.op ?? 'tombstone';
      const out = [];
      diff(da[i] && { key: da[i].key, value: da[i].value }, db[i] && { key: db[i].key, value: db[i].value }, '', out);
      for (const d of out) found.push({ event: `${topic}#${i}(${op})`, ...d, path: d.path.slice(1) });
    }
  }
  return found;
}

function report(found) {
  // The same schema difference shows up in every event of a topic: print it once, with the events.
  const groups = new Map();
  for (const d of found) {
    const k = `${d.path}\u0000${d.dbz}\u0000${d.ours}`;
    if (!groups.has(k)) groups.set(k, { ...d, events: [] });
    groups.get(k).events.push(d.event);
  }
  for (const g of groups.values()) {
    console.log(`- ${g.path}`);
    console.log(`    debezium: ${g.dbz}`);
    console.log(`    ours:     ${g.ours}`);
    console.log(`    in:       ${g.events.join(', ')}`);
  }
  console.log(`\n${groups.size} distinct difference(s) (${found.length} in all).`);
}

// ---------------------------------------------------------------------------------------------------

/** Set on SIGINT/SIGTERM: the signal handler owns cleanup and the exit from then on. */
let interrupted = false;

async function main() {
  const { setup, script, tableInclude } = loadScript();
  const golden = parseJsonExact(readFileSync(GOLDEN, 'utf8'));
  const jars = ensureJars();
  log(`Debezium ${jars.version}, Kafka Connect ${jars.kafka}`);

  const run = randomBytes(4).toString('hex');
  const dbName = `dbz_compare_${run}`;
  const prefix = `dbzcmp_${run}`;
  const slot = `dbzcmp_${run}`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dbz-compare-'));
  const cleanup = [];
  // Ctrl-C must still stop the Connect JVM and drop the database, slot and topics.
  const onSignal = (sig) => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: cleaning up`);
    runCleanup(cleanup).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const kafka = new kafkajs.Kafka({ clientId: 'dbz-compare', brokers: BOOTSTRAP, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());

  try {
    const base = new pg.Client({ connectionString: PG_URL });
    await base.connect();
    cleanup.push(() => base.end());
    await base.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(PG_URL);
    url.pathname = `/${dbName}`;
    const db = { url: url.toString(), name: dbName };
    cleanup.push(async () => {
      if (KEEP) return log(`kept database ${dbName}`);
      // The slot is dropped by Debezium on a clean stop; this catches a crash.
      for (let i = 0; i < 20; i++) {
        const r = await base.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
        if (r.rowCount === 0) break;
        if (!r.rows[0].active) {
          await base.query('SELECT pg_drop_replication_slot($1)', [slot]);
          break;
        }
        await sleep(500);
      }
      await base.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    cleanup.push(() => client.end());
    for (const s of setup) await client.query(s);

    cleanup.push(async () => {
      if (KEEP) return log(`kept topics ${prefix}.* and ${tmp}`);
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
      if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
      rmSync(tmp, { recursive: true, force: true });
    });
    log(`starting Kafka Connect (database ${dbName}, topic prefix ${prefix})`);
    const connect = await startConnect({ libs: jars.libs, tmp, db, prefix, slot, tableInclude });
    cleanup.push(() => connect.stop());

    const goldenTopics = (t) => golden.filter((e) => e.topic === t.replace(prefix, GOLDEN_PREFIX)).length;
    // The snapshot: as many events as the golden file has with op "r".
    const snapshotCount = golden.filter((e) => e.value?.payload?.op === 'r').length;
    const total = (c) => Object.values(c).reduce((x, y) => x + y, 0);
    await waitForCounts(admin, prefix, connect, (c) => total(c) >= snapshotCount, 'the snapshot');
    log('snapshot done; applying the script');
    for (const s of script) await client.query(s);
    const counts = await waitForCounts(
      admin,
      prefix,
      connect,
      (c) => total(c) >= golden.length,
      'the scripted changes',
    );
    for (const [t, n] of Object.entries(counts)) log(`${t}: ${n} message(s) (golden: ${goldenTopics(t)})`);
    const dbzEvents = await readTopics(kafka, admin, counts);

    const norm = (events, p) => events.map((e) => normalize(e, p));
    const a = norm(dbzEvents, prefix);
    const b = norm(golden, GOLDEN_PREFIX);
    if (VERBOSE) {
      console.log('=== Debezium ===');
      for (const e of a) console.log(show(e));
      console.log('=== ours (golden) ===');
      for (const e of b) console.log(show(e));
    }
    const found = compare(a, b);
    if (found.length === 0) {
      console.log(`No differences: ${a.length} events equal to Debezium ${jars.version} (run-specific fields aside).`);
      return 0;
    }
    console.log(
      `Differences between Debezium ${jars.version} (debezium) and test/golden/postgres-cdc/types.json (ours):\n`,
    );
    report(found);
    return 1;
  } finally {
    if (!interrupted) await runCleanup(cleanup);
  }
}

async function runCleanup(cleanup) {
  while (cleanup.length)
    await cleanup
      .pop()()
      .catch((e) => log(`cleanup: ${e.message}`));
}

main().then(
  (code) => {
    if (!interrupted) process.exit(code);
  },
  (e) => {
    if (interrupted) return;
    log(e.stack ?? String(e));
    process.exit(2);
  },
);
