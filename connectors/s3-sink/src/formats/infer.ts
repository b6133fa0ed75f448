/** Infers a Connect schema for a schemaless value, so schemaless records can be written as Parquet or Avro. */
import {
  BigDecimal,
  ConnectTimestamp,
  DataException,
  Decimal,
  Schema,
  SchemaBuilder,
  Struct,
  type Schema as SchemaT,
} from '@tributary/api';

const OPTIONAL_TIMESTAMP = ConnectTimestamp.builder().optional().build();

/**
 * A schema for a schemaless value (what JsonConverter with schemas.enable=false produces), so
 * Parquet and Avro can store it. Objects become structs whose fields are all optional, in the
 * order the value lists them; integers are int64, other numbers float64, Date a Timestamp, arrays
 * take their element type from their elements. null alone gives an optional string. Records whose
 * inferred schemas differ are different schemas: they rotate files as schema.compatibility says.
 */
export function inferSchema(value: unknown, path = 'value'): SchemaT {
  if (value instanceof Struct) return value.schema;
  if (value === null || value === undefined) return Schema.OPTIONAL_STRING_SCHEMA;
  switch (typeof value) {
    case 'string':
      return Schema.OPTIONAL_STRING_SCHEMA;
    case 'boolean':
      return Schema.OPTIONAL_BOOLEAN_SCHEMA;
    case 'bigint':
      return Schema.OPTIONAL_INT64_SCHEMA;
    case 'number':
      return Number.isInteger(value) ? Schema.OPTIONAL_INT64_SCHEMA : Schema.OPTIONAL_FLOAT64_SCHEMA;
    case 'object':
      break;
    default:
      throw new DataException(`Cannot infer a schema for ${typeof value} at ${path}`);
  }
  if (value instanceof Uint8Array) return Schema.OPTIONAL_BYTES_SCHEMA;
  if (value instanceof Date) return OPTIONAL_TIMESTAMP;
  if (value instanceof BigDecimal) return Decimal.builder(value.scale).optional().build();
  if (Array.isArray(value)) {
    let el: SchemaT | null = null;
    value.forEach((v, i) => {
      if (v === null || v === undefined) return;
      el = el ? unify(el, inferSchema(v, `${path}[${i}]`), `${path}[${i}]`) : inferSchema(v, `${path}[${i}]`);
    });
    return SchemaBuilder.array(el ?? Schema.OPTIONAL_STRING_SCHEMA)
      .optional()
      .build();
  }
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
  const b = SchemaBuilder.struct().optional();
  for (const [k, v] of entries) {
    if (typeof k !== 'string')
      throw new DataException(`Cannot infer a struct from a map with ${typeof k} keys at ${path}`);
    b.field(k, inferSchema(v, `${path}.${k}`));
  }
  if (entries.length === 0) throw new DataException(`Cannot infer a schema for the empty object at ${path}`);
  return b.build();
}

/** The schema both element schemas fit: int64 widens to float64, structs merge their fields. */
function unify(a: SchemaT, b: SchemaT, path: string): SchemaT {
  if (a.type === b.type && a.name === b.name) {
    if (a.type !== 'struct')
      return a.type === 'array'
        ? SchemaBuilder.array(unify(a.valueSchema!, b.valueSchema!, path))
            .optional()
            .build()
        : a;
    const merged = SchemaBuilder.struct().optional();
    const names = [...a.fields.map((f) => f.name), ...b.fields.map((f) => f.name).filter((n) => !a.field(n))];
    for (const n of names) {
      const fa = a.field(n)?.schema;
      const fb = b.field(n)?.schema;
      merged.field(n, fa && fb ? unify(fa, fb, `${path}.${n}`) : (fa ?? fb)!);
    }
    return merged.build();
  }
  const numeric = new Set(['int64', 'float64']);
  if (numeric.has(a.type) && numeric.has(b.type) && !a.name && !b.name) return Schema.OPTIONAL_FLOAT64_SCHEMA;
  throw new DataException(`Cannot infer one schema for array elements of types ${a.type} and ${b.type} at ${path}`);
}
