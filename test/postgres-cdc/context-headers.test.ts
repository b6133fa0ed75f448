import type { SourceRecord } from '@tributary/api';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, TaskHarness, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const headersOf = (r: SourceRecord): Array<[string, unknown]> => r.headers.toArray().map((h) => [h.key, h.value]);

describe("Debezium 3's __debezium.context.* headers (extended.headers.enabled)", () => {
  it('are on snapshot rows, changes and tombstones, after a key change header; off when disabled', async () => {
    const db = await testDatabase('pgcdc_ctxhdr');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE t (id int PRIMARY KEY, v text)');
    await db.sql("INSERT INTO t VALUES (1, 'snap')");
    const h = new TaskHarness(connectorProps(db, { 'provide.transaction.metadata': 'true' }));
    cleanup.push(() => h.stop());
    await h.start();
    await h.waitFor(() => h.changes().length === 1, 'the snapshot row');
    await db.sql('UPDATE t SET id = 2 WHERE id = 1');
    // delete + tombstone + create, and the transaction's BEGIN/END
    await h.waitFor(() => h.records.filter((r) => r.topic === 'srv.public.t').length === 4, 'the key change');
    const context = (runId: unknown) => [
      ['__debezium.context.connectorLogicalName', 'srv'],
      ['__debezium.context.taskId', '0'],
      ['__debezium.context.connectorName', 'postgresql'],
      ['__debezium.context.runId', runId],
    ];
    const [snap, del, tomb, create] = h.records.filter((r) => r.topic === 'srv.public.t');
    const runId = headersOf(snap!).at(-1)![1];
    expect(runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(headersOf(snap!)).toEqual(context(runId));
    expect(headersOf(del!).slice(1)).toEqual(context(runId));
    expect(headersOf(del!)[0]![0]).toBe('__debezium.newkey');
    expect(headersOf(tomb!).map(([k]) => k)).toEqual(headersOf(del!).map(([k]) => k));
    expect(headersOf(create!)[0]![0]).toBe('__debezium.oldkey');
    expect(headersOf(create!).slice(1)).toEqual(context(runId));
    // Transaction events carry none, as in Debezium.
    const tx = h.records.filter((r) => r.topic === 'srv.transaction');
    expect(tx.length).toBeGreaterThan(0);
    expect(tx.every((r) => headersOf(r).length === 0)).toBe(true);
    await h.stop();
    cleanup.pop();

    const off = new TaskHarness(
      connectorProps(db, { 'snapshot.mode': 'always', 'extended.headers.enabled': 'false', 'slot.name': 'ctx_off' }),
    );
    cleanup.push(() => off.stop());
    await off.start();
    await off.waitFor(() => off.changes().length === 1, 'the snapshot row');
    expect(headersOf(off.changes()[0]!)).toEqual([]);
  });
});
