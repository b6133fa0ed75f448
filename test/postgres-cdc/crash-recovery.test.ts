import { afterEach, describe, expect, it } from 'vitest';
import {
  connectorProps,
  field,
  lsnValue,
  rowOf,
  slotPosition,
  TaskHarness,
  type TestDb,
  testDatabase,
  waitForSlot,
} from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(prefix: string): Promise<{ db: TestDb; props: Record<string, string> }> {
  const db = await testDatabase(prefix);
  cleanup.push(() => db.close());
  await db.sql('CREATE TABLE ev (id int PRIMARY KEY, v text NOT NULL)');
  return { db, props: connectorProps(db, { 'snapshot.mode': 'no_data' }) };
}

/** Three transactions of 10 rows each, ids from `from`. */
async function writeBatches(db: TestDb, from: number, txns = 3, per = 10): Promise<void> {
  for (let t = 0; t < txns; t++) {
    const start = from + t * per;
    await db.sql(`INSERT INTO ev SELECT g, 'v' || g FROM generate_series(${start}, ${start + per - 1}) g`);
  }
}

const ids = (h: TaskHarness): number[] => h.changes().map((r) => rowOf(r, 'after')!.id as number);

describe('crash recovery', () => {
  it('crash after send, before the offset commit: nothing lost, duplicates only the uncommitted tail', async () => {
    const { db, props } = await setup('pgcdc_crash1');
    const h1 = new TaskHarness(props);
    cleanup.push(() => h1.stop());
    await h1.start();
    await writeBatches(db, 1);
    await h1.waitFor(() => h1.changes().length === 30, '30 events');
    // Kafka acknowledged everything, but the offset flush only covered the 15th record — the
    // middle of the second transaction — when the worker died.
    await h1.commitThrough(15);
    const committedSerial = h1.committed!.event_serial_no;
    expect(committedSerial).toBe(5);
    await h1.stop();
    cleanup.pop();
    await writeBatches(db, 31, 1);

    const h2 = new TaskHarness(props, h1.committed);
    cleanup.push(() => h2.stop());
    await h2.start();
    await h2.waitFor(() => ids(h2).includes(40), 'rows after the restart');
    await new Promise((r) => setTimeout(r, 300));
    // What Kafka holds: all 30 sent by the first run, then what the second run sent.
    const all = [...ids(h1), ...ids(h2)];
    // No loss: every row at least once, in order per run.
    expect([...new Set(all)].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // Duplicates are exactly the sent-but-uncommitted tail (records 16..30), resumed mid-transaction.
    const duplicates = all.length - new Set(all).size;
    expect(duplicates).toBe(15);
    expect(ids(h2)[0]).toBe(16);
    process.stderr.write(
      `[crash after send] ${duplicates} duplicates = the uncommitted tail (30 sent, 15 committed)\n`,
    );
  });

  it('crash after the offset commit, before the LSN flush: the server replays, the connector skips what Kafka has', async () => {
    const { db, props } = await setup('pgcdc_crash2');
    const h1 = new TaskHarness(props);
    cleanup.push(() => h1.stop());
    await h1.start();
    await writeBatches(db, 1);
    await h1.waitFor(() => h1.changes().length === 30, '30 events');
    const before = await slotPosition(db, props['slot.name']!);
    // Offsets reached Kafka (the store has them) but the task never got to confirm the LSN.
    h1.committed = h1.records.at(-1)!.sourceOffset;
    await h1.stop();
    cleanup.pop();
    const after = await slotPosition(db, props['slot.name']!);
    expect(after!.confirmed).toBe(before!.confirmed);
    await writeBatches(db, 31, 1);

    const h2 = new TaskHarness(props, h1.committed);
    cleanup.push(() => h2.stop());
    await h2.start();
    await h2.waitFor(() => ids(h2).includes(40), 'new rows');
    await new Promise((r) => setTimeout(r, 300));
    expect(ids(h2)).toEqual(Array.from({ length: 10 }, (_, i) => 31 + i));
    // Now commit: the slot moves past everything delivered.
    await h2.commitAll();
    expect(await waitForSlot(db, props['slot.name']!, (c) => c > lsnValue(after!.confirmed!))).toBeGreaterThan(
      lsnValue(after!.confirmed!),
    );
    expect(field(h2.changes()[0]!, 'op')).toBe('c');
  });

  it('never confirms the slot past offsets that are not committed', async () => {
    const { db, props } = await setup('pgcdc_crash3');
    const h = new TaskHarness(props);
    cleanup.push(() => h.stop());
    await h.start();
    // Another database of the server writes WAL: an idle task confirms what it was sent past (the slot
    // does not hold WAL for nothing), which is what made this test race once the slot was read at start.
    const start = lsnValue((await slotPosition(db, props['slot.name']!))!.confirmed!);
    const other = await testDatabase('pgcdc_crash3_other');
    cleanup.push(() => other.close());
    await other.sql('CREATE TABLE noise (id int)');
    await other.sql('INSERT INTO noise SELECT generate_series(1, 1000)');
    await waitForSlot(db, props['slot.name']!, (c) => c > start);
    await writeBatches(db, 1, 2);
    await h.waitFor(() => h.changes().length === 20, '20 events');
    // Until the first change is queued, an idle task may confirm keepalive positions (other databases of
    // the shared server write WAL), so the slot is read once the records wait: it is not past the first
    // of them (the server sends again every transaction that commits after it), and keepalives do not
    // move it while they are not committed.
    const polled = await slotPosition(db, props['slot.name']!);
    expect(lsnValue(polled!.confirmed!)).toBeLessThanOrEqual(BigInt(h.changes()[0]!.sourceOffset!.lsn as number));
    await new Promise((r) => setTimeout(r, 1500));
    expect((await slotPosition(db, props['slot.name']!))!.confirmed).toBe(polled!.confirmed);
    await h.commitThrough(15);
    // Mid second transaction: confirmed = end of the first transaction, and it stays there.
    const mid = await waitForSlot(db, props['slot.name']!, (c) => c === BigInt(h.committed!.lsn_commit as number));
    await new Promise((r) => setTimeout(r, 1200));
    expect(lsnValue((await slotPosition(db, props['slot.name']!))!.confirmed!)).toBe(mid);
    expect(mid).toBeLessThan(BigInt(h.records[19]!.sourceOffset!.lsn as number));
  });
});
