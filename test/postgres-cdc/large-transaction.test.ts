import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, field, TaskHarness, testDatabase, waitForSlot } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const ROWS = 1_000_000;

describe('a 1M-row transaction', () => {
  it('streams through the spill file with bounded memory', async () => {
    const db = await testDatabase('pgcdc_bigtx');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE big (id int PRIMARY KEY, payload text NOT NULL, n bigint)');
    const h = new TaskHarness(
      connectorProps(db, { 'snapshot.mode': 'no_data', 'max.batch.size': '4096', 'max.queue.size': '8192' }),
    );
    h.keep = false;
    let expected = 1;
    let outOfOrder = 0;
    let commitLsn: unknown = null;
    h.onRecord = (r) => {
      if (r.value === null) return;
      const after = field(r, 'after') as { get(n: string): unknown };
      if (after.get('id') !== expected) outOfOrder++;
      expected++;
      commitLsn = r.sourceOffset?.lsn_commit;
    };
    cleanup.push(() => h.stop());
    await h.start();
    // Keep the rest of the machine's memory use out of the figure: measure this process only.
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    cleanup.push(async () => clearInterval(sampler));
    const t0 = Date.now();
    await db.sql(`INSERT INTO big SELECT g, md5(g::text), g * 2 FROM generate_series(1, ${ROWS}) g`);
    const committedAt = Date.now();
    await h.waitFor(() => h.count >= ROWS, `${ROWS} events`, 280_000);
    const done = Date.now();
    clearInterval(sampler);
    const growthMb = (peak - baseline) / 1024 / 1024;
    process.stderr.write(
      `[1M-row transaction] ${ROWS} events in ${((done - committedAt) / 1000).toFixed(1)} s after commit (insert took ${((committedAt - t0) / 1000).toFixed(1)} s); ` +
        `RSS baseline ${(baseline / 1048576).toFixed(0)} MB, peak ${(peak / 1048576).toFixed(0)} MB (+${growthMb.toFixed(0)} MB)\n`,
    );
    expect(outOfOrder).toBe(0);
    expect(h.count).toBe(ROWS);
    // Holding the transaction would take gigabytes (1M events as structs); what remains is the
    // bounded queue plus however far V8 lets the heap grow before collecting (varies with load).
    expect(growthMb).toBeLessThan(512);
    // The whole transaction is covered once its last event is committed.
    await h.commitAll();
    await waitForSlot(db, h.props['slot.name']!, (c) => c >= BigInt(commitLsn as number));
  }, 300_000);
});
