/** Debezium's Postgres offsets (PostgresOffsetContext): writing and reading them, and which LSN a committed offset lets the slot confirm. */
import type { SourceOffset } from '@tributary/api';
import { type Lsn, lsnFromOffset, lsnToOffset } from './lsn.js';

/** Debezium's offset keys (PostgresOffsetContext / SourceInfo), plus event_serial_no. */
export const OffsetKeys = {
  TS_USEC: 'ts_usec',
  TX_ID: 'txId',
  LSN: 'lsn',
  LSN_PROC: 'lsn_proc',
  LSN_COMMIT: 'lsn_commit',
  MESSAGE_TYPE: 'messageType',
  SNAPSHOT: 'snapshot',
  LAST_SNAPSHOT_RECORD: 'last_snapshot_record',
  SNAPSHOT_COMPLETED: 'snapshot_completed',
  /**
   * Ordinal of the change within its transaction. Several changes can share one LSN (a COPY or
   * multi-row insert is one WAL record), so the LSN alone cannot say where to resume inside a
   * transaction; Debezium's SQL Server connector uses the same key for the same reason.
   */
  EVENT_SERIAL_NO: 'event_serial_no',
} as const;

export type MessageType = 'BEGIN' | 'COMMIT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'MESSAGE' | 'NOOP';

export interface StreamingOffset {
  tsUsec: bigint;
  txId: number | null;
  lsn: Lsn;
  lsnProc: Lsn;
  lsnCommit: Lsn;
  messageType: MessageType;
  serial: number | null;
}

export function streamingOffset(o: StreamingOffset): SourceOffset {
  const out: Record<string, unknown> = { [OffsetKeys.TS_USEC]: Number(o.tsUsec) };
  if (o.txId !== null) out[OffsetKeys.TX_ID] = o.txId;
  out[OffsetKeys.LSN] = lsnToOffset(o.lsn);
  out[OffsetKeys.LSN_PROC] = lsnToOffset(o.lsnProc);
  out[OffsetKeys.MESSAGE_TYPE] = o.messageType;
  out[OffsetKeys.LSN_COMMIT] = lsnToOffset(o.lsnCommit);
  if (o.serial !== null) out[OffsetKeys.EVENT_SERIAL_NO] = o.serial;
  return out;
}

export function snapshotOffset(o: { tsUsec: bigint; txId: number | null; lsn: Lsn; last: boolean }): SourceOffset {
  const out: Record<string, unknown> = {
    [OffsetKeys.LAST_SNAPSHOT_RECORD]: o.last,
    [OffsetKeys.LSN]: lsnToOffset(o.lsn),
  };
  if (o.txId !== null) out[OffsetKeys.TX_ID] = o.txId;
  out[OffsetKeys.TS_USEC] = Number(o.tsUsec);
  out[OffsetKeys.SNAPSHOT] = true;
  return out;
}

/** What a stored offset (ours or Debezium's) says about where the connector stands. */
export interface LoadedOffset {
  /** A snapshot was started and did not finish (restart it). */
  snapshotInProgress: boolean;
  lsn: Lsn | null;
  lsnProc: Lsn | null;
  lsnCommit: Lsn | null;
  txId: number | null;
  serial: number | null;
  messageType: string | null;
}

export function loadOffset(o: SourceOffset): LoadedOffset {
  const snap = o[OffsetKeys.SNAPSHOT];
  // Debezium 2.x writes snapshot=true + last_snapshot_record; 3.x writes snapshot=<type> + snapshot_completed.
  const snapshotRunning = snap === true || (typeof snap === 'string' && snap !== '' && snap.toLowerCase() !== 'false');
  const completed = o[OffsetKeys.LAST_SNAPSHOT_RECORD] === true || o[OffsetKeys.SNAPSHOT_COMPLETED] === true;
  const lsnProc = lsnFromOffset(o[OffsetKeys.LSN_PROC]);
  const txId = o[OffsetKeys.TX_ID];
  const serial = o[OffsetKeys.EVENT_SERIAL_NO];
  return {
    snapshotInProgress: snapshotRunning && !completed,
    lsn: lsnFromOffset(o[OffsetKeys.LSN]),
    lsnProc,
    // Debezium's loader falls back to lsn_proc when lsn_commit is absent.
    lsnCommit: lsnFromOffset(o[OffsetKeys.LSN_COMMIT]) ?? lsnProc,
    txId: typeof txId === 'number' ? txId : typeof txId === 'string' && /^\d+$/.test(txId) ? Number(txId) : null,
    serial: typeof serial === 'number' ? serial : null,
    messageType: typeof o[OffsetKeys.MESSAGE_TYPE] === 'string' ? (o[OffsetKeys.MESSAGE_TYPE] as string) : null,
  };
}

/**
 * The LSN the slot may be confirmed to once this offset is durably committed: the commit
 * position of the last transaction completed before the offset's event (the event's own
 * transaction is then sent again and its delivered part skipped). Snapshot offsets confirm
 * nothing (the slot sits at the snapshot's consistent point already).
 */
export function flushableLsn(o: SourceOffset): Lsn | null {
  const l = loadOffset(o);
  if (o[OffsetKeys.SNAPSHOT] !== undefined && o[OffsetKeys.SNAPSHOT] !== false) return null;
  return l.lsnCommit ?? l.lsn;
}

/** Stable text of an offset, to recognise the same offset after a round trip through the store. */
export function offsetIdentity(o: SourceOffset): string {
  return JSON.stringify(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}
