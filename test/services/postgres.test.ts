import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, dropTestDatabase } from '../../packages/testkit/src/index.js';

describe('postgres (smoke)', () => {
  const services = inject('services');
  let url: string;
  let client: pg.Client;

  beforeAll(async () => {
    url = await createTestDatabase('smoke', services.postgres.url);
    client = new pg.Client({ connectionString: url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    if (url) await dropTestDatabase(url);
  });

  it('runs with wal_level=logical in its own database', async () => {
    const res = await client.query<{ wal_level: string; db: string }>(
      'SELECT current_setting($1) AS wal_level, current_database() AS db',
      ['wal_level'],
    );
    expect(res.rows[0]?.wal_level).toBe('logical');
    expect(res.rows[0]?.db).toBe(new URL(url).pathname.slice(1));
  });

  it('creates a logical replication slot with pgoutput, then drops it', async () => {
    const slot = `smoke_${process.pid}_${Date.now()}`;
    await client.query('CREATE TABLE smoke (id int PRIMARY KEY, name text)');
    await client.query('CREATE PUBLICATION smoke_pub FOR TABLE smoke');
    const created = await client.query<{ slot_name: string; lsn: string }>(
      `SELECT slot_name, lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')`,
      [slot],
    );
    expect(created.rows[0]?.slot_name).toBe(slot);

    const found = await client.query<{ plugin: string; slot_type: string; database: string }>(
      'SELECT plugin, slot_type, database FROM pg_replication_slots WHERE slot_name = $1',
      [slot],
    );
    expect(found.rows).toEqual([
      { plugin: 'pgoutput', slot_type: 'logical', database: new URL(url).pathname.slice(1) },
    ]);

    await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
    const gone = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    expect(gone.rowCount).toBe(0);
  });
});
