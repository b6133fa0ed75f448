import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, lsnValue, slotPosition, TaskHarness, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function confirmedAfter(read: () => Promise<string | null>, floor: bigint, timeoutMs = 15_000): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await read();
    if (c && lsnValue(c) > floor) return lsnValue(c);
    if (Date.now() > deadline) throw new Error(`slot stayed at ${c}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('idle slot advancing', () => {
  it('moves the slot with traffic the connector does not capture, without emitting anything', async () => {
    const db = await testDatabase('pgcdc_idle');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE captured (id int PRIMARY KEY)');
    await db.sql('CREATE TABLE noise (id serial PRIMARY KEY, v text)');
    const props = connectorProps(db, {
      'snapshot.mode': 'no_data',
      'table.include.list': 'public\\.captured',
      'status.update.interval.ms': '500',
    });
    const h = new TaskHarness(props);
    cleanup.push(() => h.stop());
    await h.start();
    const slot = props['slot.name']!;
    const start = lsnValue((await slotPosition(db, slot))!.confirmed!);
    for (let i = 0; i < 20; i++)
      await db.sql(`INSERT INTO noise (v) SELECT repeat('x', 1000) FROM generate_series(1, 100)`);
    const walNow = lsnValue(((await db.sql('SELECT pg_current_wal_lsn()::text AS l')).rows[0] as { l: string }).l);
    const moved = await confirmedAfter(async () => (await slotPosition(db, slot))!.confirmed, start);
    expect(h.count).toBe(0);
    // It reaches (close to) the WAL written by the noise: nothing is held back for it.
    const final = await confirmedAfter(async () => (await slotPosition(db, slot))!.confirmed, walNow - 1n);
    expect(final).toBeGreaterThanOrEqual(moved);
  });

  it('after delivered changes are committed, keeps advancing while idle', async () => {
    const db = await testDatabase('pgcdc_idle2');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE captured (id int PRIMARY KEY)');
    await db.sql('CREATE TABLE noise (id int)');
    const props = connectorProps(db, { 'snapshot.mode': 'no_data', 'table.include.list': 'public\\.captured' });
    const h = new TaskHarness(props);
    cleanup.push(() => h.stop());
    await h.start();
    const slot = props['slot.name']!;
    await db.sql('INSERT INTO captured VALUES (1)');
    await h.waitFor(() => h.changes().length === 1, 'the change');
    await h.commitAll();
    const afterCommit = lsnValue((await slotPosition(db, slot))!.confirmed!);
    await db.sql('INSERT INTO noise SELECT generate_series(1, 1000)');
    const walNow = lsnValue(((await db.sql('SELECT pg_current_wal_lsn()::text AS l')).rows[0] as { l: string }).l);
    expect(await confirmedAfter(async () => (await slotPosition(db, slot))!.confirmed, walNow - 1n)).toBeGreaterThan(
      afterCommit,
    );
    expect(h.count).toBe(1);
  });

  it('emits heartbeats (and runs heartbeat.action.query) so offsets move with the slot', async () => {
    const db = await testDatabase('pgcdc_heartbeat');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE captured (id int PRIMARY KEY)');
    await db.sql('CREATE TABLE hb (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
    const props = connectorProps(db, {
      'snapshot.mode': 'no_data',
      'table.include.list': 'public\\.captured',
      'heartbeat.interval.ms': '200',
      'heartbeat.action.query': 'INSERT INTO hb DEFAULT VALUES',
    });
    const h = new TaskHarness(props);
    cleanup.push(() => h.stop());
    await h.start();
    await h.waitFor(() => h.records.filter((r) => r.topic === '__debezium-heartbeat.srv').length >= 3, 'heartbeats');
    const hb = h.records.filter((r) => r.topic === '__debezium-heartbeat.srv');
    expect(hb[0]!.keySchema!.name).toBe('io.debezium.connector.common.ServerNameKey');
    expect(hb[0]!.valueSchema!.name).toBe('io.debezium.connector.common.Heartbeat');
    expect(Number(((await db.sql('SELECT count(*) AS n FROM hb')).rows[0] as { n: string }).n)).toBeGreaterThanOrEqual(
      3,
    );
    const before = lsnValue((await slotPosition(db, props['slot.name']!))!.confirmed!);
    await h.waitFor(
      () => BigInt(h.records.at(-1)!.sourceOffset!.lsn_commit as number) > before,
      'heartbeat offsets moving',
    );
    await h.commitAll();
    // The confirmation travels as a standby status update; the server applies it when it reads it.
    expect(
      await confirmedAfter(async () => (await slotPosition(db, props['slot.name']!))!.confirmed, before),
    ).toBeGreaterThan(before);
  });
});
