// The consistent initial snapshot: one REPEATABLE READ transaction, the binlog position it corresponds to, and every row as an `r` event.
import { ConnectException, type Logger, SourceRecord } from '@tributary/api';
import { envelopeStruct, type SnapshotMarker } from '@tributary/connector-postgres-cdc';
import type mysql from 'mysql2';
import { type BinlogPosition, currentPosition, queryRows, quoteIdent, type SqlConnection } from './connection.js';
import { type Flavor, sourceStruct } from './events.js';
import { type RestartPoint, snapshotOffset } from './offsets.js';
import type { RawValue, TableModel } from './schema.js';

export interface SnapshotOptions {
  flavor: Flavor;
  serverName: string;
  partition: Record<string, string>;
  isMariaDb: boolean;
  serverId: number;
  lockingMode: 'minimal' | 'extended' | 'none' | 'minimal_percona';
  fetchSize: number;
  logger: Logger;
  emit(r: SourceRecord): Promise<void>;
}

/**
 * Opens the snapshot transaction and returns the binlog position it sees. MariaDB reports the
 * position of a consistent snapshot itself (binlog_snapshot_file/position), so no lock is needed;
 * MySQL needs FLUSH TABLES WITH READ LOCK held while the transaction starts and the position is read
 * (Debezium's minimal locking), unless snapshot.locking.mode=none.
 */
export async function beginSnapshot(
  conn: SqlConnection,
  o: Pick<SnapshotOptions, 'isMariaDb' | 'lockingMode' | 'logger'>,
): Promise<BinlogPosition & { locked: boolean }> {
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  let locked = false;
  if (!o.isMariaDb && o.lockingMode !== 'none') {
    await conn.query('FLUSH TABLES WITH READ LOCK');
    locked = true;
  }
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
  let pos: BinlogPosition;
  if (o.isMariaDb) {
    const rows = await queryRows(
      conn,
      "SHOW STATUS WHERE Variable_name IN ('binlog_snapshot_file', 'binlog_snapshot_position')",
    );
    const v = new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
    const file = v.get('binlog_snapshot_file') ?? '';
    const p = Number(v.get('binlog_snapshot_position') ?? 0);
    if (!file)
      throw new ConnectException('The server reported no binlog_snapshot_file for the snapshot: is binary logging on?');
    const g = await queryRows(conn, 'SELECT BINLOG_GTID_POS(?, ?) AS g', [file, p]);
    pos = { file, pos: p, gtids: String(g[0]?.g ?? '') || null };
  } else pos = await currentPosition(conn, false);
  if (locked && o.lockingMode !== 'extended') {
    await conn.query('UNLOCK TABLES');
    locked = false;
  }
  o.logger.info({ file: pos.file, pos: pos.pos, gtids: pos.gtids }, 'snapshot transaction open at binlog position');
  return { ...pos, locked };
}

interface Held {
  model: TableModel;
  row: Record<string, RawValue>;
  firstInTable: boolean;
}

/** Reads every row of `tables` inside the open snapshot transaction and emits them as `r` events, marked as Debezium marks them. */
export async function readSnapshot(
  conn: SqlConnection,
  tables: readonly TableModel[],
  start: RestartPoint,
  o: SnapshotOptions,
): Promise<number> {
  let held: Held | null = null;
  let count = 0;
  const release = async (h: Held, lastInTable: boolean, lastOverall: boolean): Promise<void> => {
    let marker: SnapshotMarker;
    if (lastOverall) marker = 'last';
    else if (count === 0) marker = 'first';
    else if (lastInTable) marker = 'last_in_data_collection';
    else if (h.firstInTable) marker = 'first_in_data_collection';
    else marker = 'true';
    const source = sourceStruct({
      flavor: o.flavor,
      serverName: o.serverName,
      tsMs: Date.now(),
      snapshot: marker,
      db: h.model.id.db,
      table: h.model.id.table,
      serverId: 0,
      gtid: null,
      file: start.file,
      pos: start.pos,
      row: 0,
      thread: null,
      query: null,
    });
    const value = envelopeStruct(h.model.envelopeSchema, 'r', null, h.model.value(h.row), source, null);
    await o.emit(
      new SourceRecord({
        topic: h.model.topic,
        keySchema: h.model.keySchema,
        key: h.model.key(h.row),
        valueSchema: h.model.envelopeSchema,
        value,
        sourcePartition: o.partition,
        sourceOffset: snapshotOffset(start, lastOverall),
      }),
    );
    count++;
  };
  // Tables with rows, so the last row overall is known when the last non-empty table ends.
  const raw = (conn as unknown as { connection: mysql.Connection }).connection;
  for (let i = 0; i < tables.length; i++) {
    const model = tables[i]!;
    let first = true;
    const stream = raw
      .query({ sql: `SELECT * FROM ${quoteIdent(model.id.db)}.${quoteIdent(model.id.table)}` })
      .stream({ highWaterMark: o.fetchSize });
    for await (const row of stream as AsyncIterable<Record<string, RawValue>>) {
      if (held) await release(held, false, false);
      held = { model, row, firstInTable: first };
      first = false;
    }
    if (held && held.model === model && i < tables.length - 1) {
      // The table's last row: released once we know whether any later table has rows.
      const later = await anyRows(conn, tables.slice(i + 1));
      await release(held, true, !later);
      held = null;
      if (!later) break;
    }
    o.logger.info({ table: `${model.id.db}.${model.id.table}` }, 'snapshot of table done');
  }
  if (held) await release(held, true, true);
  return count;
}

async function anyRows(conn: SqlConnection, tables: readonly TableModel[]): Promise<boolean> {
  for (const t of tables) {
    const rows = await queryRows(conn, `SELECT 1 AS x FROM ${quoteIdent(t.id.db)}.${quoteIdent(t.id.table)} LIMIT 1`);
    if (rows.length > 0) return true;
  }
  return false;
}
