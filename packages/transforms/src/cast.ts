/** The Cast SMT: casts fields, or the whole key or value, to another primitive type (Kafka Connect's Cast). */
import {
  BigDecimal,
  bytesToBase64,
  ConfigException,
  ConfigKeys,
  type ConnectRecord,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  defineConfig,
  javaBigDecimalToString,
  javaDoubleToString,
  javaFloatToString,
  logicalToPhysical,
  type Schema,
  SchemaBuilder,
  type SchemaType,
  Struct,
  type Transformation,
  Values,
} from '@tributary/api';
import {
  className,
  copySchemaBasics,
  fieldValue,
  isSchemalessMap,
  MapBuilder,
  mapEntries,
  mapGet,
  requireMap,
  requireStruct,
  SchemaCache,
  type Side,
  sides,
} from './util.js';

const PURPOSE = 'cast types';
const WHOLE_VALUE = '';
const OUTPUT_TYPES: readonly SchemaType[] = [
  'int8',
  'int16',
  'int32',
  'int64',
  'float32',
  'float64',
  'boolean',
  'string',
];
const INPUT_TYPES: readonly SchemaType[] = [...OUTPUT_TYPES, 'bytes'];
const ALL_TYPES: readonly string[] = [...INPUT_TYPES, 'array', 'map', 'struct'];
const LOGICAL_NAMES = new Set<string>([
  Decimal.LOGICAL_NAME,
  ConnectDate.LOGICAL_NAME,
  ConnectTime.LOGICAL_NAME,
  ConnectTimestamp.LOGICAL_NAME,
]);

const listed = (types: readonly SchemaType[]): string => `[${types.map((t) => t.toUpperCase()).join(', ')}]`;

export const CastConfig = defineConfig({
  spec: ConfigKeys.list({
    importance: 'HIGH',
    doc: 'List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.',
  }),
  'replace.null.with.default': ConfigKeys.boolean({
    default: true,
    importance: 'MEDIUM',
    doc: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
  }),
});

function specError(spec: readonly string[], reason: string): ConfigException {
  return new ConfigException({ spec: [`Invalid value ${spec.join(',')} for configuration spec: ${reason}`] });
}

function outputType(name: string, spec: readonly string[]): SchemaType {
  const t = name.trim().toLowerCase();
  if (!ALL_TYPES.includes(t)) throw specError(spec, `Invalid type found in casting spec: ${name.trim()}`);
  if (!OUTPUT_TYPES.includes(t as SchemaType)) {
    throw specError(
      spec,
      `Cast transformation does not support casting to ${t.toUpperCase()}; supported types are ${listed(OUTPUT_TYPES)}`,
    );
  }
  return t as SchemaType;
}

/** Parses the spec into field → type ('' for the whole value), with Kafka Connect's checks. */
export function parseCastSpec(spec: readonly string[]): Map<string, SchemaType> {
  const casts = new Map<string, SchemaType>();
  if (spec.length === 0) throw specError(spec, 'Must specify at least one field to cast.');
  let whole = false;
  for (const mapping of spec) {
    const parts = mapping.split(':');
    if (parts.length > 2) throw specError(spec, `Invalid rename mapping: ${mapping}`);
    if (parts.length === 1) {
      casts.set(WHOLE_VALUE, outputType(parts[0]!, spec));
      whole = true;
    } else casts.set(parts[0]!.trim(), outputType(parts[1]!, spec));
  }
  if (whole && spec.length > 1) {
    throw specError(
      spec,
      'Cast transformations that specify a type to cast the entire value to may ony specify a single cast in their spec',
    );
  }
  return casts;
}

function inferType(value: unknown): SchemaType | null {
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? 'int64' : 'float64';
    case 'bigint':
      return 'int64';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    default:
      break;
  }
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Struct) return 'struct';
  if (isSchemalessMap(value)) return 'map';
  return null;
}

const BITS: Record<string, number> = { int8: 8, int16: 16, int32: 32, int64: 64 };
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function fromBigint(b: bigint): number | bigint {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/** Java's narrowing of a double to an integral type: truncate, saturate to int (or long), then keep the low bits. */
function narrowDouble(d: number, bits: number): number | bigint {
  if (Number.isNaN(d)) return 0;
  const t = Math.trunc(d);
  if (bits === 64) {
    const b = t >= 9.223372036854776e18 ? INT64_MAX : t <= -9.223372036854776e18 ? INT64_MIN : BigInt(t);
    return fromBigint(b);
  }
  const i = Math.min(INT32_MAX, Math.max(INT32_MIN, t));
  return Number(BigInt.asIntN(bits, BigInt(i)));
}

function parseJavaInteger(s: string, bits: number): number | bigint {
  if (!/^[+-]?\d+$/.test(s)) throw new DataException(`For input string: "${s}"`);
  const b = BigInt(s);
  const min = -(2n ** BigInt(bits - 1));
  const max = 2n ** BigInt(bits - 1) - 1n;
  if (b < min || b > max) throw new DataException(`Value out of range. Value:"${s}" Radix:10`);
  return fromBigint(b);
}

function parseJavaFloat(s: string): number {
  const t = s.trim().replace(/[fFdD]$/, '');
  if (t === 'NaN' || t === '+NaN' || t === '-NaN') return Number.NaN;
  if (/^[+-]?Infinity$/.test(t)) return t.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw new DataException(`For input string: "${s}"`);
  return Number(t);
}

function castToInteger(value: unknown, bits: number, floating = false): number | bigint {
  if (typeof value === 'number') {
    return Number.isInteger(value) && !floating
      ? fromBigint(BigInt.asIntN(bits, BigInt(value)))
      : narrowDouble(value, bits);
  }
  if (typeof value === 'bigint') return fromBigint(BigInt.asIntN(bits, value));
  if (value instanceof BigDecimal) {
    const truncated =
      value.scale <= 0 ? value.unscaled * 10n ** BigInt(-value.scale) : value.unscaled / 10n ** BigInt(value.scale);
    return fromBigint(BigInt.asIntN(bits, truncated));
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return parseJavaInteger(value, bits);
  throw new DataException(`Unexpected type in Cast transformation: ${className(value)}`);
}

function castToFloat(value: unknown, bits: 32 | 64): number {
  let d: number;
  if (typeof value === 'number') d = value;
  else if (typeof value === 'bigint') d = Number(value);
  else if (value instanceof BigDecimal) d = value.toNumber();
  else if (typeof value === 'boolean') d = value ? 1 : 0;
  else if (typeof value === 'string') d = parseJavaFloat(value);
  else throw new DataException(`Unexpected type in Cast transformation: ${className(value)}`);
  // float32 keeps the double's digits unless the value leaves float range, where Java gives ±Infinity.
  return bits === 32 && Number.isFinite(d) && !Number.isFinite(Math.fround(d)) ? Math.fround(d) : d;
}

function castToBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Math.trunc(value) !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (value instanceof BigDecimal) return castToInteger(value, 64) !== 0;
  if (typeof value === 'string') return value.toLowerCase() === 'true';
  throw new DataException(`Unexpected type in Cast transformation: ${className(value)}`);
}

function castToString(value: unknown, sourceType: SchemaType | null): string {
  if (value instanceof Date) return Values.convertToString(null, value)!;
  if (value instanceof Uint8Array) return bytesToBase64(value);
  if (value instanceof BigDecimal) return javaBigDecimalToString(value);
  if (typeof value === 'number') {
    if (sourceType === 'float32') return javaFloatToString(value);
    if (sourceType === 'float64' || !Number.isInteger(value)) return javaDoubleToString(value);
    return String(value);
  }
  return String(value);
}

/**
 * Cast.encodeLogicalType: Date, Time and Timestamp become their physical numbers before the cast; a
 * Decimal stays a BigDecimal, which the numeric casts read directly.
 */
function encodeLogical(schema: Schema, value: unknown): unknown {
  return schema.name === Decimal.LOGICAL_NAME ? value : logicalToPhysical(schema, value);
}

/** Casts one value as Kafka Connect's Cast.castValueToType does. */
export function castValueToType(schema: Schema | null, value: unknown, target: SchemaType): unknown {
  if (value === null || value === undefined) return null;
  const inferred = schema ? schema.type : inferType(value);
  if (inferred === null)
    throw new DataException(
      `Cast transformation was passed a value of type ${className(value)} which is not supported by Connect's data API`,
    );
  if (!INPUT_TYPES.includes(inferred)) {
    throw new DataException(
      `Cast transformation does not support casting from ${inferred.toUpperCase()}; supported types are ${listed(INPUT_TYPES)}`,
    );
  }
  let v: unknown = value;
  if (schema?.name && target !== 'string') v = encodeLogical(schema, v);
  switch (target) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return castToInteger(v, BITS[target]!, inferred === 'float32' || inferred === 'float64');
    case 'float32':
      return castToFloat(v, 32);
    case 'float64':
      return castToFloat(v, 64);
    case 'boolean':
      return castToBoolean(v);
    case 'string':
      return castToString(v, inferred);
    default:
      throw new DataException(`Unexpected type in Cast transformation: ${target}`);
  }
}

/** Kafka Connect's Cast: casts fields (or the whole key/value) to another primitive type. */
export class Cast implements Transformation {
  #casts = new Map<string, SchemaType>();
  #whole: SchemaType | null = null;
  #replaceNull = true;
  readonly #cache = new SchemaCache();

  constructor(readonly side: Side) {}

  config(): typeof CastConfig {
    return CastConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = CastConfig.parse(props);
    this.#casts = parseCastSpec(c.spec);
    this.#whole = this.#casts.get(WHOLE_VALUE) ?? null;
    this.#replaceNull = c['replace.null.with.default'];
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const value = sides.value(record, this.side);
    if (value === null || value === undefined) return record;
    const schema = sides.schema(record, this.side);
    if (schema === null) {
      if (this.#whole) return sides.newRecord(record, this.side, null, castValueToType(null, value, this.#whole));
      const map = requireMap(value, PURPOSE);
      const out = new MapBuilder(map, mapEntries(map));
      for (const [field, type] of this.#casts) out.set(field, castValueToType(null, mapGet(map, field), type));
      return sides.newRecord(record, this.side, null, out.build());
    }
    const updated = this.#cache.getOrCompute(schema, (s) => this.#buildSchema(s));
    if (this.#whole) return sides.newRecord(record, this.side, updated, castValueToType(schema, value, this.#whole));
    const struct = requireStruct(value, PURPOSE);
    const out = new Struct(updated);
    for (const f of struct.schema.fields) {
      const orig = fieldValue(struct, f, this.#replaceNull);
      const target = this.#casts.get(f.name);
      out.put(updated.field(f.name)!, target ? castValueToType(f.schema, orig, target) : orig);
    }
    return sides.newRecord(record, this.side, updated, out);
  }

  #buildSchema(schema: Schema): Schema {
    let b: SchemaBuilder;
    if (this.#whole) {
      b = SchemaBuilder.type(this.#whole);
      // A logical type's name would no longer describe the cast value, so only plain schemas keep their metadata.
      if (!schema.name || !LOGICAL_NAMES.has(schema.name)) copySchemaBasics(schema, b);
      if (schema.optional) b.optional();
      if (schema.defaultValue !== null && schema.defaultValue !== undefined)
        b.defaultValue(castValueToType(schema, schema.defaultValue, this.#whole));
      return b.build();
    }
    if (schema.type !== 'struct')
      throw new DataException(
        `Only Struct objects supported for [${PURPOSE}], found: ${schema.type.toUpperCase()} schema`,
      );
    b = copySchemaBasics(schema, SchemaBuilder.struct());
    for (const f of schema.fields) {
      const target = this.#casts.get(f.name);
      if (!target) {
        b.field(f.name, f.schema);
        continue;
      }
      const fb = SchemaBuilder.type(target);
      if (f.schema.optional) fb.optional();
      if (f.schema.defaultValue !== null && f.schema.defaultValue !== undefined)
        fb.defaultValue(castValueToType(f.schema, f.schema.defaultValue, target));
      b.field(f.name, fb.build());
    }
    if (schema.optional) b.optional();
    return b.build();
  }

  close(): void {}
}
