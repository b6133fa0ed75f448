import type { Struct } from '@tributary/api';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, slotPosition, TaskHarness, type TestDb, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('smoke', () => {
  it('snapshots, streams, and drops the slot on stop when asked', async () => {
    const db: TestDb = await testDatabase('pgcdc_smoke');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL, n numeric(10,2))');
    await db.sql("INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', null)");
    const props = connectorProps(db, { 'slot.drop.on.stop': 'true' });
    const h = new TaskHarness(props);
    cleanup.push(() => h.stop());
    await h.start();
    await h.waitFor(() => h.changes().length >= 2, 'snapshot');
    await db.sql("INSERT INTO t VALUES (3, 'c', 2)");
    await db.sql("UPDATE t SET name = 'bb' WHERE id = 2");
    await db.sql('DELETE FROM t WHERE id = 1');
    await h.waitFor(() => h.changes().length >= 5, 'stream');
    const ops = h.changes().map((r) => (r.value as Struct).get('op'));
    expect(ops).toEqual(['r', 'r', 'c', 'u', 'd']);
    expect(await slotPosition(db, props['slot.name']!)).not.toBeNull();
    await h.stop();
    // slot.drop.on.stop: the slot goes with a graceful stop.
    expect(await slotPosition(db, props['slot.name']!)).toBeNull();
  });

  it('fails start() with a retriable error when Postgres cannot be reached, and a config error for bad keys', async () => {
    const db: TestDb = await testDatabase('pgcdc_unreachable');
    cleanup.push(() => db.close());
    const down = new TaskHarness(connectorProps(db, { 'database.port': '1' }));
    await expect(down.start()).rejects.toMatchObject({
      name: 'RetriableException',
      message: expect.stringMatching(/Cannot reach Postgres/),
    });
    const bad = new TaskHarness(connectorProps(db, { 'plugin.name': 'decoderbufs', 'decimal.handling.mode': 'exact' }));
    await expect(bad.start()).rejects.toThrow(/decimal.handling.mode/);
  });
});
