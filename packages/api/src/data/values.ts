/** Kafka Connect's Values: the string forms of Connect values and parsing them back with type inference; Java-style number rendering and base64. */
import { DataException } from '../errors.js';
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from './logical.js';
import { type Schema, Schema as Schemas, SchemaAndValue, SchemaBuilder, schemaEquals } from './schema.js';
import { Struct } from './struct.js';

const MS_PER_DAY = 86_400_000;

/** Formats shortest round-trip digits the way Java's Double/Float.toString lays them out. */
function javaLayout(mantissa: string, exp: number, neg: boolean): string {
  // mantissa: significant digits without a dot; value = 0.d1d2… × 10^(exp+1) i.e. d1.d2… × 10^exp
  const sign = neg ? '-' : '';
  if (exp >= -3 && exp < 7) {
    if (exp >= 0) {
      const int = mantissa.length > exp + 1 ? mantissa.slice(0, exp + 1) : mantissa.padEnd(exp + 1, '0');
      const frac = mantissa.length > exp + 1 ? mantissa.slice(exp + 1) : '0';
      return `${sign}${int}.${frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${mantissa}`;
  }
  return `${sign}${mantissa[0]}.${mantissa.length > 1 ? mantissa.slice(1) : '0'}E${exp}`;
}

function splitExponential(text: string): { mantissa: string; exp: number } {
  const e = text.indexOf('e');
  let mantissa = text.slice(0, e).replace('.', '').replace('-', '');
  mantissa = mantissa.replace(/0+$/, '') || '0';
  return { mantissa, exp: Number(text.slice(e + 1)) };
}

/** Java's Double.toString: "1.0", "12.34", "1.0E7", "1.0E-4", "NaN", "Infinity". */
export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Number.POSITIVE_INFINITY) return 'Infinity';
  if (d === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const { mantissa, exp } = splitExponential(d.toExponential());
  return javaLayout(mantissa, exp, d < 0);
}

/** Java's Float.toString of the float nearest to `f`: the shortest digits that identify that float. */
export function javaFloatToString(f: number): string {
  const v = Math.fround(f);
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  let text = v.toExponential(8);
  for (let p = 0; p < 9; p++) {
    const candidate = v.toExponential(p);
    if (Math.fround(Number(candidate)) === v) {
      text = candidate;
      break;
    }
  }
  const { mantissa, exp } = splitExponential(text);
  return javaLayout(mantissa, exp, v < 0);
}

/** Java's BigDecimal.toString: plain digits unless the adjusted exponent is below -6 (then 1.23E-7). */
export function javaBigDecimalToString(d: BigDecimal): string {
  const neg = d.unscaled < 0n;
  const digits = (neg ? -d.unscaled : d.unscaled).toString();
  const adjusted = -d.scale + (digits.length - 1);
  if (d.scale >= 0 && adjusted >= -6) return d.toString();
  const sign = neg ? '-' : '';
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The two base64 characters of each 12-bit value. */
const BASE64_PAIRS = Array.from({ length: 4096 }, (_, i) => `${BASE64_ALPHABET[i >> 6]!}${BASE64_ALPHABET[i & 63]!}`);
/**
 * Below this many bytes a string is built from the table: a decimal's few bytes took ~140 ns through a
 * Buffer view and ~45 ns this way.
 */
const SMALL_BASE64_BYTES = 48;

/** Standard base64 with padding (java.util.Base64.getEncoder()). */
export function bytesToBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n >= SMALL_BASE64_BYTES) return Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('base64');
  let out = '';
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64_PAIRS[v >> 12]! + BASE64_PAIRS[v & 4095]!;
  }
  if (i + 1 === n) out += `${BASE64_PAIRS[bytes[i]! << 4]!}==`;
  else if (i + 2 === n) {
    const v = (bytes[i]! << 10) | (bytes[i + 1]! << 2);
    out += `${BASE64_PAIRS[v >> 6]!}${BASE64_ALPHABET[v & 63]!}=`;
  }
  return out;
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
/** Decodes standard (and URL-safe) base64; throws DataException on anything else. */
export function base64ToBytes(text: string): Uint8Array {
  const t = text.replace(/[\r\n]/g, '');
  const normalized = t.includes('-') || t.includes('_') ? t.replace(/-/g, '+').replace(/_/g, '/') : t;
  if (!BASE64_RE.test(normalized) || normalized.length % 4 === 1)
    throw new DataException(`Invalid base64 data: ${text.slice(0, 40)}`);
  const b = Buffer.from(normalized, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** ISO-8601 UTC renderings Kafka Connect's Values uses for java.util.Date values. */
export function formatIsoDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}
export function formatIsoTime(d: Date): string {
  return `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}
export function formatIsoTimestamp(d: Date): string {
  return `${formatIsoDate(d)}T${formatIsoTime(d)}`;
}

function formatDateValue(d: Date): string {
  const t = d.getTime();
  if (t < MS_PER_DAY) return formatIsoTime(d);
  if (t % MS_PER_DAY === 0) return formatIsoDate(d);
  return formatIsoTimestamp(d);
}

function escapeEmbedded(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function appendNumber(n: number, schema: Schema | null): string {
  if (schema?.type === 'float32') return javaFloatToString(n);
  if (schema?.type === 'float64') return javaDoubleToString(n);
  if (schema) return String(n);
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? String(n) : javaDoubleToString(n);
}

function append(value: unknown, schema: Schema | null, embedded: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return appendNumber(value, schema);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return embedded ? `"${escapeEmbedded(value)}"` : value;
  if (value instanceof Uint8Array) {
    const b64 = bytesToBase64(value);
    return embedded ? `"${b64}"` : b64;
  }
  if (value instanceof BigDecimal) return javaBigDecimalToString(value);
  if (value instanceof Date) {
    if (schema?.name === ConnectDate.LOGICAL_NAME) return formatIsoDate(value);
    if (schema?.name === ConnectTime.LOGICAL_NAME) return formatIsoTime(value);
    if (schema?.name === ConnectTimestamp.LOGICAL_NAME) return formatIsoTimestamp(value);
    return formatDateValue(value);
  }
  if (Array.isArray(value)) {
    const el = schema?.valueSchema ?? null;
    return `[${value.map((v) => append(v, el, true)).join(',')}]`;
  }
  if (value instanceof Map) {
    const parts: string[] = [];
    for (const [k, v] of value)
      parts.push(`${append(k, schema?.keySchema ?? null, true)}:${append(v, schema?.valueSchema ?? null, true)}`);
    return `{${parts.join(',')}}`;
  }
  if (value instanceof Struct) {
    const parts = value.schema.fields.map(
      (f) => `${append(f.name, null, true)}:${append(value.get(f), f.schema, true)}`,
    );
    return `{${parts.join(',')}}`;
  }
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${append(k, null, true)}:${append(v, null, true)}`,
    );
    return `{${parts.join(',')}}`;
  }
  throw new DataException(`Failed to serialize unexpected value type ${typeof value}: ${String(value)}`);
}

const TIMESTAMP_RE = /(\d{4})-(\d{2})-(\d{2})T(\d{2})\\?:(\d{2})\\?:(\d{2})\.(\d{3})Z/y;
const DATE_RE = /(\d{4})-(\d{2})-(\d{2})/y;
const TIME_RE = /(\d{2})\\?:(\d{2})\\?:(\d{2})\.(\d{3})Z/y;
const NUMBER_RE = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const TEMPORAL_NAMES = new Set<string>([
  ConnectDate.LOGICAL_NAME,
  ConnectTime.LOGICAL_NAME,
  ConnectTimestamp.LOGICAL_NAME,
]);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The smallest integer type that holds an integral number, else float32/float64/Decimal, as Values.parseString. */
function parseAsNumber(token: string): SchemaAndValue {
  const decimal = BigDecimal.parse(token);
  let integral: bigint | null = null;
  if (decimal.scale === 0) integral = decimal.unscaled;
  else {
    const div = 10n ** BigInt(decimal.scale);
    if (decimal.unscaled % div === 0n) integral = decimal.unscaled / div;
  }
  if (integral !== null && integral >= INT64_MIN && integral <= INT64_MAX) {
    const n = Number(integral);
    if (n >= -128 && n <= 127) return { schema: Schemas.INT8_SCHEMA, value: n };
    if (n >= -32768 && n <= 32767) return { schema: Schemas.INT16_SCHEMA, value: n };
    if (n >= -2147483648 && n <= 2147483647) return { schema: Schemas.INT32_SCHEMA, value: n };
    return { schema: Schemas.INT64_SCHEMA, value: Number.isSafeInteger(n) ? n : integral };
  }
  const d = Number(token);
  const hasScale = decimal.scale !== 0 || /[.eE]/.test(token);
  if (hasScale && Number.isFinite(Math.fround(d))) return { schema: Schemas.FLOAT32_SCHEMA, value: d };
  if (hasScale && Number.isFinite(d)) return { schema: Schemas.FLOAT64_SCHEMA, value: d };
  return { schema: Decimal.schema(decimal.scale), value: decimal };
}

function commonSchema(values: readonly SchemaAndValue[]): Schema | null {
  let common: Schema | null = null;
  for (const v of values) {
    if (v.schema === null) return null;
    if (common === null) common = v.schema;
    else if (!schemaEquals(common, v.schema)) return null;
  }
  return common;
}

class ValueParser {
  pos = 0;
  constructor(readonly text: string) {}

  #ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  #atDelimiter(): boolean {
    this.#ws();
    return this.pos >= this.text.length || ',]}:'.includes(this.text[this.pos]!);
  }

  #literal(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    const save = this.pos;
    this.pos += word.length;
    if (this.#atDelimiter()) return true;
    this.pos = save;
    return false;
  }

  #sticky(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return null;
    const save = this.pos;
    this.pos = re.lastIndex;
    if (this.#atDelimiter()) return m;
    this.pos = save;
    return null;
  }

  /** One value; throws DataException when the text here is not a value Values can parse embedded. */
  value(): SchemaAndValue {
    this.#ws();
    const c = this.text[this.pos];
    if (c === undefined) throw new DataException('Unexpected end of value');
    if (c === '"') return this.#quoted();
    if (c === '[') return this.#array();
    if (c === '{') return this.#map();
    if (this.#literal('true')) return { schema: Schemas.BOOLEAN_SCHEMA, value: true };
    if (this.#literal('false')) return { schema: Schemas.BOOLEAN_SCHEMA, value: false };
    if (this.#literal('null')) return SchemaAndValue.NULL;
    let m = this.#sticky(TIMESTAMP_RE);
    if (m)
      return {
        schema: ConnectTimestamp.SCHEMA,
        value: new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!)),
      };
    m = this.#sticky(TIME_RE);
    if (m) {
      const ms = ((+m[1]! * 60 + +m[2]!) * 60 + +m[3]!) * 1000 + +m[4]!;
      if (ms < MS_PER_DAY) return { schema: ConnectTime.SCHEMA, value: new Date(ms) };
    }
    m = this.#sticky(DATE_RE);
    if (m) return { schema: ConnectDate.SCHEMA, value: new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)) };
    m = this.#sticky(NUMBER_RE);
    if (m) return parseAsNumber(m[0]);
    throw new DataException('Failed to parse embedded value');
  }

  #quoted(): SchemaAndValue {
    let out = '';
    this.pos++;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++]!;
      if (c === '\\' && this.pos < this.text.length) out += this.text[this.pos++];
      else if (c === '"') {
        if (!this.#atDelimiter()) throw new DataException('Unexpected text after quoted string');
        // Quoted temporal literals keep their type; every other quoted text is a string.
        const inner = out === '' ? null : Values.parseString(out);
        if (inner?.schema?.name && TEMPORAL_NAMES.has(inner.schema.name)) return inner;
        return { schema: Schemas.STRING_SCHEMA, value: out };
      } else out += c;
    }
    throw new DataException('Unterminated quoted string');
  }

  #expect(c: string): boolean {
    this.#ws();
    if (this.text[this.pos] === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  #array(): SchemaAndValue {
    this.pos++;
    const items: SchemaAndValue[] = [];
    if (!this.#expect(']')) {
      do items.push(this.value());
      while (this.#expect(','));
      if (!this.#expect(']')) throw new DataException('Array is missing terminating "]"');
    }
    const el = commonSchema(items);
    return { schema: el ? SchemaBuilder.array(el).build() : null, value: items.map((i) => i.value) };
  }

  #map(): SchemaAndValue {
    this.pos++;
    const keys: SchemaAndValue[] = [];
    const values: SchemaAndValue[] = [];
    if (!this.#expect('}')) {
      do {
        keys.push(this.value());
        if (!this.#expect(':')) throw new DataException('Map entry is missing ":"');
        values.push(this.value());
      } while (this.#expect(','));
      if (!this.#expect('}')) throw new DataException('Map is missing terminating "}"');
    }
    const ks = commonSchema(keys);
    const vs = commonSchema(values);
    const map = new Map<unknown, unknown>();
    for (let i = 0; i < keys.length; i++) map.set(keys[i]!.value, values[i]!.value);
    return { schema: ks && vs ? SchemaBuilder.map(ks, vs).build() : null, value: map };
  }
}

/**
 * Kafka Connect's org.apache.kafka.connect.data.Values: the string forms SimpleHeaderConverter
 * writes and the type inference it applies when reading them back.
 */
export const Values = Object.freeze({
  /** The string form of a value: numbers as Java prints them, bytes as base64, dates in ISO-8601 UTC, structs/maps/arrays in Values' embedded syntax. */
  convertToString(schema: Schema | null, value: unknown): string | null {
    if (value === null || value === undefined) return null;
    return append(value, schema, false);
  },

  /**
   * Infers a schema and value from text: booleans, the smallest integer type that fits, float32/float64,
   * ISO dates/times/timestamps, quoted strings, [arrays] and {maps}; anything else is a string.
   */
  parseString(text: string | null): SchemaAndValue {
    if (text === null || text === undefined) return SchemaAndValue.NULL;
    if (text === '') return { schema: Schemas.STRING_SCHEMA, value: text };
    const parser = new ValueParser(text);
    try {
      const r = parser.value();
      if (parser.pos >= text.length || text.slice(parser.pos).trim() === '') return r;
    } catch (e) {
      if (!(e instanceof DataException)) throw e;
    }
    return { schema: Schemas.STRING_SCHEMA, value: text };
  },
});
