/** The Parquet encoder interface the sink needs and its implementation on hyparquet-writer, streaming row groups out; zstd loading. */
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { ConnectException } from '@tributary/api';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ParquetSchemaElement } from './parquet-schema.js';

export type ParquetCodec = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP' | 'ZSTD' | 'BROTLI';

/**
 * What the sink needs from a Parquet library: open a file for a schema, append row groups, finish
 * it. Bytes come out as they are encoded so a large file streams into a multipart upload instead
 * of sitting in memory. The library behind it was chosen by measurement (docs/parquet-libraries.md).
 */
export interface ParquetEncoder {
  open(schema: readonly ParquetSchemaElement[], codec: ParquetCodec): ParquetFileEncoder;
}

export interface ParquetFileEncoder {
  /** Encodes these rows (objects keyed by top-level column) as one row group. */
  writeRowGroup(rows: readonly Record<string, unknown>[]): void;
  /** Encoded bytes not yet taken, removed from the encoder. */
  take(): Uint8Array[];
  /** Writes the footer; the bytes are then available from take(). */
  finish(): void;
  /** Encoded bytes waiting in take(). */
  readonly pendingBytes: number;
}

type Compressor = (input: Uint8Array) => Uint8Array;
let zstdCompress: Compressor | null = null;

/**
 * Loads the zstd WebAssembly module. Node 20's zlib has no zstd, so it comes from
 * @bokuweb/zstd-wasm; the load is asynchronous and happens once, before the first zstd file.
 */
export async function loadZstd(): Promise<void> {
  if (zstdCompress) return;
  const zstd = await import('@bokuweb/zstd-wasm');
  await zstd.init();
  zstdCompress = (input) => zstd.compress(input, 3);
}

function compressors(codec: ParquetCodec): Partial<Record<ParquetCodec, Compressor>> {
  switch (codec) {
    case 'GZIP':
      return { GZIP: (b) => gzipSync(b) };
    case 'BROTLI':
      return { BROTLI: (b) => brotliCompressSync(b) };
    case 'ZSTD':
      if (!zstdCompress) throw new ConnectException('zstd is not loaded; call loadZstd() before opening a zstd file');
      return { ZSTD: zstdCompress };
    default:
      return {};
  }
}

const INITIAL_BUFFER = 64 * 1024;

/**
 * A hyparquet-writer Writer that hands out what it has written after each row group and starts
 * over with a small buffer, so an open file keeps at most one row group's bytes.
 */
class ChunkWriter extends ByteWriter {
  readonly chunks: Uint8Array[] = [];
  pending = 0;

  constructor() {
    super(INITIAL_BUFFER);
  }

  flush(): void {
    if (this.index === 0) return;
    this.chunks.push(new Uint8Array(this.buffer.slice(0, this.index)));
    this.pending += this.index;
    this.index = 0;
    if (this.buffer.byteLength > INITIAL_BUFFER * 4) {
      this.buffer = new ArrayBuffer(INITIAL_BUFFER);
      this.view = new DataView(this.buffer);
    }
  }

  override finish(): void {
    this.flush();
  }
}

/** The encoder on hyparquet-writer: pure JavaScript, nested types, DECIMAL as exact bigints, incremental row groups. */
export class HyparquetEncoder implements ParquetEncoder {
  open(schema: readonly ParquetSchemaElement[], codec: ParquetCodec): ParquetFileEncoder {
    const writer = new ChunkWriter();
    const columns = schema[0]?.num_children ?? 0;
    const names: string[] = [];
    // Top-level column names: walk the depth-first schema, skipping each child's subtree.
    let i = 1;
    const skip = (idx: number): number => {
      let next = idx + 1;
      for (let c = 0; c < (schema[idx]?.num_children ?? 0); c++) next = skip(next);
      return next;
    };
    for (let c = 0; c < columns; c++) {
      names.push(schema[i]!.name);
      i = skip(i);
    }
    const pq = new ParquetWriter({
      writer,
      schema: schema as unknown as ConstructorParameters<typeof ParquetWriter>[0]['schema'],
      codec,
      compressors: compressors(codec),
      createdBy: 'tributary s3-sink (hyparquet-writer)',
    });
    return {
      writeRowGroup(rows) {
        if (rows.length === 0) return;
        const columnData = names.map((name) => ({ name, data: rows.map((r) => r[name]) }));
        const r = pq.write({ columnData, rowGroupSize: rows.length });
        if (r) throw new ConnectException('Parquet writer unexpectedly went asynchronous');
        writer.flush();
      },
      take() {
        const out = writer.chunks.splice(0);
        writer.pending = 0;
        return out;
      },
      finish() {
        const r = pq.finish();
        if (r) throw new ConnectException('Parquet writer unexpectedly went asynchronous');
      },
      get pendingBytes() {
        return writer.pending + writer.index;
      },
    };
  }
}
