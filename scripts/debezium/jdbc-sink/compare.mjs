// Side-by-side oracle for the JDBC sink: Postgres CDC → one topic → the real Debezium JDBC sink (Kafka Connect 4.3.1)
// into one database and our JDBC sink (a Tributary worker) into another; the two tables must hold the same rows and
// the same columns. The larger, by-hand run of what test/jdbc-sink/debezium-oracle.test.ts checks in the suite; both
// take the workload and the comparison from oracle.mjs.
//
//   pnpm build && node scripts/debezium/jdbc-sink/compare.mjs
//
// Environment: KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092), PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// JDBC_COMPARE_ROUNDS (default 10 rounds of 500 inserts, 300 updates, 100 deletes, 100 key changes),
// DEBEZIUM_JDBC_CACHE (where the jars go). Exits non-zero when the tables differ.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { database, dropDatabase, ensureJars, log, sleep, startKafkaConnect, startTributary } from './connect.mjs';
import {
  comparableShapes,
  debeziumSinkConfig,
  describeTable,
  diffRows,
  insertSql,
  runRound,
  SOURCE_DDL,
  tableRows,
} from './oracle.mjs';

const ROUNDS = Number(process.env.JDBC_COMPARE_ROUNDS ?? 10);

async function main() {
  const libs = ensureJars();
  const tag = `jdbccmp_${process.pid}`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jdbc-compare-'));
  const source = await database(`${tag}_src`);
  const ours = await database(`${tag}_ours`);
  const theirs = await database(`${tag}_dbz`);
  const stops = [];
  try {
    await source.client.query(SOURCE_DDL);
    await source.client.query(insertSql(1, 1001, 0));
    const trib = await startTributary(tmp, tag);
    stops.push(trib.stop);
    const topic = `${tag}.public.items`;
    await trib.put(`${tag}-cdc`, {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname': source.url.hostname,
      'database.port': source.url.port || '5432',
      'database.user': decodeURIComponent(source.url.username || 'postgres'),
      'database.dbname': source.name,
      'topic.prefix': tag,
      'plugin.name': 'pgoutput',
      'slot.name': `${tag}_slot`,
      'table.include.list': 'public.items',
      'slot.drop.on.stop': 'true',
    });
    // One sink config, the Debezium JDBC sink's keys, run by both.
    const sink = (db) =>
      debeziumSinkConfig(
        {
          jdbcUrl: db.jdbc,
          user: decodeURIComponent(db.url.username || 'postgres'),
          password: decodeURIComponent(db.url.password || 'unused'),
        },
        topic,
        'items_replica',
      );
    await trib.put(`${tag}-sink`, sink(ours));
    const connect = await startKafkaConnect(libs, tmp, { name: `${tag}-dbz-sink`, ...sink(theirs) });
    stops.push(connect.stop);
    let next = 1001;
    for (let r = 1; r <= ROUNDS; r++) next = await runRound(source.client, r, next);
    const expected = await tableRows(source.client, 'items');
    log(`source: ${expected.length} rows after ${ROUNDS * 1000} changes`);
    const deadline = Date.now() + 600_000;
    let a = [];
    let b = [];
    for (;;) {
      a = await tableRows(ours.client, 'items_replica');
      b = await tableRows(theirs.client, 'items_replica');
      const st = await connect.status();
      if (st?.tasks?.[0]?.state === 'FAILED') throw new Error(`Debezium JDBC sink failed:\n${st.tasks[0].trace}`);
      if (diffRows(expected, a) === null && diffRows(expected, b) === null) break;
      if (Date.now() > deadline) break;
      await sleep(2000);
    }
    const mine = await describeTable(ours.client, 'items_replica');
    const oracle = await describeTable(theirs.client, 'items_replica');
    const shapes = comparableShapes(mine, oracle);
    const columns = (s) => s.columns.map((c) => `${c.name} ${c.type}${c.nullable ? '' : ' NOT NULL'}`).join(', ');
    log(`ours:     ${a.length} rows; columns ${columns(mine)}; key ${mine.primaryKey}`);
    log(`Debezium: ${b.length} rows; columns ${columns(oracle)}; key ${oracle.primaryKey}`);
    const rowsDiff = diffRows(b, a);
    const ddlSame = JSON.stringify(shapes.ours) === JSON.stringify(shapes.debezium);
    if (rowsDiff !== null || !ddlSame) {
      log(
        `DIFFERENT: ${rowsDiff ?? 'rows equal'}; ${ddlSame ? 'columns equal' : 'columns differ'} (ours against Debezium)`,
      );
      process.exitCode = 1;
    } else
      log(
        `equal: ${a.length} rows and the columns (but for KNOWN_TYPE_DIFFERENCES), and both equal the source: ${diffRows(expected, a) === null}`,
      );
  } finally {
    for (const s of stops.reverse()) await s();
    await sleep(3000);
    for (const db of [source, ours, theirs]) await db.client.end().catch(() => undefined);
    for (const db of [source, ours, theirs]) await dropDatabase(db.name);
    log(`logs in ${tmp}`);
  }
}

await main();
