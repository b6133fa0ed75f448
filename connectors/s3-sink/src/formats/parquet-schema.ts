/** Connect schemas as Parquet schemas (groups, LIST, MAP, logical annotations) and Connect values as the rows the encoder takes. */
import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  type Schema,
  Struct,
} from '@tributary/api';

/**
 * One node of a Parquet schema in depth-first order, as the Thrift SchemaElement the file footer
 * carries. Kept local so the connector's types do not depend on one writer library.
 */
export interface ParquetSchemaElement {
  name: string;
  type?: 'BOOLEAN' | 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'BYTE_ARRAY' | 'FIXED_LEN_BYTE_ARRAY';
  type_length?: number;
  repetition_type?: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  num_children?: number;
  converted_type?:
    | 'UTF8'
    | 'MAP'
    | 'LIST'
    | 'DECIMAL'
    | 'DATE'
    | 'TIME_MILLIS'
    | 'TIMESTAMP_MILLIS'
    | 'INT_8'
    | 'INT_16';
  scale?: number;
  precision?: number;
  logical_type?:
    | { type: 'STRING' | 'MAP' | 'LIST' | 'DATE' }
    | { type: 'DECIMAL'; precision: number; scale: number }
    | { type: 'TIME' | 'TIMESTAMP'; isAdjustedToUTC: boolean; unit: 'MILLIS' };
}

/** Precision when a Decimal schema does not say (Confluent's AvroData writes connect.decimal.precision). */
const DEFAULT_DECIMAL_PRECISION = 38;
const PRECISION_PARAM = 'connect.decimal.precision';

/** Name of the single column that holds a value whose schema is not a struct. */
export const WRAPPED_VALUE_COLUMN = 'value';

function decimalPrecision(schema: Schema): number {
  const p = Number(schema.parameters?.[PRECISION_PARAM] ?? DEFAULT_DECIMAL_PRECISION);
  return Number.isInteger(p) && p > 0 ? p : DEFAULT_DECIMAL_PRECISION;
}

/** Bytes needed for a two's-complement unscaled value of this many decimal digits. */
function decimalByteLength(precision: number): number {
  return Math.ceil((Math.log2(10 ** precision) + 1) / 8);
}

function rep(schema: Schema): 'REQUIRED' | 'OPTIONAL' {
  return schema.optional ? 'OPTIONAL' : 'REQUIRED';
}

/**
 * The Parquet schema for a Connect value schema. Structs become groups, arrays the three-level
 * LIST, maps MAP/key_value, and the logical types their Parquet annotations. A non-struct value
 * schema is written as one column named `value`.
 */
export function toParquetSchema(schema: Schema, rootName = 'schema'): ParquetSchemaElement[] {
  const out: ParquetSchemaElement[] = [];
  const fields =
    schema.type === 'struct'
      ? schema.fields.map((f) => ({ name: f.name, schema: f.schema }))
      : [{ name: WRAPPED_VALUE_COLUMN, schema }];
  if (fields.length === 0) throw new DataException('Parquet cannot store a struct without fields');
  out.push({ name: rootName, num_children: fields.length });
  for (const f of fields) pushField(out, f.name, f.schema, rep(f.schema));
  return out;
}

function pushField(out: ParquetSchemaElement[], name: string, s: Schema, repetition: 'REQUIRED' | 'OPTIONAL'): void {
  switch (s.name) {
    case Decimal.LOGICAL_NAME: {
      const precision = decimalPrecision(s);
      const scale = Decimal.scaleOf(s);
      const logical = { type: 'DECIMAL' as const, precision, scale };
      if (precision <= 38) {
        out.push({
          name,
          type: 'FIXED_LEN_BYTE_ARRAY',
          type_length: decimalByteLength(precision),
          repetition_type: repetition,
          converted_type: 'DECIMAL',
          precision,
          scale,
          logical_type: logical,
        });
      } else {
        out.push({
          name,
          type: 'BYTE_ARRAY',
          repetition_type: repetition,
          converted_type: 'DECIMAL',
          precision,
          scale,
          logical_type: logical,
        });
      }
      return;
    }
    case ConnectDate.LOGICAL_NAME:
      out.push({
        name,
        type: 'INT32',
        repetition_type: repetition,
        converted_type: 'DATE',
        logical_type: { type: 'DATE' },
      });
      return;
    case ConnectTime.LOGICAL_NAME:
      out.push({
        name,
        type: 'INT32',
        repetition_type: repetition,
        converted_type: 'TIME_MILLIS',
        logical_type: { type: 'TIME', isAdjustedToUTC: true, unit: 'MILLIS' },
      });
      return;
    case ConnectTimestamp.LOGICAL_NAME:
      out.push({
        name,
        type: 'INT64',
        repetition_type: repetition,
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      });
      return;
  }
  switch (s.type) {
    case 'int8':
      // INT_8 only: hyparquet-writer encodes the INTEGER logical type's i8 bitWidth as an i32,
      // which strict Thrift readers (DuckDB) reject; every reader maps INT_8 to the same type.
      out.push({ name, type: 'INT32', repetition_type: repetition, converted_type: 'INT_8' });
      return;
    case 'int16':
      out.push({ name, type: 'INT32', repetition_type: repetition, converted_type: 'INT_16' });
      return;
    case 'int32':
      out.push({ name, type: 'INT32', repetition_type: repetition });
      return;
    case 'int64':
      out.push({ name, type: 'INT64', repetition_type: repetition });
      return;
    case 'float32':
      out.push({ name, type: 'FLOAT', repetition_type: repetition });
      return;
    case 'float64':
      out.push({ name, type: 'DOUBLE', repetition_type: repetition });
      return;
    case 'boolean':
      out.push({ name, type: 'BOOLEAN', repetition_type: repetition });
      return;
    case 'string':
      out.push({
        name,
        type: 'BYTE_ARRAY',
        repetition_type: repetition,
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
      });
      return;
    case 'bytes':
      out.push({ name, type: 'BYTE_ARRAY', repetition_type: repetition });
      return;
    case 'struct':
      if (s.fields.length === 0) throw new DataException(`Parquet cannot store the empty struct ${name}`);
      out.push({ name, repetition_type: repetition, num_children: s.fields.length });
      for (const f of s.fields) pushField(out, f.name, f.schema, rep(f.schema));
      return;
    case 'array':
      out.push({
        name,
        repetition_type: repetition,
        num_children: 1,
        converted_type: 'LIST',
        logical_type: { type: 'LIST' },
      });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      pushField(out, 'element', s.valueSchema!, rep(s.valueSchema!));
      return;
    case 'map':
      out.push({
        name,
        repetition_type: repetition,
        num_children: 1,
        converted_type: 'MAP',
        logical_type: { type: 'MAP' },
      });
      out.push({ name: 'key_value', repetition_type: 'REPEATED', num_children: 2 });
      // Parquet map keys are always required.
      pushField(out, 'key', s.keySchema!, 'REQUIRED');
      pushField(out, 'value', s.valueSchema!, rep(s.valueSchema!));
      return;
  }
}

/**
 * A Connect value as the row value the Parquet encoder takes: int64 as bigint, Decimal as its
 * unscaled bigint, Date/Timestamp as Date, Time as ms of day, structs as plain objects, maps as
 * Map. Struct values may be Structs or (for inferred schemas) plain objects and Maps.
 */
export function toParquetValue(schema: Schema, value: unknown): unknown {
  if (value === null || value === undefined) {
    if (schema.defaultValue !== null && schema.defaultValue !== undefined)
      return toParquetValue(schema, schema.defaultValue);
    return null;
  }
  switch (schema.name) {
    case Decimal.LOGICAL_NAME: {
      const d = value instanceof BigDecimal ? value : Decimal.toLogical(schema, value as Uint8Array);
      return d.setScale(Decimal.scaleOf(schema)).unscaled;
    }
    case ConnectDate.LOGICAL_NAME:
      return value instanceof Date ? value : ConnectDate.toLogical(schema, value as number);
    case ConnectTime.LOGICAL_NAME:
      return value instanceof Date ? value.getTime() : value;
    case ConnectTimestamp.LOGICAL_NAME:
      return value instanceof Date ? value : new Date(Number(value));
  }
  switch (schema.type) {
    case 'int64':
      return typeof value === 'bigint' ? value : BigInt(value as number);
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const f of schema.fields) out[f.name] = toParquetValue(f.schema, fieldOf(value, f.name));
      return out;
    }
    case 'array':
      return (value as unknown[]).map((v) => toParquetValue(schema.valueSchema!, v));
    case 'map': {
      const m = new Map<unknown, unknown>();
      const entries = value instanceof Map ? value.entries() : Object.entries(value as object);
      for (const [k, v] of entries) m.set(toParquetValue(schema.keySchema!, k), toParquetValue(schema.valueSchema!, v));
      return m;
    }
    default:
      return value;
  }
}

/** A field of a Struct, a Map or a plain object. */
export function fieldOf(value: unknown, name: string): unknown {
  if (value instanceof Struct) return value.schema.field(name) ? value.get(name) : null;
  if (value instanceof Map) return value.get(name) ?? null;
  if (value !== null && typeof value === 'object') return (value as Record<string, unknown>)[name] ?? null;
  return null;
}

/** The row object for one record value: its fields, or `{ value }` for a non-struct schema. */
export function toParquetRow(schema: Schema, value: unknown): Record<string, unknown> {
  if (schema.type === 'struct') return toParquetValue(schema, value) as Record<string, unknown>;
  return { [WRAPPED_VALUE_COLUMN]: toParquetValue(schema, value) };
}
