// Runs one SQL script on a private MariaDB through the real Debezium MariaDB connector (in a standalone
// Kafka Connect worker, jars from Maven Central via scripts/debezium/mariadb/pom.xml) and through our
// MySqlSourceTask (in-process, records serialized with the JsonConverter as a worker would), then diffs the
// events field by field apart from run-specific values: change events, schema change events (<prefix>), the
// transaction topic (<prefix>.transaction) and the schema history topic (<prefix>-history). Usage, after `pnpm build`, with Kafka on
// KAFKA_BOOTSTRAP (default 127.0.0.1:9092):  node scripts/debezium/compare-mariadb.mjs [--verbose] [--only-captured=tables|databases]
// (--only-captured sets schema.history.internal.store.only.captured.<tables|databases>.ddl=true on both sides;
// by default both are false and the history holds the DDL of the tables and databases not captured too.)
// Exits 1 when the events differ, and prints every distinct difference with the events it is in.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MySqlSourceTask } from '@tributary/connector-mysql-cdc';
import { JsonConverter, LosslessNumber, parseJsonExact } from '@tributary/converters';
import { startPrivateMariaDb } from '@tributary/testkit';
import kafkajs from 'kafkajs';
import mysql from 'mysql2/promise';
import { ensureJars as ensureConnectJars, startKafkaConnect } from './kafka-connect.mjs';

const POM = path.join(import.meta.dirname, 'mariadb/pom.xml');
const BOOTSTRAP = (process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092').split(',');
const VERBOSE = process.argv.includes('--verbose');
const ONLY_CAPTURED = /^--only-captured=(tables|databases)$/.exec(
  process.argv.find((a) => a.startsWith('--only-captured=')) ?? '',
)?.[1];
const log = (m) => process.stderr.write(`[compare-mariadb] ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Run-specific: clocks and the connector version. Positions, GTIDs and server ids must agree (same server). */
const IGNORED_ENVELOPE = ['ts_ms', 'ts_us', 'ts_ns'];
const IGNORED_SOURCE = ['ts_ms', 'ts_us', 'ts_ns', 'version', 'thread'];
/** History records: when they were written, and the position's clock. */
const IGNORED_HISTORY = ['ts_ms'];
const IGNORED_POSITION = ['ts_sec'];

const SETUP = [
  `CREATE TABLE cmp.types (id INT PRIMARY KEY, b BOOLEAN, ti TINYINT, uti TINYINT UNSIGNED, si SMALLINT,
     usi SMALLINT UNSIGNED, mi MEDIUMINT, i INT NOT NULL DEFAULT 7, ui INT UNSIGNED, bi BIGINT, ubi BIGINT UNSIGNED,
     f FLOAT, d DOUBLE, dec1 DECIMAL(10,3), vc VARCHAR(20) NOT NULL DEFAULT 'x', ch CHAR(3), tx TEXT,
     bin BINARY(2), vb VARBINARY(8), bl BLOB, bt1 BIT(1), bt10 BIT(10), js JSON, en ENUM('a','b'), st SET('x','y'),
     yr YEAR, dt DATE, tm TIME, tm6 TIME(6), dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6), ts TIMESTAMP(3) NULL,
     nn INT NULL)`,
  'CREATE TABLE cmp.accounts (id INT PRIMARY KEY, owner VARCHAR(32) NOT NULL, balance DECIMAL(12,2) NOT NULL)',
  'CREATE TABLE cmp.nokey (a INT, b VARCHAR(8))',
  // MariaDB's latin1 is Windows-1252: 0x80-0x9F are letters and signs (€ is 0x80), not C1 controls.
  'CREATE TABLE cmp.l1 (id INT PRIMARY KEY, v VARCHAR(16) CHARACTER SET latin1, t TEXT CHARACTER SET latin1)',
  // Not captured (table.exclude.list, database.include.list), but in the history unless it is told otherwise.
  'CREATE TABLE cmp.ignored (id INT PRIMARY KEY, v VARCHAR(8))',
  'CREATE DATABASE other',
  'CREATE TABLE other.t (id INT PRIMARY KEY, v VARCHAR(8))',
];
const ROW = (id) => `${id}, true, -5, 250, -300, 65535, -8388608, 2147483647, 4294967295, -9007199254740999,
  18446744073709551615, 1.5, 2.25, -12.345, 'héllo', 'ab', 'txt', x'0102', x'0a0b', x'ff', b'1', b'1000000001',
  '{"a": [1, 2]}', 'b', 'x,y', 2024, '2024-02-29', '12:34:56', '-12:34:56.5', '2024-01-02 03:04:05',
  '2024-01-02 03:04:05.123', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123', NULL`;
const SNAPSHOT = [
  `INSERT INTO cmp.types VALUES (${ROW(1)})`,
  "INSERT INTO cmp.accounts VALUES (1, 'ann', 100.00), (2, 'bob', 50.50)",
  "INSERT INTO cmp.nokey VALUES (1, 'one')",
  "INSERT INTO cmp.l1 VALUES (1, 'plain é', '€ ‚ „ … ‰ Š œ Ÿ ÿ')",
  "INSERT INTO cmp.ignored VALUES (1, 'x')",
  "INSERT INTO other.t VALUES (1, 'x')",
];
const STREAM = [
  `INSERT INTO cmp.types VALUES (${ROW(2)})`,
  "UPDATE cmp.types SET vc = 'changed', nn = 5 WHERE id = 2",
  'DELETE FROM cmp.types WHERE id = 1',
  "INSERT INTO cmp.l1 VALUES (2, 'plain é', '€ ‚ „ … ‰ Š œ Ÿ ÿ'), (3, '', 'ASCII only')",
  // A transaction over two tables.
  "START TRANSACTION; UPDATE cmp.accounts SET balance = balance - 10 WHERE id = 1; UPDATE cmp.accounts SET balance = balance + 10 WHERE id = 2; INSERT INTO cmp.accounts VALUES (3, 'cy', 0); COMMIT",
  // A primary key change.
  'UPDATE cmp.accounts SET id = 30 WHERE id = 3',
  // DDL mid-stream.
  'ALTER TABLE cmp.accounts ADD COLUMN note VARCHAR(16) NULL',
  "INSERT INTO cmp.accounts VALUES (4, 'dee', 1.25, 'new column')",
  "INSERT INTO cmp.nokey VALUES (2, 'two')",
  'TRUNCATE TABLE cmp.nokey',
  "INSERT INTO cmp.nokey VALUES (3, 'three')",
  // More DDL mid-stream: column change and move, a new table, a rename, a column rename, a drop.
  "ALTER TABLE cmp.accounts CHANGE note memo VARCHAR(32) NULL DEFAULT '-', MODIFY owner VARCHAR(40) NOT NULL AFTER memo",
  "INSERT INTO cmp.accounts (id, balance, memo, owner) VALUES (5, 2.5, 'm', 'eve')",
  "CREATE TABLE cmp.later (id BIGINT UNSIGNED PRIMARY KEY, t TINYTEXT, e ENUM('x','y') NOT NULL DEFAULT 'y', d DATETIME(3) NULL) COMMENT 'made later'",
  "INSERT INTO cmp.later VALUES (1, 'a', 'x', '2024-05-06 07:08:09.5')",
  'RENAME TABLE cmp.later TO cmp.renamed',
  "INSERT INTO cmp.renamed VALUES (2, 'b', 'y', NULL)",
  'ALTER TABLE cmp.renamed RENAME COLUMN t TO tt, ADD COLUMN n INT NOT NULL DEFAULT 9 FIRST',
  "INSERT INTO cmp.renamed (id, tt) VALUES (3, 'c')",
  // A larger transaction over three tables.
  `START TRANSACTION; ${Array.from({ length: 20 }, (_, i) => `INSERT INTO cmp.nokey VALUES (${10 + i}, 'n${i}'); UPDATE cmp.accounts SET balance = balance + 1 WHERE id = 1; INSERT INTO cmp.renamed (id, tt) VALUES (${10 + i}, 'r')`).join('; ')}; COMMIT`,
  'DROP TABLE cmp.renamed',
  // Partitioned, and made by CREATE … SELECT (which a ROW binlog logs as the CREATE TABLE it made, then the rows).
  'CREATE TABLE cmp.parted (id INT NOT NULL, y INT NOT NULL, v VARCHAR(8), PRIMARY KEY (id, y)) PARTITION BY RANGE (y) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE)',
  "INSERT INTO cmp.parted VALUES (1, 5, 'a'), (2, 50, 'b')",
  'ALTER TABLE cmp.parted ADD COLUMN w INT NULL',
  'ALTER TABLE cmp.parted REORGANIZE PARTITION p1 INTO (PARTITION p1 VALUES LESS THAN (100), PARTITION p2 VALUES LESS THAN MAXVALUE)',
  "INSERT INTO cmp.parted VALUES (3, 500, 'c', 7)",
  'CREATE TABLE cmp.copied (extra INT NULL, PRIMARY KEY (id)) SELECT id, owner, balance * 2 AS doubled FROM cmp.accounts',
  "INSERT INTO cmp.copied (id, owner, doubled) VALUES (100, 'zed', 1.5)",
  // DDL of tables and databases that are not captured.
  'ALTER TABLE cmp.ignored ADD COLUMN n INT NULL',
  "INSERT INTO cmp.ignored VALUES (2, 'y', 3)",
  'ALTER TABLE other.t ADD COLUMN n INT NULL',
  'CREATE TABLE other.u (id INT PRIMARY KEY)',
  'CREATE DATABASE other2',
  'DROP DATABASE other2',
  // One captured event after them, so both sides have read past them when the events settle.
  "INSERT INTO cmp.nokey VALUES (99, 'last')",
];

function ensureJars() {
  const version = /<debezium\.version>([^<]+)</.exec(readFileSync(POM, 'utf8'))?.[1];
  return ensureConnectJars(
    POM,
    process.env.DEBEZIUM_CACHE ?? path.join(os.homedir(), '.cache/tributary', `debezium-mariadb-${version}`),
    log,
  );
}

async function startConnect(libs, tmp, connectorProps) {
  const w = await startKafkaConnect({
    libs,
    dir: tmp,
    mode: 'standalone',
    worker: {
      'bootstrap.servers': BOOTSTRAP.join(','),
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': path.join(tmp, 'offsets.dat'),
      'offset.flush.interval.ms': '1000',
      'plugin.discovery': 'only_scan',
    },
    connectors: [
      {
        name: 'dbz',
        'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
        'tasks.max': '1',
        'topic.creation.default.replication.factor': '1',
        'topic.creation.default.partitions': '1',
        ...connectorProps,
      },
    ],
  });
  const tail = () => w.tail(30);
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (w.exited() !== null) throw new Error(`Kafka Connect exited (${w.exited()}):\n${tail()}`);
    if (Date.now() > deadline) throw new Error(`Kafka Connect did not start the connector:\n${tail()}`);
    const r = await fetch(`${w.url}/connectors/dbz/status`).catch(() => null);
    const s = r?.ok ? await r.json() : null;
    if (s?.tasks?.[0]?.state === 'FAILED') throw new Error(`Debezium failed:\n${s.tasks[0].trace}`);
    if (s?.tasks?.[0]?.state === 'RUNNING') break;
    await sleep(500);
  }
  return { tail, stop: () => w.stop() };
}

async function startOurs(taskProps) {
  const task = new MySqlSourceTask();
  const records = [];
  const state = { error: null, stop: false };
  const noop = () => {};
  const logger = { trace: noop, debug: noop, info: noop, warn: VERBOSE ? (o, m) => log(`ours: ${m ?? o}`) : noop };
  logger.error = (o, m) => log(`ours: ${m ?? ''} ${JSON.stringify(o)}`);
  logger.fatal = logger.error;
  logger.child = () => logger;
  task.initialize({
    configs: () => taskProps,
    offsetStorageReader: {
      offset: async () => null,
      offsets: async (ps) => ps.map((p) => ({ partition: p, offset: null })),
    },
    transactionContext: null,
    logger,
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
  const text = (b) => (b === null || b === undefined ? null : parseJsonExact(Buffer.from(b).toString('utf8')));
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
  }));
}

/** The topics of one connector's run: change events, schema changes, transactions (and, with `history`, the history). */
const runTopics =
  (prefix, history = false) =>
  (t) =>
    t === prefix ||
    t === `${prefix}.transaction` ||
    t.startsWith(`${prefix}.cmp.`) ||
    (history && t === `${prefix}-history`);

async function readDebezium(kafka, prefix, history = false) {
  const admin = kafka.admin();
  await admin.connect();
  const counts = {};
  for (const t of (await admin.listTopics()).filter(runTopics(prefix, history))) {
    const o = await admin.fetchTopicOffsets(t);
    counts[t] = o.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  }
  const groupId = `dbz-compare-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId });
  const out = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: Object.keys(counts), fromBeginning: true });
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const t = (b) => (b === null || b === undefined ? null : parseJsonExact(b.toString('utf8')));
        // History records have no key and are not Connect JSON: compared as they are, under `value`.
        out.push({ topic, offset: Number(message.offset), key: t(message.key), value: t(message.value) });
      },
    });
    const deadline = Date.now() + 60_000;
    while (out.length < total && Date.now() < deadline) await sleep(200);
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return out.sort((a, b) => (a.topic === b.topic ? a.offset - b.offset : a.topic < b.topic ? -1 : 1));
}

async function countDebezium(kafka, prefix) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let n = 0;
    for (const t of (await admin.listTopics()).filter(runTopics(prefix)))
      n += (await admin.fetchTopicOffsets(t)).reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
    return n;
  } finally {
    await admin.disconnect();
  }
}

/** Renames the run's prefix and blanks run-specific values. */
function normalize(e, prefix) {
  const rename = (v) => {
    if (typeof v === 'string')
      return v === prefix
        ? '<prefix>'
        : v.startsWith(`${prefix}.`) || v.startsWith(`${prefix}-`)
          ? `<prefix>${v.slice(prefix.length)}`
          : v;
    if (Array.isArray(v)) return v.map(rename);
    if (v && typeof v === 'object' && !(v instanceof LosslessNumber))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)]));
    return v;
  };
  const out = rename(e);
  if (out.topic.endsWith('-history') && out.value) {
    for (const k of IGNORED_HISTORY) if (k in out.value) out.value[k] = '<ignored>';
    for (const k of IGNORED_POSITION)
      if (out.value.position && k in out.value.position) out.value.position[k] = '<ignored>';
    return out;
  }
  const p = out.value?.payload;
  if (p && typeof p === 'object') {
    for (const k of IGNORED_ENVELOPE) if (k in p) p[k] = '<ignored>';
    if (p.source) for (const k of IGNORED_SOURCE) if (k in p.source) p.source[k] = '<ignored>';
  }
  return out;
}

function show(v) {
  if (v === undefined) return '(absent)';
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' || x instanceof LosslessNumber ? x.toString() : x));
}

function diff(a, b, at, out) {
  const isObj = (v) => v !== null && typeof v === 'object' && !(v instanceof LosslessNumber);
  if (Array.isArray(a) && Array.isArray(b)) {
    const named = (x) => x.length > 0 && x.every((y) => isObj(y) && typeof y.field === 'string');
    if (named(a) && named(b)) {
      const ma = new Map(a.map((x) => [x.field, x]));
      const mb = new Map(b.map((x) => [x.field, x]));
      for (const [k, x] of ma) diff(x, mb.get(k), `${at}[${k}]`, out);
      for (const [k, x] of mb) if (!ma.has(k)) diff(undefined, x, `${at}[${k}]`, out);
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) diff(a[i], b[i], `${at}[${i}]`, out);
    return;
  }
  if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diff(a[k], b[k], `${at}.${k}`, out);
    return;
  }
  const key = (v) =>
    v instanceof LosslessNumber
      ? `n:${v.toString()}`
      : typeof v === 'number' || typeof v === 'bigint'
        ? `n:${v}`
        : show(v);
  if (key(a) !== key(b)) out.push({ path: at, dbz: show(a), ours: show(b) });
}

async function main() {
  const libs = ensureJars();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'compare-mariadb-'));
  const run = randomBytes(3).toString('hex');
  const dbzPrefix = `dbz_${run}`;
  const ourPrefix = `ours_${run}`;
  const server = await startPrivateMariaDb({ binlog: true, serverId: 1 });
  const cleanup = [() => server.destroy(), () => rmSync(tmp, { recursive: true, force: true })];
  try {
    const sql = await mysql.createConnection({
      host: server.host,
      port: server.port,
      user: 'root',
      multipleStatements: true,
    });
    cleanup.unshift(() => sql.end());
    await sql.query('CREATE DATABASE cmp');
    for (const s of [...SETUP, ...SNAPSHOT]) await sql.query(s);
    const common = {
      'database.hostname': server.host,
      'database.port': String(server.port),
      'database.user': 'root',
      'database.password': '',
      'database.include.list': 'cmp',
      'table.exclude.list': 'cmp\\.ignored',
      ...(ONLY_CAPTURED ? { [`schema.history.internal.store.only.captured.${ONLY_CAPTURED}.ddl`]: 'true' } : {}),
      'provide.transaction.metadata': 'true',
      // Truncate events too (Debezium skips them by default).
      'skipped.operations': 'none',
    };
    log('starting Debezium in Kafka Connect');
    const connect = await startConnect(libs, tmp, {
      ...common,
      'database.server.id': '6101',
      'topic.prefix': dbzPrefix,
      'schema.history.internal.kafka.bootstrap.servers': BOOTSTRAP.join(','),
      'schema.history.internal.kafka.topic': `${dbzPrefix}-history`,
    });
    cleanup.unshift(() => connect.stop());
    const ours = await startOurs({
      'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
      ...common,
      'database.server.id': '6102',
      'topic.prefix': ourPrefix,
      'schema.history.internal.kafka.bootstrap.servers': BOOTSTRAP.join(','),
      'schema.history.internal.kafka.topic': `${ourPrefix}-history`,
    });
    cleanup.unshift(() => ours.stop());
    const kafka = new kafkajs.Kafka({ clientId: 'compare-mariadb', brokers: BOOTSTRAP, logLevel: 0 });
    const settle = async (what, n) => {
      const deadline = Date.now() + 120_000;
      let last = '';
      let since = Date.now();
      for (;;) {
        ours.check();
        const k = `${await countDebezium(kafka, dbzPrefix)}/${ours.records.length}`;
        if (k !== last) {
          last = k;
          since = Date.now();
        }
        const [d, o] = k.split('/').map(Number);
        if (d >= n && o >= n && Date.now() - since > 4000) return;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what} (debezium/ours: ${k})\n${connect.tail()}`);
        await sleep(500);
      }
    };
    await settle('the snapshots', SNAPSHOT.length + 1);
    log('streaming the script');
    for (const s of STREAM) await sql.query(s);
    await settle('the streamed events', SNAPSHOT.length + STREAM.length);
    const dbz = (await readDebezium(kafka, dbzPrefix, true)).map((e) => normalize(e, dbzPrefix));
    // Our change, schema change and transaction events as the task returned them; our history as it is in Kafka.
    const ourHistory = (await readDebezium(kafka, ourPrefix, true)).filter((e) => e.topic === `${ourPrefix}-history`);
    const mine = [...serializeOurs(ours.records), ...ourHistory].map((e) => normalize(e, ourPrefix));
    const group = (events) => {
      const m = new Map();
      for (const e of events) m.set(e.topic, [...(m.get(e.topic) ?? []), e]);
      return m;
    };
    const a = group(dbz);
    const b = group(mine);
    const found = [];
    for (const topic of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const da = a.get(topic) ?? [];
      const db = b.get(topic) ?? [];
      if (da.length !== db.length)
        found.push({ event: topic, path: 'event count', dbz: String(da.length), ours: String(db.length) });
      for (let i = 0; i < Math.max(da.length, db.length); i++) {
        const out = [];
        diff(da[i] && { key: da[i].key, value: da[i].value }, db[i] && { key: db[i].key, value: db[i].value }, '', out);
        const payload = da[i]?.value?.payload ?? db[i]?.value?.payload;
        const op = topic.endsWith('-history')
          ? 'record'
          : (payload?.op ?? payload?.status ?? (payload?.ddl !== undefined ? 'ddl' : 'tombstone'));
        for (const d of out) found.push({ event: `${topic}#${i}(${op})`, ...d });
      }
    }
    const groups = new Map();
    for (const d of found) {
      const k = `${d.path}\u0000${d.dbz}\u0000${d.ours}`;
      if (!groups.has(k)) groups.set(k, { ...d, events: [] });
      groups.get(k).events.push(d.event);
    }
    for (const g of groups.values()) {
      console.log(`- ${g.path}\n    debezium: ${g.dbz}\n    ours:     ${g.ours}\n    in:       ${g.events.join(', ')}`);
    }
    console.log(
      `\n${dbz.length} Debezium events, ${mine.length} of ours; ${groups.size} distinct difference(s) (${found.length} in all).`,
    );
    process.exitCode = found.length > 0 ? 1 : 0;
  } finally {
    for (const c of cleanup) await Promise.resolve(c()).catch(() => undefined);
  }
}

await main();
process.exit(process.exitCode ?? 0);
