/** The text the file sink writes for one record value: strings and numbers as is, structured values as JSON. */
import { Struct } from '@tributary/api';

/**
 * The text written for one record value. Kafka Connect's FileStreamSinkTask prints
 * value.toString(); that is exact for strings and numbers, but Java's Struct{a=1,b=x} and
 * Map {a=1} forms cannot be read back, so structured values are written as JSON instead.
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      break;
  }
  // Raw bytes (ByteArrayConverter) are most useful as the text they usually hold.
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(toJsonValue(value));
}

function toJsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') {
    // Exact integers stay numbers in the JSON text; beyond 2^53 a JSON number would lose digits.
    return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  }
  if (typeof v !== 'object') return v;
  if (v instanceof Struct) {
    const out: Record<string, unknown> = {};
    for (const f of v.schema.fields) out[f.name] = toJsonValue(v.get(f));
    return out;
  }
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) out[typeof k === 'string' ? k : JSON.stringify(toJsonValue(k))] = toJsonValue(x);
    return out;
  }
  if (Array.isArray(v)) return v.map(toJsonValue);
  // BigDecimal and similar value types render themselves.
  const toJSON = (v as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return toJSON.call(v);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x);
  return out;
}
