// CDC replica into Postgres: our Postgres CDC connector → Kafka → this sink, 100,000 changes with key changes, the worker process killed with SIGKILL five times on the way.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, unique } from '../helpers.js';
import { connectorProps, type TestDb, testDatabase } from '../postgres-cdc/harness.js';
import { clusterSpec, WorkerProcess } from '../worker-process.js';
import { type PgTarget, pgTarget } from './harness.js';
import {
  changesOf,
  diff,
  FULL_WORKLOAD,
  insertSql,
  rowKey,
  runRound,
  SOURCE_DDL,
  sourceRows,
  type WorkloadShape,
} from './replica.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KILLS = Number(process.env.JDBC_REPLICA_KILLS ?? 5);
/**
 * The run is FULL_WORKLOAD (100 rounds, 100,000 changes: JDBC_REPLICA_ROUNDS=100); by default 30 rounds
 * (30,000 changes) keep this folder near its time budget on a shared two-core machine.
 */
const WORKLOAD: WorkloadShape = { ...FULL_WORKLOAD, rounds: Number(process.env.JDBC_REPLICA_ROUNDS ?? 30) };

async function replicaRows(target: PgTarget): Promise<string[]> {
  const rows = await target
    .query(
      `SELECT id, name, qty, price::text AS price, (extract(epoch FROM updated) * 1000000)::bigint::text AS updated_us,
              doc::text AS doc, to_json(tags)::text AS tags FROM items_replica ORDER BY id`,
    )
    .catch(() => []);
  return rows.map((r) => rowKey(r as Parameters<typeof rowKey>[0]));
}

/**
 * The lines that explain a replica that went wrong: each CDC task's start decision (snapshot or stream, from
 * which offset and slot) and every warning or error, in time order across the workers.
 */
function notableLogLines(files: readonly string[]): string[] {
  const lines: Array<{ time: number; text: string }> = [];
  for (const f of new Set(files)) {
    const text = existsSync(f) ? readFileSync(f, 'utf8') : '';
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      const rec = JSON.parse(line) as { level?: number; time?: number; msg?: string };
      if ((rec.level ?? 0) >= 40 || rec.msg === 'starting' || /snapshot|slot/i.test(rec.msg ?? ''))
        lines.push({ time: rec.time ?? 0, text: `${path.basename(f)} ${line.slice(0, 600)}` });
    }
  }
  return lines.sort((a, b) => a.time - b.time).map((l) => l.text);
}

/** Both connectors' tasks RUNNING on the current worker (after a restart, the group has settled). */
async function running(worker: WorkerProcess, names: readonly string[]): Promise<boolean> {
  for (const n of names) {
    const s = await worker
      .request<{ tasks: Array<{ state: string }> }>('GET', `/connectors/${n}/status`)
      .catch(() => null);
    if (s?.status !== 200 || s.body.tasks.length === 0 || s.body.tasks.some((t) => t.state !== 'RUNNING')) return false;
  }
  return true;
}

describe('CDC replica into Postgres', () => {
  it(`after ${changesOf(WORKLOAD)} changes and ${KILLS} SIGKILLs of the worker, the replica equals the source row for row`, {
    timeout: 600_000,
  }, async () => {
    const source: TestDb = await testDatabase('jdbc_src');
    cleanup.push(() => source.close());
    const target = await pgTarget('jdbc_replica');
    cleanup.push(() => target.close());
    await source.sql(SOURCE_DDL);
    await source.sql(insertSql(1, 1001, 0)); // the initial snapshot's rows
    const name = unique('jdbc-replica');
    const prefix = name.replace(/-/g, '_');
    const spec = clusterSpec(name, {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'true',
      'value.converter.schemas.enable': 'true',
      'offset.flush.interval.ms': '1000',
      // Larger put() batches: fewer transactions, and the reduction buffer folds more changes of one row.
      'consumer.max.poll.records': '2000',
    });
    let worker = await WorkerProcess.start(spec);
    cleanup.push(() => worker.stop());
    const logFiles = [worker.logFile];

    const cdc = `${name}-cdc`;
    const sink = `${name}-sink`;
    const put = async (n: string, config: Record<string, string>) =>
      expect((await worker.request('PUT', `/connectors/${n}/config`, config)).status).toBe(201);
    const cdcProps = connectorProps(source, { 'topic.prefix': prefix });
    const slot = cdcProps['slot.name']!;
    await put(cdc, {
      ...cdcProps,
      'table.include.list': 'public.items',
      // A killed worker's walsender lingers a moment: the restarted task waits for the slot.
      'slot.max.retries': '60',
      'slot.retry.delay.ms': '500',
    });
    // Debezium's JDBC sink config as its users write it; the change events need no unwrap SMT.
    await put(sink, {
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      'connection.url': target.jdbcUrl,
      'connection.username': 'postgres',
      topics: `${prefix}.public.items`,
      'insert.mode': 'upsert',
      'delete.enabled': 'true',
      'primary.key.mode': 'record_key',
      'schema.evolution': 'basic',
      'collection.name.format': 'items_replica',
      'use.reduction.buffer': 'true',
    });

    // The workload, paced so the kills land while changes are still flowing.
    const started = Date.now();
    let nextId = 1001;
    let done = false;
    const workload = (async () => {
      for (let round = 1; round <= WORKLOAD.rounds; round++) {
        nextId = await runRound(source, WORKLOAD, round, nextId);
        await sleep(600);
      }
      done = true;
      process.stderr.write(
        `[jdbc replica] workload of ${changesOf(WORKLOAD)} changes done after ${Date.now() - started} ms\n`,
      );
    })();

    // The kills start once the initial snapshot is durable: a worker killed inside it snapshots again on restart
    // (Debezium does the same), and a snapshot cannot say which rows were deleted since the last one, so the
    // replica would keep them. From then on every kill lands in streaming, where nothing may be lost.
    await eventually(
      async () => {
        const r = await worker.request<{ offsets: Array<{ offset: Record<string, unknown> }> }>(
          'GET',
          `/connectors/${cdc}/offsets`,
        );
        const o = r.status === 200 ? r.body.offsets[0]?.offset : undefined;
        return o !== undefined && (o.snapshot === undefined || o.last_snapshot_record === true);
      },
      { what: 'the initial snapshot committed to the offset topic', timeoutMs: 120_000 },
    );

    // SIGKILL at random moments: each after the restarted worker runs both connectors again.
    const killedAt: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      await eventually(() => running(worker, [cdc, sink]), { what: 'both connectors running', timeoutMs: 90_000 });
      await sleep(1000 + Math.floor(Math.random() * 4000));
      killedAt.push((await replicaRows(target)).length);
      worker.kill9();
      // The dead worker's walsender lingers until Postgres notices its socket is gone (wal_sender_timeout);
      // ending it is what that timeout would do, sooner, so the restarted CDC task can take the slot.
      await source.sql(
        'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL',
        [slot],
      );
      worker = await WorkerProcess.start(spec);
      logFiles.push(worker.logFile);
    }
    await workload;
    expect(done).toBe(true);

    const expected = await sourceRows(source);
    expect(expected.length).toBe(1000 + WORKLOAD.rounds * (WORKLOAD.inserts - WORKLOAD.deletes));
    let last: string | null = null;
    await eventually(
      async () => {
        last = diff(expected, await replicaRows(target));
        return last === null;
      },
      { what: 'the replica to equal the source', timeoutMs: 300_000, intervalMs: 1000 },
    ).catch((e: unknown) => {
      throw new Error(
        `${String(e)}; last difference: ${last}; replica rows at the kills: ${killedAt.join(', ')}\n` +
          `what the workers logged (start decisions, warnings, errors):\n${notableLogLines(logFiles).join('\n')}`,
      );
    });
    process.stderr.write(
      `[jdbc replica] replica equal to the source ${Date.now() - started} ms after the workload started\n`,
    );
    // Upserts by key: replays after the kills left no duplicate (the primary key would refuse one anyway).
    const pk = await target.query(
      `SELECT a.attname AS col FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = 'items_replica'::regclass AND i.indisprimary`,
    );
    expect(pk).toEqual([{ col: 'id' }]);
    const types = await target.query(
      `SELECT column_name AS c, data_type AS t FROM information_schema.columns WHERE table_name = 'items_replica' ORDER BY ordinal_position`,
    );
    expect(types).toEqual([
      { c: 'id', t: 'integer' },
      { c: 'name', t: 'text' },
      { c: 'qty', t: 'integer' },
      { c: 'price', t: 'numeric' },
      { c: 'updated', t: 'timestamp with time zone' },
      { c: 'doc', t: 'jsonb' },
      { c: 'tags', t: 'ARRAY' },
    ]);
    expect(killedAt.length).toBe(KILLS);
    await worker.request('DELETE', `/connectors/${cdc}`);
    await worker.request('DELETE', `/connectors/${sink}`);
  });
});
