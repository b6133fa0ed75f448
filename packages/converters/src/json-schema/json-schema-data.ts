/**
 * Connect schemas and values ↔ JSON Schema and JSON, as Confluent's JsonSchemaData maps them:
 * integers and numbers carry `connect.type`, struct properties `connect.index`, names go in `title`
 * and docs in `description`, an optional schema is `oneOf` null and the schema, maps with string keys
 * are objects (`connect.type: map`) and other maps arrays of `{key, value}` objects, Decimal is a
 * number titled `org.apache.kafka.connect.data.Decimal` with its scale in `connect.parameters`,
 * Date/Time/Timestamp are integers titled with their logical names.
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
  bytesToBigint,
  javaBigDecimalToString,
  javaDoubleToString,
  javaFloatToString,
} from '@tributary/api';
import { type JsonValue, LosslessNumber, nodeType } from '../json/lossless-json.js';
import { jsonString } from '../json/json-string.js';

export const JSON_NAMESPACE = 'io.confluent.connect.json';
export const JSON_TYPE_ENUM = `${JSON_NAMESPACE}.Enum`;
export const JSON_TYPE_ONE_OF = `${JSON_NAMESPACE}.OneOf`;

export type JsonSchemaJson = { [key: string]: unknown } | boolean;

export type DecimalFormat = 'BASE64' | 'NUMERIC';

type Obj = { [key: string]: unknown };

const INTEGER_TYPES = new Set(['int8', 'int16', 'int32', 'int64']);

/** JsonSchemaData.fromConnectSchema: the JSON Schema document for a Connect schema. */
export function fromConnectSchema(schema: Schema): Obj {
  return toJsonSchema(schema, null, false);
}

function toJsonSchema(s: Schema, index: number | null, ignoreOptional: boolean): Obj {
  let out: Obj;
  const connect: Obj = {};
  let combined = false;
  switch (s.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      out = { type: 'integer' };
      connect['connect.type'] = s.type;
      break;
    case 'float32':
    case 'float64':
      out = { type: 'number' };
      connect['connect.type'] = s.type;
      break;
    case 'boolean':
      out = { type: 'boolean' };
      break;
    case 'string': {
      const params = s.parameters ?? {};
      if (JSON_TYPE_ENUM in params) {
        out = {
          type: 'string',
          enum: Object.entries(params)
            .filter(([k]) => k.startsWith(`${JSON_TYPE_ENUM}.`))
            .map(([, v]) => v),
        };
      } else out = { type: 'string' };
      break;
    }
    case 'bytes':
      out = { type: s.name === Decimal.LOGICAL_NAME ? 'number' : 'string' };
      connect['connect.type'] = 'bytes';
      break;
    case 'array':
      out = { type: 'array', items: toJsonSchema(s.valueSchema!, null, false) };
      break;
    case 'map':
      if (s.keySchema!.type === 'string' && !s.keySchema!.optional) {
        out = { type: 'object', additionalProperties: toJsonSchema(s.valueSchema!, null, false) };
      } else {
        out = {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              key: toJsonSchema(s.keySchema!, 0, false),
              value: toJsonSchema(s.valueSchema!, 1, false),
            },
          },
        };
      }
      connect['connect.type'] = 'map';
      break;
    case 'struct':
      if (s.name === JSON_TYPE_ONE_OF) {
        combined = true;
        out = {
          oneOf: [
            ...(s.optional ? [{ type: 'null' }] : []),
            ...s.fields.map((f) => toJsonSchema(f.schema, f.index, true)),
          ],
        };
      } else if (s.optional && !ignoreOptional) {
        combined = true;
        out = { oneOf: [{ type: 'null' }, toJsonSchema(s, null, true)] };
      } else {
        const properties: Obj = {};
        for (const f of s.fields) properties[f.name] = toJsonSchema(f.schema, f.index, false);
        out = { type: 'object', properties };
      }
      break;
  }
  if (!combined) {
    const head: Obj = {};
    if (s.name !== null) head.title = s.name;
    if (s.doc !== null) head.description = s.doc;
    if (s.defaultValue !== null && s.defaultValue !== undefined)
      head.default = JSON.parse(writeValue(s, s.defaultValue, 'NUMERIC'));
    out = { ...head, ...out };
    if (s.version !== null) connect['connect.version'] = s.version;
    const params = Object.entries(s.parameters ?? {}).filter(([k]) => !k.startsWith(JSON_NAMESPACE));
    if (params.length > 0) connect['connect.parameters'] = Object.fromEntries(params);
    if (s.optional && !ignoreOptional) {
      const inner = { ...out, ...connect };
      return { oneOf: [{ type: 'null' }, inner], ...(index !== null ? { 'connect.index': index } : {}) };
    }
  }
  return { ...out, ...connect, ...(index !== null ? { 'connect.index': index } : {}) };
}

/** Resolves local `$ref`s (`#/definitions/…`, `#/$defs/…`, `#`) against the document root. */
function deref(node: unknown, root: unknown, seen: Set<string> = new Set()): unknown {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
  const ref = (node as Obj).$ref;
  if (typeof ref !== 'string') return node;
  if (!ref.startsWith('#'))
    throw new DataException(`JSON Schema $ref '${ref}' is not supported: only local references (#/…)`);
  if (seen.has(ref))
    throw new DataException(`JSON Schema $ref '${ref}' is recursive, which Connect schemas cannot express`);
  seen.add(ref);
  let target: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    target = target && typeof target === 'object' ? (target as Obj)[key] : undefined;
    if (target === undefined) throw new DataException(`JSON Schema $ref '${ref}' points at nothing`);
  }
  return deref(target, root, seen);
}

/** JsonSchemaData.toConnectSchema: the Connect schema for a JSON Schema document (`version` when it has no connect.version). */
export function toConnectSchema(doc: unknown, version: number | null = null): Schema {
  return connectSchemaOf(doc, doc, version, false);
}

function connectSchemaOf(raw: unknown, root: unknown, version: number | null, forceOptional: boolean): Schema {
  const node = deref(raw, root);
  if (node === true || node === false || node === null || typeof node !== 'object' || Array.isArray(node))
    throw new DataException(`Unsupported JSON Schema ${JSON.stringify(node)}: Connect needs a typed schema`);
  const o = node as Obj;
  let b: SchemaBuilder;
  let type = o.type;
  if (Array.isArray(type)) {
    // ["null", "string"] is the optional form some producers write.
    const others = type.filter((t) => t !== 'null');
    if (others.length === 1)
      return connectSchemaOf({ ...o, type: others[0] }, root, version, type.includes('null') || forceOptional);
    return connectSchemaOf({ oneOf: type.map((t) => ({ type: t })) }, root, version, forceOptional);
  }
  const combined = (o.oneOf ?? o.anyOf) as unknown[] | undefined;
  if (type === undefined && Array.isArray(combined)) {
    const subs = combined.map((x) => deref(x, root));
    const isNull = (x: unknown): boolean => !!x && typeof x === 'object' && (x as Obj).type === 'null';
    if (subs.length === 2 && subs.some(isNull)) {
      const other = subs.find((x) => !isNull(x));
      return connectSchemaOf(other, root, version, true);
    }
    b = SchemaBuilder.struct().name(JSON_TYPE_ONE_OF);
    let i = 0;
    for (const sub of subs) {
      if (isNull(sub)) b.optional();
      else b.field(`${JSON_TYPE_ONE_OF}.field.${i++}`, connectSchemaOf(sub, root, null, true));
    }
    return b.build();
  }
  if (type === undefined && Array.isArray(o.enum)) type = 'string';
  if (type === undefined && o.properties !== undefined) type = 'object';
  const connectType = o['connect.type'];
  switch (type) {
    case 'boolean':
      b = SchemaBuilder.bool();
      break;
    case 'integer':
    case 'number':
      if (typeof connectType === 'string') {
        if (INTEGER_TYPES.has(connectType) || connectType === 'float32' || connectType === 'float64')
          b = new SchemaBuilder(connectType as 'int8');
        else if (connectType === 'bytes') b = SchemaBuilder.bytes();
        else throw new DataException(`Unsupported connect.type ${connectType}`);
      } else b = type === 'integer' ? SchemaBuilder.int64() : SchemaBuilder.float64();
      break;
    case 'string':
      if (Array.isArray(o.enum)) {
        b = SchemaBuilder.string().parameter(JSON_TYPE_ENUM, '');
        for (const symbol of o.enum) b.parameter(`${JSON_TYPE_ENUM}.${String(symbol)}`, String(symbol));
      } else b = connectType === 'bytes' ? SchemaBuilder.bytes() : SchemaBuilder.string();
      break;
    case 'array': {
      const items = deref(o.items, root);
      if (items === undefined || items === null) throw new DataException('Array schema did not specify the items type');
      const props = items && typeof items === 'object' ? ((items as Obj).properties as Obj | undefined) : undefined;
      if (connectType === 'map' && props?.key !== undefined && props.value !== undefined)
        b = SchemaBuilder.map(
          connectSchemaOf(props.key, root, null, false),
          connectSchemaOf(props.value, root, null, false),
        );
      else b = SchemaBuilder.array(connectSchemaOf(items, root, null, false));
      break;
    }
    case 'object':
      if (connectType === 'map') {
        b = SchemaBuilder.map(
          SchemaBuilder.string().build(),
          connectSchemaOf(o.additionalProperties, root, null, false),
        );
      } else {
        b = SchemaBuilder.struct();
        const props = Object.entries((o.properties ?? {}) as Obj);
        const byIndex = props.map(([name, sub], i) => {
          const d = deref(sub, root) as Obj;
          const idx = d && typeof d === 'object' && typeof d['connect.index'] === 'number' ? d['connect.index'] : i;
          return { name, sub, idx };
        });
        byIndex.sort((x, y) => x.idx - y.idx);
        for (const p of byIndex) b.field(p.name, connectSchemaOf(p.sub, root, null, false));
      }
      break;
    default:
      throw new DataException(`Unsupported JSON Schema type ${JSON.stringify(type)}`);
  }
  if (typeof o.title === 'string') b.name(o.title);
  const cv = o['connect.version'];
  if (typeof cv === 'number') b.version(cv);
  else if (version !== null) b.version(version);
  if (typeof o.description === 'string') b.doc(o.description);
  const params = o['connect.parameters'];
  if (params && typeof params === 'object') b.parameters(params as Record<string, string>);
  if (o.default !== undefined) {
    const tmp = b.build();
    b.defaultValue(readValue(tmp, o.default as JsonValue));
  }
  if (forceOptional) b.optional();
  return b.build();
}

function fail(s: Schema, value: unknown): never {
  const what = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  throw new DataException(`Invalid type for ${s.type.toUpperCase()}: ${what}`);
}

/** JsonSchemaData.fromConnectData, written straight to JSON text (int64 and decimals exact, floats as Java prints them). */
export function writeValue(s: Schema, value: unknown, decimalFormat: DecimalFormat): string {
  if (value === null || value === undefined) {
    if (s.defaultValue !== null && s.defaultValue !== undefined) return writeValue(s, s.defaultValue, decimalFormat);
    if (s.optional) return 'null';
    throw new DataException('Conversion error: null value for field that is required and has no default value');
  }
  switch (s.name) {
    case Decimal.LOGICAL_NAME: {
      if (!(value instanceof BigDecimal))
        throw new DataException(`Invalid type for Decimal, expected BigDecimal but was ${typeof value}`);
      return decimalFormat === 'NUMERIC'
        ? javaBigDecimalToString(value)
        : `"${Buffer.from(Decimal.fromLogical(s, value)).toString('base64')}"`;
    }
    case ConnectDate.LOGICAL_NAME:
      return String(ConnectDate.fromLogical(s, value as Date));
    case ConnectTime.LOGICAL_NAME:
      return String(ConnectTime.fromLogical(s, value as Date));
    case ConnectTimestamp.LOGICAL_NAME:
      return String(ConnectTimestamp.fromLogical(s, value as Date));
  }
  switch (s.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value !== 'number' || !Number.isInteger(value)) fail(s, value);
      return String(value);
    case 'float32':
    case 'float64': {
      if (typeof value !== 'number') fail(s, value);
      if (!Number.isFinite(value)) throw new DataException(`JSON cannot carry ${value} (${s.type})`);
      return s.type === 'float32' ? javaFloatToString(value) : javaDoubleToString(value);
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail(s, value);
      return value ? 'true' : 'false';
    case 'string':
      if (typeof value !== 'string') fail(s, value);
      return jsonString(value);
    case 'bytes':
      if (!(value instanceof Uint8Array)) fail(s, value);
      return `"${Buffer.from(value).toString('base64')}"`;
    case 'array':
      if (!Array.isArray(value)) fail(s, value);
      return `[${value.map((v) => writeValue(s.valueSchema!, v, decimalFormat)).join(',')}]`;
    case 'map': {
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as Obj);
      if (s.keySchema!.type === 'string' && !s.keySchema!.optional)
        return `{${entries.map(([k, v]) => `${jsonString(String(k))}:${writeValue(s.valueSchema!, v, decimalFormat)}`).join(',')}}`;
      return `[${entries
        .map(
          ([k, v]) =>
            `{"key":${writeValue(s.keySchema!, k, decimalFormat)},"value":${writeValue(s.valueSchema!, v, decimalFormat)}}`,
        )
        .join(',')}]`;
    }
    case 'struct': {
      if (!(value instanceof Struct)) fail(s, value);
      if (s.name === JSON_TYPE_ONE_OF) {
        for (const f of s.fields) {
          const v = value.get(f);
          if (v !== null && v !== undefined) return writeValue(f.schema, v, decimalFormat);
        }
        return writeValue(s, null, decimalFormat);
      }
      return `{${s.fields.map((f) => `${jsonString(f.name)}:${writeValue(f.schema, value.get(f), decimalFormat)}`).join(',')}}`;
    }
  }
}

function integral(s: Schema, v: JsonValue): number | bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new DataException(`Invalid value for ${s.type.toUpperCase()}: expected an integer but found ${nodeType(v)}`);
  return v;
}

/** JsonSchemaData.toConnectData: a parsed JSON value (exact numbers) as Connect data for `s`. */
export function readValue(s: Schema, v: JsonValue | undefined): unknown {
  if (v === null || v === undefined) {
    if (s.defaultValue !== null && s.defaultValue !== undefined) return s.defaultValue;
    if (s.optional) return null;
    throw new DataException(`Invalid null value for required ${s.type.toUpperCase()} field`);
  }
  switch (s.name) {
    case Decimal.LOGICAL_NAME: {
      const scale = Decimal.scaleOf(s);
      if (typeof v === 'number' || typeof v === 'bigint' || v instanceof LosslessNumber) {
        const d = BigDecimal.parse(String(v));
        return d.scale < scale ? d.setScale(scale) : d;
      }
      if (typeof v === 'string') return new BigDecimal(bytesToBigint(Buffer.from(v, 'base64')), scale);
      throw new DataException(
        `Invalid type for Decimal, underlying representation should be numeric or bytes but was ${nodeType(v)}`,
      );
    }
    case ConnectDate.LOGICAL_NAME:
      return ConnectDate.toLogical(s, Number(integral(s, v)));
    case ConnectTime.LOGICAL_NAME:
      return ConnectTime.toLogical(s, Number(integral(s, v)));
    case ConnectTimestamp.LOGICAL_NAME:
      return ConnectTimestamp.toLogical(s, integral(s, v));
  }
  switch (s.type) {
    case 'int8':
    case 'int16':
    case 'int32':
      return Number(integral(s, v));
    case 'int64': {
      const n = integral(s, v);
      return typeof n === 'bigint' && n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(n)
        : n;
    }
    case 'float32':
    case 'float64':
      if (typeof v === 'number' || typeof v === 'bigint' || v instanceof LosslessNumber) return Number(v);
      throw new DataException(`Invalid value for ${s.type.toUpperCase()}: expected a number but found ${nodeType(v)}`);
    case 'boolean':
      if (typeof v !== 'boolean') throw new DataException(`Invalid value for BOOLEAN: found ${nodeType(v)}`);
      return v;
    case 'string':
      if (typeof v !== 'string') throw new DataException(`Invalid value for STRING: found ${nodeType(v)}`);
      return v;
    case 'bytes':
      if (typeof v !== 'string') throw new DataException(`Invalid value for BYTES: found ${nodeType(v)}`);
      return new Uint8Array(Buffer.from(v, 'base64'));
    case 'array':
      if (!Array.isArray(v))
        throw new DataException(`Arrays should be encoded as JSON arrays, but found ${nodeType(v)}`);
      return v.map((x) => readValue(s.valueSchema!, x));
    case 'map': {
      const out = new Map<unknown, unknown>();
      if (s.keySchema!.type === 'string' && !s.keySchema!.optional) {
        if (typeof v !== 'object' || Array.isArray(v) || v instanceof LosslessNumber)
          throw new DataException(
            `Maps with string fields should be encoded as JSON objects, but found ${nodeType(v)}`,
          );
        for (const [k, x] of Object.entries(v)) out.set(k, readValue(s.valueSchema!, x));
        return out;
      }
      if (!Array.isArray(v))
        throw new DataException(
          `Maps with non-string fields should be encoded as JSON array of objects, but found ${nodeType(v)}`,
        );
      for (const e of v) {
        if (!e || typeof e !== 'object' || Array.isArray(e) || e instanceof LosslessNumber)
          throw new DataException(`Found invalid map entry instead of object: ${nodeType(e)}`);
        out.set(readValue(s.keySchema!, e.key), readValue(s.valueSchema!, e.value));
      }
      return out;
    }
    case 'struct': {
      if (s.name === JSON_TYPE_ONE_OF) {
        for (const f of s.fields) {
          if (matches(f.schema, v)) return new Struct(s).put(f.name, readValue(f.schema, v));
        }
        throw new DataException(`Did not find matching oneof field for data: ${JSON.stringify(v, bigintText)}`);
      }
      if (typeof v !== 'object' || Array.isArray(v) || v instanceof LosslessNumber)
        throw new DataException(`Structs should be encoded as JSON objects, but found ${nodeType(v)}`);
      const out = new Struct(s);
      for (const f of s.fields) out.put(f.name, readValue(f.schema, v[f.name]));
      return out;
    }
  }
}

const bigintText = (_k: string, x: unknown): unknown => (typeof x === 'bigint' ? x.toString() : x);

/** JsonSchemaData.isInstanceOfSchemaTypeForSimpleSchema: which oneOf branch a value belongs to. */
function matches(s: Schema, v: JsonValue): boolean {
  switch (s.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
    case 'float32':
    case 'float64':
      return typeof v === 'number' || typeof v === 'bigint' || v instanceof LosslessNumber;
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'bytes':
      return typeof v === 'string' || typeof v === 'number';
    case 'array':
      return Array.isArray(v);
    case 'map':
      return typeof v === 'object' && v !== null;
    case 'struct':
      return (
        typeof v === 'object' &&
        v !== null &&
        !Array.isArray(v) &&
        !(v instanceof LosslessNumber) &&
        Object.keys(v).every((k) => s.field(k) !== null)
      );
  }
}
