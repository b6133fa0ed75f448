import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, rowOf, TaskHarness, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** NaN has no precise Decimal form: Debezium (and this connector) refuse it in decimal.handling.mode=precise. */
async function run(mode: string | null): Promise<TaskHarness> {
  const db = await testDatabase('pgcdc_failmode');
  cleanup.push(() => db.close());
  await db.sql('CREATE TABLE m (id int PRIMARY KEY, amount numeric)');
  const h = new TaskHarness(
    connectorProps(db, {
      'snapshot.mode': 'no_data',
      ...(mode ? { 'event.processing.failure.handling.mode': mode } : {}),
    }),
  );
  cleanup.push(() => h.stop());
  await h.start();
  await db.sql('INSERT INTO m VALUES (1, 1.5)');
  await db.sql("INSERT INTO m VALUES (2, 'NaN')");
  await db.sql('INSERT INTO m VALUES (3, 3.5)');
  return h;
}

describe('event.processing.failure.handling.mode', () => {
  it('fail (the default) stops the task with a message naming the change and the way out', async () => {
    const h = await run(null);
    await h.waitFor(() => h.error !== null, 'the task to fail', 15_000);
    expect(h.error?.message).toMatch(
      /Error processing the insert of public\.m at LSN [0-9A-F]+\/[0-9A-F]+ \(txId \d+\): Got a special value \(NaN\) for Decimal type in column amount.*event\.processing\.failure\.handling\.mode=warn or skip/s,
    );
    // Nothing after the bad change was emitted: the task stops where it is.
    expect(h.changes().map((r) => rowOf(r, 'after')!.id)).toEqual([1]);
  });

  it('warn skips the change and goes on', async () => {
    const h = await run('warn');
    await h.waitFor(() => h.changes().length === 2, 'the good rows');
    expect(h.changes().map((r) => rowOf(r, 'after')!.id)).toEqual([1, 3]);
    expect(h.error).toBeNull();
  });
});
