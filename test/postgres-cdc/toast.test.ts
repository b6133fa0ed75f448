import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, rowOf, TaskHarness, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** Incompressible text well over the TOAST threshold (~2 KB) and over 8 KB. */
const big = (n = 20_000): string => randomBytes(n / 2).toString('hex');

describe('TOAST', () => {
  for (const identity of ['DEFAULT', 'FULL'] as const) {
    it(`values over 8 KB unchanged / changed / null under REPLICA IDENTITY ${identity}`, async () => {
      const db = await testDatabase(`pgcdc_toast_${identity.toLowerCase()}`);
      cleanup.push(() => db.close());
      await db.sql('CREATE TABLE doc (id int PRIMARY KEY, title text NOT NULL, body text, data bytea, tags text[])');
      await db.sql(`ALTER TABLE doc REPLICA IDENTITY ${identity}`);
      const h = new TaskHarness(connectorProps(db, { 'snapshot.mode': 'no_data' }));
      cleanup.push(() => h.stop());
      await h.start();
      const body1 = big();
      const body2 = big();
      const bytes = randomBytes(12_000);
      const tags = Array.from({ length: 800 }, () => big(40));
      await db.sql('INSERT INTO doc VALUES (1, $1, $2, $3, $4)', ['t1', body1, bytes, tags]);
      await db.sql("UPDATE doc SET title = 't2' WHERE id = 1"); // TOASTed columns unchanged
      await db.sql('UPDATE doc SET body = $1 WHERE id = 1', [body2]); // body changed, the others unchanged
      await db.sql('UPDATE doc SET body = NULL WHERE id = 1'); // set to null
      await h.waitFor(() => h.changes().length === 4, 'four events');
      const [ins, unchanged, changed, nulled] = h.changes().map((r) => rowOf(r, 'after')!);
      expect(ins!.body).toBe(body1);
      expect(Buffer.from(ins!.data as Uint8Array).equals(bytes)).toBe(true);
      expect(ins!.tags).toEqual(tags);
      const placeholder = '__debezium_unavailable_value';
      if (identity === 'FULL') {
        // The old row carries the values; unchanged TOAST columns are filled from it.
        expect(unchanged!.body).toBe(body1);
        expect(Buffer.from(unchanged!.data as Uint8Array).equals(bytes)).toBe(true);
        expect(unchanged!.tags).toEqual(tags);
        expect(changed!.data && Buffer.from(changed!.data as Uint8Array).equals(bytes)).toBe(true);
        expect(rowOf(h.changes()[1]!, 'before')!.body).toBe(body1);
      } else {
        expect(unchanged!.body).toBe(placeholder);
        expect(Buffer.from(unchanged!.data as Uint8Array).toString()).toBe(placeholder);
        expect(unchanged!.tags).toEqual([placeholder]);
        expect(Buffer.from(changed!.data as Uint8Array).toString()).toBe(placeholder);
        expect(rowOf(h.changes()[1]!, 'before')).toBeNull();
      }
      expect(unchanged!.title).toBe('t2');
      expect(changed!.body).toBe(body2);
      expect(nulled!.body).toBeNull();
    });
  }

  it('honours a hex unavailable.value.placeholder', async () => {
    const db = await testDatabase('pgcdc_toast_hex');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE doc (id int PRIMARY KEY, n int, data bytea)');
    const h = new TaskHarness(
      connectorProps(db, { 'snapshot.mode': 'no_data', 'unavailable.value.placeholder': 'hex:deadbeef' }),
    );
    cleanup.push(() => h.stop());
    await h.start();
    await db.sql('INSERT INTO doc VALUES (1, 1, $1)', [randomBytes(20_000)]);
    await db.sql('UPDATE doc SET n = 2');
    await h.waitFor(() => h.changes().length === 2, 'two events');
    expect(Buffer.from(rowOf(h.changes()[1]!, 'after')!.data as Uint8Array).toString('hex')).toBe('deadbeef');
  });
});
