// Debezium's binlog offsets (BinlogOffsetContext): where to restart, and how much of a transaction to skip there.
import type { SourceOffset } from '@tributary/api';

export const OffsetKeys = {
  SERVER_ID: 'server_id',
  GTIDS: 'gtids',
  FILE: 'file',
  POS: 'pos',
  EVENT: 'event',
  ROW: 'row',
  TS_SEC: 'ts_sec',
  SNAPSHOT: 'snapshot',
  SNAPSHOT_COMPLETED: 'snapshot_completed',
} as const;

/**
 * A restart point: `file`/`pos` is the start of the transaction in progress (or the event after the
 * last completed one), `event` the events of that transaction already handled, `row` the rows of the
 * next event already handled. The GTID set is the one completed before that transaction.
 */
export interface RestartPoint {
  file: string;
  pos: number;
  gtids: string | null;
  events: number;
  rows: number;
  serverId: number;
  tsSec: number;
}

export function streamingOffset(p: RestartPoint): SourceOffset {
  const out: Record<string, unknown> = {};
  // Debezium's map: server_id, gtids, file, pos, event (non-zero), row (non-zero), ts_sec.
  if (p.serverId !== 0) out[OffsetKeys.SERVER_ID] = p.serverId;
  if (p.gtids) out[OffsetKeys.GTIDS] = p.gtids;
  out[OffsetKeys.FILE] = p.file;
  out[OffsetKeys.POS] = p.pos;
  if (p.events !== 0) out[OffsetKeys.EVENT] = p.events;
  if (p.rows !== 0) out[OffsetKeys.ROW] = p.rows;
  out[OffsetKeys.TS_SEC] = p.tsSec;
  return out;
}

/** A snapshot row's offset: the snapshot's binlog position, marked as a snapshot (3.x: the snapshot type). */
export function snapshotOffset(p: RestartPoint, completed: boolean): SourceOffset {
  return {
    ...streamingOffset({ ...p, events: 0, rows: 0 }),
    [OffsetKeys.SNAPSHOT]: 'INITIAL',
    [OffsetKeys.SNAPSHOT_COMPLETED]: completed,
  };
}

export interface LoadedOffset {
  point: RestartPoint;
  /** A snapshot was started and did not finish (restart it). */
  snapshotInProgress: boolean;
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return 0;
}

/** Reads an offset written by this connector or by Debezium (1.x booleans, 2.x/3.x snapshot types). */
export function loadOffset(o: SourceOffset): LoadedOffset | null {
  const file = o[OffsetKeys.FILE];
  if (typeof file !== 'string' || file === '') return null;
  const snap = o[OffsetKeys.SNAPSHOT];
  const snapshotRunning = snap === true || (typeof snap === 'string' && snap !== '' && snap.toLowerCase() !== 'false');
  const completed = o[OffsetKeys.SNAPSHOT_COMPLETED] === true || o[OffsetKeys.SNAPSHOT_COMPLETED] === 'true';
  const gtids = o[OffsetKeys.GTIDS];
  return {
    point: {
      file,
      pos: num(o[OffsetKeys.POS]),
      gtids: typeof gtids === 'string' && gtids !== '' ? gtids : null,
      events: num(o[OffsetKeys.EVENT]),
      rows: num(o[OffsetKeys.ROW]),
      serverId: num(o[OffsetKeys.SERVER_ID]),
      tsSec: num(o[OffsetKeys.TS_SEC]),
    },
    snapshotInProgress: snapshotRunning && !completed,
  };
}
