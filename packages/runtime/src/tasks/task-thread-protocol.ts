/** What a source task thread and its worker say to each other, and the byte layout of a converted batch (one transferable buffer per poll). */
import type { SourceOffset, SourcePartition } from '@tributary/api';
import type { ErrorCounters } from '../errors/tolerance.js';
import { NO_HEADERS } from './source-conversion.js';

/** What the worker hands a task thread as it starts it (structured-cloned, so plain data only). */
export interface TaskThreadData {
  connector: string;
  task: number;
  /** Both configs with placeholders already resolved by the worker. */
  connectorConfig: Record<string, string>;
  taskConfig: Record<string, string>;
  workerProps: Record<string, string>;
  keyConverter: string;
  valueConverter: string;
  headerConverter: string;
  /** How the worker found its plugins, and which packages of them the task's config names: the thread loads those. */
  plugins: { pluginPath: string[]; includeWorkspace: boolean; packages: string[] };
  /** Whether the connector is paused as the task starts. */
  paused: boolean;
  /** pino's numeric level of the task's logger, kept current by the worker. */
  logLevel: SharedArrayBuffer;
}

/** Worker → thread. */
export type ToThread =
  /** The worker can take records: the outbox now, or the next poll's as soon as it has them. */
  | { t: 'next' }
  | { t: 'pause'; paused: boolean }
  /** Records sent, in submission order (dropped ones excluded): their metadata for commitRecord(). */
  | { t: 'sent'; topics: string[]; meta: Float64Array }
  | { t: 'commit'; id: number }
  | { t: 'stop' }
  | { t: 'close' }
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; error: string };

/** Thread → worker. */
export type FromThread =
  | { t: 'started'; commitsRecords: boolean }
  | { t: 'batch'; buf: ArrayBuffer; polled: number; errors: ErrorCounters }
  | { t: 'idle'; errors: ErrorCounters }
  | { t: 'failed'; error: ThreadError }
  | { t: 'stopped' }
  | { t: 'closed' }
  | { t: 'log'; level: LogLevel; obj: Record<string, unknown>; msg: string | undefined }
  | { t: 'offsets'; id: number; partitions: SourcePartition[] }
  | { t: 'committed'; id: number; error: string | null };

/** An error and its causes as plain data (a status trace shows every cause, as for a task in the worker's thread). */
export interface ThreadError {
  name: string;
  message: string;
  stack: string | undefined;
  cause: ThreadError | null;
}

export function toThreadError(err: unknown, depth = 0): ThreadError {
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    cause: e.cause !== undefined && e.cause !== null && depth < 10 ? toThreadError(e.cause, depth + 1) : null,
  };
}

export function fromThreadError(t: ThreadError): Error {
  const e = new Error(t.message, t.cause ? { cause: fromThreadError(t.cause) } : undefined);
  e.name = t.name;
  if (t.stack) e.stack = t.stack;
  return e;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** pino's numeric levels, which the shared log level holds. */
export const LOG_LEVEL_VALUES: Readonly<Record<LogLevel, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

/** One record of a batch as the thread converted it: where it goes, its bytes and its source position. */
export interface ThreadRecord {
  /** False where a transform dropped it or errors.* tolerated a failure: only its offset counts. */
  readonly kept: boolean;
  readonly topic: string;
  readonly kafkaPartition: number | null;
  readonly timestamp: number | null;
  readonly key: Buffer | undefined;
  readonly value: Buffer | undefined;
  readonly headers: Map<Buffer, Buffer>;
  readonly sourcePartition: SourcePartition | null;
  readonly sourceOffset: SourceOffset | null;
}

const NONE = -1;
/** No entry of a batch's topic or source partition table. */
const NO_INDEX = 0xffff;

/**
 * Layout, little endian: u32 count; u16 topics + each (i32 length + utf8); u16 source partitions + each
 * (i32 length + JSON); then per record u8 kept, u16 topic index, i32 partition (-1 none), f64 timestamp (NaN
 * none), i32 key length (-1 none) + bytes, i32 value length + bytes, i32 header count + (i32 length + bytes)
 * pairs, u16 source partition index, i32 source offset length (-1 none) + JSON. A batch names its topics and
 * source partitions once (a poll's records mostly share both). One ArrayBuffer, so handing it over moves
 * memory instead of copying it.
 */
export function encodeBatch(records: readonly ThreadRecord[]): ArrayBuffer {
  const topics = new Map<string, number>();
  const partitions = new Map<SourcePartition, number>();
  const partitionJson: string[] = [];
  const offsets: Array<string | null> = new Array(records.length);
  const topicIndex = new Uint16Array(records.length);
  const partitionIndex = new Uint16Array(records.length);
  let size = 4 + 2 + 2;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    let t = NO_INDEX;
    if (r.kept) {
      t = topics.get(r.topic) ?? NO_INDEX;
      if (t === NO_INDEX) {
        if (topics.size >= NO_INDEX) throw new Error('a batch writes to more than 65535 topics');
        t = topics.size;
        topics.set(r.topic, t);
        size += 4 + Buffer.byteLength(r.topic);
      }
    }
    topicIndex[i] = t;
    let p = NO_INDEX;
    if (r.sourcePartition) {
      p = partitions.get(r.sourcePartition) ?? NO_INDEX;
      if (p === NO_INDEX) {
        if (partitions.size >= NO_INDEX) throw new Error('a batch has more than 65535 source partitions');
        p = partitions.size;
        partitions.set(r.sourcePartition, p);
        const json = JSON.stringify(r.sourcePartition);
        partitionJson.push(json);
        size += 4 + Buffer.byteLength(json);
      }
    }
    partitionIndex[i] = p;
    const offset = r.sourceOffset ? JSON.stringify(r.sourceOffset) : null;
    offsets[i] = offset;
    size += 1 + 2 + 4 + 8 + 4 + (r.key?.length ?? 0) + 4 + (r.value?.length ?? 0) + 4 + 2 + 4;
    if (offset !== null) size += Buffer.byteLength(offset);
    if (r.headers.size > 0) for (const [k, v] of r.headers) size += 8 + k.length + v.length;
  }
  const ab = new ArrayBuffer(size);
  const buf = Buffer.from(ab);
  let at = buf.writeUInt32LE(records.length, 0);
  const bytes = (b: Uint8Array | null | undefined): void => {
    if (!b) {
      at = buf.writeInt32LE(NONE, at);
      return;
    }
    at = buf.writeInt32LE(b.length, at);
    buf.set(b, at);
    at += b.length;
  };
  const text = (s: string | null): void => {
    if (s === null) {
      at = buf.writeInt32LE(NONE, at);
      return;
    }
    const n = buf.write(s, at + 4, 'utf8');
    buf.writeInt32LE(n, at);
    at += 4 + n;
  };
  at = buf.writeUInt16LE(topics.size, at);
  for (const t of topics.keys()) text(t);
  at = buf.writeUInt16LE(partitionJson.length, at);
  for (const j of partitionJson) text(j);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    at = buf.writeUInt8(r.kept ? 1 : 0, at);
    at = buf.writeUInt16LE(topicIndex[i]!, at);
    at = buf.writeInt32LE(r.kafkaPartition ?? NONE, at);
    at = buf.writeDoubleLE(r.timestamp ?? Number.NaN, at);
    bytes(r.key);
    bytes(r.value);
    at = buf.writeInt32LE(r.headers.size, at);
    if (r.headers.size > 0)
      for (const [k, v] of r.headers) {
        bytes(k);
        bytes(v);
      }
    at = buf.writeUInt16LE(partitionIndex[i]!, at);
    text(offsets[i] ?? null);
  }
  return ab;
}

/**
 * Reads a batch back. Keys, values and headers are views of the buffer (no copy); source partitions
 * are parsed once per distinct JSON through `partitions`, which the caller keeps across batches so
 * the offset tracking sees one object per source partition, as from an in-process task.
 */
export function decodeBatch(ab: ArrayBuffer, partitions: Map<string, SourcePartition>): ThreadRecord[] {
  const buf = Buffer.from(ab);
  const count = buf.readUInt32LE(0);
  let at = 4;
  const slice = (): Buffer | undefined => {
    const n = buf.readInt32LE(at);
    at += 4;
    if (n === NONE) return undefined;
    const b = buf.subarray(at, at + n);
    at += n;
    return b;
  };
  const text = (): string | null => {
    const b = slice();
    return b === undefined ? null : b.toString('utf8');
  };
  const topics: string[] = new Array(buf.readUInt16LE(at));
  at += 2;
  for (let t = 0; t < topics.length; t++) topics[t] = text() ?? '';
  const sourcePartitions: SourcePartition[] = new Array(buf.readUInt16LE(at));
  at += 2;
  for (let p = 0; p < sourcePartitions.length; p++) {
    const json = text() ?? 'null';
    let sp = partitions.get(json);
    if (!sp) {
      sp = JSON.parse(json) as SourcePartition;
      // Bounded for connectors that make a partition per record; the cache only saves parsing.
      if (partitions.size >= 10_000) partitions.clear();
      partitions.set(json, sp);
    }
    sourcePartitions[p] = sp;
  }
  const out: ThreadRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const kept = buf.readUInt8(at) === 1;
    const t = buf.readUInt16LE(at + 1);
    const p = buf.readInt32LE(at + 3);
    const ts = buf.readDoubleLE(at + 7);
    at += 15;
    const key = slice();
    const value = slice();
    const nHeaders = buf.readInt32LE(at);
    at += 4;
    const headers = nHeaders === 0 ? NO_HEADERS : new Map<Buffer, Buffer>();
    for (let h = 0; h < nHeaders; h++) headers.set(slice() ?? Buffer.alloc(0), slice() ?? Buffer.alloc(0));
    const sp = buf.readUInt16LE(at);
    at += 2;
    const offsetJson = text();
    out[i] = {
      kept,
      topic: t === NO_INDEX ? '' : topics[t]!,
      kafkaPartition: p === NONE ? null : p,
      timestamp: Number.isNaN(ts) ? null : ts,
      key,
      value,
      headers,
      sourcePartition: sp === NO_INDEX ? null : sourcePartitions[sp]!,
      sourceOffset: offsetJson === null ? null : (JSON.parse(offsetJson) as SourceOffset),
    };
  }
  return out;
}
