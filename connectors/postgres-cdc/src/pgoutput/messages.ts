/** The pgoutput logical decoding messages (Begin, Relation, Insert, Update, Delete, Truncate, stream blocks …) and their decoder. */
import { BinaryReader } from './reader.js';

/** A column value the server left out because it is an unchanged TOASTed value ('u'). */
export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged-toast');
export type UnchangedToast = typeof UNCHANGED_TOAST;

/** One tuple column: null ('n'), unchanged TOAST ('u'), or the value's bytes ('t' text / 'b' binary). */
export type TupleValue = Buffer | null | UnchangedToast;

export interface TupleData {
  readonly values: TupleValue[];
  /** Set only when some column came in binary form ('b'); index-aligned with values. */
  readonly binary: boolean[] | null;
}

export interface RelationColumn {
  /** Whether the column is part of the replica identity (flag bit 1). */
  readonly isKey: boolean;
  readonly name: string;
  readonly typeOid: number;
  readonly typmod: number;
}

export type ReplicaIdentity = 'd' | 'n' | 'f' | 'i';

export interface BeginMessage {
  readonly tag: 'begin';
  /** The commit record's LSN (the transaction's final LSN). */
  readonly finalLsn: bigint;
  /** µs since 2000-01-01. */
  readonly commitTime: bigint;
  readonly xid: number;
}

export interface CommitMessage {
  readonly tag: 'commit';
  readonly flags: number;
  readonly commitLsn: bigint;
  /** End of the commit record: where decoding resumes after this transaction. */
  readonly endLsn: bigint;
  readonly commitTime: bigint;
}

export interface OriginMessage {
  readonly tag: 'origin';
  readonly originLsn: bigint;
  readonly name: string;
}

export interface RelationMessage {
  readonly tag: 'relation';
  readonly xid: number | null;
  readonly relationOid: number;
  readonly namespace: string;
  readonly name: string;
  readonly replicaIdentity: ReplicaIdentity;
  readonly columns: RelationColumn[];
}

export interface TypeMessage {
  readonly tag: 'type';
  readonly xid: number | null;
  readonly typeOid: number;
  readonly namespace: string;
  readonly name: string;
}

export interface InsertMessage {
  readonly tag: 'insert';
  readonly xid: number | null;
  readonly relationOid: number;
  readonly newTuple: TupleData;
}

export interface UpdateMessage {
  readonly tag: 'update';
  readonly xid: number | null;
  readonly relationOid: number;
  /** 'K': only the replica identity columns of the old row; 'O': the whole old row (REPLICA IDENTITY FULL). */
  readonly oldKind: 'K' | 'O' | null;
  readonly oldTuple: TupleData | null;
  readonly newTuple: TupleData;
}

export interface DeleteMessage {
  readonly tag: 'delete';
  readonly xid: number | null;
  readonly relationOid: number;
  readonly oldKind: 'K' | 'O';
  readonly oldTuple: TupleData;
}

export interface TruncateMessage {
  readonly tag: 'truncate';
  readonly xid: number | null;
  readonly cascade: boolean;
  readonly restartIdentity: boolean;
  readonly relationOids: number[];
}

export interface LogicalMessage {
  readonly tag: 'message';
  readonly xid: number | null;
  readonly transactional: boolean;
  readonly lsn: bigint;
  readonly prefix: string;
  readonly content: Buffer;
}

export interface StreamStartMessage {
  readonly tag: 'stream_start';
  readonly xid: number;
  readonly firstSegment: boolean;
}

export interface StreamStopMessage {
  readonly tag: 'stream_stop';
}

export interface StreamCommitMessage {
  readonly tag: 'stream_commit';
  readonly xid: number;
  readonly flags: number;
  readonly commitLsn: bigint;
  readonly endLsn: bigint;
  readonly commitTime: bigint;
}

export interface StreamAbortMessage {
  readonly tag: 'stream_abort';
  readonly xid: number;
  readonly subXid: number;
}

export type PgOutputMessage =
  | BeginMessage
  | CommitMessage
  | OriginMessage
  | RelationMessage
  | TypeMessage
  | InsertMessage
  | UpdateMessage
  | DeleteMessage
  | TruncateMessage
  | LogicalMessage
  | StreamStartMessage
  | StreamStopMessage
  | StreamCommitMessage
  | StreamAbortMessage;

/** Messages that carry a transaction id when sent inside a stream block (protocol v2). */
export type DataMessage =
  | RelationMessage
  | TypeMessage
  | InsertMessage
  | UpdateMessage
  | DeleteMessage
  | TruncateMessage
  | LogicalMessage;

export class PgOutputDecodeError extends Error {}

function readTuple(r: BinaryReader): TupleData {
  const n = r.i16();
  const values: TupleValue[] = new Array(n);
  let binary: boolean[] | null = null;
  for (let i = 0; i < n; i++) {
    const kind = r.u8();
    switch (kind) {
      case 0x6e: // 'n'
        values[i] = null;
        break;
      case 0x75: // 'u'
        values[i] = UNCHANGED_TOAST;
        break;
      case 0x74: // 't'
        values[i] = r.bytes(r.i32());
        break;
      case 0x62: // 'b'
        values[i] = r.bytes(r.i32());
        binary ??= new Array<boolean>(n).fill(false);
        binary[i] = true;
        break;
      default:
        throw new PgOutputDecodeError(`Unknown tuple column kind 0x${kind.toString(16)} in column ${i}`);
    }
  }
  return { values, binary };
}

/**
 * Decodes pgoutput messages (logical replication protocol, versions 1 and 2). The decoder tracks
 * whether it is inside a Stream Start/Stop block, because data messages there carry the
 * transaction id first.
 */
export class PgOutputDecoder {
  #inStream = false;

  get inStream(): boolean {
    return this.#inStream;
  }

  /**
   * Decodes one message. `streamed` forces the in-stream layout (for messages replayed from a
   * spill file, which were all received inside stream blocks).
   */
  decode(buf: Buffer, streamed?: boolean): PgOutputMessage {
    const r = new BinaryReader(buf);
    const tag = r.u8();
    const inStream = streamed ?? this.#inStream;
    const xid = (): number | null => (inStream ? r.u32() : null);
    switch (tag) {
      case 0x42: // 'B'
        return { tag: 'begin', finalLsn: r.u64(), commitTime: r.i64(), xid: r.u32() };
      case 0x43: {
        // 'C'
        const flags = r.u8();
        return { tag: 'commit', flags, commitLsn: r.u64(), endLsn: r.u64(), commitTime: r.i64() };
      }
      case 0x4f: // 'O'
        return { tag: 'origin', originLsn: r.u64(), name: r.cstring() };
      case 0x52: {
        // 'R'
        const x = xid();
        const relationOid = r.u32();
        const namespace = r.cstring();
        const name = r.cstring();
        const ident = String.fromCharCode(r.u8());
        if (ident !== 'd' && ident !== 'n' && ident !== 'f' && ident !== 'i') {
          throw new PgOutputDecodeError(`Unknown replica identity '${ident}' for ${namespace}.${name}`);
        }
        const ncols = r.i16();
        const columns: RelationColumn[] = [];
        for (let i = 0; i < ncols; i++) {
          const flags = r.u8();
          columns.push({ isKey: (flags & 1) === 1, name: r.cstring(), typeOid: r.u32(), typmod: r.i32() });
        }
        return { tag: 'relation', xid: x, relationOid, namespace, name, replicaIdentity: ident, columns };
      }
      case 0x59: {
        // 'Y'
        const x = xid();
        return { tag: 'type', xid: x, typeOid: r.u32(), namespace: r.cstring(), name: r.cstring() };
      }
      case 0x49: {
        // 'I'
        const x = xid();
        const relationOid = r.u32();
        const marker = r.u8();
        if (marker !== 0x4e) throw new PgOutputDecodeError(`Insert: expected 'N', got 0x${marker.toString(16)}`);
        return { tag: 'insert', xid: x, relationOid, newTuple: readTuple(r) };
      }
      case 0x55: {
        // 'U'
        const x = xid();
        const relationOid = r.u32();
        let marker = r.u8();
        let oldKind: 'K' | 'O' | null = null;
        let oldTuple: TupleData | null = null;
        if (marker === 0x4b || marker === 0x4f) {
          oldKind = marker === 0x4b ? 'K' : 'O';
          oldTuple = readTuple(r);
          marker = r.u8();
        }
        if (marker !== 0x4e) throw new PgOutputDecodeError(`Update: expected 'N', got 0x${marker.toString(16)}`);
        return { tag: 'update', xid: x, relationOid, oldKind, oldTuple, newTuple: readTuple(r) };
      }
      case 0x44: {
        // 'D'
        const x = xid();
        const relationOid = r.u32();
        const marker = r.u8();
        if (marker !== 0x4b && marker !== 0x4f)
          throw new PgOutputDecodeError(`Delete: expected 'K' or 'O', got 0x${marker.toString(16)}`);
        return { tag: 'delete', xid: x, relationOid, oldKind: marker === 0x4b ? 'K' : 'O', oldTuple: readTuple(r) };
      }
      case 0x54: {
        // 'T'
        const x = xid();
        const n = r.i32();
        const options = r.u8();
        const relationOids: number[] = [];
        for (let i = 0; i < n; i++) relationOids.push(r.u32());
        return {
          tag: 'truncate',
          xid: x,
          cascade: (options & 1) !== 0,
          restartIdentity: (options & 2) !== 0,
          relationOids,
        };
      }
      case 0x4d: {
        // 'M'
        const x = xid();
        const flags = r.u8();
        const lsn = r.u64();
        const prefix = r.cstring();
        const content = r.bytes(r.i32());
        return { tag: 'message', xid: x, transactional: (flags & 1) === 1, lsn, prefix, content };
      }
      case 0x53: {
        // 'S'
        const m: StreamStartMessage = { tag: 'stream_start', xid: r.u32(), firstSegment: r.u8() === 1 };
        this.#inStream = true;
        return m;
      }
      case 0x45: // 'E'
        this.#inStream = false;
        return { tag: 'stream_stop' };
      case 0x63: {
        // 'c'
        const x = r.u32();
        const flags = r.u8();
        return { tag: 'stream_commit', xid: x, flags, commitLsn: r.u64(), endLsn: r.u64(), commitTime: r.i64() };
      }
      case 0x41: // 'A'
        return { tag: 'stream_abort', xid: r.u32(), subXid: r.u32() };
      default:
        throw new PgOutputDecodeError(`Unknown pgoutput message '${String.fromCharCode(tag)}' (0x${tag.toString(16)})`);
    }
  }
}
