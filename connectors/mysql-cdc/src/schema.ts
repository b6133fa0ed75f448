// MySQL / MariaDB columns to Connect schemas and values, as Debezium's BinlogValueConverters maps them.
import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  Decimal,
  type Schema,
  SchemaBuilder,
  Struct,
  valuesEqual,
} from '@tributary/api';
import {
  adjustSchemaName,
  type BinaryHandlingMode,
  binaryBuilder,
  binaryValue,
  daysFromCivil,
  type DecimalHandlingMode,
  envelopeSchema,
  type NameAdjustmentMode,
  type TimePrecisionMode,
} from '@tributary/connector-postgres-cdc';
import { type Flavor, sourceSchema } from './events.js';

export interface MappingConfig {
  decimalMode: DecimalHandlingMode;
  timePrecisionMode: Exclude<TimePrecisionMode, 'adaptive'>;
  bigintUnsignedMode: 'long' | 'precise';
  binaryMode: BinaryHandlingMode;
  nameAdjustment: NameAdjustmentMode;
}

/** One column as information_schema.COLUMNS describes it. */
export interface ColumnInfo {
  name: string;
  /** DATA_TYPE, lower case (int, varchar, datetime …). */
  dataType: string;
  /** COLUMN_TYPE, lower case (int(10) unsigned, enum('a','b') …). */
  columnType: string;
  nullable: boolean;
  precision: number | null;
  scale: number | null;
  /** DATETIME_PRECISION (fractional seconds digits). */
  fsp: number | null;
  /** CHARACTER_MAXIMUM_LENGTH, or the bit count for BIT. */
  length: number | null;
  /** COLUMN_DEFAULT as information_schema prints it (MariaDB quotes literals: `'x'`, `7`, `NULL`, `current_timestamp()`). */
  defaultText?: string | null;
}

/** A literal default as a raw value (like one read from a row), or undefined for none / an expression. */
export function parseDefault(text: string | null | undefined): RawValue | undefined {
  if (text === null || text === undefined || text === 'NULL') return undefined;
  const quoted = /^'((?:[^']|'')*)'$/s.exec(text);
  if (quoted) return quoted[1]!.replace(/''/g, "'").replace(/\\\\/g, '\\');
  if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(text)) return text;
  // MySQL prints literals unquoted; an expression (CURRENT_TIMESTAMP, uuid() …) has no fixed value.
  if (/\(|^current_timestamp/i.test(text)) return undefined;
  return text;
}

/** A raw value from the binlog reader or a snapshot query (dates as strings, decimals as strings, binaries as Buffers). */
export type RawValue = unknown;

/** How one column becomes a field. */
export interface ColumnConverter {
  readonly name: string;
  readonly schema: Schema;
  convert(raw: RawValue): unknown;
}

const MAX_INT64 = (1n << 63n) - 1n;

function named(b: SchemaBuilder, name: string, params?: Record<string, string>): SchemaBuilder {
  b.name(name).version(1);
  if (params) for (const [k, v] of Object.entries(params)) b.parameter(k, v);
  return b;
}

const DATE_RE = /^(-?\d+)-(\d+)-(\d+)/;
const DATETIME_RE = /^(-?\d+)-(\d+)-(\d+)[ T](\d+):(\d+):(\d+)(?:\.(\d+))?/;
const TIME_RE = /^(-)?(\d+):(\d+)(?::(\d+))?(?:\.(\d+))?$/;

function text(raw: RawValue): string {
  if (typeof raw === 'string') return raw;
  if (raw instanceof Uint8Array) return Buffer.from(raw).toString('utf8');
  if (raw instanceof Date) return raw.toISOString().replace('T', ' ').replace('Z', '');
  return String(raw);
}

/** Days since the epoch, or null for MySQL's zero date (Debezium emits null for it). */
export function parseDateDays(raw: RawValue): number | null {
  const m = DATE_RE.exec(text(raw));
  if (!m) throw new Error(`not a date: ${text(raw)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y === 0 && mo === 0 && d === 0) return null;
  return daysFromCivil(y, mo === 0 ? 1 : mo, d === 0 ? 1 : d);
}

/** The value of digits s[from, to), or -1 if one is not a digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.f…]` with a real date, the layout the binlog reader and the snapshot give for
 * every DATETIME and TIMESTAMP, read without a regex (a streamed row may hold several); undefined for
 * anything else (zero dates, other layouts), which the general parser reads.
 */
function fixedDateTimeMicros(s: string): bigint | undefined {
  if (s.length < 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58) return undefined;
  const sep = s.charCodeAt(10);
  if ((sep !== 32 && sep !== 84) || s.charCodeAt(16) !== 58) return undefined;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 7);
  const d = digits(s, 8, 10);
  const h = digits(s, 11, 13);
  const mi = digits(s, 14, 16);
  const sec = digits(s, 17, 19);
  if (y < 0 || mo < 1 || d < 1 || h < 0 || mi < 0 || sec < 0) return undefined;
  let micros = 0;
  if (s.length > 19) {
    if (s.charCodeAt(19) !== 46 || s.length === 20) return undefined;
    const end = Math.min(s.length, 26);
    const f = digits(s, 20, end);
    if (f < 0 || (s.length > 26 && digits(s, 26, s.length) < 0)) return undefined;
    micros = f * 10 ** (6 - (end - 20));
  }
  const secs = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec;
  return BigInt(secs) * 1_000_000n + BigInt(micros);
}

/** µs since the epoch of a DATETIME / TIMESTAMP text read as UTC, or null for the zero date. */
export function parseDateTimeMicros(raw: RawValue): bigint | null {
  const s = text(raw);
  const fast = fixedDateTimeMicros(s);
  if (fast !== undefined) return fast;
  const m = DATETIME_RE.exec(s);
  if (!m) {
    const days = parseDateDays(s);
    return days === null ? null : BigInt(days) * 86_400_000_000n;
  }
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y === 0 && mo === 0 && d === 0) return null;
  const days = daysFromCivil(y, mo === 0 ? 1 : mo, d === 0 ? 1 : d);
  const secs = BigInt(days) * 86_400n + BigInt(Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]));
  const frac = BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  return secs * 1_000_000n + frac;
}

/** µs of a TIME value (-838:59:59 … 838:59:59, a duration). */
export function parseTimeMicros(raw: RawValue): bigint {
  const m = TIME_RE.exec(text(raw).trim());
  if (!m) throw new Error(`not a time: ${text(raw)}`);
  const us =
    BigInt(Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * 1_000_000n +
    BigInt((m[5] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  return m[1] ? -us : us;
}

/** ZonedTimestamp text: UTC ISO 8601 with exactly the column's fraction digits (Debezium's formatter). */
export function zonedTimestamp(micros: bigint, fsp: number): string {
  const ms = Number(micros / 1000n);
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.sssZ
  const base = iso.slice(0, 19);
  if (fsp <= 0) return `${base}Z`;
  const frac = (((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).toString().padStart(6, '0').slice(0, fsp);
  return `${base}.${frac}Z`;
}

function int64(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function toBigint(raw: RawValue): bigint {
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'number') return BigInt(Math.trunc(raw));
  return BigInt(text(raw).trim());
}

function toBytes(raw: RawValue): Uint8Array {
  if (raw instanceof Uint8Array) return raw;
  return Buffer.from(text(raw), 'utf8');
}

function enumValues(columnType: string): string[] {
  const m = /^(?:enum|set)\((.*)\)$/is.exec(columnType.trim());
  if (!m) return [];
  const out: string[] = [];
  const re = /'((?:[^']|'')*)'/g;
  for (let x = re.exec(m[1]!); x; x = re.exec(m[1]!)) out.push(x[1]!.replace(/''/g, "'"));
  return out;
}

interface TypeMapping {
  builder: () => SchemaBuilder;
  convert: (raw: RawValue) => unknown;
}

function decimalMapping(cfg: MappingConfig, precision: number, scale: number): TypeMapping {
  switch (cfg.decimalMode) {
    case 'precise':
      return {
        builder: () => Decimal.builder(scale).parameter('connect.decimal.precision', String(precision)),
        convert: (raw) => BigDecimal.parse(text(raw)).setScale(scale),
      };
    case 'double':
      return { builder: () => SchemaBuilder.float64(), convert: (raw) => Number(text(raw)) };
    case 'string':
      return { builder: () => SchemaBuilder.string(), convert: (raw) => text(raw) };
  }
}

/** Debezium's mapping of one column type (BinlogValueConverters / JdbcValueConverters). */
function typeMapping(col: ColumnInfo, cfg: MappingConfig): TypeMapping {
  const t = col.dataType.toLowerCase();
  const unsigned = /\bunsigned\b/i.test(col.columnType);
  const connect = cfg.timePrecisionMode === 'connect';
  const num = (raw: RawValue): number => (typeof raw === 'number' ? raw : Number(text(raw)));
  switch (t) {
    case 'tinyint':
      // BOOLEAN is TINYINT(1): Debezium's MariaDB connector emits it as int16 too (compare-mariadb.mjs).
      return { builder: () => SchemaBuilder.int16(), convert: num };
    case 'smallint':
      return { builder: () => (unsigned ? SchemaBuilder.int32() : SchemaBuilder.int16()), convert: num };
    case 'mediumint':
      return { builder: () => SchemaBuilder.int32(), convert: num };
    case 'int':
    case 'integer':
      return { builder: () => (unsigned ? SchemaBuilder.int64() : SchemaBuilder.int32()), convert: num };
    case 'bigint':
      if (unsigned && cfg.bigintUnsignedMode === 'precise')
        return {
          builder: () => Decimal.builder(0).parameter('connect.decimal.precision', '20'),
          convert: (raw) => BigDecimal.parse(toBigint(raw).toString()),
        };
      // long mode: values above 2^63-1 wrap around as a Java long does.
      return {
        builder: () => SchemaBuilder.int64(),
        convert: (raw) => {
          const v = toBigint(raw);
          return int64(v > MAX_INT64 ? BigInt.asIntN(64, v) : v);
        },
      };
    case 'float':
      if (col.scale === null && (col.precision ?? 12) <= 24)
        return { builder: () => SchemaBuilder.float32(), convert: num };
      return { builder: () => SchemaBuilder.float64(), convert: num };
    case 'double':
    case 'real':
      return { builder: () => SchemaBuilder.float64(), convert: num };
    case 'decimal':
    case 'numeric':
      return decimalMapping(cfg, col.precision ?? 10, col.scale ?? 0);
    case 'bit':
      if ((col.length ?? col.precision ?? 1) <= 1)
        return {
          builder: () => SchemaBuilder.bool(),
          convert: (raw) => (raw instanceof Uint8Array ? raw.some((b) => b !== 0) : num(raw) !== 0),
        };
      return {
        builder: () =>
          named(SchemaBuilder.bytes(), 'io.debezium.data.Bits', { length: String(col.precision ?? col.length) }),
        // Debezium's Bits are little-endian: the server sends big-endian bytes.
        convert: (raw) => Buffer.from(toBytes(raw)).reverse(),
      };
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      return { builder: () => SchemaBuilder.string(), convert: (raw) => text(raw) };
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return {
        builder: () => binaryBuilder(cfg.binaryMode),
        convert: (raw) => binaryValue(toBytes(raw), cfg.binaryMode),
      };
    case 'json':
      return {
        builder: () => named(SchemaBuilder.string(), 'io.debezium.data.Json'),
        convert: (raw) => (typeof raw === 'string' || raw instanceof Uint8Array ? text(raw) : JSON.stringify(raw)),
      };
    case 'enum':
      return {
        builder: () =>
          named(SchemaBuilder.string(), 'io.debezium.data.Enum', { allowed: enumValues(col.columnType).join(',') }),
        convert: (raw) => text(raw),
      };
    case 'set':
      return {
        builder: () =>
          named(SchemaBuilder.string(), 'io.debezium.data.EnumSet', { allowed: enumValues(col.columnType).join(',') }),
        convert: (raw) => text(raw),
      };
    case 'year':
      return { builder: () => named(SchemaBuilder.int32(), 'io.debezium.time.Year'), convert: num };
    case 'date':
      if (connect)
        return {
          builder: () => ConnectDate.builder(),
          convert: (raw) => nullOr(parseDateDays(raw), (d) => new Date(d * 86_400_000)),
        };
      return {
        builder: () => named(SchemaBuilder.int32(), 'io.debezium.time.Date'),
        convert: (raw) => parseDateDays(raw),
      };
    case 'time':
      if (connect)
        return {
          builder: () => ConnectTime.builder(),
          convert: (raw) => new Date(Number(parseTimeMicros(raw) / 1000n)),
        };
      return {
        builder: () => named(SchemaBuilder.int64(), 'io.debezium.time.MicroTime'),
        convert: (raw) => int64(parseTimeMicros(raw)),
      };
    case 'datetime': {
      if (connect)
        return {
          builder: () => ConnectTimestamp.builder(),
          convert: (raw) => nullOr(parseDateTimeMicros(raw), (us) => new Date(Number(us / 1000n))),
        };
      const micro = (col.fsp ?? 0) > 3;
      return {
        builder: () =>
          named(SchemaBuilder.int64(), micro ? 'io.debezium.time.MicroTimestamp' : 'io.debezium.time.Timestamp'),
        convert: (raw) => nullOr(parseDateTimeMicros(raw), (us) => int64(micro ? us : us / 1000n)),
      };
    }
    case 'timestamp':
      return {
        builder: () => named(SchemaBuilder.string(), 'io.debezium.time.ZonedTimestamp'),
        convert: (raw) => nullOr(parseDateTimeMicros(raw), (us) => zonedTimestamp(us, col.fsp ?? 0)),
      };
    default:
      throw new UnsupportedTypeError(col);
  }
}

function nullOr<T, R>(v: T | null, f: (v: T) => R): R | null {
  return v === null ? null : f(v);
}

/** A column type this connector does not map (geometry, vector …): the column is left out, with a warning. */
export class UnsupportedTypeError extends Error {
  constructor(readonly column: ColumnInfo) {
    super(`column ${column.name} has type ${column.columnType}, which is not mapped`);
  }
}

export function columnConverter(col: ColumnInfo, cfg: MappingConfig): ColumnConverter {
  const m = typeMapping(col, cfg);
  const b = m.builder();
  if (col.nullable) b.optional();
  // Debezium carries a column's literal DEFAULT in its field schema.
  const def = parseDefault(col.defaultText);
  if (def !== undefined) {
    try {
      const v = m.convert(
        typeof def === 'string' &&
          /^(tinyint|smallint|mediumint|int|integer|year|float|double|real)$/.test(col.dataType)
          ? Number(def)
          : def,
      );
      if (v !== null && v !== undefined) b.defaultValue(v);
    } catch {
      // A default this mapping cannot read (a zero date, a bit literal) is left out.
    }
  }
  const schema = b.build();
  const convert = col.nullable
    ? (raw: RawValue) => (raw === null || raw === undefined ? null : m.convert(raw))
    : (raw: RawValue) => (raw === null || raw === undefined ? null : m.convert(raw));
  return { name: col.name, schema, convert };
}

export interface TableId {
  db: string;
  table: string;
}

export function tableIdString(t: TableId): string {
  return `${t.db}.${t.table}`;
}

/** Everything needed to turn a row of one table (at one schema version) into key and value structs. */
export class TableModel {
  readonly id: TableId;
  readonly topic: string;
  readonly columns: readonly ColumnInfo[];
  readonly keyColumns: readonly string[];
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema;
  readonly envelopeSchema: Schema;
  /** Columns left out (not mapped, or excluded by column.include/exclude.list). */
  readonly skipped: readonly string[];
  readonly #converters: ColumnConverter[];
  readonly #keyConverters: ColumnConverter[];

  constructor(opts: {
    id: TableId;
    prefix: string;
    flavor: Flavor;
    columns: readonly ColumnInfo[];
    keyColumns: readonly string[];
    mapping: MappingConfig;
    includeColumn: (column: string) => boolean;
  }) {
    const { id, prefix, mapping } = opts;
    this.id = id;
    this.topic = `${prefix}.${id.db}.${id.table}`;
    this.columns = opts.columns;
    this.keyColumns = opts.keyColumns;
    const skipped: string[] = [];
    this.#converters = [];
    for (const c of opts.columns) {
      if (!opts.includeColumn(c.name)) {
        skipped.push(c.name);
        continue;
      }
      try {
        this.#converters.push(columnConverter(c, mapping));
      } catch (err) {
        if (!(err instanceof UnsupportedTypeError)) throw err;
        skipped.push(c.name);
      }
    }
    this.skipped = skipped;
    const valueName = adjustSchemaName(`${this.topic}.Value`, mapping.nameAdjustment);
    const vb = SchemaBuilder.struct().name(valueName).optional();
    for (const c of this.#converters) vb.field(c.name, c.schema);
    this.valueSchema = vb.build();
    this.#keyConverters = opts.keyColumns.flatMap((k) => {
      const col = opts.columns.find((c) => c.name === k);
      return col ? [columnConverter({ ...col, nullable: false }, mapping)] : [];
    });
    if (this.#keyConverters.length > 0) {
      const kb = SchemaBuilder.struct().name(adjustSchemaName(`${this.topic}.Key`, mapping.nameAdjustment));
      for (const c of this.#keyConverters) kb.field(c.name, c.schema);
      this.keySchema = kb.build();
    } else this.keySchema = null;
    this.envelopeSchema = envelopeSchema(
      adjustSchemaName(`${this.topic}.Envelope`, mapping.nameAdjustment),
      this.valueSchema,
      sourceSchema(opts.flavor),
    );
  }

  /** The value struct of a row given by column name. */
  value(row: Readonly<Record<string, RawValue>>): Struct {
    const s = new Struct(this.valueSchema);
    for (const c of this.#converters) {
      const v = c.convert(row[c.name]);
      if (v !== null) s.put(c.name, v);
    }
    return s;
  }

  /**
   * Whether two rows differ in a key column. Identical raw values are the same key; any other difference
   * is decided on the converted values, so two spellings of one value (a DATETIME as text and as a Date)
   * are still one key.
   */
  keyChanged(before: Readonly<Record<string, RawValue>>, after: Readonly<Record<string, RawValue>>): boolean {
    for (const c of this.#keyConverters) {
      const a = before[c.name];
      const b = after[c.name];
      if (a !== b && !valuesEqual(c.convert(a), c.convert(b))) return true;
    }
    return false;
  }

  /** The key struct, or null for a table without a primary key. */
  key(row: Readonly<Record<string, RawValue>>): Struct | null {
    if (!this.keySchema) return null;
    const s = new Struct(this.keySchema);
    for (const c of this.#keyConverters) s.put(c.name, c.convert(row[c.name]));
    return s;
  }
}
