// Issue 16's seed config posted as-is over REST to a worker process: snapshot, then inserts, updates, deletes and an ALTER TABLE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, unique } from '../helpers.js';
import { clusterSpec, WorkerProcess } from '../worker-process.js';
import { brief, consume, endOffset, inventoryServer, seedConfig, type TestServer } from './harness.js';

describe('MySqlConnector through a worker process', () => {
  let db: TestServer;
  let worker: WorkerProcess | null = null;
  beforeAll(async () => {
    db = await inventoryServer();
  });
  afterAll(async () => {
    await worker?.stop();
    await db?.close();
  });

  it('runs the seed config unchanged: snapshot, c/u/d with tombstones, a column added mid-stream, Debezium offsets', async () => {
    const topic = 'mysql.inventory.customers';
    const from = await endOffset(topic);
    worker = await WorkerProcess.start(
      clusterSpec(unique('mysqlcdc-e2e'), {
        'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'true',
      }),
    );
    const seed = seedConfig(db.server);
    const created = await worker.request('POST', '/connectors', seed);
    expect(created.status).toBe(201);
    await eventually(
      async () => {
        const s = await worker!.request<{ tasks: Array<{ state: string; trace?: string }> }>(
          'GET',
          '/connectors/mysql-source/status',
        );
        if (s.body.tasks[0]?.state === 'FAILED') throw new Error(s.body.tasks[0].trace);
        return s.body.tasks[0]?.state === 'RUNNING';
      },
      { what: 'task running', timeoutMs: 60_000 },
    );
    const snapshot = await consume(topic, from, (e) => e.length >= 4);
    expect(snapshot.map(brief)).toEqual(['r:1001', 'r:1002', 'r:1003', 'r:1004']);
    expect(snapshot.map((e) => e.value!.payload.source.snapshot)).toEqual(['first', 'true', 'true', 'last']);
    expect(snapshot[0]!.value!.schema.name).toBe('mysql.inventory.customers.Envelope');
    expect(snapshot[0]!.key!.schema!.name).toBe('mysql.inventory.customers.Key');
    expect(snapshot[0]!.value!.payload.after).toEqual({
      id: 1001,
      first_name: 'Sally',
      last_name: 'Thomas',
      email: 'sally.thomas@acme.com',
    });

    await db.sql(`INSERT INTO inventory.customers VALUES (default, 'Kenneth', 'Anderson', 'kander@acme.com')`);
    await db.sql(`UPDATE inventory.customers SET first_name = 'Anne Marie' WHERE id = 1004`);
    await db.sql('DELETE FROM inventory.customers WHERE id = 1003');
    await db.sql('ALTER TABLE inventory.customers ADD COLUMN phone VARCHAR(32) NULL');
    await db.sql(`INSERT INTO inventory.customers VALUES (default, 'Lee', 'Ng', 'lee@ng.org', '+1 555 0100')`);
    const all = await consume(topic, from, (e) => e.length >= 9);
    expect(all.slice(4).map(brief)).toEqual(['c:1005', 'u:1004', 'd:1003', 'tombstone:1003', 'c:1006']);
    const [insert, update, del, , afterAlter] = all.slice(4);
    expect(insert!.value!.payload.source).toMatchObject({
      connector: 'mysql',
      name: 'mysql',
      db: 'inventory',
      table: 'customers',
      snapshot: 'false',
      server_id: 1,
      row: 0,
    });
    expect(insert!.value!.payload.source.gtid).toMatch(/^0-1-\d+$/);
    expect(String(insert!.value!.payload.source.file)).toMatch(/^mariadb-bin\.\d+$/);
    expect(update!.value!.payload.before).toMatchObject({ id: 1004, first_name: 'Anne' });
    expect(update!.value!.payload.after).toMatchObject({ id: 1004, first_name: 'Anne Marie' });
    expect(del!.value!.payload.before).toMatchObject({ id: 1003 });
    expect(del!.value!.payload.after).toBeNull();
    expect(afterAlter!.value!.payload.after).toEqual({
      id: 1006,
      first_name: 'Lee',
      last_name: 'Ng',
      email: 'lee@ng.org',
      phone: '+1 555 0100',
    });
    const afterFields = afterAlter!.value!.schema.fields.find((f) => f.field === 'after')!.fields!.map((f) => f.field);
    expect(afterFields).toEqual(['id', 'first_name', 'last_name', 'email', 'phone']);

    // Offsets under Debezium's partition and keys.
    const lastGtid = String(afterAlter!.value!.payload.source.gtid);
    const expectedGtids = `0-1-${Number(lastGtid.split('-')[2]) - 1}`;
    const offsets = await eventually(
      async () => {
        const o = await worker!.request<{ offsets: Array<{ partition: unknown; offset: Record<string, unknown> }> }>(
          'GET',
          '/connectors/mysql-source/offsets',
        );
        const off = o.body.offsets[0];
        // The offset of the last event (its transaction's GTID is the one after the completed position).
        return off?.offset.gtids === expectedGtids ? o.body.offsets : null;
      },
      { what: 'streaming offsets committed' },
    );
    expect(offsets[0]!.partition).toEqual({ server: 'mysql' });
    // The last row's offset, as Debezium writes it inside a transaction: its BEGIN (the GTID event),
    // the events already handled (GTID, TABLE_MAP) and the rows of the next event done.
    expect(Object.keys(offsets[0]!.offset).sort()).toEqual([
      'event',
      'file',
      'gtids',
      'pos',
      'row',
      'server_id',
      'ts_sec',
    ]);
    expect(offsets[0]!.offset).toMatchObject({
      event: 2,
      row: 1,
      server_id: 1,
      file: insert!.value!.payload.source.file,
    });
    // pos: the transaction's start (its GTID event), before the row event that source.pos names.
    expect(Number(offsets[0]!.offset.pos)).toBeLessThan(Number(afterAlter!.value!.payload.source.pos));
  }, 180_000);
});
