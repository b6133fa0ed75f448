// CDC replica into MariaDB: our Postgres CDC connector → Kafka → this sink's MariaDB dialect; the replica equals the source row for row.
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, unique } from '../helpers.js';
import { connectorProps, type TestDb, testDatabase } from '../postgres-cdc/harness.js';
import { clusterSpec, WorkerProcess } from '../worker-process.js';
import { type MariaTarget, mariaTarget } from './harness.js';
import { changesOf, diff, insertSql, rowKey, runRound, SOURCE_DDL, sourceRows, type WorkloadShape } from './replica.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
});

/** Smaller than the Postgres run: the dialect is what is new here, the crash handling is the same code. */
const WORKLOAD: WorkloadShape = {
  rounds: Number(process.env.JDBC_MARIADB_ROUNDS ?? 10),
  inserts: 500,
  updates: 300,
  deletes: 100,
  keyChanges: 100,
};

/** DATETIME(6) text in UTC (db.timezone) → µs since the epoch, as the source query gives it. */
function micros(text: string): string {
  const [date, time] = text.split(' ');
  const ms = Date.parse(`${date}T${time!.slice(0, 8)}Z`);
  return (BigInt(ms) * 1000n + BigInt(time!.slice(9, 15).padEnd(6, '0'))).toString();
}

async function replicaRows(target: MariaTarget): Promise<string[]> {
  const rows = await target
    .query<{
      id: number;
      name: string;
      qty: number | null;
      price: string | null;
      updated: string;
      doc: string | null;
      tags: string | null;
    }>(
      `SELECT id, name, qty, CAST(price AS CHAR) AS price, DATE_FORMAT(updated, '%Y-%m-%d %H:%i:%s.%f') AS updated, doc, tags
         FROM items_replica ORDER BY id`,
    )
    .catch(() => []);
  return rows.map((r) => rowKey({ ...r, updated_us: micros(r.updated) }));
}

describe('CDC replica into MariaDB', () => {
  it(`after ${changesOf(WORKLOAD)} changes with key changes the MariaDB replica equals the Postgres source row for row`, {
    timeout: 300_000,
  }, async () => {
    const source: TestDb = await testDatabase('jdbc_src_maria');
    cleanup.push(() => source.close());
    const target = await mariaTarget('jdbc_replica');
    cleanup.push(() => target.close());
    await source.sql(SOURCE_DDL);
    await source.sql(insertSql(1, 1001, 0));
    const name = unique('jdbc-maria');
    const prefix = name.replace(/-/g, '_');
    const worker = await WorkerProcess.start(
      clusterSpec(name, {
        'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'key.converter.schemas.enable': 'true',
        'value.converter.schemas.enable': 'true',
      }),
    );
    cleanup.push(() => worker.stop());
    const put = async (n: string, config: Record<string, string>) =>
      expect((await worker.request('PUT', `/connectors/${n}/config`, config)).status).toBe(201);
    await put(`${name}-cdc`, {
      ...connectorProps(source, { 'topic.prefix': prefix }),
      'table.include.list': 'public.items',
    });
    // Confluent's class and keys this time, with the URL's own credentials; no reduction buffer, so every
    // change is written in order.
    await put(`${name}-sink`, {
      'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
      'connection.url': `${target.jdbcUrl}?user=${encodeURIComponent(target.user)}&password=${encodeURIComponent(target.password)}`,
      topics: `${prefix}.public.items`,
      'insert.mode': 'upsert',
      'delete.enabled': 'true',
      'pk.mode': 'record_key',
      'auto.create': 'true',
      'auto.evolve': 'true',
      'table.name.format': 'items_replica',
    });
    let nextId = 1001;
    for (let round = 1; round <= WORKLOAD.rounds; round++) nextId = await runRound(source, WORKLOAD, round, nextId);
    const expected = await sourceRows(source);
    expect(expected.length).toBe(1000 + WORKLOAD.rounds * (WORKLOAD.inserts - WORKLOAD.deletes));
    let last: string | null = null;
    await eventually(
      async () => {
        last = diff(expected, await replicaRows(target));
        return last === null;
      },
      { what: 'the MariaDB replica to equal the source', timeoutMs: 240_000, intervalMs: 1000 },
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}; last difference: ${last}`);
    });
    const columns = await target.query<{ c: string; t: string; k: string }>(
      `SELECT COLUMN_NAME AS c, DATA_TYPE AS t, COLUMN_KEY AS k FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'items_replica' ORDER BY ORDINAL_POSITION`,
      [target.name],
    );
    expect(columns.map((c) => [c.c, c.t, c.k])).toEqual([
      ['id', 'int', 'PRI'],
      ['name', 'longtext', ''],
      ['qty', 'int', ''],
      ['price', 'decimal', ''],
      ['updated', 'datetime', ''],
      ['doc', 'longtext', ''],
      ['tags', 'longtext', ''],
    ]);
  });
});
