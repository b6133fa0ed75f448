/**
 * Parsers for Postgres' text output (pgoutput tuples and COPY both use the type output
 * functions), under the session styles the connector sets: DateStyle=ISO,
 * IntervalStyle=iso_8601, TimeZone=UTC, bytea_output=hex.
 */

const MICROS_PER_DAY = 86_400_000_000n;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: era * 400 + yoe + (month <= 2 ? 1 : 0), month, day };
}

/** Postgres' special temporal values, mapped by the caller to what Debezium emits for them. */
export type Infinity_ = 'infinity' | '-infinity';

function isInfinity(text: string): Infinity_ | null {
  if (text === 'infinity') return 'infinity';
  if (text === '-infinity') return '-infinity';
  return null;
}

const DATE_RE = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;

/** `2024-01-31` (or `0044-03-15 BC`) → days since the epoch; infinities are returned as such. */
export function parseDateDays(text: string): number | Infinity_ {
  const inf = isInfinity(text);
  if (inf) return inf;
  const m = DATE_RE.exec(text);
  if (!m) throw new Error(`Not a date: ${text}`);
  let year = Number(m[1]);
  if (m[4]) year = 1 - year;
  return daysFromCivil(year, Number(m[2]), Number(m[3]));
}

/** Fractional seconds text (`.5`, `.123456`) → microseconds. */
function fractionMicros(frac: string | undefined): number {
  if (!frac) return 0;
  const digits = frac.slice(1, 7).padEnd(6, '0');
  return Number(digits);
}

const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;

/** `13:45:30.123456` → microseconds past midnight (24:00:00 is one full day). */
export function parseTimeMicros(text: string): number {
  const m = TIME_RE.exec(text);
  if (!m) throw new Error(`Not a time: ${text}`);
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1_000_000 + fractionMicros(m[4]);
}

const OFFSET_RE = /([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/;

function offsetSeconds(text: string): { seconds: number; rest: string } {
  const m = OFFSET_RE.exec(text);
  if (!m) throw new Error(`No UTC offset in ${text}`);
  const s = (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) * (m[1] === '-' ? -1 : 1);
  return { seconds: s, rest: text.slice(0, m.index) };
}

const TIMESTAMP_RE = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;

/** `2024-01-31 13:45:30.5` (optionally ` BC`) → microseconds since the epoch, reading it as UTC. */
export function parseTimestampMicros(text: string): bigint | Infinity_ {
  const inf = isInfinity(text);
  if (inf) return inf;
  let body = text;
  let bc = false;
  if (body.endsWith(' BC')) {
    bc = true;
    body = body.slice(0, -3);
  }
  const m = TIMESTAMP_RE.exec(body);
  if (!m) throw new Error(`Not a timestamp: ${text}`);
  let year = Number(m[1]);
  if (bc) year = 1 - year;
  const days = daysFromCivil(year, Number(m[2]), Number(m[3]));
  const secs = (Number(m[4]) * 60 + Number(m[5])) * 60 + Number(m[6]);
  return BigInt(days) * MICROS_PER_DAY + BigInt(secs) * 1_000_000n + BigInt(fractionMicros(m[7]));
}

/** `2024-01-31 13:45:30.5+00` (any offset) → microseconds since the epoch (UTC instant). */
export function parseTimestampTzMicros(text: string): bigint | Infinity_ {
  const inf = isInfinity(text);
  if (inf) return inf;
  let body = text;
  let bc = '';
  if (body.endsWith(' BC')) {
    bc = ' BC';
    body = body.slice(0, -3);
  }
  const { seconds, rest } = offsetSeconds(body);
  const local = parseTimestampMicros(rest + bc);
  if (typeof local === 'string') return local;
  return local - BigInt(seconds) * 1_000_000n;
}

/** `13:45:30.5+02` → microseconds past midnight in UTC, wrapped into one day. */
export function parseTimeTzUtcMicros(text: string): number {
  const { seconds, rest } = offsetSeconds(text);
  const micros = parseTimeMicros(rest) - seconds * 1_000_000;
  const day = 86_400_000_000;
  return ((micros % day) + day) % day;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Java's ISO_LOCAL_DATE year: at least 4 digits, '+' above 9999, '-' for negative years. */
function isoYear(year: number): string {
  if (year > 9999) return `+${year}`;
  if (year < 0) return `-${pad(-year, 4)}`;
  return pad(year, 4);
}

/** Java's ISO_LOCAL_TIME: HH:mm:ss plus as many fraction digits as needed (none when zero). */
function isoTime(microsOfDay: number): string {
  const totalSeconds = Math.floor(microsOfDay / 1_000_000);
  const micros = microsOfDay % 1_000_000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  let out = `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`;
  if (micros > 0) out += `.${pad(micros, 6).replace(/0+$/, '')}`;
  return out;
}

/** An instant as Java's ISO_OFFSET_DATE_TIME renders it at UTC: `2024-01-31T13:45:30.5Z`. */
export function isoInstantUtc(micros: bigint): string {
  let days = micros / MICROS_PER_DAY;
  let rem = micros % MICROS_PER_DAY;
  if (rem < 0n) {
    rem += MICROS_PER_DAY;
    days -= 1n;
  }
  const { year, month, day } = civilFromDays(Number(days));
  return `${isoYear(year)}-${pad(month, 2)}-${pad(day, 2)}T${isoTime(Number(rem))}Z`;
}

/** A UTC time of day as Java's ISO_OFFSET_TIME renders it: `11:45:30.5Z`. */
export function isoTimeUtc(microsOfDay: number): string {
  return `${isoTime(microsOfDay)}Z`;
}

export interface IntervalParts {
  years: number;
  months: number;
  days: number;
  hours: number;
  minutes: number;
  /** Whole seconds and microseconds, both carrying the sign of the seconds component. */
  wholeSeconds: number;
  micros: number;
}

const ISO_INTERVAL_RE =
  /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?)(\d+)(?:\.(\d+))?S)?)?$/;

/** IntervalStyle=iso_8601 output (`P1Y2M3DT4H5M6.78S`, `P-1Y-2M`, `PT-0.5S`, `PT0S`). */
export function parseIsoInterval(text: string): IntervalParts {
  const m = ISO_INTERVAL_RE.exec(text);
  if (!m) throw new Error(`Not an ISO 8601 interval: ${text}`);
  const sign = m[6] === '-' ? -1 : 1;
  const whole = Number(m[7] ?? 0);
  const micros = Number((m[8] ?? '').slice(0, 6).padEnd(6, '0'));
  return {
    years: Number(m[1] ?? 0),
    months: Number(m[2] ?? 0),
    days: Number(m[3] ?? 0),
    hours: Number(m[4] ?? 0),
    minutes: Number(m[5] ?? 0),
    wholeSeconds: sign * whole,
    micros: sign * micros,
  };
}

/** Average days per month Debezium uses for MicroDuration (365.25 / 12). */
const DAYS_PER_MONTH_AVG = 365.25 / 12.0;

/**
 * Debezium's MicroDuration: the interval in approximate microseconds, computed with the same
 * double arithmetic (seconds as a double, truncation toward zero) so values match exactly.
 */
export function intervalMicros(p: IntervalParts): number {
  const seconds = p.wholeSeconds + p.micros / 1_000_000;
  const numberOfDays = (p.years * 12 + p.months) * DAYS_PER_MONTH_AVG + p.days;
  const numberOfSeconds = ((numberOfDays * 24 + p.hours) * 60 + p.minutes) * 60 + seconds;
  return Math.trunc(numberOfSeconds * 1e6);
}

/**
 * The exact decimal expansion of a double, as Java's `new BigDecimal(double)` gives it.
 * Returned as [unscaled, scale].
 */
export function exactDecimalOfDouble(d: number): [bigint, number] {
  if (d === 0) return [0n, 0];
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, d);
  const bits = buf.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let e: number;
  if (exponent === 0) e = -1074;
  else {
    mantissa |= 1n << 52n;
    e = exponent - 1075;
  }
  // Java's BigDecimal(double) has the least scale that represents the value exactly.
  while (e < 0 && (mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    e++;
  }
  let unscaled: bigint;
  let scale: number;
  if (e >= 0) {
    unscaled = mantissa << BigInt(e);
    scale = 0;
  } else {
    // m × 2^e = m × 5^-e / 10^-e
    unscaled = mantissa * 5n ** BigInt(-e);
    scale = -e;
  }
  return [negative ? -unscaled : unscaled, scale];
}

/**
 * Debezium's Interval string (`interval.handling.mode=string`):
 * `P<y>Y<m>M<d>DT<h>H<m>M<s>S`, the seconds being the double PGInterval holds, truncated to 9
 * decimals and stripped of trailing zeros (BigDecimal semantics, including its artefacts).
 */
export function intervalIsoString(p: IntervalParts): string {
  const seconds = p.wholeSeconds + p.micros / 1_000_000;
  let [unscaled, scale] = exactDecimalOfDouble(seconds);
  if (scale > 9) {
    unscaled /= 10n ** BigInt(scale - 9); // bigint division truncates toward zero, as RoundingMode.DOWN
    scale = 9;
  }
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  const neg = unscaled < 0n;
  let digits = (neg ? -unscaled : unscaled).toString();
  let text: string;
  if (scale === 0) text = digits;
  else {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return `P${p.years}Y${p.months}M${p.days}DT${p.hours}H${p.minutes}M${neg ? '-' : ''}${text}S`;
}

/** bytea in hex output (`\x0aff`) → bytes. */
export function parseByteaHex(text: string): Uint8Array {
  if (!text.startsWith('\\x')) throw new Error('bytea is not in hex format (bytea_output=hex is required)');
  return Buffer.from(text.slice(2), 'hex');
}

/**
 * A bit string (`10110`) → little-endian bytes, the last character being bit 0, as Debezium's
 * BitSet conversion: minimal length, padded with zero bytes up to `minBytes`.
 */
export function bitsToBytes(text: string, minBytes = 0): Uint8Array {
  const len = text.length;
  let highest = -1;
  for (let i = 0; i < len; i++) if (text.charCodeAt(len - 1 - i) === 0x31) highest = i;
  const n = Math.max(highest + 1 === 0 ? 0 : Math.ceil((highest + 1) / 8), minBytes);
  const out = new Uint8Array(n);
  for (let i = 0; i <= highest; i++) {
    if (text.charCodeAt(len - 1 - i) === 0x31) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

/**
 * A one-dimensional array literal (`{1,2,NULL}`, `{"a b","c\"d"}`) → element texts, null for
 * NULL. Multi-dimensional arrays are flattened in row-major order; a dimension decoration
 * (`[0:1]={…}`) is skipped.
 */
export function parseArrayLiteral(text: string, delimiter = ','): Array<string | null> {
  let i = 0;
  if (text.startsWith('[')) {
    const eq = text.indexOf('=');
    if (eq < 0) throw new Error(`Not an array literal: ${text}`);
    i = eq + 1;
  }
  const out: Array<string | null> = [];
  const n = text.length;
  const delim = delimiter.charCodeAt(0);
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x7d /* } */ || c === delim || c === 0x20) {
      i++;
      continue;
    }
    if (c === 0x22 /* " */) {
      let s = '';
      i++;
      while (i < n && text.charCodeAt(i) !== 0x22) {
        if (text.charCodeAt(i) === 0x5c /* \ */) i++;
        s += text[i];
        i++;
      }
      i++;
      out.push(s);
      continue;
    }
    let j = i;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === delim || d === 0x7d) break;
      j++;
    }
    const raw = text.slice(i, j).trim();
    out.push(raw === 'NULL' ? null : raw.replace(/\\(.)/g, '$1'));
    i = j;
  }
  return out;
}

/** hstore output (`"a"=>"1", "b"=>NULL`) → entries in the server's order. */
export function parseHstore(text: string): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = [];
  const re = /"((?:[^"\\]|\\.)*)"\s*=>\s*(?:"((?:[^"\\]|\\.)*)"|NULL)/g;
  const unquote = (s: string): string => s.replace(/\\(.)/g, '$1');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push([unquote(m[1]!), m[2] === undefined ? null : unquote(m[2])]);
  }
  return out;
}

/** `(1.5,-2)` → the point's coordinates. */
export function parsePoint(text: string): { x: number; y: number } {
  const m = /^\(\s*([^,]+)\s*,\s*([^)]+)\s*\)$/.exec(text);
  if (!m) throw new Error(`Not a point: ${text}`);
  return { x: Number(m[1]), y: Number(m[2]) };
}

/** A point in well-known binary (little-endian, type 1), as Debezium's Point.buildWKBPoint. */
export function wkbPoint(x: number, y: number): Uint8Array {
  const b = Buffer.alloc(21);
  b[0] = 1;
  b.writeUInt32LE(1, 1);
  b.writeDoubleLE(x, 5);
  b.writeDoubleLE(y, 13);
  return b;
}

/** money output (`$1,234.56`, `-$1.00`, `($1.00)`) → a plain decimal string. */
export function moneyToDecimalText(text: string): string {
  const negative = text.includes('-') || (text.startsWith('(') && text.endsWith(')'));
  const digits = text.replace(/[^0-9.]/g, '');
  return (negative ? '-' : '') + (digits === '' ? '0' : digits);
}
