/** The Connect data model's schemas: Schema, the Schema constants, SchemaBuilder and value validation (Kafka Connect's org.apache.kafka.connect.data). */
import { DataException, SchemaBuilderException } from '../errors.js';
import { brand } from '../brand.js';

/** The Connect data model's primitive and compound types (Kafka Connect's Schema.Type, lower-cased). */
export type SchemaType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  | 'boolean'
  | 'string'
  | 'bytes'
  | 'array'
  | 'map'
  | 'struct';

export const PRIMITIVE_TYPES: readonly SchemaType[] = [
  'int8',
  'int16',
  'int32',
  'int64',
  'float32',
  'float64',
  'boolean',
  'string',
  'bytes',
];

export interface Field {
  readonly name: string;
  readonly index: number;
  readonly schema: Schema;
}

/**
 * A Connect schema. Immutable; build one with SchemaBuilder or use the constants on `Schema`.
 * Values are: int8..int32, float32/64 → number; int64 → number | bigint; boolean; string;
 * bytes → Uint8Array; array → unknown[]; map → Map; struct → Struct; logical types as their
 * JS value (Decimal → BigDecimal, Date/Time/Timestamp → Date).
 */
export interface Schema {
  readonly type: SchemaType;
  readonly optional: boolean;
  readonly defaultValue: unknown;
  readonly name: string | null;
  readonly version: number | null;
  readonly doc: string | null;
  readonly parameters: Readonly<Record<string, string>> | null;
  /** Map key schema; null for other types. */
  readonly keySchema: Schema | null;
  /** Array element or map value schema; null for other types. */
  readonly valueSchema: Schema | null;
  /** Struct fields in order; empty for other types. */
  readonly fields: readonly Field[];
  field(name: string): Field | null;
}

export interface SchemaInit {
  type: SchemaType;
  optional?: boolean;
  defaultValue?: unknown;
  name?: string | null;
  version?: number | null;
  doc?: string | null;
  parameters?: Record<string, string> | null;
  keySchema?: Schema | null;
  valueSchema?: Schema | null;
  fields?: readonly { name: string; schema: Schema }[];
}

export class ConnectSchema implements Schema {
  readonly type: SchemaType;
  readonly optional: boolean;
  readonly defaultValue: unknown;
  readonly name: string | null;
  readonly version: number | null;
  readonly doc: string | null;
  readonly parameters: Readonly<Record<string, string>> | null;
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema | null;
  readonly fields: readonly Field[];
  readonly #byName: Map<string, Field>;

  constructor(init: SchemaInit) {
    this.type = init.type;
    this.optional = init.optional ?? false;
    this.defaultValue = init.defaultValue ?? null;
    this.name = init.name ?? null;
    this.version = init.version ?? null;
    this.doc = init.doc ?? null;
    this.parameters = init.parameters ? Object.freeze({ ...init.parameters }) : null;
    this.keySchema = init.keySchema ?? null;
    this.valueSchema = init.valueSchema ?? null;
    this.fields = Object.freeze(
      (init.fields ?? []).map((f, index) => Object.freeze({ name: f.name, index, schema: f.schema })),
    );
    this.#byName = new Map(this.fields.map((f) => [f.name, f]));
    if (this.type === 'struct' && init.fields === undefined) this.fields = Object.freeze([]);
    Object.freeze(this);
  }

  field(name: string): Field | null {
    if (this.type !== 'struct') throw new DataException(`Cannot look up fields on non-struct type ${this.type}`);
    return this.#byName.get(name) ?? null;
  }

  toString(): string {
    return this.name ? `Schema{${this.name}:${this.type.toUpperCase()}}` : `Schema{${this.type.toUpperCase()}}`;
  }
}

function prim(type: SchemaType, optional: boolean): Schema {
  return new ConnectSchema({ type, optional });
}

/** Schema constants, as Kafka Connect's Schema.INT32_SCHEMA and friends. */
export const Schema = Object.freeze({
  INT8_SCHEMA: prim('int8', false),
  INT16_SCHEMA: prim('int16', false),
  INT32_SCHEMA: prim('int32', false),
  INT64_SCHEMA: prim('int64', false),
  FLOAT32_SCHEMA: prim('float32', false),
  FLOAT64_SCHEMA: prim('float64', false),
  BOOLEAN_SCHEMA: prim('boolean', false),
  STRING_SCHEMA: prim('string', false),
  BYTES_SCHEMA: prim('bytes', false),
  OPTIONAL_INT8_SCHEMA: prim('int8', true),
  OPTIONAL_INT16_SCHEMA: prim('int16', true),
  OPTIONAL_INT32_SCHEMA: prim('int32', true),
  OPTIONAL_INT64_SCHEMA: prim('int64', true),
  OPTIONAL_FLOAT32_SCHEMA: prim('float32', true),
  OPTIONAL_FLOAT64_SCHEMA: prim('float64', true),
  OPTIONAL_BOOLEAN_SCHEMA: prim('boolean', true),
  OPTIONAL_STRING_SCHEMA: prim('string', true),
  OPTIONAL_BYTES_SCHEMA: prim('bytes', true),
});

/** Fluent builder, as Kafka Connect's SchemaBuilder. `build()` returns an immutable ConnectSchema. */
export class SchemaBuilder {
  #init: SchemaInit;
  #fields: { name: string; schema: Schema }[] = [];

  constructor(type: SchemaType) {
    this.#init = { type };
  }

  static int8(): SchemaBuilder {
    return new SchemaBuilder('int8');
  }
  static int16(): SchemaBuilder {
    return new SchemaBuilder('int16');
  }
  static int32(): SchemaBuilder {
    return new SchemaBuilder('int32');
  }
  static int64(): SchemaBuilder {
    return new SchemaBuilder('int64');
  }
  static float32(): SchemaBuilder {
    return new SchemaBuilder('float32');
  }
  static float64(): SchemaBuilder {
    return new SchemaBuilder('float64');
  }
  static bool(): SchemaBuilder {
    return new SchemaBuilder('boolean');
  }
  static string(): SchemaBuilder {
    return new SchemaBuilder('string');
  }
  static bytes(): SchemaBuilder {
    return new SchemaBuilder('bytes');
  }
  static struct(): SchemaBuilder {
    return new SchemaBuilder('struct');
  }
  static array(valueSchema: Schema): SchemaBuilder {
    const b = new SchemaBuilder('array');
    b.#init.valueSchema = valueSchema;
    return b;
  }
  static map(keySchema: Schema, valueSchema: Schema): SchemaBuilder {
    const b = new SchemaBuilder('map');
    b.#init.keySchema = keySchema;
    b.#init.valueSchema = valueSchema;
    return b;
  }
  static type(type: SchemaType): SchemaBuilder {
    return new SchemaBuilder(type);
  }

  /** A builder pre-filled from an existing schema (fields included), for transforms that derive schemas. */
  static from(schema: Schema): SchemaBuilder {
    const b = new SchemaBuilder(schema.type);
    b.#init = {
      type: schema.type,
      optional: schema.optional,
      defaultValue: schema.defaultValue,
      name: schema.name,
      version: schema.version,
      doc: schema.doc,
      parameters: schema.parameters ? { ...schema.parameters } : null,
      keySchema: schema.keySchema,
      valueSchema: schema.valueSchema,
    };
    b.#fields = schema.type === 'struct' ? schema.fields.map((f) => ({ name: f.name, schema: f.schema })) : [];
    return b;
  }

  get type(): SchemaType {
    return this.#init.type;
  }

  optional(): this {
    this.#init.optional = true;
    return this;
  }
  required(): this {
    this.#init.optional = false;
    return this;
  }
  name(name: string): this {
    this.#init.name = name;
    return this;
  }
  version(version: number): this {
    this.#init.version = version;
    return this;
  }
  doc(doc: string): this {
    this.#init.doc = doc;
    return this;
  }
  parameter(key: string, value: string): this {
    this.#init.parameters = { ...(this.#init.parameters ?? {}), [key]: value };
    return this;
  }
  parameters(params: Record<string, string>): this {
    this.#init.parameters = { ...(this.#init.parameters ?? {}), ...params };
    return this;
  }
  defaultValue(value: unknown): this {
    this.#init.defaultValue = value;
    return this;
  }
  field(name: string, schema: Schema): this {
    if (this.#init.type !== 'struct')
      throw new SchemaBuilderException('Cannot create fields on type ' + this.#init.type);
    if (!name) throw new SchemaBuilderException('fieldName cannot be null or empty');
    if (this.#fields.some((f) => f.name === name))
      throw new SchemaBuilderException(`Cannot create field because of field name duplication ${name}`);
    this.#fields.push({ name, schema });
    return this;
  }
  get fieldNames(): string[] {
    return this.#fields.map((f) => f.name);
  }

  build(): Schema {
    const schema = new ConnectSchema({ ...this.#init, fields: this.#init.type === 'struct' ? this.#fields : [] });
    if (schema.defaultValue !== null && schema.defaultValue !== undefined) validateValue(schema, schema.defaultValue);
    return schema;
  }
}

/** Registered logical-type validators (Decimal, Date, …) keyed by schema name. */
const logicalValidators = new Map<string, (schema: Schema, value: unknown) => void>();
export function registerLogicalType(name: string, validator: (schema: Schema, value: unknown) => void): void {
  logicalValidators.set(name, validator);
}

function isIntegral(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * Checks that `value` fits `schema`, as ConnectSchema.validateValue: throws DataException naming
 * the path and the mismatch. A null value is accepted for optional schemas and schemas with defaults.
 */
export function validateValue(schema: Schema, value: unknown, path = ''): void {
  // Called for every field of every record: the messages are built only when they are thrown.
  if (value === null || value === undefined) {
    if (schema.optional || (schema.defaultValue !== null && schema.defaultValue !== undefined)) return;
    throw new DataException(
      `Invalid value: null used for required field${path ? `: "${path}"` : ''}, schema type: ${schema.type.toUpperCase()}`,
    );
  }
  if (schema.name) {
    const logical = logicalValidators.get(schema.name);
    if (logical) {
      logical(schema, value);
      return;
    }
  }
  const bad = (): never => invalidValue(schema, value, path);
  switch (schema.type) {
    case 'int8':
      if (!isIntegral(value, -128, 127)) bad();
      return;
    case 'int16':
      if (!isIntegral(value, -32768, 32767)) bad();
      return;
    case 'int32':
      if (!isIntegral(value, -2147483648, 2147483647)) bad();
      return;
    case 'int64':
      if (typeof value === 'bigint') {
        if (value < MIN_INT64 || value > MAX_INT64) bad();
        return;
      }
      if (!(typeof value === 'number' && Number.isInteger(value))) bad();
      return;
    case 'float32':
    case 'float64':
      if (typeof value !== 'number') bad();
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad();
      return;
    case 'string':
      if (typeof value !== 'string') bad();
      return;
    case 'bytes':
      if (!(value instanceof Uint8Array)) bad();
      return;
    case 'array': {
      if (!Array.isArray(value)) bad();
      const el = schema.valueSchema;
      if (el) for (const [i, v] of (value as unknown[]).entries()) validateValue(el, v, `${path}[${i}]`);
      return;
    }
    case 'map': {
      if (!(value instanceof Map)) bad();
      for (const [k, v] of value as Map<unknown, unknown>) {
        if (schema.keySchema) validateValue(schema.keySchema, k, `${path}<key>`);
        if (schema.valueSchema) validateValue(schema.valueSchema, v, `${path}[${String(k)}]`);
      }
      return;
    }
    case 'struct': {
      const s = value as { schema?: unknown; validate?: () => void };
      if (typeof s !== 'object' || typeof s.validate !== 'function' || !s.schema) bad();
      if (!schemaEquals(s.schema as Schema, schema)) {
        throw new DataException(`Struct schemas do not match${path ? ` for field: "${path}"` : ''}`);
      }
      s.validate!();
      return;
    }
  }
}

const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

function invalidValue(schema: Schema, value: unknown, path: string): never {
  throw new DataException(
    `Invalid Java object for schema with type ${schema.type.toUpperCase()}: ${describe(value)}${path ? ` for field: "${path}"` : ''}`,
  );
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Map) return 'Map';
  if (value instanceof Date) return 'Date';
  return typeof value === 'object' ? (value?.constructor?.name ?? 'object') : `${typeof value} ${String(value)}`;
}

/** Structural equality of schemas (name, version, parameters, fields, nested schemas), as ConnectSchema.equals. */
export function schemaEquals(a: Schema | null | undefined, b: Schema | null | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  if (
    a.type !== b.type ||
    a.optional !== b.optional ||
    a.name !== b.name ||
    a.version !== b.version ||
    a.doc !== b.doc ||
    !recordEquals(a.parameters, b.parameters) ||
    !valuesEqual(a.defaultValue, b.defaultValue)
  )
    return false;
  if (!schemaEquals(a.keySchema, b.keySchema) && (a.keySchema || b.keySchema)) return false;
  if (!schemaEquals(a.valueSchema, b.valueSchema) && (a.valueSchema || b.valueSchema)) return false;
  if (a.fields.length !== b.fields.length) return false;
  for (let i = 0; i < a.fields.length; i++) {
    const fa = a.fields[i]!;
    const fb = b.fields[i]!;
    if (fa.name !== fb.name || !schemaEquals(fa.schema, fb.schema)) return false;
  }
  return true;
}

function recordEquals(a: Readonly<Record<string, string>> | null, b: Readonly<Record<string, string>> | null): boolean {
  if (a === b) return true;
  const ka = a ? Object.keys(a) : [];
  const kb = b ? Object.keys(b) : [];
  if (ka.length !== kb.length) return false;
  return ka.every((k) => a![k] === b?.[k]);
}

/** Deep equality over Connect values (bytes, Map, Date, Struct, BigDecimal, bigint vs number). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // null and undefined both mean "no value" in Connect data.
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    if (typeof a === 'number' && !Number.isInteger(a)) return a === b;
    if (typeof b === 'number' && !Number.isInteger(b)) return false;
    return BigInt(a) === BigInt(b);
  }
  if (typeof a !== 'object' || typeof b !== 'object') return Number.isNaN(a) && Number.isNaN(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (b.has(k)) {
        if (!valuesEqual(v, b.get(k))) return false;
        continue;
      }
      let found = false;
      for (const [k2, v2] of b) {
        if (valuesEqual(k, k2) && valuesEqual(v, v2)) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
  const ea = (a as { equals?: (o: unknown) => boolean }).equals;
  if (typeof ea === 'function') return ea.call(a, b);
  if (Array.isArray(a) || Array.isArray(b) || a instanceof Map || b instanceof Map) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => valuesEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A schema and a value, as converters return them. */
export interface SchemaAndValue {
  readonly schema: Schema | null;
  readonly value: unknown;
}
export const SchemaAndValue = Object.freeze({
  NULL: Object.freeze({ schema: null, value: null }) as SchemaAndValue,
});

brand(ConnectSchema, 'ConnectSchema');
