/** Connect's logical types (Decimal, Date, Time, Timestamp), BigDecimal, and conversion between logical and physical values. */
import { DataException } from '../errors.js';
import { registerLogicalType, type Schema, SchemaBuilder } from './schema.js';
import { brand } from '../brand.js';

/**
 * An arbitrary-precision decimal: unscaled × 10^-scale, the value type of the Decimal logical type
 * (Java's BigDecimal). Kept exact; convert with toString()/toNumber() where precision may be lost.
 */
export class BigDecimal {
  readonly unscaled: bigint;
  readonly scale: number;

  constructor(unscaled: bigint, scale: number) {
    this.unscaled = unscaled;
    this.scale = scale;
  }

  static parse(text: string): BigDecimal {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new DataException(`Not a decimal number: ${text}`);
    const frac = m[3] ?? '';
    let scale = frac.length - Number(m[4] ?? 0);
    let unscaled = BigInt(`${m[1]}${m[2] || '0'}${frac}`);
    if (scale < 0) {
      unscaled *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new BigDecimal(unscaled, scale);
  }

  static fromNumber(n: number, scale?: number): BigDecimal {
    const d = BigDecimal.parse(String(n));
    return scale === undefined ? d : d.setScale(scale);
  }

  /** Rescales, rounding half-up when digits are dropped (as BigDecimal.setScale with HALF_UP). */
  setScale(scale: number): BigDecimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new BigDecimal(this.unscaled * 10n ** BigInt(scale - this.scale), scale);
    const div = 10n ** BigInt(this.scale - scale);
    let q = this.unscaled / div;
    const r = this.unscaled % div;
    const twice = (r < 0n ? -r : r) * 2n;
    if (twice >= div) q += this.unscaled < 0n ? -1n : 1n;
    return new BigDecimal(q, scale);
  }

  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale <= 0) return (neg ? '-' : '') + digits + '0'.repeat(-this.scale);
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const cut = digits.length - this.scale;
    return `${neg ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
  }

  toNumber(): number {
    return Number(this.toString());
  }

  toJSON(): string {
    return this.toString();
  }

  equals(other: unknown): boolean {
    return other instanceof BigDecimal && other.unscaled === this.unscaled && other.scale === this.scale;
  }
}

/** Two's-complement big-endian bytes of a bigint, minimal length (Java BigInteger.toByteArray). */
export function bigintToBytes(v: bigint): Uint8Array {
  // Most unscaled decimals (money, quantities) fit a double exactly: their bytes need no bigint arithmetic.
  if (v >= -MAX_EXACT && v <= MAX_EXACT) return exactIntegerToBytes(Number(v));
  const out: number[] = [];
  let x = v;
  for (;;) {
    const byte = Number(x & 0xffn);
    out.unshift(byte);
    x >>= 8n;
    if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** bigintToBytes of an integer within ±2^53, in double arithmetic (floor division keeps the two's complement). */
function exactIntegerToBytes(n: number): Uint8Array {
  let len = 1;
  while (n >= 2 ** (8 * len - 1) || n < -(2 ** (8 * len - 1))) len++;
  const out = new Uint8Array(len);
  let x = n;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = x - Math.floor(x / 256) * 256;
    x = Math.floor(x / 256);
  }
  return out;
}

/** Inverse of bigintToBytes. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  if ((bytes[0]! & 0x80) !== 0) x -= 1n << BigInt(bytes.length * 8);
  return x;
}

const MS_PER_DAY = 86_400_000;

/** org.apache.kafka.connect.data.Decimal: bytes holding the unscaled two's-complement value; `scale` parameter. */
export const Decimal = Object.freeze({
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Decimal',
  SCALE_FIELD: 'scale',
  builder(scale: number): SchemaBuilder {
    return SchemaBuilder.bytes().name(Decimal.LOGICAL_NAME).parameter(Decimal.SCALE_FIELD, String(scale)).version(1);
  },
  schema(scale: number): Schema {
    return Decimal.builder(scale).build();
  },
  scaleOf(schema: Schema): number {
    const s = schema.parameters?.[Decimal.SCALE_FIELD];
    if (s === undefined) throw new DataException('Invalid Decimal schema: scale parameter not found.');
    return Number(s);
  },
  fromLogical(schema: Schema, value: BigDecimal): Uint8Array {
    const scale = Decimal.scaleOf(schema);
    if (value.scale !== scale)
      throw new DataException(`BigDecimal has mismatching scale value for given Decimal schema`);
    return bigintToBytes(value.unscaled);
  },
  toLogical(schema: Schema, value: Uint8Array): BigDecimal {
    return new BigDecimal(bytesToBigint(value), Decimal.scaleOf(schema));
  },
});

/** org.apache.kafka.connect.data.Date: int32 days since the epoch; value is a Date at UTC midnight. */
export const ConnectDate = Object.freeze({
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Date',
  builder(): SchemaBuilder {
    return SchemaBuilder.int32().name(ConnectDate.LOGICAL_NAME).version(1);
  },
  SCHEMA: SchemaBuilder.int32().name('org.apache.kafka.connect.data.Date').version(1).build(),
  fromLogical(_schema: Schema, value: Date): number {
    const ms = value.getTime();
    if (ms % MS_PER_DAY !== 0)
      throw new DataException('Kafka Connect Date type should not have any time fields set to non-zero values.');
    return ms / MS_PER_DAY;
  },
  toLogical(_schema: Schema, value: number): Date {
    return new Date(value * MS_PER_DAY);
  },
});

/** org.apache.kafka.connect.data.Time: int32 milliseconds since midnight; value is a Date on 1970-01-01 UTC. */
export const ConnectTime = Object.freeze({
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Time',
  builder(): SchemaBuilder {
    return SchemaBuilder.int32().name(ConnectTime.LOGICAL_NAME).version(1);
  },
  SCHEMA: SchemaBuilder.int32().name('org.apache.kafka.connect.data.Time').version(1).build(),
  fromLogical(_schema: Schema, value: Date): number {
    const ms = value.getTime();
    if (ms < 0 || ms >= MS_PER_DAY)
      throw new DataException('Kafka Connect Time type should not have any date fields set to non-zero values.');
    return ms;
  },
  toLogical(_schema: Schema, value: number): Date {
    if (value < 0 || value >= MS_PER_DAY)
      throw new DataException('Time values must use number of milliseconds greater than 0 and less than 86400000');
    return new Date(value);
  },
});

/** org.apache.kafka.connect.data.Timestamp: int64 milliseconds since the epoch; value is a Date. */
export const ConnectTimestamp = Object.freeze({
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Timestamp',
  builder(): SchemaBuilder {
    return SchemaBuilder.int64().name(ConnectTimestamp.LOGICAL_NAME).version(1);
  },
  SCHEMA: SchemaBuilder.int64().name('org.apache.kafka.connect.data.Timestamp').version(1).build(),
  fromLogical(_schema: Schema, value: Date): number {
    return value.getTime();
  },
  toLogical(_schema: Schema, value: number | bigint): Date {
    return new Date(Number(value));
  },
});

registerLogicalType(Decimal.LOGICAL_NAME, (schema, value) => {
  if (!(value instanceof BigDecimal))
    throw new DataException(`Invalid value for Decimal logical type: expected BigDecimal`);
  if (schema.type !== 'bytes') throw new DataException('Decimal logical type requires a bytes schema');
});
for (const name of [ConnectDate.LOGICAL_NAME, ConnectTime.LOGICAL_NAME, ConnectTimestamp.LOGICAL_NAME]) {
  registerLogicalType(name, (_schema, value) => {
    if (!(value instanceof Date) || Number.isNaN(value.getTime()))
      throw new DataException(`Invalid value for ${name}: expected a valid Date`);
  });
}

/** Logical schema → physical value (for converters writing bytes). Non-logical values pass through. */
export function logicalToPhysical(schema: Schema, value: unknown): unknown {
  if (value === null || value === undefined || !schema.name) return value;
  switch (schema.name) {
    case Decimal.LOGICAL_NAME:
      return Decimal.fromLogical(schema, value as BigDecimal);
    case ConnectDate.LOGICAL_NAME:
      return ConnectDate.fromLogical(schema, value as Date);
    case ConnectTime.LOGICAL_NAME:
      return ConnectTime.fromLogical(schema, value as Date);
    case ConnectTimestamp.LOGICAL_NAME:
      return ConnectTimestamp.fromLogical(schema, value as Date);
    default:
      return value;
  }
}

/** Physical value → logical value (for converters reading bytes). Non-logical values pass through. */
export function physicalToLogical(schema: Schema, value: unknown): unknown {
  if (value === null || value === undefined || !schema.name) return value;
  switch (schema.name) {
    case Decimal.LOGICAL_NAME:
      return Decimal.toLogical(schema, value as Uint8Array);
    case ConnectDate.LOGICAL_NAME:
      return ConnectDate.toLogical(schema, value as number);
    case ConnectTime.LOGICAL_NAME:
      return ConnectTime.toLogical(schema, value as number);
    case ConnectTimestamp.LOGICAL_NAME:
      return ConnectTimestamp.toLogical(schema, value as number | bigint);
    default:
      return value;
  }
}

brand(BigDecimal, 'BigDecimal');
