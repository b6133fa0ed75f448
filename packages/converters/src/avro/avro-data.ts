/**
 * Connect data ↔ Avro, as Confluent's AvroData maps them: connect.name / connect.version /
 * connect.doc / connect.parameters / connect.default properties, int8/int16 as int with
 * connect.type, Decimal/Date/Time/Timestamp as Avro logical types, optional as a union with null
 * first, maps with non-string keys as arrays of io.confluent.connect.avro.MapEntry records, enums
 * through io.confluent.connect.avro.Enum parameters, unnamed structs as ConnectDefault records.
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

export const NAMESPACE = 'io.confluent.connect.avro';
export const DEFAULT_SCHEMA_NAME = 'ConnectDefault';
export const MAP_ENTRY_TYPE_NAME = 'MapEntry';
export const ENUM = 'io.confluent.connect.avro.Enum';
export const UNION = 'io.confluent.connect.avro.Union';
export const FIXED_SIZE = 'connect.fixed.size';
export const CONNECT_DECIMAL_PRECISION = 'connect.decimal.precision';
const DEFAULT_DECIMAL_PRECISION = 64;

export type AvroJson = string | AvroJson[] | { [k: string]: unknown };

export interface AvroDataConfig {
  /** connect.meta.data: write connect.* properties. */
  connectMetaData: boolean;
  /** enhanced.avro.schema.support: keep Avro enum and record names/namespaces through Connect. */
  enhancedSchemaSupport: boolean;
  /** scrub.invalid.names: replace characters Avro does not allow in names with _. */
  scrubInvalidNames: boolean;
}

function scrub(name: string, on: boolean): string {
  if (!on) return name;
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

function splitName(full: string, cfg: AvroDataConfig): { name: string; namespace: string | null } {
  const i = full.lastIndexOf('.');
  const name = scrub(i < 0 ? full : full.slice(i + 1), cfg.scrubInvalidNames);
  const ns = i < 0 ? null : full.slice(0, i);
  return {
    name,
    namespace:
      ns === null
        ? null
        : ns
            .split('.')
            .map((p) => scrub(p, cfg.scrubInvalidNames))
            .join('.'),
  };
}

/** Connect schema → Avro schema JSON. Named types are defined once and referred to by full name afterwards. */
export function fromConnectSchema(schema: Schema, cfg: AvroDataConfig): AvroJson {
  const defined = new Set<string>();
  let defaults = 0;
  const nextDefaultName = (): string => {
    defaults++;
    return defaults === 1 ? DEFAULT_SCHEMA_NAME : `${DEFAULT_SCHEMA_NAME}${defaults}`;
  };

  const meta = (s: Schema, out: Record<string, unknown>, withName: boolean): void => {
    if (!cfg.connectMetaData) return;
    if (s.doc) out['connect.doc'] = s.doc;
    if (s.version !== null) out['connect.version'] = s.version;
    if (s.parameters && Object.keys(s.parameters).length > 0) out['connect.parameters'] = { ...s.parameters };
    if (s.defaultValue !== null && s.defaultValue !== undefined && s.type !== 'struct')
      out['connect.default'] = defaultToJson(s, s.defaultValue);
    if (withName && s.name) out['connect.name'] = s.name;
  };

  const base = (s: Schema): AvroJson => {
    switch (s.type) {
      case 'int8':
      case 'int16': {
        const out: Record<string, unknown> = { type: 'int', 'connect.type': s.type };
        meta(s, out, true);
        return out;
      }
      case 'int32':
      case 'int64': {
        const avro = s.type === 'int32' ? 'int' : 'long';
        if (s.name === ConnectDate.LOGICAL_NAME || s.name === ConnectTime.LOGICAL_NAME) {
          const out: Record<string, unknown> = { type: 'int' };
          meta(s, out, true);
          out.logicalType = s.name === ConnectDate.LOGICAL_NAME ? 'date' : 'time-millis';
          return out;
        }
        if (s.name === ConnectTimestamp.LOGICAL_NAME) {
          const out: Record<string, unknown> = { type: 'long' };
          meta(s, out, true);
          out.logicalType = 'timestamp-millis';
          return out;
        }
        return withMeta(s, avro);
      }
      case 'float32':
        return withMeta(s, 'float');
      case 'float64':
        return withMeta(s, 'double');
      case 'boolean':
        return withMeta(s, 'boolean');
      case 'string': {
        const enumName = s.parameters?.[ENUM];
        if (enumName) {
          const symbols = Object.keys(s.parameters!)
            .filter((k) => k.startsWith(`${ENUM}.`))
            .map((k) => s.parameters![k]!);
          const full = enumName.includes('.') || !s.name ? enumName : enumName;
          if (defined.has(full)) return full;
          defined.add(full);
          const { name, namespace } = splitName(full, cfg);
          const out: Record<string, unknown> = { type: 'enum', name, ...(namespace ? { namespace } : {}), symbols };
          if (s.doc) out.doc = s.doc;
          meta(s, out, false);
          return out;
        }
        return withMeta(s, 'string');
      }
      case 'bytes': {
        if (s.name === Decimal.LOGICAL_NAME) {
          const scale = Number(s.parameters?.[Decimal.SCALE_FIELD] ?? 0);
          const precision = Number(s.parameters?.[CONNECT_DECIMAL_PRECISION] ?? DEFAULT_DECIMAL_PRECISION);
          const out: Record<string, unknown> = { type: 'bytes', scale, precision };
          meta(s, out, true);
          out.logicalType = 'decimal';
          return out;
        }
        const fixed = s.parameters?.[FIXED_SIZE];
        if (fixed && s.name) {
          if (defined.has(s.name)) return s.name;
          defined.add(s.name);
          const { name, namespace } = splitName(s.name, cfg);
          return { type: 'fixed', name, ...(namespace ? { namespace } : {}), size: Number(fixed) };
        }
        return withMeta(s, 'bytes');
      }
      case 'array': {
        const out: Record<string, unknown> = { type: 'array', items: convert(s.valueSchema!) };
        meta(s, out, true);
        return out;
      }
      case 'map': {
        const keySchema = s.keySchema!;
        if (keySchema.type === 'string' && !keySchema.optional) {
          const out: Record<string, unknown> = { type: 'map', values: convert(s.valueSchema!) };
          meta(s, out, true);
          return out;
        }
        // Avro maps have string keys only: other keys become an array of key/value records.
        const entryName = defined.has(`${NAMESPACE}.${MAP_ENTRY_TYPE_NAME}`)
          ? `${MAP_ENTRY_TYPE_NAME}${defined.size}`
          : MAP_ENTRY_TYPE_NAME;
        defined.add(`${NAMESPACE}.${entryName}`);
        const out: Record<string, unknown> = {
          type: 'array',
          items: {
            type: 'record',
            name: entryName,
            namespace: NAMESPACE,
            fields: [
              { name: 'key', type: convert(keySchema) },
              { name: 'value', type: convert(s.valueSchema!) },
            ],
          },
        };
        meta(s, out, true);
        return out;
      }
      case 'struct': {
        if (s.name === UNION) {
          return s.fields.map((f) => convert(f.schema.optional ? asRequired(f.schema) : f.schema));
        }
        const full = s.name ?? `${NAMESPACE}.${nextDefaultName()}`;
        if (defined.has(full)) return full;
        defined.add(full);
        const { name, namespace } = splitName(full, cfg);
        const out: Record<string, unknown> = { type: 'record', name, ...(namespace ? { namespace } : {}) };
        if (s.doc) out.doc = s.doc;
        out.fields = s.fields.map((f) => {
          const field: Record<string, unknown> = {
            name: scrub(f.name, cfg.scrubInvalidNames),
            type: convert(f.schema),
          };
          if (f.schema.doc && f.schema.type !== 'struct') field.doc = f.schema.doc;
          const def = fieldDefault(f.schema);
          if (def !== undefined) field.default = def;
          return field;
        });
        meta(s, out, true);
        return out;
      }
    }
  };

  const withMeta = (s: Schema, avroType: string): AvroJson => {
    const out: Record<string, unknown> = { type: avroType };
    meta(s, out, true);
    return Object.keys(out).length === 1 ? avroType : out;
  };

  const convert = (s: Schema): AvroJson => {
    const b = base(s);
    if (!s.optional) return b;
    // Avro requires a default to match the union's first branch: null first unless a non-null default is set.
    return s.defaultValue !== null && s.defaultValue !== undefined ? [b, 'null'] : ['null', b];
  };

  return convert(schema);
}

function asRequired(s: Schema): Schema {
  return SchemaBuilder.from(s).required().build();
}

/** The Avro field default for a Connect field schema: null for optional fields without one, as Confluent writes. */
function fieldDefault(s: Schema): unknown {
  if (s.defaultValue !== null && s.defaultValue !== undefined) return defaultToJson(s, s.defaultValue);
  return s.optional ? null : undefined;
}

/** A Connect default as Avro's JSON default encoding (bytes as ISO-8859-1 strings). */
function defaultToJson(s: Schema, v: unknown): unknown {
  const physical = toAvroValue(s, v, false);
  const enc = (schema: Schema, x: unknown): unknown => {
    if (x === null || x === undefined) return null;
    switch (schema.type) {
      case 'bytes':
        return Buffer.from(x as Uint8Array).toString('latin1');
      case 'int64':
        return Number(x);
      case 'array':
        return (x as unknown[]).map((e) => enc(schema.valueSchema!, e));
      case 'map':
        if (Array.isArray(x))
          return x.map((e: { key: unknown; value: unknown }) => ({
            key: enc(schema.keySchema!, e.key),
            value: enc(schema.valueSchema!, e.value),
          }));
        return Object.fromEntries(Object.entries(x as object).map(([k, e]) => [k, enc(schema.valueSchema!, e)]));
      case 'struct':
        return Object.fromEntries(
          schema.fields.map((f) => [f.name, enc(f.schema, (x as Record<string, unknown>)[f.name])]),
        );
      default:
        return x;
    }
  };
  return enc(s, unwrapUnion(physical));
}

function unwrapUnion(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && WRAPPED.has(v)) return (v as Record<string, unknown>)[keys[0]!];
  }
  return v;
}

/** Objects created as wrapped union values (avsc's wrapUnions representation). */
const WRAPPED = new WeakSet<object>();
function wrap(branch: string, value: unknown): Record<string, unknown> {
  const o = { [branch]: value };
  WRAPPED.add(o);
  return o;
}

/** The branch name avsc uses for a wrapped union member. */
function branchName(avro: AvroJson): string {
  if (typeof avro === 'string') return avro;
  if (Array.isArray(avro)) throw new DataException('Nested unions are not valid Avro');
  const o = avro as Record<string, unknown>;
  if (o.type === 'record' || o.type === 'enum' || o.type === 'fixed')
    return o.namespace ? `${o.namespace}.${o.name}` : String(o.name);
  return String(o.type);
}

/**
 * Connect value → the value avsc encodes (wrapped unions). `avro` is the schema fromConnectSchema made
 * for `schema`, needed for union branch names; without it (defaults) values come out unwrapped.
 */
export function toAvroValue(schema: Schema, value: unknown, wrapOptional: boolean, avro?: AvroJson): unknown {
  const named = new Map<string, AvroJson>();
  const index = (a: AvroJson | undefined): void => {
    if (!a || typeof a === 'string') return;
    if (Array.isArray(a)) {
      for (const x of a) index(x);
      return;
    }
    const o = a as Record<string, unknown>;
    if ((o.type === 'record' || o.type === 'enum' || o.type === 'fixed') && o.name)
      named.set(o.namespace ? `${o.namespace}.${o.name}` : String(o.name), a);
    if (o.type === 'record') for (const f of o.fields as Array<{ type: AvroJson }>) index(f.type);
    if (o.type === 'array') index(o.items as AvroJson);
    if (o.type === 'map') index(o.values as AvroJson);
  };
  index(avro);
  const resolve = (a: AvroJson | undefined): AvroJson | undefined =>
    typeof a === 'string' && named.has(a) ? named.get(a) : a;

  const conv = (s: Schema, v: unknown, a: AvroJson | undefined): unknown => {
    if (v === null || v === undefined) {
      if (s.defaultValue !== null && s.defaultValue !== undefined) v = s.defaultValue;
      else if (s.optional) return null;
      else throw new DataException(`Conversion error: null value for field that is required and has no default value`);
    }
    let inner = resolve(a);
    let branch: string | null = null;
    if (s.optional && Array.isArray(inner)) {
      const nonNull = inner.find((x) => x !== 'null');
      inner = resolve(nonNull);
      branch = nonNull !== undefined ? branchName(nonNull) : null;
    }
    const out = physical(s, v, inner);
    return s.optional && wrapOptional && branch ? wrap(branch, out) : out;
  };

  const physical = (s: Schema, v: unknown, a: AvroJson | undefined): unknown => {
    switch (s.type) {
      case 'int8':
      case 'int16':
      case 'float32':
      case 'float64':
      case 'boolean':
        return v;
      case 'int32':
        if (s.name === ConnectDate.LOGICAL_NAME) return ConnectDate.fromLogical(s, v as Date);
        if (s.name === ConnectTime.LOGICAL_NAME) return ConnectTime.fromLogical(s, v as Date);
        return v;
      case 'int64':
        if (s.name === ConnectTimestamp.LOGICAL_NAME) return ConnectTimestamp.fromLogical(s, v as Date);
        return v;
      case 'string':
        return v;
      case 'bytes':
        if (s.name === Decimal.LOGICAL_NAME) {
          const d = v as BigDecimal;
          const scale = Decimal.scaleOf(s);
          const unscaled = d.scale === scale ? d.unscaled : d.setScale(scale).unscaled;
          return Buffer.from(bigintToBytes(unscaled));
        }
        return Buffer.from(v as Uint8Array);
      case 'array': {
        const items =
          a && typeof a === 'object' && !Array.isArray(a) ? ((a as { items?: AvroJson }).items as AvroJson) : undefined;
        return (v as unknown[]).map((e) => conv(s.valueSchema!, e, items));
      }
      case 'map': {
        const m = v instanceof Map ? v : new Map(Object.entries(v as object));
        const ks = s.keySchema!;
        if (ks.type === 'string' && !ks.optional) {
          const values =
            a && typeof a === 'object' && !Array.isArray(a)
              ? ((a as { values?: AvroJson }).values as AvroJson)
              : undefined;
          const out: Record<string, unknown> = {};
          for (const [k, e] of m) out[String(k)] = conv(s.valueSchema!, e, values);
          return out;
        }
        const entry = resolve(
          a && typeof a === 'object' && !Array.isArray(a) ? ((a as { items?: AvroJson }).items as AvroJson) : undefined,
        );
        const fields =
          entry && typeof entry === 'object' && !Array.isArray(entry)
            ? (entry.fields as Array<{ type: AvroJson }>)
            : [];
        return [...m].map(([k, e]) => ({
          key: conv(ks, k, fields[0]?.type),
          value: conv(s.valueSchema!, e, fields[1]?.type),
        }));
      }
      case 'struct': {
        const st = v as Struct;
        if (!(st instanceof Struct)) throw new DataException(`Expected a Struct for schema ${s.name ?? 'struct'}`);
        if (s.name === UNION) {
          const branches = Array.isArray(a) ? a : [];
          for (let i = 0; i < s.fields.length; i++) {
            const f = s.fields[i]!;
            const x = st.get(f.name);
            if (x !== null && x !== undefined) {
              const b = branches[i];
              const val = conv(asRequired(f.schema), x, b);
              return b !== undefined && wrapOptional ? wrap(branchName(b), val) : val;
            }
          }
          return null;
        }
        const fieldTypes = new Map<string, AvroJson>();
        if (a && typeof a === 'object' && !Array.isArray(a))
          for (const f of (a as { fields?: Array<{ name: string; type: AvroJson }> }).fields ?? [])
            fieldTypes.set(f.name, f.type);
        const out: Record<string, unknown> = {};
        for (const f of s.fields) out[f.name] = conv(f.schema, st.get(f.name), fieldTypes.get(f.name));
        return out;
      }
    }
  };

  return conv(schema, value, avro);
}

// ---- Avro → Connect ----

type AvroObj = Record<string, unknown>;

/** Avro schema JSON (fully parsed, named types resolvable through `named`) → Connect schema. */
export function toConnectSchema(avro: AvroJson, cfg: AvroDataConfig, references: readonly AvroJson[] = []): Schema {
  const named = new Map<string, AvroObj>();
  const cache = new Map<string, Schema>();
  const inProgress = new Set<string>();
  // Named types that referenced schemas define (schema references), resolvable by full name.
  const collect = (a: AvroJson, ns: string | null): void => {
    if (typeof a === 'string') return;
    if (Array.isArray(a)) {
      for (const x of a) collect(x, ns);
      return;
    }
    const o = a as AvroObj;
    if (typeof o.type === 'object') {
      collect(o.type as AvroJson, ns);
      return;
    }
    if (o.type === 'record' || o.type === 'enum' || o.type === 'fixed') {
      const full = fullName(o, ns);
      named.set(full, { ...o, name: full, namespace: undefined });
      const space = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : null;
      if (o.type === 'record') for (const f of o.fields as Array<{ type: AvroJson }>) collect(f.type, space);
    }
    if (o.type === 'array') collect(o.items as AvroJson, ns);
    if (o.type === 'map') collect(o.values as AvroJson, ns);
  };

  const fullName = (o: AvroObj, ns: string | null): string => {
    const n = String(o.name);
    if (n.includes('.')) return n;
    const space = (o.namespace as string | undefined) ?? ns;
    return space ? `${space}.${n}` : n;
  };

  const applyMeta = (b: SchemaBuilder, o: AvroObj | null): SchemaBuilder => {
    if (!o) return b;
    if (typeof o['connect.doc'] === 'string') b.doc(o['connect.doc']);
    else if (typeof o.doc === 'string' && (o.type === 'record' || o.type === 'enum')) b.doc(o.doc);
    if (typeof o['connect.version'] === 'number') b.version(o['connect.version']);
    const params = o['connect.parameters'] as Record<string, string> | undefined;
    if (params) for (const [k, v] of Object.entries(params)) b.parameter(k, String(v));
    if (typeof o['connect.name'] === 'string') b.name(o['connect.name']);
    return b;
  };

  const conv = (a: AvroJson, ns: string | null, forceOptional: boolean): Schema => {
    let o: AvroObj | null = null;
    let type: string;
    if (typeof a === 'string') {
      const ref = named.get(a) ?? named.get(ns ? `${ns}.${a}` : a);
      if (ref) {
        const full = fullName(ref, null);
        const cached = cache.get(full);
        if (cached && !forceOptional) return cached;
        if (cached) return SchemaBuilder.from(cached).optional().build();
        // A type from a referenced schema is converted where it is first used; one still being
        // converted is a recursive type, which Connect cannot express.
        if (inProgress.has(full)) throw new DataException(`Recursive Avro schemas are not supported (${full})`);
        if (ref.type === 'record' || ref.type === 'enum' || ref.type === 'fixed') {
          const space = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : null;
          return conv({ ...ref, name: full, namespace: undefined } as AvroObj, space, forceOptional);
        }
      }
      type = a;
    } else if (Array.isArray(a)) {
      const nonNull = a.filter((x) => x !== 'null');
      const hasNull = nonNull.length !== a.length;
      if (hasNull && nonNull.length === 1) return conv(nonNull[0]!, ns, true);
      // A general union: a struct with one optional field per branch.
      const b = SchemaBuilder.struct().name(UNION);
      for (const x of nonNull) {
        const s = conv(x, ns, true);
        const fieldName = typeof x === 'string' ? x : branchName(x).split('.').pop()!;
        b.field(fieldName, s.optional ? s : SchemaBuilder.from(s).optional().build());
      }
      if (hasNull || forceOptional) b.optional();
      return b.build();
    } else {
      o = a as AvroObj;
      type = typeof o.type === 'string' ? o.type : 'complex';
      if (typeof o.type === 'object') return conv(o.type as AvroJson, ns, forceOptional);
    }

    const logical = o?.logicalType;
    let b: SchemaBuilder;
    switch (type) {
      case 'null':
        throw new DataException('A bare Avro null type has no Connect equivalent');
      case 'boolean':
        b = SchemaBuilder.bool();
        break;
      case 'int': {
        const ct = o?.['connect.type'];
        if (ct === 'int8') b = SchemaBuilder.int8();
        else if (ct === 'int16') b = SchemaBuilder.int16();
        else if (logical === 'date') b = ConnectDate.builder();
        else if (logical === 'time-millis') b = ConnectTime.builder();
        else b = SchemaBuilder.int32();
        break;
      }
      case 'long':
        b = logical === 'timestamp-millis' ? ConnectTimestamp.builder() : SchemaBuilder.int64();
        break;
      case 'float':
        b = SchemaBuilder.float32();
        break;
      case 'double':
        b = SchemaBuilder.float64();
        break;
      case 'string':
        b = SchemaBuilder.string();
        break;
      case 'bytes':
        if (logical === 'decimal') {
          b = Decimal.builder(Number(o?.scale ?? 0));
          const precision = o?.precision;
          if (typeof precision === 'number' && precision !== DEFAULT_DECIMAL_PRECISION)
            b.parameter(CONNECT_DECIMAL_PRECISION, String(precision));
        } else b = SchemaBuilder.bytes();
        break;
      case 'fixed': {
        const full = fullName(o!, ns);
        named.set(full, o!);
        b = SchemaBuilder.bytes().name(full).parameter(FIXED_SIZE, String(o!.size));
        if (logical === 'decimal') {
          b = Decimal.builder(Number(o?.scale ?? 0));
        }
        break;
      }
      case 'enum': {
        const full = fullName(o!, ns);
        named.set(full, o!);
        b = SchemaBuilder.string().parameter(ENUM, cfg.enhancedSchemaSupport ? full : String(o!.name));
        for (const sym of o!.symbols as string[]) b.parameter(`${ENUM}.${sym}`, sym);
        if (cfg.enhancedSchemaSupport) b.name(full);
        break;
      }
      case 'array': {
        const items = o!.items as AvroJson;
        const itemObj = typeof items === 'object' && !Array.isArray(items) ? (items as AvroObj) : null;
        const isEntry =
          itemObj?.type === 'record' &&
          String(itemObj.name).startsWith(MAP_ENTRY_TYPE_NAME) &&
          (itemObj.fields as Array<{ name: string }>).map((f) => f.name).join(',') === 'key,value';
        if (isEntry) {
          const f = itemObj!.fields as Array<{ type: AvroJson }>;
          named.set(fullName(itemObj!, ns), itemObj!);
          b = SchemaBuilder.map(conv(f[0]!.type, ns, false), conv(f[1]!.type, ns, false));
        } else b = SchemaBuilder.array(conv(items, ns, false));
        break;
      }
      case 'map':
        b = SchemaBuilder.map(SchemaBuilder.string().build(), conv(o!.values as AvroJson, ns, false));
        break;
      case 'record': {
        const full = fullName(o!, ns);
        named.set(full, o!);
        inProgress.add(full);
        const space = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : null;
        b = SchemaBuilder.struct();
        const isDefault =
          full === `${NAMESPACE}.${DEFAULT_SCHEMA_NAME}` || full.startsWith(`${NAMESPACE}.${DEFAULT_SCHEMA_NAME}`);
        if (!isDefault) b.name(full);
        for (const f of o!.fields as Array<{ name: string; type: AvroJson; default?: unknown; doc?: string }>) {
          let fs = conv(f.type, space, false);
          if (f.default !== undefined && f.default !== null && !fs.optional) {
            fs = SchemaBuilder.from(fs).defaultValue(defaultFromJson(fs, f.default)).build();
          } else if (f.default !== undefined && f.default !== null && fs.optional) {
            fs = SchemaBuilder.from(fs).defaultValue(defaultFromJson(fs, f.default)).build();
          }
          if (f.doc && !fs.doc) fs = SchemaBuilder.from(fs).doc(f.doc).build();
          b.field(f.name, fs);
        }
        break;
      }
      default:
        throw new DataException(`Unsupported Avro type ${type}`);
    }
    applyMeta(b, o);
    if (o && o['connect.default'] !== undefined && type !== 'record') {
      const tmp = b.build();
      b = SchemaBuilder.from(tmp).defaultValue(defaultFromJson(tmp, o['connect.default']));
    }
    if (forceOptional) b.optional();
    const built = b.build();
    if (type === 'record' && o) cache.set(fullName(o, ns), built);
    return built;
  };

  for (const r of references) collect(r, null);
  return conv(avro, null, false);
}

/** An Avro JSON default → a Connect value for the schema. */
function defaultFromJson(s: Schema, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (s.type) {
    case 'bytes': {
      const bytes = typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'latin1')) : (v as Uint8Array);
      return s.name === Decimal.LOGICAL_NAME ? Decimal.toLogical(s, bytes) : bytes;
    }
    case 'int32':
      if (s.name === ConnectDate.LOGICAL_NAME) return ConnectDate.toLogical(s, v as number);
      if (s.name === ConnectTime.LOGICAL_NAME) return ConnectTime.toLogical(s, v as number);
      return v;
    case 'int64':
      if (s.name === ConnectTimestamp.LOGICAL_NAME) return ConnectTimestamp.toLogical(s, v as number);
      return v;
    case 'array':
      return (v as unknown[]).map((e) => defaultFromJson(s.valueSchema!, e));
    case 'map':
      if (Array.isArray(v))
        return new Map(
          v.map((e: { key: unknown; value: unknown }) => [
            defaultFromJson(s.keySchema!, e.key),
            defaultFromJson(s.valueSchema!, e.value),
          ]),
        );
      return new Map(Object.entries(v as object).map(([k, e]) => [k, defaultFromJson(s.valueSchema!, e)]));
    case 'struct': {
      const st = new Struct(s);
      for (const f of s.fields) {
        const x = (v as Record<string, unknown>)[f.name];
        if (x !== undefined) st.put(f.name, defaultFromJson(f.schema, x));
      }
      return st;
    }
    default:
      return v;
  }
}

/**
 * A decoded avsc value (wrapped unions) → the Connect value for the schema toConnectSchema made.
 * Every optional Connect schema came from a ["null", T] union, so its non-null value arrives wrapped
 * as {branch: value}; the branches of a general union (UNION struct fields) arrive unwrapped.
 */
export function toConnectValue(s: Schema, v: unknown, wrapped: boolean = s.optional): unknown {
  if (v === null || v === undefined) return null;
  if (wrapped && s.name !== UNION && typeof v === 'object') {
    const [first] = Object.values(v as object);
    v = first;
    if (v === null || v === undefined) return null;
  }
  switch (s.type) {
    case 'int8':
    case 'int16':
    case 'int32':
      if (s.name === ConnectDate.LOGICAL_NAME) return ConnectDate.toLogical(s, v as number);
      if (s.name === ConnectTime.LOGICAL_NAME) return ConnectTime.toLogical(s, v as number);
      return v;
    case 'int64':
      if (s.name === ConnectTimestamp.LOGICAL_NAME) return ConnectTimestamp.toLogical(s, v as number | bigint);
      return v;
    case 'float32':
    case 'float64':
    case 'boolean':
    case 'string':
      return v;
    case 'bytes': {
      const bytes = new Uint8Array(v as Buffer);
      if (s.name === Decimal.LOGICAL_NAME) return new BigDecimal(bytesToBigint(bytes), Decimal.scaleOf(s));
      return bytes;
    }
    case 'array':
      return (v as unknown[]).map((e) => toConnectValue(s.valueSchema!, e));
    case 'map':
      if (Array.isArray(v))
        return new Map(
          v.map((e: { key: unknown; value: unknown }) => [
            toConnectValue(s.keySchema!, e.key),
            toConnectValue(s.valueSchema!, e.value),
          ]),
        );
      return new Map(Object.entries(v as object).map(([k, e]) => [k, toConnectValue(s.valueSchema!, e)]));
    case 'struct': {
      const st = new Struct(s);
      if (s.name === UNION) {
        // The union value itself: {branch: value}.
        const [branch, inner] = Object.entries(v as object)[0] ?? [];
        const short = branch?.split('.').pop();
        const f = s.fields.find((x) => x.name === branch || x.name === short);
        if (f) st.put(f.name, toConnectValue(f.schema, inner, false));
        return st;
      }
      for (const f of s.fields) st.put(f.name, toConnectValue(f.schema, (v as Record<string, unknown>)[f.name]));
      return st;
    }
  }
}
