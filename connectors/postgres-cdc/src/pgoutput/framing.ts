/** The streaming replication protocol's frames: XLogData and primary keepalive parsed, standby status updates built. */
import { BinaryReader } from './reader.js';

/**
 * The CopyBoth stream of START_REPLICATION carries CopyData payloads; each is one of these
 * (streaming replication protocol: XLogData 'w', primary keepalive 'k').
 */
export interface XLogData {
  readonly kind: 'xlogdata';
  /** Where this message's WAL starts (for pgoutput: the change's LSN). */
  readonly dataStart: bigint;
  /** The server's current end of WAL. */
  readonly walEnd: bigint;
  /** µs since 2000-01-01. */
  readonly sendTime: bigint;
  readonly data: Buffer;
}

export interface PrimaryKeepalive {
  readonly kind: 'keepalive';
  readonly walEnd: bigint;
  readonly sendTime: bigint;
  /** The server wants a status update now (it is about to time the client out otherwise). */
  readonly replyRequested: boolean;
}

export type ReplicationFrame = XLogData | PrimaryKeepalive;

export function parseReplicationFrame(payload: Buffer): ReplicationFrame {
  const r = new BinaryReader(payload);
  const tag = r.u8();
  if (tag === 0x77) {
    // 'w'
    const dataStart = r.u64();
    const walEnd = r.u64();
    const sendTime = r.i64();
    return { kind: 'xlogdata', dataStart, walEnd, sendTime, data: r.rest() };
  }
  if (tag === 0x6b) {
    // 'k'
    const walEnd = r.u64();
    const sendTime = r.i64();
    return { kind: 'keepalive', walEnd, sendTime, replyRequested: r.u8() === 1 };
  }
  throw new Error(`Unknown replication frame '${String.fromCharCode(tag)}' (0x${tag.toString(16)})`);
}

/**
 * Standby status update ('r'): how far the client has written, flushed (made durable — the slot's
 * confirmed_flush_lsn follows this) and applied. `clientTime` is µs since 2000-01-01.
 */
export function standbyStatusUpdate(
  written: bigint,
  flushed: bigint,
  applied: bigint,
  clientTime: bigint,
  replyRequested = false,
): Buffer {
  const b = Buffer.allocUnsafe(34);
  b[0] = 0x72; // 'r'
  b.writeBigUInt64BE(written, 1);
  b.writeBigUInt64BE(flushed, 9);
  b.writeBigUInt64BE(applied, 17);
  b.writeBigInt64BE(clientTime, 25);
  b[33] = replyRequested ? 1 : 0;
  return b;
}
