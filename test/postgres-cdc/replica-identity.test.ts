import type { SourceRecord, Struct } from '@tributary/api';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, field, rowOf, TaskHarness, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const summary = (r: SourceRecord) => ({
  op: r.value === null ? 'tombstone' : field(r, 'op'),
  key: r.key ? (r.key as Struct).toJSON() : null,
  before: r.value === null ? undefined : rowOf(r, 'before'),
  after: r.value === null ? undefined : rowOf(r, 'after'),
  // The key change headers; the context headers every event carries are covered by context-headers.test.ts.
  headers: r.headers
    .toArray()
    .filter((h) => !h.key.startsWith('__debezium.context.'))
    .map((h) => [h.key, (h.value as Struct).toJSON()]),
});

describe('replica identity × operations', () => {
  for (const identity of ['DEFAULT', 'FULL'] as const) {
    it(`REPLICA IDENTITY ${identity}: insert, update, PK update, delete, truncate`, async () => {
      const db = await testDatabase(`pgcdc_ri_${identity.toLowerCase()}`);
      cleanup.push(() => db.close());
      await db.sql('CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, qty int)');
      await db.sql(`ALTER TABLE item REPLICA IDENTITY ${identity}`);
      const h = new TaskHarness(connectorProps(db, { 'snapshot.mode': 'no_data', 'skipped.operations': 'none' }));
      cleanup.push(() => h.stop());
      await h.start();
      await db.sql("INSERT INTO item VALUES (1, 'apple', 3)");
      await db.sql('UPDATE item SET qty = 4 WHERE id = 1');
      await db.sql('UPDATE item SET id = 2 WHERE id = 1');
      await db.sql('DELETE FROM item WHERE id = 2');
      await db.sql("INSERT INTO item VALUES (3, 'pear', null)");
      await db.sql('TRUNCATE item');
      await h.waitFor(() => h.records.some((r) => r.value !== null && field(r, 'op') === 't'), 'the truncate');
      const got = h.records.map(summary);
      const full = identity === 'FULL';
      expect(got).toEqual([
        { op: 'c', key: { id: 1 }, before: null, after: { id: 1, name: 'apple', qty: 3 }, headers: [] },
        {
          op: 'u',
          key: { id: 1 },
          before: full ? { id: 1, name: 'apple', qty: 3 } : null,
          after: { id: 1, name: 'apple', qty: 4 },
          headers: [],
        },
        // The key changed: delete of the old key (+ tombstone), create of the new one.
        {
          op: 'd',
          key: { id: 1 },
          before: full ? { id: 1, name: 'apple', qty: 4 } : { id: 1, name: '', qty: null },
          after: null,
          headers: [['__debezium.newkey', { id: 2 }]],
        },
        // Like Debezium's, the tombstone carries the delete's headers.
        {
          op: 'tombstone',
          key: { id: 1 },
          before: undefined,
          after: undefined,
          headers: [['__debezium.newkey', { id: 2 }]],
        },
        {
          op: 'c',
          key: { id: 2 },
          before: null,
          after: { id: 2, name: 'apple', qty: 4 },
          headers: [['__debezium.oldkey', { id: 1 }]],
        },
        {
          op: 'd',
          key: { id: 2 },
          before: full ? { id: 2, name: 'apple', qty: 4 } : { id: 2, name: '', qty: null },
          after: null,
          headers: [],
        },
        { op: 'tombstone', key: { id: 2 }, before: undefined, after: undefined, headers: [] },
        { op: 'c', key: { id: 3 }, before: null, after: { id: 3, name: 'pear', qty: null }, headers: [] },
        { op: 't', key: null, before: null, after: null, headers: [] },
      ]);
      const t = h.records.at(-1)!;
      expect(t.topic).toBe('srv.public.item');
      expect(
        ((field(t, 'source') as Struct).get('table') as string) + (field(t, 'source') as Struct).get('schema'),
      ).toBe('itempublic');
    });
  }

  it('tables without a primary key get a null key; message.key.columns sets one', async () => {
    const db = await testDatabase('pgcdc_nokey');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE log (at int, msg text)');
    await db.sql('CREATE TABLE log2 (at int, msg text)');
    const h = new TaskHarness(
      connectorProps(db, { 'snapshot.mode': 'no_data', 'message.key.columns': 'public.log2:msg' }),
    );
    cleanup.push(() => h.stop());
    await h.start();
    await db.sql("INSERT INTO log VALUES (1, 'a')");
    await db.sql("INSERT INTO log2 VALUES (1, 'b')");
    await h.waitFor(() => h.changes().length === 2, 'two inserts');
    expect(h.changes()[0]!.key).toBeNull();
    expect(h.changes()[0]!.keySchema).toBeNull();
    expect((h.changes()[1]!.key as Struct).toJSON()).toEqual({ msg: 'b' });
    expect(h.changes()[1]!.keySchema!.name).toBe('srv.public.log2.Key');
  });
});
