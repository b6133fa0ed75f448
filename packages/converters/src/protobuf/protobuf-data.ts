/**
 * Connect schemas and values ↔ Protobuf, as Confluent's ProtobufData maps them: the root is a
 * struct and becomes a proto3 message (its name's namespace the package), nested structs become
 * nested messages, field numbers come from `io.confluent.connect.protobuf.Tag` or count from 1,
 * int8/int16 are int32 with a `connect.type` meta param, maps are repeated `<Name>Entry` messages
 * {key = 1, value = 2}, enums keep their numbers in `io.confluent.connect.protobuf.Enum.*`
 * parameters, `io.confluent.connect.protobuf.Union.*` structs are oneofs, and Decimal, Date, Time
 * and Timestamp are confluent.type.Decimal, google.type.Date, google.type.TimeOfDay and
 * google.protobuf.Timestamp. Optional primitives are plain fields, wrapper messages
 * (wrapper.for.nullables) or proto3 `optional` fields (optional.for.nullables). Read back, every field
 * is optional, as in Confluent's converter.
 */
import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  type Schema,
  SchemaBuilder,
  Struct,
  bigintToBytes,
  bytesToBigint,
} from '@tributary/api';
import protobuf from 'protobufjs';
import { type ProtoFile, fieldMetaParams } from './proto-schema.js';

export const PROTOBUF_NAMESPACE = 'io.confluent.connect.protobuf';
export const PROTOBUF_TYPE_ENUM = `${PROTOBUF_NAMESPACE}.Enum`;
export const PROTOBUF_TYPE_UNION = `${PROTOBUF_NAMESPACE}.Union`;
export const PROTOBUF_TYPE_TAG = `${PROTOBUF_NAMESPACE}.Tag`;
const DEFAULT_NAME = 'ConnectDefault';

const DECIMAL_TYPE = 'confluent.type.Decimal';
const DATE_TYPE = 'google.type.Date';
const TIME_TYPE = 'google.type.TimeOfDay';
const TIMESTAMP_TYPE = 'google.protobuf.Timestamp';

const LOCATIONS: Record<string, string> = {
  [DECIMAL_TYPE]: 'confluent/type/decimal.proto',
  [DATE_TYPE]: 'google/type/date.proto',
  [TIME_TYPE]: 'google/type/timeofday.proto',
  [TIMESTAMP_TYPE]: 'google/protobuf/timestamp.proto',
};

const WRAPPERS: Partial<Record<Schema['type'], string>> = {
  int8: 'google.protobuf.Int32Value',
  int16: 'google.protobuf.Int32Value',
  int32: 'google.protobuf.Int32Value',
  int64: 'google.protobuf.Int64Value',
  float32: 'google.protobuf.FloatValue',
  float64: 'google.protobuf.DoubleValue',
  boolean: 'google.protobuf.BoolValue',
  string: 'google.protobuf.StringValue',
  bytes: 'google.protobuf.BytesValue',
};
const WRAPPER_TO_CONNECT: Record<string, Schema['type']> = {
  'google.protobuf.DoubleValue': 'float64',
  'google.protobuf.FloatValue': 'float32',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'int64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'int64',
  'google.protobuf.BoolValue': 'boolean',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

const SCALARS: Partial<Record<Schema['type'], string>> = {
  int8: 'int32',
  int16: 'int32',
  int32: 'int32',
  int64: 'int64',
  float32: 'float',
  float64: 'double',
  boolean: 'bool',
  string: 'string',
  bytes: 'bytes',
};

export interface ProtobufDataConfig {
  /** enhanced.protobuf.schema.support: Connect names keep the message's package. */
  enhancedSchemaSupport: boolean;
  scrubInvalidNames: boolean;
  /** wrapper.for.nullables */
  wrapperForNullables: boolean;
  /** optional.for.nullables */
  optionalForNullables: boolean;
}

/** The .proto text of a Connect struct schema and the full name of its message. */
export interface GeneratedProto {
  text: string;
  /** Package-qualified message name ("a.b.M"). */
  messageName: string;
}

function scrub(name: string, on: boolean): string {
  if (!on) return name;
  let encoded = encodeURIComponent(name);
  if (!/^[A-Za-z]/.test(encoded)) encoded = `x${encoded}`;
  return encoded.replace(/[^A-Za-z0-9_]/g, '_');
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function metaOption(params: Record<string, string>): string {
  const entries = Object.entries(params);
  if (entries.length === 0) return '';
  return ` [(confluent.field_meta) = { ${entries.map(([k, v]) => `params { key: ${quote(k)}, value: ${quote(v)} }`).join(' ')} }]`;
}

/** ProtobufData.fromConnectSchema: the proto3 file for a Connect struct schema. */
export function fromConnectSchema(schema: Schema, cfg: ProtobufDataConfig): GeneratedProto {
  if (schema.type !== 'struct')
    throw new DataException(`Unsupported root schema of type ${schema.type.toUpperCase()}: Protobuf needs a struct`);
  let defaults = 0;
  const nameOrDefault = (n: string | null): string => (n ? n : `${DEFAULT_NAME}${++defaults}`);
  const unqualified = (n: string | null): string => {
    const full = nameOrDefault(n);
    return scrub(full.slice(full.lastIndexOf('.') + 1), cfg.scrubInvalidNames);
  };
  const fullName = nameOrDefault(schema.name);
  const dot = fullName.lastIndexOf('.');
  const pkg = dot >= 0 ? fullName.slice(0, dot) : null;
  const rootName = scrub(fullName.slice(dot + 1), cfg.scrubInvalidNames);
  const imports = new Set<string>();
  const defined = new Set<string>([fullName]);

  const message = (name: string, s: Schema, indent: string): string => {
    const body: string[] = [];
    const nested: string[] = [];
    let index = 1;
    const tagOf = (f: Schema, next: () => number): number => {
      const t = f.parameters?.[PROTOBUF_TYPE_TAG];
      return t !== undefined ? Number(t) : next();
    };
    for (const f of s.fields) {
      if (f.schema.type === 'struct' && f.schema.name?.startsWith(`${PROTOBUF_TYPE_UNION}.`)) {
        const unionName = unqualified(f.schema.name.slice(PROTOBUF_TYPE_UNION.length + 1));
        const members = f.schema.fields.map(
          (u) =>
            `${indent}    ${field(
              u.schema,
              scrub(u.name, cfg.scrubInvalidNames),
              tagOf(u.schema, () => 0),
              nested,
              indent + '  ',
              true,
            )}`,
        );
        body.push(`${indent}  oneof ${unionName} {\n${members.join('\n')}\n${indent}  }`);
        continue;
      }
      body.push(
        `${indent}  ${field(
          f.schema,
          scrub(f.name, cfg.scrubInvalidNames),
          tagOf(f.schema, () => index++),
          nested,
          indent + '  ',
          false,
        )}`,
      );
    }
    return `${indent}message ${name} {\n${[...body, ...nested].join('\n')}\n${indent}}`;
  };

  const typeOf = (
    s: Schema,
    fieldName: string,
    params: Record<string, string>,
    nested: string[],
    indent: string,
  ): string => {
    switch (s.name) {
      case Decimal.LOGICAL_NAME: {
        const precision = s.parameters?.['connect.decimal.precision'];
        if (precision !== undefined) params.precision = precision;
        const scale = s.parameters?.[Decimal.SCALE_FIELD];
        if (scale !== undefined) params.scale = scale;
        imports.add(LOCATIONS[DECIMAL_TYPE]!);
        return DECIMAL_TYPE;
      }
      case ConnectDate.LOGICAL_NAME:
        imports.add(LOCATIONS[DATE_TYPE]!);
        return DATE_TYPE;
      case ConnectTime.LOGICAL_NAME:
        imports.add(LOCATIONS[TIME_TYPE]!);
        return TIME_TYPE;
      case ConnectTimestamp.LOGICAL_NAME:
        imports.add(LOCATIONS[TIMESTAMP_TYPE]!);
        return TIMESTAMP_TYPE;
    }
    if (s.type === 'int8' || s.type === 'int16') params['connect.type'] = s.type;
    if (s.type === 'string' && s.parameters?.[PROTOBUF_TYPE_ENUM] !== undefined) {
      const enumName = s.parameters[PROTOBUF_TYPE_ENUM];
      const simple = unqualified(s.name ?? enumName);
      if (!defined.has(`enum:${simple}`)) {
        defined.add(`enum:${simple}`);
        const values = Object.entries(s.parameters)
          .filter(([k]) => k.startsWith(`${PROTOBUF_TYPE_ENUM}.`))
          .map(([k, v]) => `${indent}  ${k.slice(PROTOBUF_TYPE_ENUM.length + 1)} = ${v};`);
        nested.push(`${indent}enum ${simple} {\n${values.join('\n')}\n${indent}}`);
      }
      return enumName;
    }
    if (s.type === 'array') throw new DataException('Array cannot be nested');
    if (s.type === 'map') {
      const entry = `${unqualified(s.name)}Entry`;
      const entryFields: string[] = [];
      entryFields.push(`${indent}  ${field(s.keySchema!, 'key', 1, entryFields, indent + '  ', true)}`);
      entryFields.push(`${indent}  ${field(s.valueSchema!, 'value', 2, entryFields, indent + '  ', true)}`);
      nested.push(`${indent}message ${entry} {\n${entryFields.join('\n')}\n${indent}}`);
      return entry;
    }
    if (s.type === 'struct') {
      let name = unqualified(s.name);
      if (name === fieldName) name += 'Message';
      const key = s.name ?? `\u0000${name}`;
      if (!defined.has(key)) {
        defined.add(key);
        nested.push(message(name, s, indent));
      }
      return name;
    }
    if (s.optional && cfg.wrapperForNullables) {
      imports.add('google/protobuf/wrappers.proto');
      return WRAPPERS[s.type]!;
    }
    return SCALARS[s.type]!;
  };

  const field = (s: Schema, name: string, tag: number, nested: string[], indent: string, inOneof: boolean): string => {
    let label = '';
    let elem = s;
    if (s.type === 'array') {
      label = 'repeated ';
      elem = s.valueSchema!;
    } else if (s.type === 'map') label = 'repeated ';
    const params: Record<string, string> = {};
    const type = typeOf(elem, name, params, nested, indent);
    if (
      !label &&
      !inOneof &&
      cfg.optionalForNullables &&
      !cfg.wrapperForNullables &&
      s.optional &&
      SCALARS[s.type] !== undefined &&
      type === SCALARS[s.type]
    )
      label = 'optional ';
    if (Object.keys(params).length > 0) imports.add('confluent/meta.proto');
    return `${label}${type} ${name} = ${tag}${metaOption(params)};`;
  };

  const body = message(rootName, schema, '');
  const head = ['syntax = "proto3";'];
  if (pkg) head.push(`package ${pkg};`);
  const sections = [head.join('\n')];
  if (imports.size > 0)
    sections.push(
      [...imports]
        .sort()
        .map((i) => `import ${quote(i)};`)
        .join('\n'),
    );
  sections.push(body);
  return { text: `${sections.join('\n\n')}\n`, messageName: pkg ? `${pkg}.${rootName}` : rootName };
}

// ---- Connect values → protobufjs message objects ----

/** int64 for protobufjs: beyond 2^53 as decimal text, which its writer reads exactly (through long). */
function toLong(v: number | bigint): string | number {
  return typeof v === 'number' ? v : v.toString();
}

function decimalPrecision(unscaled: bigint): number {
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString();
  return digits === '0' ? 1 : digits.length;
}

/** A Connect value as the object protobufjs encodes for `field`'s type. */
function toProtoValue(s: Schema, v: unknown, field: protobuf.Field): unknown {
  switch (s.name) {
    case Decimal.LOGICAL_NAME: {
      const d = v as BigDecimal;
      if (!(d instanceof BigDecimal)) throw new DataException('Invalid type for Decimal, expected BigDecimal');
      return { value: bigintToBytes(d.unscaled), precision: decimalPrecision(d.unscaled), scale: d.scale };
    }
    case ConnectDate.LOGICAL_NAME: {
      ConnectDate.fromLogical(s, v as Date);
      const d = v as Date;
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
    }
    case ConnectTime.LOGICAL_NAME: {
      const ms = ConnectTime.fromLogical(s, v as Date);
      return {
        hours: Math.floor(ms / 3_600_000),
        minutes: Math.floor(ms / 60_000) % 60,
        seconds: Math.floor(ms / 1000) % 60,
        nanos: (ms % 1000) * 1_000_000,
      };
    }
    case ConnectTimestamp.LOGICAL_NAME: {
      const ms = ConnectTimestamp.fromLogical(s, v as Date);
      const seconds = Math.floor(ms / 1000);
      return { seconds: toLong(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
    }
  }
  const resolved = field.resolvedType;
  const wrapped = resolved instanceof protobuf.Type && WRAPPER_TO_CONNECT[resolved.fullName.slice(1)] !== undefined;
  const scalar = (): unknown => {
    switch (s.type) {
      case 'int8':
      case 'int16':
      case 'int32':
        if (typeof v !== 'number' || !Number.isInteger(v))
          throw new DataException(`Invalid type for ${s.type.toUpperCase()}: ${typeof v}`);
        return v;
      case 'int64':
        if (typeof v !== 'bigint' && (typeof v !== 'number' || !Number.isInteger(v)))
          throw new DataException(`Invalid type for INT64: ${typeof v}`);
        return toLong(v);
      case 'float32':
      case 'float64':
        if (typeof v !== 'number') throw new DataException(`Invalid type for ${s.type.toUpperCase()}: ${typeof v}`);
        return v;
      case 'boolean':
        if (typeof v !== 'boolean') throw new DataException(`Invalid type for BOOLEAN: ${typeof v}`);
        return v;
      case 'string':
        if (typeof v !== 'string') throw new DataException(`Invalid type for STRING: ${typeof v}`);
        if (resolved instanceof protobuf.Enum) {
          const tag = s.parameters?.[`${PROTOBUF_TYPE_ENUM}.${v}`];
          const n = tag !== undefined ? Number(tag) : resolved.values[v];
          if (n === undefined) throw new DataException(`'${v}' is not a symbol of enum ${resolved.name}`);
          return n;
        }
        return v;
      case 'bytes':
        if (!(v instanceof Uint8Array)) throw new DataException(`Invalid type for BYTES: ${typeof v}`);
        return v;
      default:
        return undefined;
    }
  };
  if (s.type !== 'struct' && s.type !== 'map' && s.type !== 'array') {
    const x = scalar();
    return wrapped ? { value: x } : x;
  }
  if (s.type === 'struct') return toProtoMessage(s, v, resolved as protobuf.Type);
  if (s.type === 'map') {
    const entryType = resolved as protobuf.Type;
    const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, unknown>);
    return entries.map(([k, x]) => {
      const o: Record<string, unknown> = {};
      if (k !== null && k !== undefined) o.key = toProtoValue(s.keySchema!, k, entryType.fields.key!);
      if (x !== null && x !== undefined) o.value = toProtoValue(s.valueSchema!, x, entryType.fields.value!);
      return o;
    });
  }
  return undefined;
}

/** ProtobufData.fromConnectData for a struct: the plain object protobufjs encodes with `type`. */
export function toProtoMessage(s: Schema, value: unknown, type: protobuf.Type): Record<string, unknown> {
  if (!(value instanceof Struct)) throw new DataException(`Invalid type for STRUCT: expected a Struct`);
  const out: Record<string, unknown> = {};
  for (const f of s.fields) {
    const v = value.get(f);
    if (v === null || v === undefined) continue;
    if (f.schema.type === 'struct' && f.schema.name?.startsWith(`${PROTOBUF_TYPE_UNION}.`)) {
      const u = v as Struct;
      for (const uf of f.schema.fields) {
        const x = u.get(uf);
        if (x === null || x === undefined) continue;
        const pf = type.fields[uf.name];
        if (!pf) throw new DataException(`Message ${type.name} has no field ${uf.name}`);
        out[uf.name] = toProtoValue(uf.schema, x, pf);
      }
      continue;
    }
    const pf = type.fields[f.name];
    if (!pf) throw new DataException(`Message ${type.name} has no field ${f.name}`);
    if (f.schema.type === 'array') {
      const arr = v as unknown[];
      if (!Array.isArray(arr)) throw new DataException(`Invalid type for ARRAY: ${typeof v}`);
      // Protobuf has no null element: Confluent drops nothing silently, so a null element is an error here.
      out[f.name] = arr.map((x, i) => {
        if (x === null || x === undefined)
          throw new DataException(`Array ${f.name} has a null element at ${i}, which Protobuf cannot carry`);
        return toProtoValue(f.schema.valueSchema!, x, pf);
      });
      continue;
    }
    out[f.name] = toProtoValue(f.schema, v, pf);
  }
  return out;
}

// ---- Protobuf → Connect ----

const INT32_TYPES = new Set(['int32', 'sint32', 'sfixed32']);
const INT64_TYPES = new Set(['uint32', 'fixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function isMapEntry(t: protobuf.Type): boolean {
  const fs = t.fieldsArray;
  return t.name.endsWith('Entry') && fs.length === 2 && fs[0]!.name === 'key' && fs[1]!.name === 'value';
}

/** Real oneofs (proto3 `optional` fields sit in synthetic ones, which are no unions). */
function realOneofs(t: protobuf.Type): protobuf.OneOf[] {
  return t.oneofsArray.filter((o) => !o.fieldsArray.every((f) => f.options?.proto3_optional === true));
}

/** ProtobufData.toConnectSchema for one message of a file. */
export function toConnectSchema(type: protobuf.Type, cfg: ProtobufDataConfig, version: number | null = null): Schema {
  const building = new Set<string>();
  const structOf = (t: protobuf.Type): SchemaBuilder => {
    if (building.has(t.fullName))
      throw new DataException(`Message ${t.fullName} is recursive, which Connect schemas cannot express`);
    building.add(t.fullName);
    const b = SchemaBuilder.struct().name(cfg.enhancedSchemaSupport ? t.fullName.slice(1) : t.name);
    realOneofs(t).forEach((o, i) => {
      const u = SchemaBuilder.struct().name(`${PROTOBUF_TYPE_UNION}.${o.name}`).optional();
      for (const f of o.fieldsArray) u.field(f.name, fieldSchema(f));
      b.field(`${o.name}_${i}`, u.build());
    });
    const inUnion = new Set(realOneofs(t).flatMap((o) => o.fieldsArray.map((f) => f.name)));
    for (const f of t.fieldsArray) if (!inUnion.has(f.name)) b.field(f.name, fieldSchema(f));
    building.delete(t.fullName);
    return b;
  };
  const fieldSchema = (f: protobuf.Field): Schema => {
    f.resolve();
    let b: SchemaBuilder;
    const resolved = f.resolvedType;
    if (f.map) {
      b = SchemaBuilder.map(scalarSchema((f as unknown as protobuf.MapField).keyType, f), elementSchema(f));
    } else {
      b = elementBuilder(f, resolved);
      if (f.repeated && b.type !== 'map') b = SchemaBuilder.array(b.optional().build());
    }
    if (!cfg.wrapperForNullables || b.type === 'struct' || b.type === 'array' || b.type === 'map') b.optional();
    b.parameter(PROTOBUF_TYPE_TAG, String(f.id));
    return b.build();
  };
  const scalarSchema = (protoType: string, f: protobuf.Field): Schema => {
    if (INT32_TYPES.has(protoType)) {
      const ct = fieldMetaParams(f)['connect.type'];
      return new SchemaBuilder(ct === 'int8' || ct === 'int16' ? ct : 'int32').optional().build();
    }
    if (INT64_TYPES.has(protoType)) return SchemaBuilder.int64().optional().build();
    switch (protoType) {
      case 'float':
        return SchemaBuilder.float32().optional().build();
      case 'double':
        return SchemaBuilder.float64().optional().build();
      case 'bool':
        return SchemaBuilder.bool().optional().build();
      case 'string':
        return SchemaBuilder.string().optional().build();
      case 'bytes':
        return SchemaBuilder.bytes().optional().build();
    }
    throw new DataException(`Unknown Connect schema type: ${protoType}`);
  };
  const elementSchema = (f: protobuf.Field): Schema => {
    const b = elementBuilder(f, f.resolvedType);
    return b.optional().build();
  };
  const elementBuilder = (f: protobuf.Field, resolved: protobuf.Type | protobuf.Enum | null): SchemaBuilder => {
    if (resolved instanceof protobuf.Enum) {
      const b = SchemaBuilder.string().name(resolved.name).parameter(PROTOBUF_TYPE_ENUM, resolved.name);
      for (const [symbol, n] of Object.entries(resolved.values))
        b.parameter(`${PROTOBUF_TYPE_ENUM}.${symbol}`, String(n));
      return b.optional();
    }
    if (resolved instanceof protobuf.Type) {
      const full = resolved.fullName.slice(1);
      switch (full) {
        case DECIMAL_TYPE: {
          const meta = fieldMetaParams(f);
          const scale = Number.parseInt(meta.scale ?? '0', 10);
          const b = Decimal.builder(Number.isNaN(scale) ? 0 : scale);
          const precision = Number.parseInt(meta.precision ?? '', 10);
          if (!Number.isNaN(precision)) b.parameter('connect.decimal.precision', String(precision));
          return b.optional();
        }
        case DATE_TYPE:
          return ConnectDate.builder().optional();
        case TIME_TYPE:
          return ConnectTime.builder().optional();
        case TIMESTAMP_TYPE:
          return ConnectTimestamp.builder().optional();
      }
      if (cfg.wrapperForNullables && WRAPPER_TO_CONNECT[full] !== undefined)
        return new SchemaBuilder(WRAPPER_TO_CONNECT[full]!).optional();
      if (isMapEntry(resolved)) {
        const [k, v] = resolved.fieldsArray as [protobuf.Field, protobuf.Field];
        k.resolve();
        v.resolve();
        return SchemaBuilder.map(valueSchemaOf(k), valueSchemaOf(v)).name(resolved.name.slice(0, -'Entry'.length));
      }
      return structOf(resolved).optional();
    }
    const s = scalarSchema(f.type, f);
    return new SchemaBuilder(s.type).optional();
  };
  const valueSchemaOf = (f: protobuf.Field): Schema => {
    const b = f.resolvedType ? elementBuilder(f, f.resolvedType) : new SchemaBuilder(scalarSchema(f.type, f).type);
    if (f.resolvedType === null && INT32_TYPES.has(f.type)) {
      const ct = fieldMetaParams(f)['connect.type'];
      if (ct === 'int8' || ct === 'int16')
        return new SchemaBuilder(ct).optional().parameter(PROTOBUF_TYPE_TAG, String(f.id)).build();
    }
    return b.optional().parameter(PROTOBUF_TYPE_TAG, String(f.id)).build();
  };
  const b = structOf(type);
  if (version !== null) b.version(version);
  return b.build();
}

function longValue(v: unknown): number | bigint {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return v;
  const n = BigInt(String(v));
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function has(msg: protobuf.Message, name: string): boolean {
  return Object.hasOwn(msg, name);
}

/** ProtobufData.toConnectData: a decoded message as a Struct of the schema toConnectSchema gave. */
export function toConnectValue(s: Schema, msg: protobuf.Message, type: protobuf.Type): Struct {
  const out = new Struct(s);
  for (const f of s.fields) {
    if (f.schema.type === 'struct' && f.schema.name?.startsWith(`${PROTOBUF_TYPE_UNION}.`)) {
      const set = f.schema.fields.find((uf) => has(msg, uf.name));
      if (set) {
        const pf = type.fields[set.name]!;
        out.put(
          f.name,
          new Struct(f.schema).put(
            set.name,
            fieldValue(set.schema, (msg as unknown as Record<string, unknown>)[set.name], pf),
          ),
        );
      }
      continue;
    }
    const pf = type.fields[f.name];
    if (!pf) continue;
    const raw = (msg as unknown as Record<string, unknown>)[f.name];
    // Fields with presence (messages, proto3 optional, proto2) that are unset read as null; other scalars as their default, as Java's getField.
    const presence =
      pf.resolvedType instanceof protobuf.Type || pf.options?.proto3_optional === true || pf.partOf !== null;
    if (presence && !has(msg, f.name) && !pf.repeated && !pf.map) continue;
    out.put(f.name, fieldValue(f.schema, raw, pf));
  }
  return out;
}

function fieldValue(s: Schema, raw: unknown, f: protobuf.Field): unknown {
  if (raw === null || raw === undefined) return null;
  if (s.type === 'array') {
    const arr = raw as unknown[];
    return arr.map((x) => elementValue(s.valueSchema!, x, f));
  }
  if (s.type === 'map' && f.map) {
    const out = new Map<unknown, unknown>();
    for (const [k, x] of Object.entries(raw as Record<string, unknown>)) {
      const kt = s.keySchema!.type;
      const key = kt === 'string' ? k : kt === 'boolean' ? k === 'true' : kt === 'int64' ? longValue(k) : Number(k);
      out.set(key, elementValue(s.valueSchema!, x, f));
    }
    return out;
  }
  return elementValue(s, raw, f);
}

function elementValue(s: Schema, raw: unknown, f: protobuf.Field): unknown {
  if (raw === null || raw === undefined) return null;
  const resolved = f.resolvedType;
  const o = raw as Record<string, unknown>;
  switch (s.name) {
    case Decimal.LOGICAL_NAME: {
      const bytes = (o.value as Uint8Array | undefined) ?? new Uint8Array(0);
      const scale = typeof o.scale === 'number' ? o.scale : Decimal.scaleOf(s);
      const d = new BigDecimal(bytes.length === 0 ? 0n : bytesToBigint(bytes), scale);
      const want = Decimal.scaleOf(s);
      return d.scale === want ? d : d.setScale(want);
    }
    case ConnectDate.LOGICAL_NAME:
      return new Date(Date.UTC(Number(o.year ?? 0), Number(o.month ?? 1) - 1, Number(o.day ?? 1)));
    case ConnectTime.LOGICAL_NAME:
      return new Date(
        Number(o.hours ?? 0) * 3_600_000 +
          Number(o.minutes ?? 0) * 60_000 +
          Number(o.seconds ?? 0) * 1000 +
          Math.floor(Number(o.nanos ?? 0) / 1_000_000),
      );
    case ConnectTimestamp.LOGICAL_NAME:
      return new Date(Number(longValue(o.seconds ?? 0)) * 1000 + Math.floor(Number(o.nanos ?? 0) / 1_000_000));
  }
  if (resolved instanceof protobuf.Enum) {
    const n = Number(raw);
    return resolved.valuesById[n] ?? String(n);
  }
  if (resolved instanceof protobuf.Type) {
    const full = resolved.fullName.slice(1);
    if (WRAPPER_TO_CONNECT[full] !== undefined && s.type !== 'struct') return scalarValue(s, o.value ?? defaultOf(s));
    if (s.type === 'map') {
      const out = new Map<unknown, unknown>();
      const [kf, vf] = resolved.fieldsArray as [protobuf.Field, protobuf.Field];
      for (const e of raw as Array<Record<string, unknown>>)
        out.set(
          elementValue(s.keySchema!, e.key ?? defaultOf(s.keySchema!), kf),
          elementValue(s.valueSchema!, e.value ?? defaultOf(s.valueSchema!), vf),
        );
      return out;
    }
    return toConnectValue(s, raw as protobuf.Message, resolved);
  }
  return scalarValue(s, raw);
}

function defaultOf(s: Schema): unknown {
  switch (s.type) {
    case 'string':
      return '';
    case 'boolean':
      return false;
    case 'bytes':
      return new Uint8Array(0);
    case 'struct':
    case 'map':
    case 'array':
      return null;
    default:
      return 0;
  }
}

function scalarValue(s: Schema, raw: unknown): unknown {
  switch (s.type) {
    case 'int64':
      return longValue(raw);
    case 'int8':
    case 'int16':
    case 'int32':
    case 'float32':
    case 'float64':
      return Number(raw);
    case 'bytes':
      return raw instanceof Uint8Array ? new Uint8Array(raw) : raw;
    default:
      return raw;
  }
}

/** A ProtoFile's message for a Connect write: the generated file's message by its full name. */
export function messageOf(file: ProtoFile, fullName: string): protobuf.Type {
  return file.root.lookupType(fullName);
}
