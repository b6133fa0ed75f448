/** Postgres column types to Connect schemas and values, as Debezium's PostgresValueConverter maps them (handling modes, defaults, placeholders). */
import {
  BigDecimal,
  bigintToBytes,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  type Schema,
  SchemaBuilder,
  Struct,
} from '@tributary/api';
import {
  bitsToBytes,
  daysFromCivil,
  intervalIsoString,
  intervalMicros,
  isoInstantUtc,
  isoTimeUtc,
  moneyToDecimalText,
  parseArrayLiteral,
  parseByteaHex,
  parseDateDays,
  parseHstore,
  parseIsoInterval,
  parsePoint,
  parseTimeMicros,
  parseTimestampMicros,
  parseTimestampTzMicros,
  parseTimeTzUtcMicros,
  wkbPoint,
} from './text-values.js';
import type { PgType, TypeRegistry } from './types.js';

import {
  type BinaryHandlingMode,
  binaryBuilder,
  binaryValue,
  type DecimalHandlingMode,
  type TimePrecisionMode,
} from '../handling-modes.js';

export type { BinaryHandlingMode, DecimalHandlingMode, TimePrecisionMode };
export type IntervalHandlingMode = 'numeric' | 'string';
export type HstoreHandlingMode = 'json' | 'map';

export interface MappingConfig {
  decimalMode: DecimalHandlingMode;
  timePrecisionMode: TimePrecisionMode;
  binaryMode: BinaryHandlingMode;
  intervalMode: IntervalHandlingMode;
  hstoreMode: HstoreHandlingMode;
  moneyFractionDigits: number;
  includeUnknownDatatypes: boolean;
  /** unavailable.value.placeholder as bytes (a `hex:` prefix means hex-encoded octets). */
  unavailablePlaceholder: Uint8Array;
}

/** A column as the mapping needs it: name and type from the relation, nullability and default from the catalog. */
export interface ColumnSpec {
  name: string;
  typeOid: number;
  typmod: number;
  optional: boolean;
  defaultExpr: string | null;
}

/** How one column becomes a field of the Debezium value and key structs. */
export interface ColumnConverter {
  readonly name: string;
  /** The field schema, optional and default included. */
  readonly schema: Schema;
  /** The Connect value of the column's text form (pgoutput 't' or COPY text). */
  fromText(text: string): unknown;
  /** What an unchanged TOAST value becomes (unavailable.value.placeholder in the column's type). */
  readonly toastPlaceholder: unknown;
  /** What a null becomes: null for optional columns, else the default or the type's zero (as Debezium). */
  readonly nullValue: unknown;
}

// Builtin type OIDs (pg_type.dat).
export const Oid = {
  BOOL: 16,
  BYTEA: 17,
  CHAR: 18,
  NAME: 19,
  INT8: 20,
  INT2: 21,
  INT4: 23,
  TEXT: 25,
  OID: 26,
  JSON: 114,
  XML: 142,
  POINT: 600,
  CIDR: 650,
  FLOAT4: 700,
  FLOAT8: 701,
  MACADDR8: 774,
  MONEY: 790,
  MACADDR: 829,
  INET: 869,
  BPCHAR: 1042,
  VARCHAR: 1043,
  DATE: 1082,
  TIME: 1083,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  INTERVAL: 1186,
  TIMETZ: 1266,
  BIT: 1560,
  VARBIT: 1562,
  NUMERIC: 1700,
  REFCURSOR: 1790,
  UUID: 2950,
  JSONB: 3802,
  INT4RANGE: 3904,
  NUMRANGE: 3906,
  TSRANGE: 3908,
  TSTZRANGE: 3910,
  DATERANGE: 3912,
  INT8RANGE: 3926,
} as const;

/** Element types whose arrays Debezium leaves unmapped (PostgresValueConverter returns no schema). */
const UNSUPPORTED_ARRAY_ELEMENTS = new Set<number>([
  Oid.BYTEA,
  Oid.MONEY,
  Oid.NAME,
  Oid.INTERVAL,
  Oid.VARBIT,
  Oid.XML,
  Oid.POINT,
  Oid.REFCURSOR,
]);

const STRING_TYPES = new Set<number>([
  Oid.CHAR,
  Oid.NAME,
  Oid.TEXT,
  Oid.BPCHAR,
  Oid.VARCHAR,
  Oid.INET,
  Oid.CIDR,
  Oid.MACADDR,
  Oid.MACADDR8,
  Oid.INT4RANGE,
  Oid.INT8RANGE,
  Oid.NUMRANGE,
  Oid.TSRANGE,
  Oid.TSTZRANGE,
  Oid.DATERANGE,
]);

/** Debezium's values for Postgres' infinite timestamps (PGStatement.DATE_POSITIVE/NEGATIVE_INFINITY). */
const TIMESTAMP_POSITIVE_INFINITY = 9223372036825200000n;
const TIMESTAMP_NEGATIVE_INFINITY = -9223372036832400000n;
/** The LocalDates Debezium uses for infinite dates (-5877611-06-21 / -22), as epoch days. */
const DATE_POSITIVE_INFINITY = daysFromCivil(-5877611, 6, 21);
const DATE_NEGATIVE_INFINITY = daysFromCivil(-5877611, 6, 22);

/** An int64 value: a number while exact, else a bigint. */
export function int64(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function int64FromText(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function floatFromText(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === 'Infinity') return Number.POSITIVE_INFINITY;
  if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Java's BigDecimal.toString: plain unless the adjusted exponent is below -6 (then E-notation). */
export function javaDecimalString(d: BigDecimal): string {
  const neg = d.unscaled < 0n;
  const digits = (neg ? -d.unscaled : d.unscaled).toString();
  const adjusted = -d.scale + (digits.length - 1);
  if (d.scale >= 0 && adjusted >= -6) return d.toString();
  let mantissa = digits;
  if (digits.length > 1) mantissa = `${digits[0]}.${digits.slice(1)}`;
  return `${neg ? '-' : ''}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

function stripTrailingZeros(d: BigDecimal): BigDecimal {
  let { unscaled, scale } = d;
  if (unscaled === 0n) return new BigDecimal(0n, 0);
  while (unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  return new BigDecimal(unscaled, scale);
}

function named(b: SchemaBuilder, name: string, params?: Record<string, string>): SchemaBuilder {
  b.name(name).version(1);
  if (params) b.parameters(params);
  return b;
}

/** What the mapping of one Postgres type provides before nullability and defaults are applied. */
interface TypeHandler {
  builder(): SchemaBuilder;
  /** `schema` is the final field schema (struct-valued types build their Struct with it). */
  convert(text: string, schema: Schema): unknown;
  /** Debezium's fallback for a null in a NOT NULL column without default. */
  fallback(schema: Schema): unknown;
  /** unavailable.value.placeholder in this type. */
  toast(schema: Schema): unknown;
  /** Name Debezium's default-value parser keys on (the type name), or null for none. */
  readonly defaultKind: string | null;
}

interface TypeContext {
  cfg: MappingConfig;
  types: TypeRegistry;
}

function timePrecision(typmod: number): number {
  return typmod < 0 ? 6 : typmod;
}

function numericPrecisionScale(typmod: number): { precision: number; scale: number } | null {
  if (typmod < 4) return null;
  const t = typmod - 4;
  return { precision: (t >> 16) & 0xffff, scale: t & 0x7ff };
}

function decimalHandler(ctx: TypeContext, typmod: number, columnName: string): TypeHandler {
  const ps = numericPrecisionScale(typmod);
  const mode = ctx.cfg.decimalMode;
  const special = (text: string): never => {
    throw new DataException(
      `Got a special value (${text}) for Decimal type in column ${columnName} but current mode does not handle it. ` +
        `If you need to support it then set decimal handling mode to 'string'.`,
    );
  };
  if (mode === 'double') {
    return {
      builder: () => SchemaBuilder.float64(),
      convert: floatFromText,
      fallback: () => 0,
      toast: () => null,
      defaultKind: 'numeric',
    };
  }
  if (mode === 'string') {
    return {
      builder: () => SchemaBuilder.string(),
      convert: (text) => {
        if (text === 'NaN') return 'NAN';
        if (text === 'Infinity') return 'POSITIVE_INFINITY';
        if (text === '-Infinity') return 'NEGATIVE_INFINITY';
        let d = BigDecimal.parse(text);
        if (ps && d.scale < ps.scale) d = d.setScale(ps.scale);
        return javaDecimalString(d);
      },
      fallback: () => (ps ? new BigDecimal(0n, ps.scale).toString() : '0'),
      toast: () => null,
      defaultKind: 'numeric',
    };
  }
  if (!ps) {
    // NUMERIC without a declared scale: every value carries its own scale.
    return {
      builder: () =>
        SchemaBuilder.struct()
          .name('io.debezium.data.VariableScaleDecimal')
          .version(1)
          .doc('Variable scaled decimal')
          .field('scale', SchemaBuilder.int32().build())
          .field('value', SchemaBuilder.bytes().build()),
      convert: (text, schema) => {
        if (text === 'NaN' || text.endsWith('Infinity')) special(text);
        let d = stripTrailingZeros(BigDecimal.parse(text));
        if (d.scale < 0) d = d.setScale(0);
        return new Struct(schema).put('scale', d.scale).put('value', bigintToBytes(d.unscaled));
      },
      fallback: (schema) => new Struct(schema).put('scale', 0).put('value', Uint8Array.from([0])),
      toast: () => null,
      defaultKind: 'numeric',
    };
  }
  return {
    builder: () => Decimal.builder(ps.scale).parameter('connect.decimal.precision', String(ps.precision)),
    convert: (text) => {
      if (text === 'NaN' || text.endsWith('Infinity')) special(text);
      return BigDecimal.parse(text).setScale(ps.scale);
    },
    fallback: () => new BigDecimal(0n, ps.scale),
    toast: () => null,
    defaultKind: 'numeric',
  };
}

function moneyHandler(ctx: TypeContext): TypeHandler {
  const digits = ctx.cfg.moneyFractionDigits;
  switch (ctx.cfg.decimalMode) {
    case 'double':
      return {
        builder: () => SchemaBuilder.float64(),
        convert: (t) => Number(moneyToDecimalText(t)),
        fallback: () => 0,
        toast: () => null,
        defaultKind: null,
      };
    case 'string':
      return {
        builder: () => SchemaBuilder.string(),
        convert: (t) => String(Number(moneyToDecimalText(t))),
        fallback: () => '0',
        toast: () => null,
        defaultKind: null,
      };
    default:
      return {
        builder: () => Decimal.builder(digits),
        convert: (t) => BigDecimal.parse(moneyToDecimalText(t)).setScale(digits),
        fallback: () => new BigDecimal(0n, digits),
        toast: () => null,
        defaultKind: null,
      };
  }
}

function stringHandler(
  name: string | null,
  defaultKind: string | null,
  params?: Record<string, string>,
): (ctx: TypeContext) => TypeHandler {
  return (ctx) => ({
    builder: () => (name ? named(SchemaBuilder.string(), name, params) : SchemaBuilder.string()),
    convert: (t) => t,
    fallback: () => '',
    toast: () => Buffer.from(ctx.cfg.unavailablePlaceholder).toString('utf8'),
    defaultKind,
  });
}

function dateHandler(ctx: TypeContext): TypeHandler {
  const toDays = (t: string): number => {
    const d = parseDateDays(t);
    return d === 'infinity' ? DATE_POSITIVE_INFINITY : d === '-infinity' ? DATE_NEGATIVE_INFINITY : d;
  };
  if (ctx.cfg.timePrecisionMode === 'connect') {
    return {
      builder: () => ConnectDate.builder(),
      convert: (t) => ConnectDate.toLogical(ConnectDate.SCHEMA, toDays(t)),
      fallback: () => new Date(0),
      toast: () => null,
      defaultKind: 'date',
    };
  }
  return {
    builder: () => named(SchemaBuilder.int32(), 'io.debezium.time.Date'),
    convert: toDays,
    fallback: () => 0,
    toast: () => null,
    defaultKind: 'date',
  };
}

function timeHandler(ctx: TypeContext, typmod: number): TypeHandler {
  const p = timePrecision(typmod);
  const mode = ctx.cfg.timePrecisionMode;
  if (mode === 'connect') {
    return {
      builder: () => ConnectTime.builder(),
      convert: (t) => new Date(Math.floor(parseTimeMicros(t) / 1000)),
      fallback: () => new Date(0),
      toast: () => null,
      defaultKind: 'time',
    };
  }
  if (mode === 'adaptive' && p <= 3) {
    return {
      builder: () => named(SchemaBuilder.int32(), 'io.debezium.time.Time'),
      convert: (t) => Math.floor(parseTimeMicros(t) / 1000),
      fallback: () => 0,
      toast: () => null,
      defaultKind: 'time',
    };
  }
  return {
    builder: () => named(SchemaBuilder.int64(), 'io.debezium.time.MicroTime'),
    convert: parseTimeMicros,
    fallback: () => 0,
    toast: () => null,
    defaultKind: 'time',
  };
}

function timestampHandler(ctx: TypeContext, typmod: number): TypeHandler {
  const p = timePrecision(typmod);
  const micros = (t: string): bigint => {
    const v = parseTimestampMicros(t);
    return v === 'infinity' ? TIMESTAMP_POSITIVE_INFINITY : v === '-infinity' ? TIMESTAMP_NEGATIVE_INFINITY : v;
  };
  const special = (t: string): boolean => t === 'infinity' || t === '-infinity';
  if (ctx.cfg.timePrecisionMode === 'connect') {
    return {
      builder: () => ConnectTimestamp.builder(),
      convert: (t) =>
        special(t) ? new Date(t === 'infinity' ? 8.64e15 : -8.64e15) : new Date(Number(floorDiv(micros(t), 1000n))),
      fallback: () => new Date(0),
      toast: () => null,
      defaultKind: 'timestamp',
    };
  }
  if (p <= 3) {
    return {
      builder: () => named(SchemaBuilder.int64(), 'io.debezium.time.Timestamp'),
      convert: (t) => (special(t) ? int64(micros(t)) : int64(floorDiv(micros(t), 1000n))),
      fallback: () => 0,
      toast: () => null,
      defaultKind: 'timestamp',
    };
  }
  return {
    builder: () => named(SchemaBuilder.int64(), 'io.debezium.time.MicroTimestamp'),
    convert: (t) => int64(micros(t)),
    fallback: () => 0,
    toast: () => null,
    defaultKind: 'timestamp',
  };
}

/**
 * ZonedTimestamp text with Debezium's fraction: for a column precision p in 1..9 its formatter
 * appends exactly p digits (`.000000` included); for p = 0 it uses ISO_OFFSET_DATE_TIME, whose
 * fraction is as short as the value allows (none at p = 0).
 */
function zonedTimestamp(micros: bigint, precision: number): string {
  const iso = isoInstantUtc(micros);
  if (precision <= 0 || precision > 9) return iso;
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return iso;
  return `${m[1]}.${(m[2] ?? '').padEnd(precision, '0').slice(0, precision)}Z`;
}

function timestampTzHandler(typmod: number): TypeHandler {
  // Debezium passes the column's scale (the typmod, 6 when undeclared) as the fraction width.
  const p = timePrecision(typmod);
  return {
    builder: () => named(SchemaBuilder.string(), 'io.debezium.time.ZonedTimestamp'),
    convert: (t) => {
      const v = parseTimestampTzMicros(t);
      return typeof v === 'string' ? v : zonedTimestamp(v, p);
    },
    fallback: () => zonedTimestamp(0n, p),
    toast: () => null,
    defaultKind: 'timestamptz',
  };
}

function timeTzHandler(): TypeHandler {
  return {
    builder: () => named(SchemaBuilder.string(), 'io.debezium.time.ZonedTime'),
    convert: (t) => isoTimeUtc(parseTimeTzUtcMicros(t)),
    fallback: () => '00:00:00Z',
    toast: () => null,
    defaultKind: null,
  };
}

function intervalHandler(ctx: TypeContext): TypeHandler {
  if (ctx.cfg.intervalMode === 'string') {
    return {
      builder: () => named(SchemaBuilder.string(), 'io.debezium.time.Interval'),
      convert: (t) => intervalIsoString(parseIsoInterval(t)),
      fallback: () => 'P0Y0M0DT0H0M0S',
      toast: () => null,
      defaultKind: 'interval',
    };
  }
  return {
    builder: () => named(SchemaBuilder.int64(), 'io.debezium.time.MicroDuration'),
    convert: (t) => intervalMicros(parseIsoInterval(t)),
    fallback: () => 0,
    toast: () => null,
    defaultKind: 'interval',
  };
}

function bitHandler(oid: number, typmod: number): TypeHandler {
  // BIT without length is BIT(1); VARBIT without length reports Integer.MAX_VALUE as its length.
  const length = typmod > 0 ? typmod : oid === Oid.BIT ? 1 : 2147483647;
  if (length <= 1) {
    return {
      builder: () => SchemaBuilder.bool(),
      convert: (t) => t === '1',
      fallback: () => false,
      toast: () => null,
      defaultKind: oid === Oid.BIT ? 'bit' : 'varbit',
    };
  }
  return {
    builder: () => named(SchemaBuilder.bytes(), 'io.debezium.data.Bits', { length: String(length) }),
    convert: (t) => bitsToBytes(t),
    fallback: () => new Uint8Array(0),
    toast: () => null,
    defaultKind: oid === Oid.BIT ? 'bit' : 'varbit',
  };
}

function pointHandler(): TypeHandler {
  const value = (schema: Schema, x: number, y: number): Struct =>
    new Struct(schema).put('x', x).put('y', y).put('wkb', wkbPoint(x, y));
  return {
    builder: () =>
      SchemaBuilder.struct()
        .name('io.debezium.data.geometry.Point')
        .version(1)
        .doc('Geometry (POINT)')
        .field('x', SchemaBuilder.float64().build())
        .field('y', SchemaBuilder.float64().build())
        .field('wkb', SchemaBuilder.bytes().optional().build())
        .field('srid', SchemaBuilder.int32().optional().build()),
    convert: (t, schema) => {
      const p = parsePoint(t);
      return value(schema, p.x, p.y);
    },
    fallback: (schema) => value(schema, 0, 0),
    toast: () => null,
    defaultKind: null,
  };
}

function hstoreHandler(ctx: TypeContext): TypeHandler {
  const placeholder = Buffer.from(ctx.cfg.unavailablePlaceholder).toString('utf8');
  if (ctx.cfg.hstoreMode === 'map') {
    return {
      builder: () => SchemaBuilder.map(SchemaBuilder.string().build(), SchemaBuilder.string().optional().build()),
      convert: (t) => new Map(parseHstore(t)),
      fallback: () => new Map(),
      toast: () => new Map([[placeholder, placeholder]]),
      defaultKind: null,
    };
  }
  const json = (entries: Array<[string, string | null]>): string =>
    `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
  return {
    builder: () => named(SchemaBuilder.string(), 'io.debezium.data.Json'),
    convert: (t) => json(parseHstore(t)),
    fallback: () => '{}',
    toast: () => json([[placeholder, placeholder]]),
    defaultKind: null,
  };
}

function simple(
  builder: () => SchemaBuilder,
  convert: (t: string) => unknown,
  fallback: unknown,
  defaultKind: string | null,
): TypeHandler {
  return { builder, convert, fallback: () => fallback, toast: () => null, defaultKind };
}

/** The handler of a non-array type, or null when Debezium has no mapping for it. */
function scalarHandler(ctx: TypeContext, type: PgType, typmod: number, columnName: string): TypeHandler | null {
  const oid = type.oid;
  const cfg = ctx.cfg;
  switch (oid) {
    case Oid.BOOL:
      return simple(
        () => SchemaBuilder.bool(),
        (t) => t === 't',
        false,
        'bool',
      );
    case Oid.INT2:
      return simple(() => SchemaBuilder.int16(), Number, 0, 'int2');
    case Oid.INT4:
      return simple(() => SchemaBuilder.int32(), Number, 0, 'int4');
    case Oid.INT8:
      return simple(() => SchemaBuilder.int64(), int64FromText, 0, 'int8');
    case Oid.OID:
      return simple(() => SchemaBuilder.int64(), int64FromText, 0, null);
    case Oid.FLOAT4:
      return simple(() => SchemaBuilder.float32(), floatFromText, 0, 'float4');
    case Oid.FLOAT8:
      return simple(() => SchemaBuilder.float64(), floatFromText, 0, 'float8');
    case Oid.NUMERIC:
      return decimalHandler(ctx, typmod, columnName);
    case Oid.MONEY:
      return moneyHandler(ctx);
    case Oid.BYTEA:
      return {
        builder: () => binaryBuilder(cfg.binaryMode),
        convert: (t) => binaryValue(parseByteaHex(t), cfg.binaryMode),
        fallback: () => binaryValue(new Uint8Array(0), cfg.binaryMode),
        toast: () => binaryValue(cfg.unavailablePlaceholder, cfg.binaryMode),
        defaultKind: null,
      };
    case Oid.TEXT:
      return stringHandler(null, 'text')(ctx);
    case Oid.VARCHAR:
      return stringHandler(null, 'varchar')(ctx);
    case Oid.BPCHAR:
      return stringHandler(null, 'bpchar')(ctx);
    case Oid.JSON:
      return stringHandler('io.debezium.data.Json', 'json')(ctx);
    case Oid.JSONB:
      return stringHandler('io.debezium.data.Json', 'jsonb')(ctx);
    case Oid.XML:
      return stringHandler('io.debezium.data.Xml', 'xml')(ctx);
    case Oid.UUID:
      return stringHandler('io.debezium.data.Uuid', 'uuid')(ctx);
    case Oid.DATE:
      return dateHandler(ctx);
    case Oid.TIME:
      return timeHandler(ctx, typmod);
    case Oid.TIMESTAMP:
      return timestampHandler(ctx, typmod);
    case Oid.TIMESTAMPTZ:
      return timestampTzHandler(typmod);
    case Oid.TIMETZ:
      return timeTzHandler();
    case Oid.INTERVAL:
      return intervalHandler(ctx);
    case Oid.BIT:
    case Oid.VARBIT:
      return bitHandler(oid, typmod);
    case Oid.POINT:
      return pointHandler();
  }
  if (STRING_TYPES.has(oid)) return stringHandler(null, null)(ctx);
  if (type.kind === 'e') {
    return stringHandler('io.debezium.data.Enum', null, { allowed: (type.enumValues ?? []).join(',') })(ctx);
  }
  switch (type.name) {
    case 'citext':
      return stringHandler(null, null)(ctx);
    case 'ltree':
      return stringHandler('io.debezium.data.Ltree', null)(ctx);
    case 'hstore':
      return hstoreHandler(ctx);
  }
  return null;
}

function arrayHandler(ctx: TypeContext, arrayType: PgType, typmod: number, columnName: string): TypeHandler | null {
  const elem = ctx.types.resolve(arrayType.elemOid, typmod);
  if (!elem || UNSUPPORTED_ARRAY_ELEMENTS.has(elem.type.oid)) return null;
  const e = elem.type;
  let elemHandler: TypeHandler | null;
  // Debezium maps TIME[] to MicroTime whatever the precision.
  if (e.oid === Oid.TIME && ctx.cfg.timePrecisionMode !== 'connect') {
    elemHandler = simple(() => named(SchemaBuilder.int64(), 'io.debezium.time.MicroTime'), parseTimeMicros, 0, null);
  } else {
    elemHandler = scalarHandler(ctx, e, elem.typmod, columnName);
  }
  if (!elemHandler) return null;
  const eh = elemHandler;
  // Enum elements stay required in Debezium's array schema; every other element is optional.
  const elementSchema = e.kind === 'e' ? eh.builder().build() : eh.builder().optional().build();
  const placeholder = Buffer.from(ctx.cfg.unavailablePlaceholder);
  let toast: unknown = null;
  if (elementSchema.type === 'string') toast = [placeholder.toString('utf8')];
  else if (elementSchema.type === 'int32' || elementSchema.type === 'int16' || elementSchema.type === 'int64')
    toast = [...placeholder].map((b) => (b > 127 ? b - 256 : b));
  return {
    builder: () => SchemaBuilder.array(elementSchema),
    convert: (t) =>
      parseArrayLiteral(t, e.delimiter || ',').map((v) => (v === null ? null : eh.convert(v, elementSchema))),
    fallback: () => [],
    toast: () => toast,
    defaultKind: null,
  };
}

/** Debezium's default-value placeholders for expressions computed by a function call. */
const FUNCTION_DEFAULT_RE = /^[(]?[A-Za-z0-9_]+\((?:.+(?:, ?.+)*)?\)/;

function extractDefault(expr: string, generatedPlaceholder: string): string {
  if (FUNCTION_DEFAULT_RE.test(expr)) return generatedPlaceholder;
  if (!expr.includes("'")) return expr;
  const m = /'(.*?)'/.exec(expr);
  if (!m) throw new Error(`Unparseable default ${expr}`);
  return m[1]!;
}

/**
 * The literal text of a column default as Debezium's PostgresDefaultValueConverter reads it
 * (by type name; function calls become the type's zero), or undefined when it has no default.
 */
function defaultText(kind: string, expr: string): string | boolean | null | undefined {
  const nullable = (placeholder: string): string | null =>
    expr.startsWith('NULL::') ? null : extractDefault(expr, placeholder);
  switch (kind) {
    case 'bit': {
      const v = extractDefault(expr, '00');
      return v.length === 1 ? v === '1' : v;
    }
    case 'varbit':
      return extractDefault(expr, '0');
    case 'bool': {
      const v = nullable('false');
      return v === null ? null : v.toLowerCase() === 'true';
    }
    case 'bpchar':
    case 'varchar':
    case 'text':
    case 'xml':
      return extractDefault(expr, '');
    case 'numeric':
    case 'float4':
    case 'float8':
      return nullable('0.0');
    case 'int2':
    case 'int4':
    case 'int8':
      return nullable('0');
    case 'json':
    case 'jsonb':
      return extractDefault(expr, '{}');
    case 'uuid':
      return extractDefault(expr, '00000000-0000-0000-0000-000000000000').toLowerCase();
    case 'date':
    case 'timestamp':
    case 'timestamptz':
      return extractDefault(expr, '1970-01-01');
    case 'time':
      return extractDefault(expr, '00:00');
    case 'interval':
      return extractDefault(expr, 'epoch');
  }
  return undefined;
}

/** Normalizes a default literal to the text form the handler parses (dates without a time, HH:MM times, …). */
function normalizeDefaultText(kind: string, text: string): string {
  switch (kind) {
    case 'timestamp':
      return /^\d{4,}-\d{2}-\d{2}$/.test(text) ? `${text} 00:00:00` : text;
    case 'timestamptz': {
      const t = /^\d{4,}-\d{2}-\d{2}$/.test(text) ? `${text} 00:00:00` : text;
      return /[+-]\d{2}(:?\d{2})?$/.test(t.slice(10)) ? t : `${t}+00`;
    }
    case 'time':
      return /^\d{2}:\d{2}$/.test(text) ? `${text}:00` : text;
    case 'bool':
      return text;
    default:
      return text;
  }
}

function parseDefault(handler: TypeHandler, kind: string | null, expr: string | null, schema: Schema): unknown {
  if (!kind || expr === null) return null;
  try {
    const raw = defaultText(kind, expr);
    if (raw === undefined || raw === null) return null;
    if (typeof raw === 'boolean') return kind === 'bit' && schema.type === 'bytes' ? null : raw;
    const text = normalizeDefaultText(kind, raw);
    if (kind === 'int2' || kind === 'int4') {
      if (!/^[+-]?\d+$/.test(text)) return null;
    }
    let value = handler.convert(text, schema);
    if (kind === 'numeric' && value instanceof BigDecimal) {
      const scale = Number(schema.parameters?.scale ?? value.scale);
      if (scale > value.scale) value = value.setScale(scale);
    }
    // Struct defaults are not allowed (KAFKA-12694); Debezium drops them too.
    if (value instanceof Struct) return null;
    return value;
  } catch {
    return null;
  }
}

/**
 * The converter for one column, or null when Debezium would leave the column out (a type it has
 * no mapping for, unless include.unknown.datatypes).
 */
export function columnConverter(col: ColumnSpec, types: TypeRegistry, cfg: MappingConfig): ColumnConverter | null {
  const ctx: TypeContext = { cfg, types };
  const resolved = types.resolve(col.typeOid, col.typmod);
  let handler: TypeHandler | null = null;
  let declared: PgType | undefined;
  if (resolved) {
    declared = types.get(col.typeOid);
    const t = resolved.type;
    handler =
      t.category === 'A' && t.elemOid !== 0
        ? arrayHandler(ctx, t, resolved.typmod, col.name)
        : scalarHandler(ctx, t, resolved.typmod, col.name);
  }
  if (!handler) {
    if (!cfg.includeUnknownDatatypes) return null;
    handler = {
      builder: () => binaryBuilder(cfg.binaryMode),
      convert: (t) => binaryValue(Buffer.from(t, 'utf8'), cfg.binaryMode),
      fallback: () => binaryValue(new Uint8Array(0), cfg.binaryMode),
      toast: () => binaryValue(cfg.unavailablePlaceholder, cfg.binaryMode),
      defaultKind: null,
    };
  }
  const h = handler;
  // Default parsing keys on the declared type: a domain over int4 has no Debezium default mapper.
  const kind = declared && declared.kind !== 'd' ? h.defaultKind : null;
  const probe = h.builder();
  if (col.optional) probe.optional();
  const probeSchema = probe.build();
  const defaultValue = parseDefault(h, kind, col.defaultExpr, probeSchema);
  const builder = h.builder();
  if (col.optional) builder.optional();
  if (defaultValue !== null && defaultValue !== undefined) builder.defaultValue(defaultValue);
  const schema = builder.build();
  const nullValue = col.optional ? null : (defaultValue ?? h.fallback(schema));
  const toast = h.toast(schema);
  return {
    name: col.name,
    schema,
    fromText: (text) => h.convert(text, schema),
    toastPlaceholder: toast ?? (col.optional ? null : nullValue),
    nullValue,
  };
}

/** Parses unavailable.value.placeholder: `hex:…` means hex-encoded octets, anything else UTF-8 text. */
export function placeholderBytes(value: string): Uint8Array {
  if (value.startsWith('hex:')) return Buffer.from(value.slice(4), 'hex');
  return Buffer.from(value, 'utf8');
}
