/** The S3 sink's JSON and raw-bytes formats: values as JsonConverter text lines (optionally gzipped), and Confluent's ByteArrayFormat. */
import { gzipSync } from 'node:zlib';
import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  type Schema,
  Struct,
  bigintToBytes,
} from '@tributary/api';
import type { FormatWriter, RecordFormat } from './format.js';

export type DecimalFormat = 'BASE64' | 'NUMERIC';

/** Gzip members are cut at this much text so an open file never holds more than ~1 MiB of it. */
const GZIP_MEMBER_BYTES = 1024 * 1024;

/**
 * A Connect value as JSON text, as Kafka's JsonConverter writes it with schemas.enable=false:
 * structs as objects, bytes as base64, Date as days, Time and Timestamp as milliseconds, Decimal
 * as base64 of the unscaled value (or a number with json.decimal.format=NUMERIC), maps with
 * non-string keys as [key, value] pairs, int64 exact even beyond 2^53.
 */
export function toJsonText(schema: Schema | null, value: unknown, decimals: DecimalFormat = 'BASE64'): string {
  if (value === null || value === undefined) {
    if (schema && schema.defaultValue !== null && schema.defaultValue !== undefined)
      return toJsonText(schema, schema.defaultValue, decimals);
    return 'null';
  }
  if (schema?.name) {
    switch (schema.name) {
      case Decimal.LOGICAL_NAME: {
        const d = value instanceof BigDecimal ? value : Decimal.toLogical(schema, value as Uint8Array);
        return decimals === 'NUMERIC'
          ? d.toString()
          : JSON.stringify(Buffer.from(bigintToBytes(d.unscaled)).toString('base64'));
      }
      case ConnectDate.LOGICAL_NAME:
        return String(value instanceof Date ? ConnectDate.fromLogical(schema, value) : value);
      case ConnectTime.LOGICAL_NAME:
        return String(value instanceof Date ? ConnectTime.fromLogical(schema, value) : value);
      case ConnectTimestamp.LOGICAL_NAME:
        return String(value instanceof Date ? value.getTime() : value);
    }
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return JSON.stringify(String(value));
  }
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (value instanceof Date) return String(value.getTime());
  if (value instanceof BigDecimal) return decimals === 'NUMERIC' ? value.toString() : JSON.stringify(value.toString());
  if (Array.isArray(value)) {
    const el = schema?.valueSchema ?? null;
    return `[${value.map((v) => toJsonText(el, v, decimals)).join(',')}]`;
  }
  if (value instanceof Struct) {
    const parts = value.schema.fields.map(
      (f) => `${JSON.stringify(f.name)}:${toJsonText(f.schema, value.get(f), decimals)}`,
    );
    return `{${parts.join(',')}}`;
  }
  if (value instanceof Map) {
    const ks = schema?.keySchema ?? null;
    const vs = schema?.valueSchema ?? null;
    const stringKeys = ks ? ks.type === 'string' : [...value.keys()].every((k) => typeof k === 'string');
    if (stringKeys) {
      const parts = [...value].map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(vs, v, decimals)}`);
      return `{${parts.join(',')}}`;
    }
    return `[${[...value].map(([k, v]) => `[${toJsonText(ks, k, decimals)},${toJsonText(vs, v, decimals)}]`).join(',')}]`;
  }
  if (schema?.type === 'struct') {
    const o = value as Record<string, unknown>;
    const parts = schema.fields.map((f) => `${JSON.stringify(f.name)}:${toJsonText(f.schema, o[f.name], decimals)}`);
    return `{${parts.join(',')}}`;
  }
  const parts = Object.entries(value as object).map(
    ([k, v]) => `${JSON.stringify(k)}:${toJsonText(null, v, decimals)}`,
  );
  return `{${parts.join(',')}}`;
}

/** Lines of text, optionally gzip-compressed member by member. */
export class LineWriter implements FormatWriter {
  #parts: string[] = [];
  #partBytes = 0;
  #out: Uint8Array[] = [];
  #outBytes = 0;
  constructor(
    private readonly render: (value: unknown) => string | Uint8Array,
    private readonly separator: string,
    private readonly gzipLevel: number | null,
  ) {}

  write(value: unknown): void {
    const r = this.render(value);
    if (typeof r === 'string') {
      this.#parts.push(r, this.separator);
      this.#partBytes += r.length + this.separator.length;
    } else {
      this.#flushText();
      this.#emit(r);
      this.#emit(Buffer.from(this.separator));
    }
    if (this.#partBytes >= GZIP_MEMBER_BYTES) this.compact();
  }

  get bufferedBytes(): number {
    return this.#partBytes + this.#outBytes;
  }

  #flushText(): void {
    if (this.#parts.length === 0) return;
    const text = Buffer.from(this.#parts.join(''), 'utf8');
    this.#parts = [];
    this.#partBytes = 0;
    this.#emit(text);
  }

  #pendingRaw: Uint8Array[] = [];
  #pendingRawBytes = 0;
  #emit(bytes: Uint8Array): void {
    if (this.gzipLevel === null) {
      this.#out.push(bytes);
      this.#outBytes += bytes.byteLength;
      return;
    }
    this.#pendingRaw.push(bytes);
    this.#pendingRawBytes += bytes.byteLength;
    if (this.#pendingRawBytes >= GZIP_MEMBER_BYTES) this.#gzip();
  }

  #gzip(): void {
    if (this.#pendingRaw.length === 0) return;
    const z = gzipSync(Buffer.concat(this.#pendingRaw), { level: this.gzipLevel ?? -1 });
    this.#pendingRaw = [];
    this.#pendingRawBytes = 0;
    this.#out.push(z);
    this.#outBytes += z.byteLength;
  }

  compact(): void {
    this.#flushText();
    this.#gzip();
  }

  take(): Uint8Array[] {
    const out = this.#out;
    this.#out = [];
    this.#outBytes = 0;
    return out;
  }

  finish(): void {
    this.compact();
  }
}

export class JsonFormat implements RecordFormat {
  readonly needsSchema = false;
  readonly extension: string;
  constructor(
    private readonly gzipLevel: number | null,
    private readonly decimals: DecimalFormat = 'BASE64',
  ) {
    this.extension = gzipLevel === null ? '.json' : '.json.gz';
  }
  newWriter(schema: Schema | null): FormatWriter {
    return new LineWriter((v) => toJsonText(schema, v, this.decimals), '\n', this.gzipLevel);
  }
}

/** Raw bytes of each value with a separator between them, as Confluent's ByteArrayFormat. */
export class ByteArrayFormat implements RecordFormat {
  readonly needsSchema = false;
  readonly extension: string;
  constructor(
    extension: string,
    private readonly separator: string,
    private readonly gzipLevel: number | null,
  ) {
    this.extension = gzipLevel === null ? extension : `${extension}.gz`;
  }
  newWriter(): FormatWriter {
    return new LineWriter(
      (v) => {
        if (v === null || v === undefined) return new Uint8Array(0);
        if (v instanceof Uint8Array) return v;
        if (typeof v === 'string') return Buffer.from(v, 'utf8');
        throw new DataException(
          `ByteArrayFormat needs bytes or string values, got ${v?.constructor?.name ?? typeof v}`,
        );
      },
      this.separator,
      this.gzipLevel,
    );
  }
}

/** Turns the escape sequences users write in properties (\n, \r, \t, \\) into the characters. */
export function unescapeSeparator(s: string): string {
  return s.replace(/\\([nrt\\])/g, (_m, c: string) => ({ n: '\n', r: '\r', t: '\t', '\\': '\\' })[c] ?? c);
}
