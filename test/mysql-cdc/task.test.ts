// The task against a private MariaDB, driven by the testkit's ConnectorTestDriver: every column type in snapshot and stream, exact resume inside a transaction, binlog rotation.
import { type SourceRecord, Struct } from '@tributary/api';
import { MySqlConnector } from '@tributary/connector-mysql-cdc';
import { ConnectorTestDriver } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryServer, mariaDb, type TestServer, topicPrefix } from './harness.js';

const TYPES_TABLE = `CREATE TABLE inventory.types (
  id INT PRIMARY KEY, b BOOLEAN, ti TINYINT, si SMALLINT UNSIGNED, mi MEDIUMINT, i INT UNSIGNED, bi BIGINT,
  ubi BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec1 DECIMAL(10,3), vc VARCHAR(20), ch CHAR(3), tx TEXT, vb VARBINARY(8),
  bl BLOB, bt1 BIT(1), bt5 BIT(10), js JSON, en ENUM('a','b'), st SET('x','y'), yr YEAR, dt DATE, tm TIME(6),
  dtm DATETIME, dtm3 DATETIME(3), dtm6 DATETIME(6), ts TIMESTAMP(3) NULL, nn INT NULL)`;

const TYPES_ROW = `1, true, -5, 65535, -8388608, 4294967295, -9007199254740999, 18446744073709551615, 1.5, 2.25,
  -12.345, 'héllo', 'ab', 'txt', x'0102', x'ff', b'1', b'1000000001', '{"a": [1, 2]}', 'b', 'x,y', 2024,
  '2024-02-29', '-12:34:56.5', '2024-01-02 03:04:05', '2024-01-02 03:04:05.123', '2024-01-02 03:04:05.123456',
  '2024-01-02 03:04:05.123', NULL`;

function afterOf(r: SourceRecord): Record<string, unknown> {
  const v = (r.value as Struct).get('after') as Struct;
  const out: Record<string, unknown> = {};
  for (const f of v.schema.fields) out[f.name] = v.get(f.name);
  return out;
}

describe('MySqlSourceTask against MariaDB', () => {
  let db: TestServer;
  beforeAll(async () => {
    db = await inventoryServer();
    await db.sql(TYPES_TABLE);
    await db.sql(`INSERT INTO inventory.types VALUES (${TYPES_ROW})`);
  });
  afterAll(async () => {
    await db?.close();
  });

  const config = (prefix: string, extra: Record<string, string> = {}) => ({
    ...mariaDb(db, 5501, prefix),
    // These tests read data events only (schema change events are test/mysql-cdc/schema-history.test.ts's).
    'include.schema.changes': 'false',
    ...extra,
  });

  it('maps every column type as Debezium does, the same in the snapshot and in the stream', async () => {
    const driver = ConnectorTestDriver.source(MySqlConnector);
    await driver.start(config(topicPrefix('types'), { 'table.include.list': 'inventory.types' }));
    const task = await driver.startTask();
    const [snap] = await task.poll({ count: 1 });
    await db.sql(`INSERT INTO inventory.types VALUES (${TYPES_ROW.replace(/^1,/, '2,')})`);
    const [streamed] = await task.poll({ count: 1 });
    await driver.stop();
    const s = afterOf(snap!);
    expect(s).toEqual({
      id: 1,
      b: 1,
      ti: -5,
      si: 65535,
      mi: -8388608,
      i: 4294967295,
      bi: -9007199254740999n,
      ubi: -1,
      f: 1.5,
      d: 2.25,
      dec1: expect.objectContaining({}),
      vc: 'héllo',
      ch: 'ab',
      tx: 'txt',
      vb: Buffer.from([1, 2]),
      bl: Buffer.from([255]),
      bt1: true,
      bt5: Buffer.from([0x01, 0x02]),
      js: '{"a": [1, 2]}',
      en: 'b',
      st: 'x,y',
      yr: 2024,
      dt: 19782,
      tm: -45296500000,
      dtm: 1704164645000,
      dtm3: 1704164645123,
      dtm6: 1704164645123456,
      ts: '2024-01-02T03:04:05.123Z',
      nn: null,
    });
    expect(String(s.dec1)).toBe('-12.345');
    const schema = (snap!.value as Struct).schema.field('after')!.schema;
    const named = Object.fromEntries(
      schema.fields.map((f) => [f.name, `${f.schema.type}${f.schema.name ? ` ${f.schema.name}` : ''}`]),
    );
    expect(named).toMatchObject({
      b: 'int16',
      ti: 'int16',
      si: 'int32',
      i: 'int64',
      f: 'float32',
      dec1: 'bytes org.apache.kafka.connect.data.Decimal',
      bt5: 'bytes io.debezium.data.Bits',
      // MariaDB's JSON is an alias of LONGTEXT (information_schema says longtext): a plain string.
      js: 'string',
      en: 'string io.debezium.data.Enum',
      st: 'string io.debezium.data.EnumSet',
      yr: 'int32 io.debezium.time.Year',
      dt: 'int32 io.debezium.time.Date',
      tm: 'int64 io.debezium.time.MicroTime',
      dtm: 'int64 io.debezium.time.Timestamp',
      dtm6: 'int64 io.debezium.time.MicroTimestamp',
      ts: 'string io.debezium.time.ZonedTimestamp',
    });
    expect((snap!.value as Struct).get('source')).toBeInstanceOf(Struct);
    expect(((snap!.value as Struct).get('source') as Struct).get('connector')).toBe('mariadb');
    // The binlog reader and the snapshot query agree on every value.
    expect({ ...afterOf(streamed!), id: 1 }).toEqual(s);
  });

  it('resumes inside a transaction at exactly the first row not committed, across FLUSH BINARY LOGS', async () => {
    await db.sql('CREATE TABLE inventory.tx (id INT PRIMARY KEY, v VARCHAR(10))');
    const driver = ConnectorTestDriver.source(MySqlConnector);
    await driver.start(config(topicPrefix('tx'), { 'table.include.list': 'inventory.tx', 'snapshot.mode': 'no_data' }));
    let task = await driver.startTask();
    await task.pollFor(300);
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => `(${from + i}, 'v${from + i}')`).join(',');
    // One transaction: two multi-row inserts (two row events), an update and a delete.
    await db.sql(
      `START TRANSACTION; INSERT INTO inventory.tx VALUES ${rows(1, 10)}; INSERT INTO inventory.tx VALUES ${rows(11, 10)}; UPDATE inventory.tx SET v = 'u' WHERE id = 3; DELETE FROM inventory.tx WHERE id = 20; COMMIT`,
    );
    const first = await task.poll({ count: 13 });
    await task.commitOffsets();
    const offset = task.offsets.get({ server: task.config['topic.prefix']! })!;
    // GTID (BEGIN), TABLE_MAP, the first row event, TABLE_MAP done; 3 rows of the second row event done.
    expect(offset).toMatchObject({ event: 4, row: 3 });
    // Crash: nothing after the committed offset survives; the restart must go on at row 14 (id 14).
    task = await task.restart({ commitOffsets: false });
    await db.sql('FLUSH BINARY LOGS');
    await db.sql(`INSERT INTO inventory.tx VALUES ${rows(21, 2)}`);
    const rest = await task.poll({ count: 11 });
    const ids = (rs: SourceRecord[]) =>
      rs.map(
        (r) => `${r.value ? (r.value as Struct).get('op') : 'tombstone'}:${(r.key as Struct).get('id') as number}`,
      );
    expect(ids(first)).toEqual(Array.from({ length: 13 }, (_, i) => `c:${i + 1}`));
    expect(ids(rest)).toEqual([
      'c:14',
      'c:15',
      'c:16',
      'c:17',
      'c:18',
      'c:19',
      'c:20',
      'u:3',
      'd:20',
      'tombstone:20',
      'c:21',
    ]);
    // Offsets after the restart count the skipped events too (GTID, 3 TABLE_MAPs, 2 row events before the update).
    expect(rest[7]!.sourceOffset).toMatchObject({ event: 6, row: 1 });
    // After the rotation the new file is named in source and offset.
    const last = await task.poll({ count: 1 });
    expect(ids(last)).toEqual(['c:22']);
    const source = (last[0]!.value as Struct).get('source') as Struct;
    expect(source.get('file')).not.toBe(((rest[0]!.value as Struct).get('source') as Struct).get('file'));
    await driver.stop();
  });
  it('snapshot.mode=initial_only snapshots and streams nothing; heartbeats carry the streaming offset', async () => {
    const prefix = topicPrefix('modes');
    let driver = ConnectorTestDriver.source(MySqlConnector);
    await driver.start(
      config(prefix, { 'table.include.list': 'inventory.customers', 'snapshot.mode': 'initial_only' }),
    );
    let task = await driver.startTask();
    const snap = await task.poll({ count: 4 });
    expect(snap.map((r) => (r.value as Struct).get('op'))).toEqual(['r', 'r', 'r', 'r']);
    await db.sql(`INSERT INTO inventory.customers VALUES (default, 'Only', 'Snapshot', 'only@snap.org')`);
    expect(await task.pollFor(1500)).toEqual([]);
    await driver.stop();

    driver = ConnectorTestDriver.source(MySqlConnector);
    await driver.start(
      config(topicPrefix('hb'), {
        'table.include.list': 'inventory.customers',
        'snapshot.mode': 'no_data',
        'heartbeat.interval.ms': '200',
      }),
    );
    task = await driver.startTask();
    const isBeat = (r: SourceRecord) => r.topic === `__debezium-heartbeat.${task.config['topic.prefix']}`;
    const beat = (await task.poll({ until: (rs) => rs.some(isBeat) })).find(isBeat)!;
    expect((beat.key as Struct).get('serverName')).toBe(task.config['topic.prefix']);
    expect(Object.keys(beat.sourceOffset!).sort()).toEqual(['file', 'gtids', 'pos', 'ts_sec']);
    await driver.stop();
  });
});
