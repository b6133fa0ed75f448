#!/usr/bin/env node
/**
 * Runs fixed SQL scripts through the REAL Debezium PostgreSQL connector and compares its events with ours.
 * The golden script (SETUP + SCRIPT in test/postgres-cdc/golden.test.ts) goes through the REAL
 * Debezium PostgreSQL connector in a standalone Kafka Connect worker, reads what it wrote to Kafka, and
 * compares it field by field with our committed golden file (test/golden/postgres-cdc/types.json, which
 * golden.test.ts keeps equal to our connector's output). The scenarios in scenarios.mjs (non-default
 * modes, transaction metadata, mappers, incremental snapshots, heartbeats) run through Debezium AND our
 * connector (in-process, serialized as a worker would), each side in a database of its own, headers included.
 * Exit code 0: equal apart from run-specific fields; 1: differences (printed); 2: the comparison could not run.
 *
 *   node scripts/debezium/compare.mjs [--only=golden,txmeta,...] [--keep] [--verbose]
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
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PostgresSourceTask } from '@tributary/connector-postgres-cdc';
import { JsonConverter, LosslessNumber, parseJsonExact, SimpleHeaderConverter } from '@tributary/converters';
import kafkajs from 'kafkajs';
import { ensureJars as ensureConnectJars, startKafkaConnect } from './kafka-connect.mjs';
import pg from 'pg';
import { SCENARIOS } from './scenarios.mjs';

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
/** Most replication slots (and WAL senders) in use at once: Debezium's plus ours. */
const MAX_SLOTS = Number(process.env.MAX_SLOTS ?? 6);

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
  return { version, kafka, libs: ensureConnectJars(POM, dir, log) };
}

// ---------------------------------------------------------------------------------------------------
// Kafka Connect standalone with the Debezium connector.

/** The connector properties both sides share: a database of its own, pgoutput, a slot dropped on stop. */
function commonProps(db, prefix, slot) {
  const u = new URL(db.url);
  return {
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
  };
}

/** Starts one standalone worker running every connector in `connectors` ([{ name, props }]). */
async function startConnect({ libs, tmp, connectors }) {
  const w = await startKafkaConnect({
    libs,
    dir: tmp,
    mode: 'standalone',
    worker: {
      'bootstrap.servers': BOOTSTRAP.join(','),
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'true',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'true',
      'offset.storage.file.filename': path.join(tmp, 'offsets.dat'),
      'offset.flush.interval.ms': '1000',
      // The connector is on the classpath; there is no plugin.path to scan.
      'plugin.discovery': 'only_scan',
    },
    connectors: connectors.map(({ name, props: p }) => ({
      name,
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': '1',
      // Debezium's own default is fine, but the broker may not auto-create topics.
      'topic.creation.default.replication.factor': '1',
      'topic.creation.default.partitions': '1',
      ...p,
    })),
  });
  const tail = () => w.tail(40);
  const rest = w.url;
  const states = async () =>
    Promise.all(
      connectors.map(async ({ name }) => {
        const r = await fetch(`${rest}/connectors/${name}/status`).catch(() => null);
        return { name, s: r?.ok ? await r.json() : null };
      }),
    );
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (w.exited() !== null) throw new Error(`Kafka Connect exited (${w.exited()}):\n${tail()}`);
    if (Date.now() > deadline) throw new Error(`Kafka Connect did not start the connectors:\n${tail()}`);
    const all = await states();
    for (const { name, s } of all) {
      const task = s?.tasks?.[0];
      if (s?.connector?.state === 'FAILED' || task?.state === 'FAILED')
        throw new Error(`Debezium ${name} failed:\n${s.connector?.trace ?? task?.trace}`);
    }
    if (all.every(({ s }) => s?.tasks?.[0]?.state === 'RUNNING')) break;
    await sleep(500);
  }
  const status = async () => {
    for (const { name, s } of await states()) {
      const task = s?.tasks?.[0];
      if (task?.state === 'FAILED') throw new Error(`Debezium task ${name} failed:\n${task.trace}`);
    }
    if (w.exited() !== null) throw new Error(`Kafka Connect exited (${w.exited()}):\n${tail()}`);
  };
  return { stop: () => w.stop(), status, tail };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// Kafka: waiting for and reading Debezium's topics.

/** A run's topics: `<prefix>.*` and the heartbeat topic `<heartbeat prefix>.<prefix>`. */
const ownTopic = (t, prefix) => t.startsWith(`${prefix}.`) || t.endsWith(`.${prefix}`);

async function topicCounts(admin, prefix) {
  const topics = (await admin.listTopics()).filter((t) => ownTopic(t, prefix));
  const counts = {};
  for (const t of topics) {
    const offsets = await admin.fetchTopicOffsets(t);
    counts[t] = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  }
  return counts;
}

/**
 * Waits until `done(counts)` holds and the counts have not moved for a few seconds. Heartbeat topics keep
 * growing with the clock, so they do not count towards "not moved". With `soft`, a timeout returns what is
 * there (a missing event then shows as a difference) instead of failing.
 */
async function waitForCounts(admin, prefix, connect, done, what, soft = false) {
  const deadline = Date.now() + 120_000;
  let last = '';
  let stableSince = 0;
  for (;;) {
    await connect.status();
    const counts = await topicCounts(admin, prefix);
    const key = JSON.stringify(Object.entries(counts).filter(([t]) => !isHeartbeatTopic(t)));
    if (key !== last) {
      last = key;
      stableSince = Date.now();
    }
    // Wait a little past the target so that extra events (which would be a difference) arrive too.
    if (done(counts) && Date.now() - stableSince > 3000) return counts;
    if (Date.now() > deadline) {
      if (soft) return counts;
      throw new Error(`timed out waiting for ${what}; topics: ${key}\n${connect.tail()}`);
    }
    await sleep(500);
  }
}

const isHeartbeatTopic = (t) => t.startsWith('__debezium-heartbeat');

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
        const headers = Object.entries(message.headers ?? {}).map(([k, v]) => [k, v === null ? null : String(v)]);
        byTopic[topic].push({ offset: Number(message.offset), key: message.key, value: message.value, headers });
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
    for (const m of msgs) events.push({ topic, key: text(m.key), value: text(m.value), headers: m.headers });
  }
  return events;
}

// ---------------------------------------------------------------------------------------------------
// Comparison.

/** Replaces run-specific values with '<ignored>' (only where present, so a missing field still shows). */
function normalize(event, prefix) {
  // Topic names, source.name and the heartbeat key embed the prefix (which embeds the random run id).
  const rename = (v) => {
    if (typeof v === 'string') {
      if (v === prefix) return '<prefix>';
      if (v.startsWith(`${prefix}.`)) return `<prefix>${v.slice(prefix.length)}`;
      if (v.endsWith(`.${prefix}`)) return `${v.slice(0, -prefix.length)}<prefix>`;
      return v;
    }
    if (Array.isArray(v)) return v.map(rename);
    if (v && typeof v === 'object' && !(v instanceof LosslessNumber))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)]));
    return v;
  };
  const e = rename(structuredCloneExact(event));
  // The run id differs between any two runs (of either connector).
  if (e.headers) e.headers = e.headers.map(([k, v]) => (k === '__debezium.context.runId' ? [k, '<ignored>'] : [k, v]));
  if (!e.headers?.length) delete e.headers;
  const ignore = (o, k) => {
    if (o && typeof o === 'object' && o[k] !== null && o[k] !== undefined) o[k] = '<ignored>';
  };
  const payload = e.value?.payload;
  if (payload && typeof payload === 'object') {
    for (const k of IGNORED_ENVELOPE) if (k in payload) payload[k] = '<ignored>';
    if (payload.source) {
      for (const k of IGNORED_SOURCE) if (k in payload.source) payload.source[k] = '<ignored>';
      ignore(payload.source, 'origin_lsn');
    }
    if (e.topic.endsWith('.defaults') && payload.after) for (const k of IGNORED_AFTER) ignore(payload.after, k);
    // Transaction ids are "<txId>:<lsn>".
    ignore(payload.transaction, 'id');
    if (e.topic.endsWith('.transaction')) {
      ignore(payload, 'id');
      ignore(e.key?.payload, 'id');
      // Debezium names a logical decoding message's "data collection" by Java's default toString (class@hash).
      for (const c of payload.data_collections ?? [])
        if (typeof c.data_collection === 'string') c.data_collection = c.data_collection.replace(/@[0-9a-f]+$/, '');
    }
    // Incremental snapshot watermarks: random ids, and the open/close timestamps in `data`.
    if (e.topic.endsWith('.dbz_signal'))
      for (const row of [payload.before, payload.after])
        if (typeof row?.type === 'string' && row.type.startsWith('snapshot-window')) {
          ignore(row, 'id');
          ignore(row, 'data');
          ignore(e.key?.payload, 'id');
        }
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

/** onlyFirst: { topicPrefix: n } compares only the first n events of matching topics (clock-driven ones). */
function compare(dbzEvents, ourEvents, onlyFirst = {}) {
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
    let da = a.get(topic) ?? [];
    let db = b.get(topic) ?? [];
    const first = Object.entries(onlyFirst).find(([p]) => topic.startsWith(p))?.[1];
    if (first !== undefined) {
      da = da.slice(0, first);
      db = db.slice(0, first);
    }
    if (da.length !== db.length)
      found.push({ event: topic, path: 'event count', dbz: String(da.length), ours: String(db.length) });
    for (let i = 0; i < Math.max(da.length, db.length); i++) {
      const op = da[i]?.value?.payload?.op ?? db[i]?.value?.payload?.op ?? (da[i]?.value ? 'other' : 'tombstone');
      const out = [];
      const pick = (e) => e && { key: e.key, value: e.value, headers: e.headers };
      diff(pick(da[i]), pick(db[i]), '', out);
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

// Our connector, in-process, as a worker runs it (no Kafka: the records are serialized the way the worker
// would — JsonConverter with schemas for keys and values, the worker's default SimpleHeaderConverter).

function quietLogger() {
  const noop = () => {};
  const err = (a, b) => log(`ours: ${typeof a === 'string' ? a : (b ?? '')} ${typeof a === 'string' ? '' : show(a)}`);
  const l = { trace: noop, debug: noop, info: noop, warn: VERBOSE ? err : noop, error: err, fatal: err };
  l.child = () => l;
  return l;
}

async function startOurs(taskProps) {
  const task = new PostgresSourceTask();
  const records = [];
  const state = { error: null, stop: false };
  task.initialize({
    configs: () => taskProps,
    offsetStorageReader: {
      offset: async () => null,
      offsets: async (ps) => ps.map((partition) => ({ partition, offset: null })),
    },
    transactionContext: null,
    logger: quietLogger(),
  });
  await task.start(taskProps);
  const loop = (async () => {
    while (!state.stop) {
      try {
        const batch = await task.poll();
        if (batch) records.push(...batch);
      } catch (e) {
        state.error = e;
        return;
      }
    }
  })();
  return {
    records,
    check() {
      if (state.error) throw new Error(`our connector failed: ${state.error.stack ?? state.error}`);
    },
    async stop() {
      if (state.stopped) return;
      state.stopped = true;
      state.stop = true;
      await task.stop();
      await loop;
    },
  };
}

function serializeOurs(records) {
  const keys = new JsonConverter();
  keys.configure({ 'schemas.enable': 'true' }, true);
  const values = new JsonConverter();
  values.configure({ 'schemas.enable': 'true' }, false);
  const headers = new SimpleHeaderConverter();
  headers.configure({});
  const text = (b) => (b === null || b === undefined ? null : parseJsonExact(Buffer.from(b).toString('utf8')));
  // A record the converter rejects would fail a worker's task: show it as a difference, not a crash.
  const convert = (conv, r, schema, v) => {
    try {
      return text(conv.fromConnectData(r.topic, r.headers, schema, v));
    } catch (e) {
      return { '<converter error>': e.message };
    }
  };
  return records.map((r) => ({
    topic: r.topic,
    key: convert(keys, r, r.keySchema, r.key),
    value: convert(values, r, r.valueSchema, r.value),
    headers: [...(r.headers ?? [])].map((h) => {
      const b = headers.fromConnectHeader(r.topic, h.key, h.schema, h.value);
      return [h.key, b === null ? null : Buffer.from(b).toString('utf8')];
    }),
  }));
}

const nonHeartbeat = (records) => records.filter((r) => !isHeartbeatTopic(r.topic)).length;

/** Waits until our task has produced at least `n` events and then nothing new for `quietMs`. */
async function waitForOurs(ours, n, what, quietMs = 3000) {
  const deadline = Date.now() + 120_000;
  let last = -1;
  let since = Date.now();
  for (;;) {
    ours.check();
    const c = nonHeartbeat(ours.records);
    if (c !== last) {
      last = c;
      since = Date.now();
    }
    if (c >= n && Date.now() - since > quietMs) return c;
    if (Date.now() > deadline) throw new Error(`our connector: timed out waiting for ${what} (have ${c})`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------------

/** Set on SIGINT/SIGTERM: the signal handler owns cleanup and the exit from then on. */
let interrupted = false;

async function main() {
  const onlyArg = process.argv.find((a) => a.startsWith('--only='));
  const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : null;
  const wanted = (name) => !only || only.has(name);
  const scenarios = SCENARIOS.filter((s) => wanted(s.name));
  const withGolden = wanted('golden');
  const { setup, script, tableInclude } = loadScript();
  const golden = parseJsonExact(readFileSync(GOLDEN, 'utf8'));
  const jars = ensureJars();
  log(`Debezium ${jars.version}, Kafka Connect ${jars.kafka}`);

  const run = randomBytes(4).toString('hex');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dbz-compare-'));
  const cleanup = [];
  // Ctrl-C must still stop the Connect JVM and drop the databases, slots and topics.
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

    /** A database of its own, dropped at the end with any replication slot left on it. */
    const database = async (name, statements) => {
      await base.query(`CREATE DATABASE ${name}`);
      const url = new URL(PG_URL);
      url.pathname = `/${name}`;
      const db = { url: url.toString(), name };
      cleanup.push(async () => {
        if (KEEP) return log(`kept database ${name}`);
        // Slots are dropped by their connector on a clean stop; this catches a crash.
        for (let i = 0; i < 20; i++) {
          const r = await base.query('SELECT slot_name, active FROM pg_replication_slots WHERE database = $1', [name]);
          if (r.rowCount === 0) break;
          for (const row of r.rows)
            if (!row.active) await base.query('SELECT pg_drop_replication_slot($1)', [row.slot_name]);
          await sleep(500);
        }
        await base.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      cleanup.push(() => client.end());
      for (const s of statements) await client.query(s);
      db.client = client;
      return db;
    };

    // Each run: one database per side, Debezium's topic prefix / slot dbzcmp_<run>[_<scenario>], ours ours_<...>.
    const runs = [];
    if (withGolden) {
      const db = await database(`dbz_compare_${run}`, setup);
      const prefix = `dbzcmp_${run}`;
      runs.push({
        name: 'golden',
        dbz: { db, prefix, props: { ...commonProps(db, prefix, prefix), 'table.include.list': tableInclude } },
      });
    }
    for (const sc of scenarios) {
      const dbzDb = await database(`dbz_compare_${run}_${sc.name}_d`, sc.setup);
      const ourDb = await database(`dbz_compare_${run}_${sc.name}_o`, sc.setup);
      const prefix = `dbzcmp_${run}_${sc.name}`;
      const ourPrefix = `ours_${run}_${sc.name}`;
      runs.push({
        name: sc.name,
        scenario: sc,
        dbz: { db: dbzDb, prefix, props: { ...commonProps(dbzDb, prefix, prefix), ...sc.config } },
        ours: { db: ourDb, prefix: ourPrefix, props: { ...commonProps(ourDb, ourPrefix, ourPrefix), ...sc.config } },
      });
    }

    const prefixes = runs.map((r) => r.dbz.prefix);
    cleanup.push(async () => {
      if (KEEP) return log(`kept topics of ${prefixes.join(', ')} and ${tmp}`);
      const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => ownTopic(t, p)));
      if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
      rmSync(tmp, { recursive: true, force: true });
    });
    // Postgres allows few replication slots and WAL senders (10 by default): run the scenarios in batches
    // that need at most MAX_SLOTS of them (Debezium's + ours), one Connect worker per batch.
    const batches = [];
    for (const r of runs) {
      const cur = batches.at(-1);
      const slots = (b) => b.reduce((n, x) => n + (x.ours ? 2 : 1), 0);
      if (cur && slots(cur) + (r.ours ? 2 : 1) <= MAX_SLOTS) cur.push(r);
      else batches.push([r]);
    }
    const results = [];
    for (const batch of batches) results.push(...(await runBatch(batch)));

    async function runBatch(batch) {
      log(`starting Kafka Connect with ${batch.map((r) => r.name).join(', ')} (run ${run}) and our connector`);
      const batchTmp = mkdtempSync(path.join(tmp, 'batch-'));
      const connect = await startConnect({
        libs: jars.libs,
        tmp: batchTmp,
        connectors: batch.map((r) => ({ name: `dbz-${r.name}`, props: r.dbz.props })),
      });
      const stops = [() => connect.stop()];
      cleanup.push(...stops);
      try {
        for (const r of batch)
          if (r.ours) {
            r.ours.task = await startOurs(r.ours.props);
            const stop = () => r.ours.task.stop();
            stops.push(stop);
            cleanup.push(stop);
          }

        const total = (c) =>
          Object.entries(c)
            .filter(([t]) => !isHeartbeatTopic(t))
            .reduce((x, [, y]) => x + y, 0);
        return await Promise.all(
          batch.map(async (r) => {
            if (!r.scenario) {
              // The golden script: Debezium against the committed golden file.
              const snapshotCount = golden.filter((e) => e.value?.payload?.op === 'r').length;
              await waitForCounts(admin, r.dbz.prefix, connect, (c) => total(c) >= snapshotCount, 'the snapshot');
              for (const s of script) await r.dbz.db.client.query(s);
              const counts = await waitForCounts(
                admin,
                r.dbz.prefix,
                connect,
                (c) => total(c) >= golden.length,
                'the scripted changes',
              );
              const dbz = (await readTopics(kafka, admin, counts)).map((e) => normalize(e, r.dbz.prefix));
              // The golden file records keys and values only; the scenarios below compare headers.
              for (const e of dbz) delete e.headers;
              const ours = golden.map((e) => normalize(e, GOLDEN_PREFIX));
              return { name: r.name, dbz, ours, found: compare(dbz, ours) };
            }
            const sc = r.scenario;
            await Promise.all([
              waitForCounts(admin, r.dbz.prefix, connect, (c) => total(c) >= sc.snapshot, `${sc.name}: the snapshot`),
              waitForOurs(r.ours.task, sc.snapshot, `${sc.name}: the snapshot`),
            ]);
            log(`${sc.name}: snapshot done (${sc.snapshot} event(s)); applying the script`);
            for (const step of sc.script) {
              if (typeof step === 'object') await sleep(step.sleep);
              else await Promise.all([r.dbz.db.client.query(step), r.ours.db.client.query(step)]);
            }
            const ourCount = await waitForOurs(r.ours.task, 0, `${sc.name}: the script`);
            // Debezium should reach the same count; if it does not, the soft timeout lets the diff show it.
            const counts = await waitForCounts(
              admin,
              r.dbz.prefix,
              connect,
              (c) => total(c) >= ourCount,
              `${sc.name}: the script`,
              true,
            );
            await r.ours.task.stop();
            for (const [t, n] of Object.entries(counts)) log(`${sc.name}: ${t}: ${n} message(s)`);
            const dbz = (await readTopics(kafka, admin, counts)).map((e) => normalize(e, r.dbz.prefix));
            const ours = serializeOurs(r.ours.task.records).map((e) => normalize(e, r.ours.prefix));
            return { name: r.name, dbz, ours, found: compare(dbz, ours, sc.onlyFirst) };
          }),
        );
      } finally {
        for (const stop of stops.reverse()) await stop().catch((e) => log(`stop: ${e.message}`));
      }
    }

    let differ = 0;
    for (const res of results) {
      if (VERBOSE) {
        console.log(`=== ${res.name}: Debezium ===`);
        for (const e of res.dbz) console.log(show(e));
        console.log(`=== ${res.name}: ours ===`);
        for (const e of res.ours) console.log(show(e));
      }
      const against = res.name === 'golden' ? 'test/golden/postgres-cdc/types.json' : 'our connector';
      if (res.found.length === 0) {
        console.log(`[${res.name}] no differences: ${res.dbz.length} Debezium events equal to ${against}'s.`);
        continue;
      }
      differ++;
      console.log(`[${res.name}] differences between Debezium ${jars.version} (debezium) and ${against} (ours):\n`);
      report(res.found);
      console.log('');
    }
    return differ === 0 ? 0 : 1;
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
