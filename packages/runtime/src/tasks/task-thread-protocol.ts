/** What a source task thread and its worker say to each other, and the byte layout of a converted batch (one transferable buffer per poll). */
import type { SourceOffset, SourcePartition } from '@tributary/api';
import type { ErrorCounters } from '../errors/tolerance.js';

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
  /** How the worker found its plugins; the thread finds the same ones. */
  plugins: { pluginPath: string[]; includeWorkspace: boolean };
  /** Whether the connector is paused as the task starts. */
  paused: boolean;
  /** pino's numeric level of the task's logger, kept current by the worker. */
  logLevel: SharedArrayBuffer;
}

/** Worker → thread. */
export type ToThread =
  | { t: 'credit'; n: number }
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
  | { t: 'failed'; message: string; stack: string | undefined }
  | { t: 'stopped' }
  | { t: 'closed' }
  | { t: 'log'; level: LogLevel; obj: Record<string, unknown>; msg: string | undefined }
  | { t: 'offsets'; id: number; partitions: SourcePartition[] }
  | { t: 'committed'; id: number; error: string | null };

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

/**
 * Layout, little endian: u32 count, then per record u8 kept, i32 topic length + utf8, i32 partition
 * (-1 none), f64 timestamp (NaN none), i32 key length (-1 none) + bytes, i32 value length + bytes,
 * i32 header count + (i32 length + bytes) pairs, i32 source partition length (-1 none) + JSON, i32
 * source offset length + JSON. One ArrayBuffer, so handing it over moves memory instead of copying.
 */
export function encodeBatch(records: readonly ThreadRecord[]): ArrayBuffer {
  const texts: Array<{ topic: Buffer; partition: Buffer | null; offset: Buffer | null }> = [];
  let size = 4;
  let lastPartition: SourcePartition | null = null;
  let lastPartitionBytes: Buffer | null = null;
  for (const r of records) {
    const topic = Buffer.from(r.topic);
    // A connector hands the same partition object to record after record: its JSON is written once.
    let partition: Buffer | null = null;
    if (r.sourcePartition) {
      if (r.sourcePartition !== lastPartition) {
        lastPartition = r.sourcePartition;
        lastPartitionBytes = Buffer.from(JSON.stringify(r.sourcePartition));
      }
      partition = lastPartitionBytes;
    }
    const offset = r.sourceOffset ? Buffer.from(JSON.stringify(r.sourceOffset)) : null;
    texts.push({ topic, partition, offset });
    size += 1 + 4 + topic.length + 4 + 8 + 4 + (r.key?.length ?? 0) + 4 + (r.value?.length ?? 0) + 4;
    for (const [k, v] of r.headers) size += 8 + k.length + v.length;
    size += 4 + (partition?.length ?? 0) + 4 + (offset?.length ?? 0);
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
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const t = texts[i]!;
    at = buf.writeUInt8(r.kept ? 1 : 0, at);
    bytes(t.topic);
    at = buf.writeInt32LE(r.kafkaPartition ?? NONE, at);
    at = buf.writeDoubleLE(r.timestamp ?? Number.NaN, at);
    bytes(r.key);
    bytes(r.value);
    at = buf.writeInt32LE(r.headers.size, at);
    for (const [k, v] of r.headers) {
      bytes(k);
      bytes(v);
    }
    bytes(t.partition);
    bytes(t.offset);
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
  const out: ThreadRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const kept = buf.readUInt8(at) === 1;
    at += 1;
    const topic = text() ?? '';
    const p = buf.readInt32LE(at);
    at += 4;
    const ts = buf.readDoubleLE(at);
    at += 8;
    const key = slice();
    const value = slice();
    const nHeaders = buf.readInt32LE(at);
    at += 4;
    const headers = new Map<Buffer, Buffer>();
    for (let h = 0; h < nHeaders; h++) headers.set(slice() ?? Buffer.alloc(0), slice() ?? Buffer.alloc(0));
    const partitionJson = text();
    let sourcePartition: SourcePartition | null = null;
    if (partitionJson !== null) {
      sourcePartition = partitions.get(partitionJson) ?? null;
      if (!sourcePartition) {
        sourcePartition = JSON.parse(partitionJson) as SourcePartition;
        // Bounded for connectors that make a partition per record; the cache only saves parsing.
        if (partitions.size >= 10_000) partitions.clear();
        partitions.set(partitionJson, sourcePartition);
      }
    }
    const offsetJson = text();
    out[i] = {
      kept,
      topic,
      kafkaPartition: p === NONE ? null : p,
      timestamp: Number.isNaN(ts) ? null : ts,
      key,
      value,
      headers,
      sourcePartition,
      sourceOffset: offsetJson === null ? null : (JSON.parse(offsetJson) as SourceOffset),
    };
  }
  return out;
}
