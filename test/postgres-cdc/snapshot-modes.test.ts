import type { Struct } from '@tributary/api';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, field, rowOf, slotPosition, TaskHarness, type TestDb, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const marker = (r: { value: unknown }) => (field(r as never, 'source') as Struct).get('snapshot') as string;

async function db3(prefix: string): Promise<TestDb> {
  const db = await testDatabase(prefix);
  cleanup.push(() => db.close());
  await db.sql('CREATE TABLE a (id int PRIMARY KEY, pad text)');
  await db.sql('CREATE TABLE b (id int PRIMARY KEY)');
  await db.sql('CREATE TABLE c (id int PRIMARY KEY)');
  // a spans many 8 KB blocks so two readers split it into ctid ranges.
  await db.sql("INSERT INTO a SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
  await db.sql('INSERT INTO b SELECT generate_series(1, 3)');
  return db;
}

describe('snapshots', () => {
  it('marks first/last records as Debezium does and writes snapshot offsets', async () => {
    const db = await db3('pgcdc_snap_markers');
    const h = new TaskHarness(connectorProps(db, { 'snapshot.max.threads': '2' }));
    cleanup.push(() => h.stop());
    await h.start();
    await h.waitFor(() => h.changes().length === 20003, 'all snapshot rows');
    const ev = h.changes();
    expect(ev.every((r) => field(r, 'op') === 'r')).toBe(true);
    const ids = ev.filter((r) => r.topic === 'srv.public.a').map((r) => rowOf(r, 'after')!.id as number);
    expect(new Set(ids).size).toBe(20000);
    const markers = ev.map(marker);
    expect(markers[0]).toBe('first');
    expect(markers[19999]).toBe('last_in_data_collection');
    expect(markers[20000]).toBe('first_in_data_collection');
    expect(markers[20001]).toBe('true');
    expect(markers[20002]).toBe('last');
    expect(markers.slice(1, 19999).every((m) => m === 'true')).toBe(true);
    expect(ev[0]!.sourceOffset).toMatchObject({ snapshot: true, last_snapshot_record: false });
    expect(ev[20002]!.sourceOffset).toMatchObject({ snapshot: true, last_snapshot_record: true });
    const src = (field(ev[0]!, 'source') as Struct).toJSON();
    expect(src.lsn).toBe(ev[0]!.sourceOffset!.lsn);
    // Streaming continues after the snapshot.
    await db.sql('INSERT INTO c VALUES (1)');
    await h.waitFor(() => h.changes().length === 20004, 'a streamed change');
    expect(marker(h.changes().at(-1)!)).toBe('false');
  });

  it('restarts an interrupted snapshot, and skips a completed one (initial)', async () => {
    const db = await db3('pgcdc_snap_restart');
    const props = connectorProps(db);
    const h1 = new TaskHarness(props);
    cleanup.push(() => h1.stop());
    await h1.start();
    await h1.waitFor(() => h1.changes().length >= 100, 'part of the snapshot');
    await h1.commitThrough(50);
    await h1.stop();
    cleanup.pop();
    expect(h1.committed).toMatchObject({ snapshot: true, last_snapshot_record: false });
    const h2 = new TaskHarness(props, h1.committed);
    cleanup.push(() => h2.stop());
    await h2.start();
    await h2.waitFor(() => h2.changes().length === 20003, 'a complete new snapshot');
    await h2.commitAll();
    await h2.stop();
    cleanup.pop();
    await db.sql('INSERT INTO c VALUES (7)');
    const h3 = new TaskHarness(props, h2.committed);
    cleanup.push(() => h3.stop());
    await h3.start();
    await h3.waitFor(() => h3.changes().length === 1, 'only the new change');
    expect(field(h3.changes()[0]!, 'op')).toBe('c');
  });

  it('initial_only stops after the snapshot; always snapshots on every start', async () => {
    const db = await db3('pgcdc_snap_modes');
    const only = new TaskHarness(
      connectorProps(db, { 'snapshot.mode': 'initial_only', 'table.include.list': 'public\\.b' }),
    );
    cleanup.push(() => only.stop());
    await only.start();
    await only.waitFor(() => only.changes().length === 3, 'snapshot of b');
    await db.sql('INSERT INTO b VALUES (4)');
    await new Promise((r) => setTimeout(r, 700));
    expect(only.changes().length).toBe(3);
    await only.commitAll();
    await only.stop();
    cleanup.pop();

    const always = connectorProps(db, { 'snapshot.mode': 'always', 'table.include.list': 'public\\.b' });
    const h = new TaskHarness(always, only.committed);
    cleanup.push(() => h.stop());
    await h.start();
    await h.waitFor(() => h.changes().length === 4, 'a second snapshot including the new row');
    expect(h.changes().map((r) => field(r, 'op'))).toEqual(['r', 'r', 'r', 'r']);
  });

  it('when_needed snapshots again when the slot is gone', async () => {
    const db = await db3('pgcdc_snap_needed');
    const props = connectorProps(db, { 'snapshot.mode': 'when_needed', 'table.include.list': 'public\\.b' });
    const h1 = new TaskHarness(props);
    cleanup.push(() => h1.stop());
    await h1.start();
    await h1.waitFor(() => h1.changes().length === 3, 'first snapshot');
    await db.sql('INSERT INTO b VALUES (4)');
    await h1.waitFor(() => h1.changes().length === 4, 'streamed row');
    await h1.commitAll();
    await h1.stop();
    cleanup.pop();
    await db.sql(`SELECT pg_drop_replication_slot('${props['slot.name']}')`);
    await db.sql('INSERT INTO b VALUES (5)');
    const h2 = new TaskHarness(props, h1.committed);
    cleanup.push(() => h2.stop());
    await h2.start();
    await h2.waitFor(() => h2.changes().length === 5, 'a new snapshot with the row written while the slot was gone');
    expect(h2.changes().map((r) => field(r, 'op'))).toEqual(['r', 'r', 'r', 'r', 'r']);
    expect(await slotPosition(db, props['slot.name']!)).not.toBeNull();
  });

  it('applies snapshot.include.collection.list and snapshot.select.statement.overrides', async () => {
    const db = await db3('pgcdc_snap_select');
    const h = new TaskHarness(
      connectorProps(db, {
        'snapshot.include.collection.list': 'public\\.a',
        'snapshot.select.statement.overrides': 'public.a',
        'snapshot.select.statement.overrides.public.a': 'SELECT id, pad FROM public.a WHERE id <= 2',
      }),
    );
    cleanup.push(() => h.stop());
    await h.start();
    await h.waitFor(() => h.changes().length === 2, 'the overridden snapshot');
    await db.sql('INSERT INTO b VALUES (10)');
    await h.waitFor(() => h.changes().length === 3, 'b still streams');
    expect(h.changes().map((r) => `${r.topic}:${rowOf(r, 'after')!.id}`)).toEqual([
      'srv.public.a:1',
      'srv.public.a:2',
      'srv.public.b:10',
    ]);
  });
});
