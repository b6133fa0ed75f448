/** Connect data → JSON text, as Kafka Connect's JsonConverter writes it (Jackson's number and string forms). */
import {
  BigDecimal,
  bytesToBase64,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  javaBigDecimalToString,
  javaDoubleToString,
  javaFloatToString,
  type Schema,
  Struct,
  schemaEquals,
} from '@tributary/api';
import { jsonString } from './json-string.js';

export type Write = (value: unknown) => string;

export interface WriterOptions {
  /** decimal.format=NUMERIC: decimals as JSON numbers instead of base64 of the unscaled bytes. */
  decimalNumeric: boolean;
  /** replace.null.with.default: a null field with a default is written as its default. */
  replaceNullWithDefault: boolean;
}

/** A writer for values of the schema, compiled once per schema (the converter caches it). */
export function compileWriter(schema: Schema, opts: WriterOptions): Write {
  const inner = compileNonNullWriter(schema, opts);
  const replaceNull = opts.replaceNullWithDefault;
  const def = schema.defaultValue;
  const hasDefault = def !== null && def !== undefined;
  const optional = schema.optional;
  return (v) => {
    if (v === null || v === undefined) {
      if (hasDefault && replaceNull) return inner(def);
      if (optional) return 'null';
      throw new DataException('Conversion error: null value for field that is required and has no default value');
    }
    return inner(v);
  };
}

function compileNonNullWriter(schema: Schema, opts: WriterOptions): Write {
  const T = schema.type.toUpperCase();
  const bad = (v: unknown): never => {
    throw new DataException(`Invalid type for ${T}: ${describe(v)}`);
  };
  switch (schema.name) {
    case Decimal.LOGICAL_NAME:
      return (v) => {
        if (!(v instanceof BigDecimal))
          throw new DataException(`Invalid type for Decimal, expected BigDecimal but was ${describe(v)}`);
        return opts.decimalNumeric ? javaBigDecimalToString(v) : `"${bytesToBase64(Decimal.fromLogical(schema, v))}"`;
      };
    case ConnectDate.LOGICAL_NAME:
      return (v) => {
        if (!(v instanceof Date))
          throw new DataException(`Invalid type for Date, expected Date but was ${describe(v)}`);
        return String(ConnectDate.fromLogical(schema, v));
      };
    case ConnectTime.LOGICAL_NAME:
      return (v) => {
        if (!(v instanceof Date))
          throw new DataException(`Invalid type for Time, expected Date but was ${describe(v)}`);
        return String(ConnectTime.fromLogical(schema, v));
      };
    case ConnectTimestamp.LOGICAL_NAME:
      return (v) => {
        if (!(v instanceof Date))
          throw new DataException(`Invalid type for Timestamp, expected Date but was ${describe(v)}`);
        return String(ConnectTimestamp.fromLogical(schema, v));
      };
    default:
      break;
  }
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32':
      return (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : bad(v));
    case 'int64':
      return (v) => ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' ? String(v) : bad(v));
    case 'float32':
      return (v) => (typeof v === 'number' ? writeFloat(v) : bad(v));
    case 'float64':
      return (v) => (typeof v === 'number' ? writeDouble(v) : bad(v));
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? (v ? 'true' : 'false') : bad(v));
    case 'string':
      return (v) => (typeof v === 'string' ? jsonString(v) : bad(v));
    case 'bytes':
      return (v) => (v instanceof Uint8Array ? `"${bytesToBase64(v)}"` : bad(v));
    case 'array': {
      const el = compileWriter(schema.valueSchema!, opts);
      return (v) => {
        if (!Array.isArray(v)) return bad(v);
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + el(v[i]);
        return `${out}]`;
      };
    }
    case 'map': {
      const key = compileWriter(schema.keySchema!, opts);
      const val = compileWriter(schema.valueSchema!, opts);
      const objectMode = schema.keySchema!.type === 'string';
      return (v) => {
        const entries: Iterable<[unknown, unknown]> =
          v instanceof Map
            ? v
            : v !== null && typeof v === 'object' && !Array.isArray(v) && objectMode
              ? Object.entries(v)
              : bad(v);
        const parts: string[] = [];
        if (objectMode) {
          for (const [k, x] of entries) {
            if (typeof k !== 'string') bad(k);
            parts.push(`${jsonString(k as string)}:${val(x)}`);
          }
          return `{${parts.join(',')}}`;
        }
        for (const [k, x] of entries) parts.push(`[${key(k)},${val(x)}]`);
        return `[${parts.join(',')}]`;
      };
    }
    case 'struct': {
      const fields = schema.fields.map((f) => ({
        field: f,
        prefix: `${jsonString(f.name)}:`,
        write: compileWriter(f.schema, opts),
      }));
      return (v) => {
        if (!(v instanceof Struct)) return bad(v);
        if (v.schema !== schema && !schemaEquals(v.schema, schema)) throw new DataException('Mismatching schema.');
        let out = '{';
        for (let i = 0; i < fields.length; i++) {
          const f = fields[i]!;
          out += (i === 0 ? '' : ',') + f.prefix + f.write(v.getWithoutDefault(f.field));
        }
        return `${out}}`;
      };
    }
  }
}

/** Schemaless values: the JSON type follows the JS type (Map and plain objects → objects, Struct by its own schema). */
export function writeSchemaless(v: unknown, writerFor: (schema: Schema) => Write): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return String(v);
    case 'number':
      return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : writeDouble(v);
    default:
      break;
  }
  if (v instanceof Uint8Array) return `"${bytesToBase64(v)}"`;
  if (Array.isArray(v)) return `[${v.map((x) => writeSchemaless(x, writerFor)).join(',')}]`;
  if (v instanceof Struct) return writerFor(v.schema)(v);
  if (v instanceof Map) {
    let objectMode = true;
    for (const k of v.keys()) {
      if (typeof k !== 'string') {
        objectMode = false;
        break;
      }
    }
    const parts: string[] = [];
    if (objectMode) for (const [k, x] of v) parts.push(`${jsonString(k as string)}:${writeSchemaless(x, writerFor)}`);
    else for (const [k, x] of v) parts.push(`[${writeSchemaless(k, writerFor)},${writeSchemaless(x, writerFor)}]`);
    return objectMode ? `{${parts.join(',')}}` : `[${parts.join(',')}]`;
  }
  if (v instanceof BigDecimal || v instanceof Date) {
    throw new DataException(
      `${describe(v)} values need a schema (Decimal, Date, Time or Timestamp) to be converted to JSON`,
    );
  }
  if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) parts.push(`${jsonString(k)}:${writeSchemaless(x, writerFor)}`);
    return `{${parts.join(',')}}`;
  }
  throw new DataException(`${describe(v)} does not have corresponding schema type.`);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

function writeDouble(n: number): string {
  // Jackson quotes non-finite numbers (QUOTE_NON_NUMERIC_NUMBERS), so the output stays valid JSON.
  return Number.isFinite(n) ? javaDoubleToString(n) : `"${javaDoubleToString(n)}"`;
}

function writeFloat(n: number): string {
  return Number.isFinite(n) ? javaFloatToString(n) : `"${javaFloatToString(n)}"`;
}
