/** The S3 sink's Avro format: Connect schemas and values as Avro (following Confluent's AvroData), written as object container files. */
import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  type Schema,
  bigintToBytes,
} from '@tributary/api';
import avro from 'avsc';
import { fieldOf } from './parquet-schema.js';
import type { FormatWriter, RecordFormat } from './format.js';

type AvroSchema = string | { [k: string]: unknown } | AvroSchema[];

const NAMESPACE = 'io.confluent.connect.avro';

function avroName(name: string): { name: string; namespace?: string } {
  const clean = name.replace(/[^A-Za-z0-9_.]/g, '_');
  const i = clean.lastIndexOf('.');
  const simple = (i >= 0 ? clean.slice(i + 1) : clean).replace(/^(\d)/, '_$1');
  return i > 0 ? { name: simple, namespace: clean.slice(0, i) } : { name: simple };
}

/**
 * A Connect schema as an Avro schema, following Confluent's AvroData: optional types are unions
 * with null (default null), int8/int16 are ints tagged with connect.type, logical types use Avro's
 * decimal/date/time-millis/timestamp-millis, maps with non-string keys become arrays of MapEntry.
 */
export function toAvroSchema(schema: Schema): AvroSchema {
  let anonymous = 0;
  const seen = new Set<string>();
  const uniqueName = (base: string): string => {
    let n = base;
    for (let i = 2; seen.has(n); i++) n = `${base}${i}`;
    seen.add(n);
    return n;
  };
  const conv = (s: Schema): AvroSchema => {
    const t = bare(s);
    return s.optional ? ['null', t] : t;
  };
  const bare = (s: Schema): AvroSchema => {
    switch (s.name) {
      case Decimal.LOGICAL_NAME:
        return {
          type: 'bytes',
          logicalType: 'decimal',
          precision: Number(s.parameters?.['connect.decimal.precision'] ?? 64),
          scale: Decimal.scaleOf(s),
          'connect.name': s.name,
        };
      case ConnectDate.LOGICAL_NAME:
        return { type: 'int', logicalType: 'date', 'connect.name': s.name };
      case ConnectTime.LOGICAL_NAME:
        return { type: 'int', logicalType: 'time-millis', 'connect.name': s.name };
      case ConnectTimestamp.LOGICAL_NAME:
        return { type: 'long', logicalType: 'timestamp-millis', 'connect.name': s.name };
    }
    switch (s.type) {
      case 'int8':
      case 'int16':
        return { type: 'int', 'connect.type': s.type };
      case 'int32':
        return 'int';
      case 'int64':
        return 'long';
      case 'float32':
        return 'float';
      case 'float64':
        return 'double';
      case 'boolean':
        return 'boolean';
      case 'string':
        return 'string';
      case 'bytes':
        return 'bytes';
      case 'array':
        return { type: 'array', items: conv(s.valueSchema!) };
      case 'map':
        if (s.keySchema!.type === 'string' && !s.keySchema!.optional)
          return { type: 'map', values: conv(s.valueSchema!) };
        return {
          type: 'array',
          items: {
            type: 'record',
            name: uniqueName('MapEntry'),
            namespace: NAMESPACE,
            fields: [
              { name: 'key', type: conv(s.keySchema!) },
              { name: 'value', type: conv(s.valueSchema!) },
            ],
          },
        };
      case 'struct': {
        const n = s.name
          ? avroName(s.name)
          : { name: anonymous++ === 0 ? 'ConnectDefault' : `ConnectDefault${anonymous}`, namespace: NAMESPACE };
        n.name = uniqueName(n.name);
        return {
          type: 'record',
          ...n,
          ...(s.doc ? { doc: s.doc } : {}),
          fields: s.fields.map((f) => ({
            name: f.name,
            type: conv(f.schema),
            ...(f.schema.optional ? { default: null } : {}),
          })),
        };
      }
    }
  };
  return conv(schema);
}

/** A Connect value in the shape avsc encodes for toAvroSchema(schema). */
export function toAvroValue(schema: Schema, value: unknown): unknown {
  if (value === null || value === undefined) {
    if (schema.defaultValue !== null && schema.defaultValue !== undefined)
      return toAvroValue(schema, schema.defaultValue);
    if (!schema.optional) throw new DataException(`null value for required ${schema.type} schema`);
    return null;
  }
  switch (schema.name) {
    case Decimal.LOGICAL_NAME: {
      const d = value instanceof BigDecimal ? value : Decimal.toLogical(schema, value as Uint8Array);
      return Buffer.from(bigintToBytes(d.setScale(Decimal.scaleOf(schema)).unscaled));
    }
    case ConnectDate.LOGICAL_NAME:
      return value instanceof Date ? ConnectDate.fromLogical(schema, value) : value;
    case ConnectTime.LOGICAL_NAME:
      return value instanceof Date ? ConnectTime.fromLogical(schema, value) : value;
    case ConnectTimestamp.LOGICAL_NAME:
      return BigInt(value instanceof Date ? value.getTime() : (value as number));
  }
  switch (schema.type) {
    case 'int64':
      return typeof value === 'bigint' ? value : BigInt(value as number);
    case 'bytes':
      return Buffer.from(value as Uint8Array);
    case 'array':
      return (value as unknown[]).map((v) => toAvroValue(schema.valueSchema!, v));
    case 'map': {
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
      if (schema.keySchema!.type === 'string' && !schema.keySchema!.optional) {
        const o: Record<string, unknown> = {};
        for (const [k, v] of entries) o[String(k)] = toAvroValue(schema.valueSchema!, v);
        return o;
      }
      return entries.map(([k, v]) => ({
        key: toAvroValue(schema.keySchema!, k),
        value: toAvroValue(schema.valueSchema!, v),
      }));
    }
    case 'struct': {
      const o: Record<string, unknown> = {};
      for (const f of schema.fields) o[f.name] = toAvroValue(f.schema, fieldOf(value, f.name));
      return o;
    }
    default:
      return value;
  }
}

/** avsc's long as a bigint, so int64 values beyond 2^53 survive. */
const BigIntLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (x: unknown) => BigInt(x as number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);
const BLOCK_BYTES = 1024 * 1024;
const metaType = avro.Type.forSchema({ type: 'map', values: 'bytes' });
const longType = avro.Type.forSchema('long');

/**
 * An Avro object container file. The sync marker derives from the object key, so a replay that
 * writes the same records writes the same bytes.
 */
class AvroContainerWriter implements FormatWriter {
  readonly #type: avro.Type;
  readonly #schema: Schema;
  readonly #sync: Buffer;
  #records: Buffer[] = [];
  #recordBytes = 0;
  #out: Uint8Array[] = [];
  #outBytes = 0;

  constructor(
    schema: Schema,
    fileKey: string,
    private readonly codec: 'null' | 'deflate',
  ) {
    this.#schema = schema;
    const avroSchema = toAvroSchema(schema);
    this.#type = avro.Type.forSchema(avroSchema as avro.Schema, {
      wrapUnions: false,
      // Every long (timestamp-millis included) as a bigint; the header keeps the logical types.
      typeHook: (s: avro.Schema) =>
        s === 'long' || (typeof s === 'object' && (s as { type?: unknown }).type === 'long') ? BigIntLong : undefined,
    });
    this.#sync = createHash('md5').update(fileKey).digest();
    const meta = new Map<string, Buffer>([
      ['avro.schema', Buffer.from(JSON.stringify(avroSchema))],
      ['avro.codec', Buffer.from(codec)],
    ]);
    this.#emit(Buffer.concat([MAGIC, metaType.toBuffer(Object.fromEntries(meta)), this.#sync]));
  }

  #emit(b: Uint8Array): void {
    this.#out.push(b);
    this.#outBytes += b.byteLength;
  }

  write(value: unknown): void {
    const buf = this.#type.toBuffer(toAvroValue(this.#schema, value));
    this.#records.push(buf);
    this.#recordBytes += buf.byteLength;
    if (this.#recordBytes >= BLOCK_BYTES) this.compact();
  }

  get bufferedBytes(): number {
    return this.#recordBytes + this.#outBytes;
  }

  compact(): void {
    if (this.#records.length === 0) return;
    const raw = Buffer.concat(this.#records);
    const data = this.codec === 'deflate' ? deflateRawSync(raw) : raw;
    this.#emit(
      Buffer.concat([longType.toBuffer(this.#records.length), longType.toBuffer(data.byteLength), data, this.#sync]),
    );
    this.#records = [];
    this.#recordBytes = 0;
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

export class AvroFormat implements RecordFormat {
  readonly needsSchema = true;
  readonly extension = '.avro';
  constructor(private readonly codec: 'null' | 'deflate') {}
  newWriter(schema: Schema | null, fileKey: string): FormatWriter {
    if (!schema) throw new DataException('AvroFormat needs a schema');
    return new AvroContainerWriter(schema, fileKey, this.codec);
  }
}
