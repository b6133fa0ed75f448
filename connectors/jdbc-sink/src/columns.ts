// Column types independent of any database, derived from Connect schemas (Kafka and Debezium logical types) or inferred from schemaless values.
import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  type Schema,
  Struct,
  bytesToBigint,
} from '@tributary/api';

export type ColumnKind =
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  | 'boolean'
  | 'string'
  | 'bytes'
  | 'decimal'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'timetz'
  | 'json'
  | 'uuid'
  | 'xml'
  | 'array';

export interface ColumnType {
  readonly kind: ColumnKind;
  /** decimal: digits after the point, when fixed. */
  readonly scale?: number;
  /** decimal: total digits, when known (connect.decimal.precision). */
  readonly precision?: number;
  /** array: the element type. */
  readonly element?: ColumnType;
}

/** An instant or wall-clock time kept to the microsecond (JS Dates stop at milliseconds). */
export class Micros {
  constructor(readonly value: bigint) {}
  toJSON(): string {
    return this.value.toString();
  }
}

/** A column of one record: name, type, whether it may be null, and its value in the forms of {@link normalize}. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly optional: boolean;
  readonly value: unknown;
}

const T = (kind: ColumnKind, extra: Omit<ColumnType, 'kind'> = {}): ColumnType => ({ kind, ...extra });

/**
 * The column type a Connect schema maps to. Kafka's logical types first, then Debezium's semantic types
 * (io.debezium.time.*, io.debezium.data.*), then the physical type. Structs and maps are JSON.
 */
export function columnTypeOf(schema: Schema): ColumnType {
  // Schemas are immutable and shared by every record of a topic: the mapping is worked out once per schema.
  let t = typeCache.get(schema);
  if (!t) {
    t = mapSchema(schema);
    typeCache.set(schema, t);
  }
  return t;
}

const typeCache = new WeakMap<Schema, ColumnType>();

function mapSchema(schema: Schema): ColumnType {
  switch (schema.name) {
    case Decimal.LOGICAL_NAME: {
      const precision = Number(schema.parameters?.['connect.decimal.precision'] ?? Number.NaN);
      return T('decimal', {
        scale: Decimal.scaleOf(schema),
        ...(Number.isInteger(precision) && precision > 0 ? { precision } : {}),
      });
    }
    case ConnectDate.LOGICAL_NAME:
    case 'io.debezium.time.Date':
      return T('date');
    case ConnectTime.LOGICAL_NAME:
    case 'io.debezium.time.Time':
    case 'io.debezium.time.MicroTime':
    case 'io.debezium.time.NanoTime':
      return T('time');
    case 'io.debezium.time.ZonedTime':
      return T('timetz');
    case ConnectTimestamp.LOGICAL_NAME:
    case 'io.debezium.time.ZonedTimestamp':
      return T('timestamptz');
    case 'io.debezium.time.Timestamp':
    case 'io.debezium.time.MicroTimestamp':
    case 'io.debezium.time.NanoTimestamp':
      return T('timestamp');
    case 'io.debezium.data.VariableScaleDecimal':
      return T('decimal');
    case 'io.debezium.data.Json':
      return T('json');
    case 'io.debezium.data.Uuid':
      return T('uuid');
    case 'io.debezium.data.Xml':
      return T('xml');
    default:
      break;
  }
  switch (schema.type) {
    case 'int8':
    case 'int16':
      return T('int16');
    case 'int32':
      return T('int32');
    case 'int64':
      return T('int64');
    case 'float32':
      return T('float32');
    case 'float64':
      return T('float64');
    case 'boolean':
      return T('boolean');
    case 'string':
      return T('string');
    case 'bytes':
      return T('bytes');
    case 'array': {
      const el = schema.valueSchema ? columnTypeOf(schema.valueSchema) : T('string');
      // Arrays of arrays or of JSON documents have no portable array type: the whole array is JSON.
      return el.kind === 'array' || el.kind === 'json' ? T('json') : T('array', { element: el });
    }
    default:
      return T('json');
  }
}

/** The column type a schemaless value (JsonConverter with schemas.enable=false) suggests. */
export function inferColumnType(value: unknown): ColumnType {
  if (value === null || value === undefined) return T('string');
  if (typeof value === 'number') return Number.isInteger(value) ? T('int64') : T('float64');
  if (typeof value === 'bigint') return T('int64');
  if (typeof value === 'boolean') return T('boolean');
  if (typeof value === 'string') return T('string');
  if (value instanceof Uint8Array) return T('bytes');
  if (value instanceof Date) return T('timestamptz');
  if (value instanceof BigDecimal) return T('decimal');
  return T('json');
}

const EPOCH_DAY_MICROS = 86_400_000_000n;

/**
 * A record value in the form dialects bind: numbers, bigint, boolean, string, Uint8Array, BigDecimal,
 * {@link Micros} for dates (days × a day), times (since midnight) and timestamps (since the epoch, UTC),
 * arrays of those, or a JSON text for JSON columns. Debezium's encodings are decoded here.
 */
export function normalize(schema: Schema | null, type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const name = schema?.name;
  switch (type.kind) {
    case 'date':
      if (value instanceof Date) return new Micros(BigInt(value.getTime()) * 1000n);
      return new Micros(BigInt(Number(value)) * EPOCH_DAY_MICROS);
    case 'time':
      if (value instanceof Date) return new Micros(BigInt(value.getTime()) * 1000n);
      if (name === 'io.debezium.time.MicroTime') return new Micros(BigInt(value as number | bigint));
      if (name === 'io.debezium.time.NanoTime') return new Micros(BigInt(value as number | bigint) / 1000n);
      return new Micros(BigInt(value as number | bigint) * 1000n);
    case 'timestamp':
    case 'timestamptz':
      if (value instanceof Date) return new Micros(BigInt(value.getTime()) * 1000n);
      if (typeof value === 'string') return parseIsoMicros(value);
      if (name === 'io.debezium.time.MicroTimestamp') return new Micros(BigInt(value as number | bigint));
      if (name === 'io.debezium.time.NanoTimestamp') return new Micros(BigInt(value as number | bigint) / 1000n);
      return new Micros(BigInt(value as number | bigint) * 1000n);
    case 'decimal':
      if (value instanceof BigDecimal) return value;
      if (value instanceof Struct) {
        // io.debezium.data.VariableScaleDecimal: {scale, value: unscaled two's-complement bytes}
        return new BigDecimal(bytesToBigint(value.get('value') as Uint8Array), Number(value.get('scale')));
      }
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string')
        return BigDecimal.parse(String(value));
      throw new DataException(`Cannot write ${typeof value} to a decimal column`);
    case 'json':
      if (typeof value === 'string' && (name === 'io.debezium.data.Json' || schema?.type === 'string')) return value;
      return JSON.stringify(toPlain(value));
    case 'array':
      if (!Array.isArray(value)) throw new DataException('Expected an array');
      return value.map((v) => normalize(schema?.valueSchema ?? null, type.element ?? T('string'), v));
    case 'int64':
      return typeof value === 'bigint' ? value : value;
    default:
      return value;
  }
}

/** Plain JSON-able data from Connect values (Struct, Map, bytes as base64, decimals as text). */
export function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Struct) {
    const o: Record<string, unknown> = {};
    for (const f of value.schema.fields) o[f.name] = toPlain(value.get(f));
    return o;
  }
  if (value instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of value) o[String(k)] = toPlain(v);
    return o;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof BigDecimal) return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) o[k] = toPlain(v);
    return o;
  }
  return value;
}

/** ISO 8601 with an offset (Debezium's ZonedTimestamp) → µs since the epoch, keeping the sub-millisecond digits. */
export function parseIsoMicros(text: string): Micros {
  const m = /^(.*?[T ]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text.trim());
  if (!m) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new DataException(`Not a timestamp: ${text}`);
    return new Micros(BigInt(ms) * 1000n);
  }
  const base = Date.parse(`${m[1]!.replace(' ', 'T')}${normalizeOffset(m[3] ?? 'Z')}`);
  if (Number.isNaN(base)) throw new DataException(`Not a timestamp: ${text}`);
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return new Micros(BigInt(base) * 1000n + BigInt(frac || '0'));
}

function normalizeOffset(o: string): string {
  if (o.toUpperCase() === 'Z') return 'Z';
  if (/^[+-]\d{2}$/.test(o)) return `${o}:00`;
  if (/^[+-]\d{4}$/.test(o)) return `${o.slice(0, 3)}:${o.slice(3)}`;
  return o;
}

/** Calendar fields of µs since the epoch in a time zone ('UTC' without Intl). */
export function civil(micros: bigint, timeZone: string): { date: string; time: string } {
  const ms = Number(micros / 1000n - (micros % 1000n < 0n ? 1n : 0n));
  const subMs = Number(((micros % 1000n) + 1000n) % 1000n);
  let y: string;
  let mo: string;
  let d: string;
  let h: string;
  let mi: string;
  let s: string;
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') {
    const t = new Date(ms);
    const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
    const year = t.getUTCFullYear();
    y = year >= 0 && year < 10000 ? String(year).padStart(4, '0') : String(year);
    [mo, d, h, mi, s] = [
      p2(t.getUTCMonth() + 1),
      p2(t.getUTCDate()),
      p2(t.getUTCHours()),
      p2(t.getUTCMinutes()),
      p2(t.getUTCSeconds()),
    ];
  } else {
    const parts = formatter(timeZone).formatToParts(new Date(ms));
    const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '00';
    [y, mo, d, h, mi, s] = [
      get('year'),
      get('month'),
      get('day'),
      get('hour') === '24' ? '00' : get('hour'),
      get('minute'),
      get('second'),
    ];
  }
  const frac = String((((ms % 1000) + 1000) % 1000) * 1000 + subMs).padStart(6, '0');
  return { date: `${y}-${mo}-${d}`, time: `${h}:${mi}:${s}.${frac}` };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** µs since midnight → HH:MM:SS.ffffff. */
export function timeOfDay(micros: bigint): string {
  const day = ((micros % EPOCH_DAY_MICROS) + EPOCH_DAY_MICROS) % EPOCH_DAY_MICROS;
  const totalS = day / 1_000_000n;
  const h = totalS / 3600n;
  const m = (totalS % 3600n) / 60n;
  const s = totalS % 60n;
  const f = day % 1_000_000n;
  const p = (x: bigint, n = 2): string => x.toString().padStart(n, '0');
  return `${p(h)}:${p(m)}:${p(s)}.${p(f, 6)}`;
}
