/** The interfaces an S3 sink output format implements (a per-file writer and its format), and a value size estimate for the memory budget. */
import type { Schema } from '@tributary/api';

/**
 * Writes one object's worth of records in one format. Writers are synchronous and keep their
 * output in memory until `take()`; the caller streams what it takes into an upload, so memory per
 * open file stays bounded by the row-group or part size rather than the file size.
 */
export interface FormatWriter {
  /** Appends one value (a record's value, key or headers view) conforming to the writer's schema. */
  write(value: unknown): void;
  /** Bytes this writer holds: buffered values (estimated) plus encoded output not yet taken. */
  readonly bufferedBytes: number;
  /** Encodes buffered values now (Parquet: a row group) so they take less memory. */
  compact(): void;
  /** Encoded bytes ready to upload, removed from the writer. */
  take(): Uint8Array[];
  /** Ends the file; the remaining bytes are then available from take(). */
  finish(): void;
}

export interface RecordFormat {
  /** File name extension including the dot, e.g. `.snappy.parquet`. */
  readonly extension: string;
  /** Whether the format needs a schema for every value (Parquet, Avro). */
  readonly needsSchema: boolean;
  /**
   * A writer for a new file. `schema` is null for schemaless data (JSON, ByteArray only);
   * `fileKey` seeds anything that must be the same on a replay (Avro's sync marker).
   */
  newWriter(schema: Schema | null, fileKey: string): FormatWriter;
}

/** A rough in-memory size of a Connect value, for the memory budget and byte-size rotation. */
export function estimateSize(value: unknown): number {
  if (value === null || value === undefined) return 1;
  switch (typeof value) {
    case 'string':
      return value.length + 8;
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
      return 1;
    case 'object':
      break;
    default:
      return 8;
  }
  if (value instanceof Uint8Array) return value.byteLength + 8;
  if (value instanceof Date) return 8;
  if (Array.isArray(value)) {
    let n = 8;
    for (const v of value) n += estimateSize(v);
    return n;
  }
  if (value instanceof Map) {
    let n = 8;
    for (const [k, v] of value) n += estimateSize(k) + estimateSize(v);
    return n;
  }
  const asStruct = value as { schema?: Schema; get?: (name: string) => unknown };
  if (asStruct.schema && typeof asStruct.get === 'function' && asStruct.schema.type === 'struct') {
    let n = 8;
    for (const f of asStruct.schema.fields) n += estimateSize(asStruct.get(f.name));
    return n;
  }
  const unscaled = (value as { unscaled?: unknown }).unscaled;
  if (typeof unscaled === 'bigint') return 16;
  let n = 8;
  for (const [k, v] of Object.entries(value as object)) n += k.length + estimateSize(v);
  return n;
}
