import type { SourceRecord } from '@tributary/api';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, field, rowOf, TaskHarness, type TestDb, testDatabase } from './harness.js';
import { startPrivatePostgres } from './private-postgres.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const SIGNAL_DDL =
  'CREATE TABLE dbz_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))';

async function setup(
  prefix: string,
  rows: number,
  overrides: Record<string, string> = {},
): Promise<{ db: TestDb; props: Record<string, string> }> {
  const db = await testDatabase(prefix);
  cleanup.push(() => db.close());
  await db.sql('CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL)');
  await db.sql(SIGNAL_DDL);
  await db.sql(`INSERT INTO items SELECT g, 0 FROM generate_series(1, ${rows}) g`);
  const props = connectorProps(db, {
    'snapshot.mode': 'no_data',
    'signal.data.collection': 'public.dbz_signal',
    ...overrides,
  });
  return { db, props };
}

async function signal(db: TestDb, id: string, type: string, data: unknown): Promise<void> {
  await db.sql('INSERT INTO dbz_signal (id, type, data) VALUES ($1, $2, $3)', [id, type, JSON.stringify(data)]);
}

const itemEvents = (h: TaskHarness): SourceRecord[] => h.changes('srv.public.items');
const isIncremental = (r: SourceRecord): boolean =>
  field(r, 'op') === 'r' && (field(r, 'source') as { get(n: string): unknown }).get('snapshot') === 'incremental';
const snapshotRunning = (r: SourceRecord | null | undefined): boolean =>
  r?.sourceOffset?.incremental_snapshot_collections !== undefined;

/** Waits until the task's offsets say no incremental snapshot runs any more (after one did). */
async function waitForSnapshotEnd(h: TaskHarness, timeoutMs = 60_000): Promise<void> {
  await h.waitFor(() => h.records.some((r) => snapshotRunning(r)), 'the incremental snapshot to start', timeoutMs);
  await h.waitFor(
    () => itemEvents(h).some(isIncremental) && !snapshotRunning(h.records.at(-1)),
    'the incremental snapshot to finish',
    timeoutMs,
  );
}

describe('incremental snapshots (signal table, watermark windows)', () => {
  it('snapshots a table in chunks while it changes: no event goes back in time and the result equals the table', async () => {
    const { db, props } = await setup('pgcdc_incr1', 4000, { 'incremental.snapshot.chunk.size': '50' });
    const h = new TaskHarness(props);
    cleanup.push(() => h.stop());
    await h.start();

    // Concurrent writers: v only ever grows, deleted ids never come back, new ids are above 100000.
    let writing = true;
    let writes = 0;
    let next = 100_001;
    const writer = async (): Promise<void> => {
      const w = new pg.Client({ connectionString: db.url });
      await w.connect();
      try {
        while (writing) {
          const id = 1 + Math.floor(Math.random() * 4000);
          const pick = Math.random();
          if (pick < 0.7) await w.query('UPDATE items SET v = v + 1 WHERE id = $1', [id]);
          else if (pick < 0.85) await w.query('DELETE FROM items WHERE id = $1', [id]);
          else await w.query('INSERT INTO items VALUES ($1, 1)', [next++]);
          writes++;
        }
      } finally {
        await w.end();
      }
    };
    const writers = [writer(), writer()];
    await new Promise((r) => setTimeout(r, 200));
    await signal(db, 'sig-1', 'execute-snapshot', { 'data-collections': ['public.items'], type: 'incremental' });
    await waitForSnapshotEnd(h);
    await new Promise((r) => setTimeout(r, 200));
    writing = false;
    await Promise.all(writers);
    // Let the stream deliver the writers' last changes.
    const final = await db.sql('SELECT id, v FROM items ORDER BY id');
    const expected = new Map<number, number>(final.rows.map((r: { id: number; v: number }) => [r.id, r.v]));
    const state = new Map<number, number>();
    const seen = (): boolean => {
      state.clear();
      for (const r of itemEvents(h)) {
        const op = field(r, 'op');
        if (op === 'd') state.delete(rowOf(r, 'before')!.id as number);
        else {
          const a = rowOf(r, 'after')!;
          state.set(a.id as number, a.v as number);
        }
      }
      return state.size === expected.size && [...expected].every(([k, v]) => state.get(k) === v);
    };
    // Two unpaced writers outrun a loaded machine's stream: draining their backlog can take a while.
    await h.waitFor(seen, 'the events to add up to the table', 150_000).catch((e: unknown) => {
      const wrong = [...expected].filter(([k, v]) => state.get(k) !== v).slice(0, 5);
      throw new Error(
        `${String(e)}: ${state.size} keys from the events, ${expected.size} rows in the table, ${writes} writes; first differences ${JSON.stringify(wrong.map(([k, v]) => [k, v, state.get(k)]))}`,
      );
    });

    // No event goes back in time: per key, v never decreases and nothing follows a delete.
    const last = new Map<number, number | 'deleted'>();
    let incremental = 0;
    for (const r of itemEvents(h)) {
      const op = field(r, 'op');
      const row = rowOf(r, op === 'd' ? 'before' : 'after')!;
      const id = row.id as number;
      const prev = last.get(id);
      expect(prev, `event for id ${id} after its delete`).not.toBe('deleted');
      if (op === 'd') {
        last.set(id, 'deleted');
        continue;
      }
      if (typeof prev === 'number') expect(row.v as number).toBeGreaterThanOrEqual(prev);
      last.set(id, row.v as number);
      if (isIncremental(r)) {
        incremental++;
        expect(r.key).not.toBeNull();
      }
    }
    // Every row of the table that no writer touched came from the snapshot (the others may have
    // been superseded by their streamed events inside a window).
    expect(incremental).toBeGreaterThan(0);
    const streamedIds = new Set(
      itemEvents(h)
        .filter((r) => field(r, 'op') !== 'r')
        .map((r) => r.key!.toString()),
    );
    const untouched = [...expected.keys()].filter((id) => id <= 4000 && !streamedIds.has(`Struct{id=${id}}`));
    const snapshotted = new Set(
      itemEvents(h)
        .filter(isIncremental)
        .map((r) => rowOf(r, 'after')!.id as number),
    );
    expect(untouched.every((id) => snapshotted.has(id))).toBe(true);
    process.stderr.write(
      `[incremental snapshot] 4000 rows, ${writes} concurrent writes: ${incremental} snapshot events, ${untouched.length} untouched rows all present, final state equals the table (${expected.size} rows)\n`,
    );
  }, 300_000);

  it('a chunk never reads a row older than a change the stream already delivered (committed, not yet visible)', async () => {
    // Postgres writes a commit record before the transaction becomes visible. A synchronous standby that never
    // answers holds a transaction exactly there: committed in the WAL (so streamed) but invisible to every snapshot.
    // Under load the same gap is a few milliseconds wide; here it lasts until the test cancels the wait.
    const server = await startPrivatePostgres({ synchronous_standby_names: 'ghost', synchronous_commit: 'local' });
    cleanup.push(async () => server.destroy());
    const db = await testDatabase('pgcdc_incr_vis', server.url);
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL)');
    await db.sql(SIGNAL_DDL);
    await db.sql('INSERT INTO items SELECT g, 0 FROM generate_series(1, 100) g');
    const h = new TaskHarness(
      connectorProps(db, { 'snapshot.mode': 'no_data', 'signal.data.collection': 'public.dbz_signal' }),
    );
    cleanup.push(() => h.stop());
    await h.start();

    const held = new pg.Client({ connectionString: db.url });
    held.on('error', () => {});
    await held.connect();
    cleanup.push(() => held.end().catch(() => undefined));
    const pid = (await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await held.query('SET synchronous_commit = on');
    const update = held.query('UPDATE items SET v = 1 WHERE id = 5');
    const eventsOf5 = (): Array<[unknown, unknown]> =>
      itemEvents(h)
        .filter((r) => rowOf(r, 'after')?.id === 5)
        .map((r) => [field(r, 'op'), rowOf(r, 'after')!.v]);
    await h.waitFor(() => eventsOf5().length > 0, 'the held update streamed');
    expect((await db.sql('SELECT v FROM items WHERE id = 5')).rows[0]!.v).toBe(0);

    await signal(db, 'sig-vis', 'execute-snapshot', { 'data-collections': ['public.items'] });
    // The first window is open in the table and its chunk is being read: it must wait for the held transaction.
    const opened = async (): Promise<boolean> =>
      (await db.sql(`SELECT 1 FROM dbz_signal WHERE type = 'snapshot-window-open'`)).rowCount! > 0;
    for (let i = 0; i < 100 && !(await opened()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await opened()).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect(itemEvents(h).filter(isIncremental)).toHaveLength(0);

    await db.sql('SELECT pg_cancel_backend($1)', [pid]);
    await update;
    await waitForSnapshotEnd(h);
    const ids = itemEvents(h)
      .filter(isIncremental)
      .map((r) => rowOf(r, 'after')!.id as number);
    expect(ids).toEqual([...Array(100).keys()].map((i) => i + 1));
    // Row 5: the streamed update, then the chunk's copy, which saw it.
    expect(eventsOf5()).toEqual([
      ['u', 1],
      ['r', 1],
    ]);
  }, 120_000);

  it('resumes after a crash from the offsets: re-reads at most the chunk in progress', async () => {
    const { db, props } = await setup('pgcdc_incr2', 1000, { 'incremental.snapshot.chunk.size': '100' });
    const h1 = new TaskHarness(props);
    cleanup.push(() => h1.stop());
    await h1.start();
    await signal(db, 'sig-2', 'execute-snapshot', { 'data-collections': ['public\\.items'] });
    await h1.waitFor(() => itemEvents(h1).filter(isIncremental).length >= 400, '400 snapshot rows');
    // The offset flush covered the 250th snapshot row — the middle of the third chunk — when the worker died.
    const snap1 = h1.records.filter((r) => isIncremental(r));
    const committed = snap1[249]!;
    h1.committed = committed.sourceOffset;
    expect(h1.committed!.incremental_snapshot_collections).toBe(
      JSON.stringify([
        {
          incremental_snapshot_collections_id: 'public.items',
          incremental_snapshot_collections_additional_condition: null,
          incremental_snapshot_collections_surrogate_key: null,
        },
      ]),
    );
    expect(h1.committed!.incremental_snapshot_primary_key).toBe('["200"]');
    expect(h1.committed!.incremental_snapshot_maximum_key).toBe('["1000"]');
    await h1.stop();
    cleanup.pop();

    const h2 = new TaskHarness(props, h1.committed);
    cleanup.push(() => h2.stop());
    await h2.start();
    await h2.waitFor(
      () => itemEvents(h2).some((r) => isIncremental(r) && rowOf(r, 'after')!.id === 1000),
      'the last row',
    );
    const delivered = [
      ...snap1.slice(0, 250).map((r) => rowOf(r, 'after')!.id as number),
      ...itemEvents(h2)
        .filter(isIncremental)
        .map((r) => rowOf(r, 'after')!.id as number),
    ];
    expect(new Set(delivered).size).toBe(1000);
    const duplicates = delivered.length - 1000;
    // The third chunk (201..300) is read again: the 50 rows of it that were delivered are the duplicates.
    expect(duplicates).toBe(50);
    expect(rowOf(itemEvents(h2).filter(isIncremental)[0]!, 'after')!.id).toBe(201);
    await h2.waitFor(() => !snapshotRunning(h2.records.at(-1)), 'the snapshot to finish');
    process.stderr.write(`[incremental resume] crash mid-chunk: 1000 rows delivered, ${duplicates} duplicates\n`);
  });

  it('insert_delete watermarks, additional conditions, a filtered publication, pause/resume and stop', async () => {
    const { db, props } = await setup('pgcdc_incr3', 300, {
      'incremental.snapshot.chunk.size': '40',
      'incremental.snapshot.watermarking.strategy': 'insert_delete',
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public.items,public.other',
    });
    await db.sql('CREATE TABLE other (id int PRIMARY KEY)');
    await db.sql('INSERT INTO other SELECT g FROM generate_series(1, 50) g');
    await db.sql('CREATE TABLE nokey (x int)');
    const h = new TaskHarness(props);
    cleanup.push(() => h.stop());
    await h.start();
    // The filtered publication carries the signal table too, or no signal would ever arrive.
    const pub = await db.sql(
      `SELECT tablename FROM pg_publication_tables WHERE pubname = 'dbz_publication' ORDER BY 1`,
    );
    expect(pub.rows.map((r: { tablename: string }) => r.tablename)).toEqual(['dbz_signal', 'items', 'other']);

    // Paused right after it started: the chunk already read is delivered, no further one.
    await db.sql('BEGIN');
    await signal(db, 'sig-3', 'execute-snapshot', {
      'data-collections': ['public.items', 'public.other'],
      'additional-conditions': [{ 'data-collection': 'public.items', filter: 'id % 3 = 0' }],
    });
    await signal(db, 'pause-1', 'pause-snapshot', {});
    await db.sql('COMMIT');
    await h.waitFor(() => itemEvents(h).filter(isIncremental).length === 40, 'the first chunk');
    await new Promise((r) => setTimeout(r, 1500));
    expect(itemEvents(h).filter(isIncremental)).toHaveLength(40);
    await signal(db, 'resume-1', 'resume-snapshot', {});
    await h.waitFor(() => h.changes('srv.public.other').filter(isIncremental).length === 50, 'the other table');
    const items = itemEvents(h)
      .filter(isIncremental)
      .map((r) => rowOf(r, 'after')!.id as number);
    expect(items).toEqual(Array.from({ length: 100 }, (_, i) => (i + 1) * 3));
    // The snapshot of `other` ends with one more, empty, window that emits nothing, so the last
    // record may still carry the snapshot's state: stream changes until one comes after that window.
    for (let tick = 1000; snapshotRunning(h.records.at(-1)); tick++) {
      await db.sql(`INSERT INTO other VALUES (${tick})`);
      await h.waitFor(() => h.changes('srv.public.other').some((r) => rowOf(r, 'after')?.id === tick), `row ${tick}`);
    }
    // insert_delete leaves only the signals themselves in the table.
    const left = await db.sql('SELECT id FROM dbz_signal ORDER BY id');
    expect(left.rows.map((r: { id: string }) => r.id)).toEqual(['pause-1', 'resume-1', 'sig-3']);

    // stop-snapshot drops the table in progress, window and all (here in the transaction that
    // started it, so the outcome does not depend on timing); a table without a key is skipped.
    const before = itemEvents(h).filter(isIncremental).length;
    await db.sql('BEGIN');
    await signal(db, 'sig-4', 'execute-snapshot', { 'data-collections': ['public.items', 'public.nokey'] });
    await signal(db, 'stop-1', 'stop-snapshot', { 'data-collections': ['public.items'], type: 'incremental' });
    await db.sql('COMMIT');
    await db.sql('INSERT INTO items VALUES (5000, 1)');
    await h.waitFor(() => itemEvents(h).some((r) => rowOf(r, 'after')?.id === 5000), 'the streamed insert');
    await new Promise((r) => setTimeout(r, 1000));
    expect(itemEvents(h).filter(isIncremental).length).toBe(before);
    expect(snapshotRunning(h.records.at(-1))).toBe(false);
  });
});
