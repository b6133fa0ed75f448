import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, field, rowOf, TaskHarness, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('replication origin', () => {
  it('source.origin and origin_lsn name the subscription a change came through; local changes have none', async () => {
    const upstream = await testDatabase('pgcdc_origin_up');
    cleanup.push(() => upstream.close());
    const db = await testDatabase('pgcdc_origin');
    cleanup.push(() => db.close());
    const slot = `sub_${db.name.replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
    for (const d of [upstream, db]) await d.sql('CREATE TABLE t (id int PRIMARY KEY, v text)');
    await upstream.sql('CREATE PUBLICATION up_pub FOR TABLE t');
    // A subscription to a database of the same server needs its slot made beforehand.
    await upstream.sql(`SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput')`);
    await db.sql(
      `CREATE SUBSCRIPTION up_sub CONNECTION 'host=${upstream.host} port=${upstream.port} user=${upstream.user} dbname=${upstream.name}'
         PUBLICATION up_pub WITH (create_slot = false, slot_name = '${slot}', copy_data = false)`,
    );
    cleanup.push(async () => {
      await db.sql('DROP SUBSCRIPTION up_sub');
    });

    const h = new TaskHarness(connectorProps(db, { 'snapshot.mode': 'no_data', 'table.include.list': 'public.t' }));
    cleanup.push(() => h.stop());
    await h.start();
    await upstream.sql("INSERT INTO t VALUES (1, 'replicated')");
    await h.waitFor(() => h.changes().length === 1, 'the replicated row', 30_000);
    await db.sql("INSERT INTO t VALUES (2, 'local')");
    await h.waitFor(() => h.changes().length === 2, 'the local row');

    const source = (i: number) => field(h.changes()[i]!, 'source') as { get(n: string): unknown };
    expect(rowOf(h.changes()[0]!, 'after')).toEqual({ id: 1, v: 'replicated' });
    expect(source(0).get('origin')).toMatch(/^pg_\d+$/);
    // The commit LSN upstream (an int64, as Debezium's).
    expect(Number(source(0).get('origin_lsn'))).toBeGreaterThan(0);
    expect(source(1).get('origin')).toBeNull();
    expect(source(1).get('origin_lsn')).toBeNull();
  });
});
