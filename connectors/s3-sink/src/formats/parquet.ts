/** The S3 sink's Parquet format: buffers rows and encodes a row group at a time, with Confluent's parquet.codec names and extensions. */
import { DataException, type Schema } from '@tributary/api';
import { estimateSize, type FormatWriter, type RecordFormat } from './format.js';
import {
  type ParquetCodec,
  type ParquetEncoder,
  type ParquetFileEncoder,
  HyparquetEncoder,
} from './parquet-encoder.js';
import { toParquetRow, toParquetSchema } from './parquet-schema.js';

/** The `parquet.codec` names (Confluent's) and the file extension parquet-mr gives each. */
export const PARQUET_CODEC_INFO: Readonly<Record<string, { codec: ParquetCodec; extension: string }>> = {
  none: { codec: 'UNCOMPRESSED', extension: '' },
  uncompressed: { codec: 'UNCOMPRESSED', extension: '' },
  snappy: { codec: 'SNAPPY', extension: '.snappy' },
  gzip: { codec: 'GZIP', extension: '.gz' },
  zstd: { codec: 'ZSTD', extension: '.zstd' },
  brotli: { codec: 'BROTLI', extension: '.br' },
};

/**
 * Buffers rows and encodes a row group whenever they reach `rowGroupBytes` (or when the memory
 * budget asks via compact()), so an open Parquet file holds at most one row group of rows plus
 * encoded bytes waiting for the next multipart part.
 */
class ParquetFileWriter implements FormatWriter {
  #rows: Record<string, unknown>[] = [];
  #rowBytes = 0;
  readonly #file: ParquetFileEncoder;

  constructor(
    private readonly schema: Schema,
    encoder: ParquetEncoder,
    codec: ParquetCodec,
    private readonly rowGroupBytes: number,
  ) {
    this.#file = encoder.open(toParquetSchema(schema), codec);
  }

  write(value: unknown): void {
    this.#rows.push(toParquetRow(this.schema, value));
    this.#rowBytes += estimateSize(value);
    if (this.#rowBytes >= this.rowGroupBytes) this.compact();
  }

  get bufferedBytes(): number {
    return this.#rowBytes + this.#file.pendingBytes;
  }

  compact(): void {
    if (this.#rows.length === 0) return;
    try {
      this.#file.writeRowGroup(this.#rows);
    } catch (e) {
      throw new DataException(`Parquet encoding failed: ${(e as Error).message}`, { cause: e });
    }
    this.#rows = [];
    this.#rowBytes = 0;
  }

  take(): Uint8Array[] {
    return this.#file.take();
  }

  finish(): void {
    this.compact();
    this.#file.finish();
  }
}

export class ParquetFormat implements RecordFormat {
  readonly needsSchema = true;
  readonly extension: string;
  readonly #codec: ParquetCodec;
  constructor(
    codecName: string,
    private readonly rowGroupBytes: number,
    private readonly encoder: ParquetEncoder = new HyparquetEncoder(),
  ) {
    const info = PARQUET_CODEC_INFO[codecName];
    if (!info) throw new DataException(`Unknown parquet.codec ${codecName}`);
    this.#codec = info.codec;
    this.extension = `${info.extension}.parquet`;
  }
  get codec(): ParquetCodec {
    return this.#codec;
  }
  newWriter(schema: Schema | null): FormatWriter {
    if (!schema) throw new DataException('ParquetFormat needs a schema');
    return new ParquetFileWriter(schema, this.encoder, this.#codec, this.rowGroupBytes);
  }
}
