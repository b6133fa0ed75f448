import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, field, TaskHarness, testDatabase, waitForSlot } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const ROWS = 1_000_000;

/**
 * A full collection on demand. The bound is on what stays reachable, not on RSS: how far V8 lets
 * the heap grow before collecting depends on the machine's load and made an RSS bound flaky.
 */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

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
    const gc = collector();
    gc();
    const baseline = process.memoryUsage().rss;
    const liveBaseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let livePeak = liveBaseline;
    let samples = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
      // Every 10th sample (0.5 s): what is still reachable after a full collection.
      if (++samples % 10 === 0) {
        gc();
        livePeak = Math.max(livePeak, process.memoryUsage().heapUsed);
      }
    }, 50);
    cleanup.push(async () => clearInterval(sampler));
    const t0 = Date.now();
    await db.sql(`INSERT INTO big SELECT g, md5(g::text), g * 2 FROM generate_series(1, ${ROWS}) g`);
    const committedAt = Date.now();
    await h.waitFor(() => h.count >= ROWS, `${ROWS} events`, 280_000);
    const done = Date.now();
    clearInterval(sampler);
    const growthMb = (peak - baseline) / 1024 / 1024;
    const liveGrowthMb = (livePeak - liveBaseline) / 1024 / 1024;
    process.stderr.write(
      `[1M-row transaction] ${ROWS} events in ${((done - committedAt) / 1000).toFixed(1)} s after commit (insert took ${((committedAt - t0) / 1000).toFixed(1)} s); ` +
        `RSS baseline ${(baseline / 1048576).toFixed(0)} MB, peak ${(peak / 1048576).toFixed(0)} MB (+${growthMb.toFixed(0)} MB); ` +
        `live heap after GC +${liveGrowthMb.toFixed(0)} MB at most\n`,
    );
    expect(outOfOrder).toBe(0);
    expect(h.count).toBe(ROWS);
    // Holding the transaction would keep gigabytes reachable (1M events as structs); what stays
    // reachable is the bounded queue (max.queue.size records) and the decoder's state.
    expect(liveGrowthMb).toBeLessThan(200);
    // The whole transaction is covered once its last event is committed.
    await h.commitAll();
    await waitForSlot(db, h.props['slot.name']!, (c) => c >= BigInt(commitLsn as number));
  }, 300_000);
});
