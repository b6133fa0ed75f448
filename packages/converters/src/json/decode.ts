/** JSON → Connect data, as Kafka Connect's JsonConverter reads it: exact numbers where JSON.parse would round. */
import {
  BigDecimal,
  base64ToBytes,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  type Schema,
  Struct,
} from '@tributary/api';
import { JsonSyntaxError, type JsonValue, LosslessNumber, nodeType, parseJsonExact } from './lossless-json.js';

export type Read = (node: JsonValue | undefined) => unknown;

export interface ReaderOptions {
  /** replace.null.with.default: a null field with a default reads as its default. */
  replaceNullWithDefault: boolean;
}

/** Thrown by readers (allocation-free) when a number came through JSON.parse and lost precision. */
export const NEEDS_EXACT = Object.freeze({ reason: 'int64 beyond 2^53 read through JSON.parse' });

export function hasDecimal(schema: Schema): boolean {
  if (schema.name === Decimal.LOGICAL_NAME) return true;
  if (schema.keySchema && hasDecimal(schema.keySchema)) return true;
  if (schema.valueSchema && hasDecimal(schema.valueSchema)) return true;
  return schema.fields.some((f) => hasDecimal(f.schema));
}

/** True when a JSON.parse result holds a number beyond the safe-integer range (it may have been rounded). */
export function hasUnsafeNumber(v: unknown): boolean {
  if (typeof v === 'number') return v > Number.MAX_SAFE_INTEGER || v < Number.MIN_SAFE_INTEGER;
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (hasUnsafeNumber(v[i])) return true;
    return false;
  }
  for (const k in v as Record<string, unknown>) if (hasUnsafeNumber((v as Record<string, unknown>)[k])) return true;
  return false;
}

/** Schemaless JSON text → Connect value: JSON.parse, re-read exactly only when a large integer may have been rounded. */
export function readSchemaless(text: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw serializationError(e);
  }
  if (!hasUnsafeNumber(v)) return v;
  try {
    return convertSchemaless(parseJsonExact(text));
  } catch (e) {
    throw serializationError(e);
  }
}

function readFloating(node: JsonValue, type: string): number {
  if (typeof node === 'number') return node;
  if (typeof node === 'bigint') return Number(node);
  if (node instanceof LosslessNumber) return Number(node.text);
  if (node === 'NaN') return Number.NaN;
  if (node === 'Infinity') return Number.POSITIVE_INFINITY;
  if (node === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new DataException(`Invalid value for ${type} field: expected a JSON number but found ${nodeType(node)}`);
}

function readInteger(node: JsonValue, type: string, min: number, max: number): number {
  if (typeof node === 'number' && Number.isInteger(node) && node >= min && node <= max) return node;
  throw new DataException(
    `Invalid value for ${type} field: expected an integer between ${min} and ${max} but found ${nodeType(node)} ${String(node)}`,
  );
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function compileReader(schema: Schema, opts: ReaderOptions): Read {
  const inner = compileNonNullReader(schema, opts);
  const replaceNull = opts.replaceNullWithDefault;
  const def = schema.defaultValue;
  const hasDefault = def !== null && def !== undefined;
  const optional = schema.optional;
  const T = schema.type.toUpperCase();
  return (node) => {
    if (node === null || node === undefined) {
      if (hasDefault && replaceNull) return def;
      if (optional) return null;
      throw new DataException(`Invalid null value for required ${T} field`);
    }
    return inner(node);
  };
}

export function compileNonNullReader(schema: Schema, opts: ReaderOptions): (node: JsonValue) => unknown {
  switch (schema.name) {
    case Decimal.LOGICAL_NAME: {
      const scale = Decimal.scaleOf(schema);
      const rescale = (d: BigDecimal): BigDecimal => (d.scale < scale ? d.setScale(scale) : d);
      return (node) => {
        if (typeof node === 'number') return rescale(BigDecimal.parse(String(node)));
        if (typeof node === 'bigint') return rescale(new BigDecimal(node, 0));
        if (node instanceof LosslessNumber) return rescale(BigDecimal.parse(node.text));
        if (typeof node === 'string') {
          try {
            return Decimal.toLogical(schema, base64ToBytes(node));
          } catch (e) {
            throw new DataException('Invalid bytes for Decimal field', { cause: e });
          }
        }
        throw new DataException(
          `Invalid type for Decimal, underlying representation should be numeric or bytes but was ${nodeType(node)}`,
        );
      };
    }
    case ConnectDate.LOGICAL_NAME:
      return (node) => {
        if (typeof node !== 'number' || !Number.isInteger(node) || node < -2147483648 || node > 2147483647) {
          throw new DataException(
            `Invalid type for Date, underlying representation should be integer but was ${nodeType(node)}`,
          );
        }
        return ConnectDate.toLogical(schema, node);
      };
    case ConnectTime.LOGICAL_NAME:
      return (node) => {
        if (typeof node !== 'number' || !Number.isInteger(node) || node < -2147483648 || node > 2147483647) {
          throw new DataException(
            `Invalid type for Time, underlying representation should be integer but was ${nodeType(node)}`,
          );
        }
        return ConnectTime.toLogical(schema, node);
      };
    case ConnectTimestamp.LOGICAL_NAME:
      return (node) => {
        if (!((typeof node === 'number' && Number.isInteger(node)) || typeof node === 'bigint')) {
          throw new DataException(
            `Invalid type for Timestamp, underlying representation should be integral but was ${nodeType(node)}`,
          );
        }
        return ConnectTimestamp.toLogical(schema, node);
      };
    default:
      break;
  }
  switch (schema.type) {
    case 'int8':
      return (n) => readInteger(n, 'INT8', -128, 127);
    case 'int16':
      return (n) => readInteger(n, 'INT16', -32768, 32767);
    case 'int32':
      return (n) => readInteger(n, 'INT32', -2147483648, 2147483647);
    case 'int64':
      return (n) => {
        if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
        if (typeof n === 'number' && Number.isInteger(n)) throw NEEDS_EXACT;
        if (typeof n === 'bigint' && n >= INT64_MIN && n <= INT64_MAX) return n;
        throw new DataException(
          `Invalid value for INT64 field: expected a 64-bit integer but found ${nodeType(n)} ${String(n)}`,
        );
      };
    case 'float32':
      return (n) => readFloating(n, 'FLOAT32');
    case 'float64':
      return (n) => readFloating(n, 'FLOAT64');
    case 'boolean':
      return (n) => {
        if (typeof n !== 'boolean')
          throw new DataException(`Invalid value for BOOLEAN field: expected true or false but found ${nodeType(n)}`);
        return n;
      };
    case 'string':
      return (n) => {
        if (typeof n !== 'string')
          throw new DataException(`Invalid value for STRING field: expected a JSON string but found ${nodeType(n)}`);
        return n;
      };
    case 'bytes':
      return (n) => {
        if (typeof n !== 'string')
          throw new DataException(`Invalid value for BYTES field: expected a base64 string but found ${nodeType(n)}`);
        return base64ToBytes(n);
      };
    case 'array': {
      const el = compileReader(schema.valueSchema!, opts);
      return (n) => {
        if (!Array.isArray(n))
          throw new DataException(`Arrays should be encoded as JSON arrays, but found ${nodeType(n)}`);
        const out = new Array<unknown>(n.length);
        for (let i = 0; i < n.length; i++) out[i] = el(n[i]);
        return out;
      };
    }
    case 'map': {
      const key = compileReader(schema.keySchema!, opts);
      const val = compileReader(schema.valueSchema!, opts);
      if (schema.keySchema!.type === 'string') {
        return (n) => {
          if (n === null || typeof n !== 'object' || Array.isArray(n) || n instanceof LosslessNumber) {
            throw new DataException(
              `Maps with string fields should be encoded as JSON objects, but found ${nodeType(n)}`,
            );
          }
          const out = new Map<unknown, unknown>();
          for (const [k, x] of Object.entries(n)) out.set(k, val(x));
          return out;
        };
      }
      return (n) => {
        if (!Array.isArray(n))
          throw new DataException(
            `Maps with non-string fields should be encoded as JSON array of tuples, but found ${nodeType(n)}`,
          );
        const out = new Map<unknown, unknown>();
        for (const entry of n) {
          if (!Array.isArray(entry))
            throw new DataException(`Found invalid map entry instead of array tuple: ${nodeType(entry)}`);
          if (entry.length !== 2)
            throw new DataException(`Found invalid map entry, expected length 2 but found :${entry.length}`);
          out.set(key(entry[0]), val(entry[1]));
        }
        return out;
      };
    }
    case 'struct': {
      const fields = schema.fields.map((f) => ({ field: f, name: f.name, read: compileReader(f.schema, opts) }));
      return (n) => {
        if (n === null || typeof n !== 'object' || Array.isArray(n) || n instanceof LosslessNumber) {
          throw new DataException(`Structs should be encoded as JSON objects, but found ${nodeType(n)}`);
        }
        const obj = n as { [key: string]: JsonValue };
        const s = new Struct(schema);
        for (const f of fields) {
          const v = f.read(Object.hasOwn(obj, f.name) ? obj[f.name] : undefined);
          if (v !== null && v !== undefined) s.put(f.field, v);
        }
        return s;
      };
    }
  }
}

export function serializationError(e: unknown): DataException {
  const msg = e instanceof JsonSyntaxError || e instanceof SyntaxError ? e.message : String(e);
  return new DataException(`Converting byte[] to Kafka Connect data failed due to serialization error: ${msg}`, {
    cause: e,
  });
}

/** Schemaless JSON → Connect values: numbers stay numbers (bigint past 2^53), objects stay plain objects. */
export function convertSchemaless(node: JsonValue | undefined): unknown {
  if (node === null || node === undefined) return null;
  if (node instanceof LosslessNumber) return Number(node.text);
  if (typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < node.length; i++) {
      const v = node[i]!;
      const c = convertSchemaless(v);
      if (c !== v && out === null) out = node.slice(0, i);
      if (out) out.push(c);
    }
    return out ?? node;
  }
  for (const k of Object.keys(node)) {
    const v = node[k]!;
    if (v !== null && typeof v === 'object') {
      const c = convertSchemaless(v);
      if (c !== v) node[k] = c as JsonValue;
    }
  }
  return node;
}
