import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, TaskHarness, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('slot in use', () => {
  it('fails the second consumer with a clear error naming the slot and the holder', async () => {
    const db = await testDatabase('pgcdc_inuse');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE t (id int PRIMARY KEY)');
    const props = connectorProps(db, {
      'snapshot.mode': 'no_data',
      'slot.max.retries': '2',
      'slot.retry.delay.ms': '100',
    });
    const first = new TaskHarness(props);
    cleanup.push(() => first.stop());
    await first.start();
    await db.sql('INSERT INTO t VALUES (1)');
    await first.waitFor(() => first.changes().length === 1, 'first consumer streaming');

    const second = new TaskHarness({ ...props, 'topic.prefix': 'other' });
    cleanup.push(() => second.stop());
    await second.start();
    await second.waitFor(() => second.error !== null, 'the error', 15_000).catch(() => undefined);
    expect(second.error?.message).toMatch(
      /Replication slot "s_[a-z0-9_]+" is in use by PID \d+ \(application_name 'tributary-postgres-cdc-srv'/,
    );
    expect(second.error?.message).toMatch(/another connector or client is streaming from it/);
    // The first consumer is unaffected.
    await db.sql('INSERT INTO t VALUES (2)');
    await first.waitFor(() => first.changes().length === 2, 'first consumer still streaming');
  });
});
