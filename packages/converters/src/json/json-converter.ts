import {
  BigDecimal,
  base64ToBytes,
  bytesToBase64,
  ConfigKeys,
  type Converter,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  Decimal,
  defineConfig,
  type HeaderConverter,
  type Headers,
  javaBigDecimalToString,
  javaDoubleToString,
  javaFloatToString,
  type Schema,
  SchemaAndValue,
  SchemaBuilder,
  type SchemaType,
  Struct,
  schemaEquals,
} from '@tributary/api';
import { LruCache } from '../lru.js';
import {
  ExactReader,
  JsonSyntaxError,
  type JsonValue,
  LosslessNumber,
  mayLosePrecision,
  nodeType,
  parseJsonExact,
} from './reader.js';
import { jsonString } from './writer.js';

/** JsonConverter's configuration keys (Kafka Connect's JsonConverterConfig). */
export const JsonConverterConfig = defineConfig({
  'schemas.enable': ConfigKeys.boolean({
    default: true,
    importance: 'HIGH',
    group: 'Schemas',
    displayName: 'Enable Schemas',
    doc: 'Include schemas within each of the serialized values and keys.',
  }),
  'schemas.cache.size': ConfigKeys.int({
    default: 1000,
    importance: 'HIGH',
    group: 'Schemas',
    displayName: 'Schema Cache Size',
    doc: 'The maximum number of schemas that can be cached in this converter instance.',
  }),
  'decimal.format': ConfigKeys.enum(['BASE64', 'NUMERIC'] as const, {
    default: 'BASE64',
    importance: 'LOW',
    group: 'Serialization',
    displayName: 'Decimal Format',
    doc: "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
  }),
  'replace.null.with.default': ConfigKeys.boolean({
    default: true,
    importance: 'LOW',
    group: 'Serialization',
    displayName: 'Replace null with default',
    doc: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
  }),
  'converter.type': ConfigKeys.enum(['key', 'value', 'header'] as const, {
    default: null,
    importance: 'LOW',
    displayName: 'Converter type',
    doc: 'How this converter will be used.',
  }),
});

const TYPE_NAMES: Record<SchemaType, string> = {
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  float32: 'float',
  float64: 'double',
  boolean: 'boolean',
  string: 'string',
  bytes: 'bytes',
  array: 'array',
  map: 'map',
  struct: 'struct',
};
const FROM_TYPE_NAME: Record<string, SchemaType> = Object.fromEntries(
  Object.entries(TYPE_NAMES).map(([k, v]) => [v, k as SchemaType]),
);

const ENVELOPE_ERROR =
  'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields.' +
  ' If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.';

type Write = (value: unknown) => string;
type Read = (node: JsonValue | undefined) => unknown;

interface EnvelopePrefix {
  prefix: string;
  schema: Schema | null;
  /** The schema has a Decimal, whose NUMERIC form must be read digit for digit. */
  exactDigits: boolean;
}

/** Thrown by readers (allocation-free) when a number came through JSON.parse and lost precision. */
const NEEDS_EXACT = Object.freeze({ reason: 'int64 beyond 2^53 read through JSON.parse' });

function hasDecimal(schema: Schema): boolean {
  if (schema.name === Decimal.LOGICAL_NAME) return true;
  if (schema.keySchema && hasDecimal(schema.keySchema)) return true;
  if (schema.valueSchema && hasDecimal(schema.valueSchema)) return true;
  return schema.fields.some((f) => hasDecimal(f.schema));
}

/** True when a JSON.parse result holds a number beyond the safe-integer range (it may have been rounded). */
function hasUnsafeNumber(v: unknown): boolean {
  if (typeof v === 'number') return v > Number.MAX_SAFE_INTEGER || v < Number.MIN_SAFE_INTEGER;
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (hasUnsafeNumber(v[i])) return true;
    return false;
  }
  for (const k in v as Record<string, unknown>) if (hasUnsafeNumber((v as Record<string, unknown>)[k])) return true;
  return false;
}

/** Schemaless JSON text → Connect value: JSON.parse, re-read exactly only when a large integer may have been rounded. */
function readSchemaless(text: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw serializationError(e);
  }
  if (!hasUnsafeNumber(v)) return v;
  try {
    return convertSchemaless(parseJsonExact(text));
  } catch (e) {
    throw serializationError(e);
  }
}

const RECENT_PREFIXES = 8;

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

function decodeUtf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function encodeUtf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

function writeDouble(n: number): string {
  // Jackson quotes non-finite numbers (QUOTE_NON_NUMERIC_NUMBERS), so the output stays valid JSON.
  return Number.isFinite(n) ? javaDoubleToString(n) : `"${javaDoubleToString(n)}"`;
}

function writeFloat(n: number): string {
  return Number.isFinite(n) ? javaFloatToString(n) : `"${javaFloatToString(n)}"`;
}

function readFloating(node: JsonValue, type: string): number {
  if (typeof node === 'number') return node;
  if (typeof node === 'bigint') return Number(node);
  if (node instanceof LosslessNumber) return Number(node.text);
  if (node === 'NaN') return Number.NaN;
  if (node === 'Infinity') return Number.POSITIVE_INFINITY;
  if (node === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new DataException(`Invalid value for ${type} field: expected a JSON number but found ${nodeType(node)}`);
}

function readInteger(node: JsonValue, type: string, min: number, max: number): number {
  if (typeof node === 'number' && Number.isInteger(node) && node >= min && node <= max) return node;
  throw new DataException(
    `Invalid value for ${type} field: expected an integer between ${min} and ${max} but found ${nodeType(node)} ${String(node)}`,
  );
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Kafka Connect's org.apache.kafka.connect.json.JsonConverter. With schemas.enable (the default)
 * each value is written as {"schema":{…},"payload":…} with Kafka Connect's schema JSON; without,
 * as plain JSON. Also usable as a HeaderConverter.
 */
export class JsonConverter implements Converter, HeaderConverter {
  #schemasEnabled = true;
  #decimalNumeric = false;
  #replaceNull = true;
  #cacheSize = 1000;
  #fromConnectSchemaCache = new LruCache<Schema, string>(1000);
  #writerCache = new LruCache<Schema, Write>(1000);
  #toConnectSchemaCache = new LruCache<string, Schema | null>(1000);
  #readerCache = new LruCache<Schema, Read>(1000);
  #recent: EnvelopePrefix[] = [];
  #lastSchema: Schema | null = null;
  #lastWriter: Write | null = null;

  config(): typeof JsonConverterConfig {
    return JsonConverterConfig;
  }

  configure(props: Readonly<Record<string, string>>, isKey?: boolean): void {
    const raw: Record<string, string> = { ...props };
    if (raw['converter.type'] === undefined && isKey !== undefined) raw['converter.type'] = isKey ? 'key' : 'value';
    const cfg = JsonConverterConfig.parse(raw);
    this.#schemasEnabled = cfg['schemas.enable'];
    this.#decimalNumeric = cfg['decimal.format'] === 'NUMERIC';
    this.#replaceNull = cfg['replace.null.with.default'];
    this.#cacheSize = cfg['schemas.cache.size'];
    this.#fromConnectSchemaCache = new LruCache(this.#cacheSize);
    this.#writerCache = new LruCache(this.#cacheSize);
    this.#toConnectSchemaCache = new LruCache(this.#cacheSize);
    this.#readerCache = new LruCache(this.#cacheSize);
    this.#recent = [];
    this.#lastSchema = null;
    this.#lastWriter = null;
  }

  /** Number of schemas cached for writing and for reading (observability and tests). */
  get cacheSizes(): { fromConnect: number; toConnect: number } {
    return { fromConnect: this.#fromConnectSchemaCache.size, toConnect: this.#toConnectSchemaCache.size };
  }

  // ---- Connect → bytes ----

  fromConnectData(_topic: string, _headers: Headers | null, schema: Schema | null, value: unknown): Uint8Array | null {
    if (schema === null && (value === null || value === undefined)) return null;
    const payload = schema ? this.#writer(schema)(value) : this.#writeAny(value);
    if (!this.#schemasEnabled) return encodeUtf8(payload);
    const schemaJson = schema ? this.asJsonSchema(schema) : 'null';
    return encodeUtf8(`{"schema":${schemaJson},"payload":${payload}}`);
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  /** The schema as Kafka Connect's JSON schema text, cached per schema. */
  asJsonSchema(schema: Schema): string {
    const cached = this.#fromConnectSchemaCache.get(schema);
    if (cached !== undefined) return cached;
    const json = this.#buildJsonSchema(schema);
    this.#fromConnectSchemaCache.set(schema, json);
    return json;
  }

  #buildJsonSchema(schema: Schema): string {
    let out = `{"type":"${TYPE_NAMES[schema.type]}"`;
    switch (schema.type) {
      case 'array':
        out += `,"items":${this.#buildJsonSchema(schema.valueSchema!)}`;
        break;
      case 'map':
        out += `,"keys":${this.#buildJsonSchema(schema.keySchema!)},"values":${this.#buildJsonSchema(schema.valueSchema!)}`;
        break;
      case 'struct':
        out += `,"fields":[${schema.fields
          .map((f) => {
            const fs = this.#buildJsonSchema(f.schema);
            return `${fs.slice(0, -1)},"field":${jsonString(f.name)}}`;
          })
          .join(',')}]`;
        break;
      default:
        break;
    }
    out += `,"optional":${schema.optional}`;
    if (schema.name !== null) out += `,"name":${jsonString(schema.name)}`;
    if (schema.version !== null) out += `,"version":${schema.version}`;
    if (schema.doc !== null) out += `,"doc":${jsonString(schema.doc)}`;
    if (schema.parameters !== null) {
      out += `,"parameters":{${Object.entries(schema.parameters)
        .map(([k, v]) => `${jsonString(k)}:${jsonString(v)}`)
        .join(',')}}`;
    }
    if (schema.defaultValue !== null && schema.defaultValue !== undefined)
      out += `,"default":${this.#writer(schema)(schema.defaultValue)}`;
    return `${out}}`;
  }

  #writer(schema: Schema): Write {
    if (schema === this.#lastSchema) return this.#lastWriter!;
    let w = this.#writerCache.get(schema);
    if (!w) {
      w = this.#compileWriter(schema);
      this.#writerCache.set(schema, w);
    }
    this.#lastSchema = schema;
    this.#lastWriter = w;
    return w;
  }

  #compileWriter(schema: Schema): Write {
    const inner = this.#compileNonNullWriter(schema);
    const replaceNull = this.#replaceNull;
    const def = schema.defaultValue;
    const hasDefault = def !== null && def !== undefined;
    const optional = schema.optional;
    return (v) => {
      if (v === null || v === undefined) {
        if (hasDefault && replaceNull) return inner(def);
        if (optional) return 'null';
        throw new DataException('Conversion error: null value for field that is required and has no default value');
      }
      return inner(v);
    };
  }

  #compileNonNullWriter(schema: Schema): Write {
    const T = schema.type.toUpperCase();
    const bad = (v: unknown): never => {
      throw new DataException(`Invalid type for ${T}: ${describe(v)}`);
    };
    switch (schema.name) {
      case Decimal.LOGICAL_NAME:
        return (v) => {
          if (!(v instanceof BigDecimal))
            throw new DataException(`Invalid type for Decimal, expected BigDecimal but was ${describe(v)}`);
          return this.#decimalNumeric
            ? javaBigDecimalToString(v)
            : `"${bytesToBase64(Decimal.fromLogical(schema, v))}"`;
        };
      case ConnectDate.LOGICAL_NAME:
        return (v) => {
          if (!(v instanceof Date))
            throw new DataException(`Invalid type for Date, expected Date but was ${describe(v)}`);
          return String(ConnectDate.fromLogical(schema, v));
        };
      case ConnectTime.LOGICAL_NAME:
        return (v) => {
          if (!(v instanceof Date))
            throw new DataException(`Invalid type for Time, expected Date but was ${describe(v)}`);
          return String(ConnectTime.fromLogical(schema, v));
        };
      case ConnectTimestamp.LOGICAL_NAME:
        return (v) => {
          if (!(v instanceof Date))
            throw new DataException(`Invalid type for Timestamp, expected Date but was ${describe(v)}`);
          return String(ConnectTimestamp.fromLogical(schema, v));
        };
      default:
        break;
    }
    switch (schema.type) {
      case 'int8':
      case 'int16':
      case 'int32':
        return (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : bad(v));
      case 'int64':
        return (v) => ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' ? String(v) : bad(v));
      case 'float32':
        return (v) => (typeof v === 'number' ? writeFloat(v) : bad(v));
      case 'float64':
        return (v) => (typeof v === 'number' ? writeDouble(v) : bad(v));
      case 'boolean':
        return (v) => (typeof v === 'boolean' ? (v ? 'true' : 'false') : bad(v));
      case 'string':
        return (v) => (typeof v === 'string' ? jsonString(v) : bad(v));
      case 'bytes':
        return (v) => (v instanceof Uint8Array ? `"${bytesToBase64(v)}"` : bad(v));
      case 'array': {
        const el = this.#compileWriter(schema.valueSchema!);
        return (v) => {
          if (!Array.isArray(v)) return bad(v);
          let out = '[';
          for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + el(v[i]);
          return `${out}]`;
        };
      }
      case 'map': {
        const key = this.#compileWriter(schema.keySchema!);
        const val = this.#compileWriter(schema.valueSchema!);
        const objectMode = schema.keySchema!.type === 'string';
        return (v) => {
          const entries: Iterable<[unknown, unknown]> =
            v instanceof Map
              ? v
              : v !== null && typeof v === 'object' && !Array.isArray(v) && objectMode
                ? Object.entries(v)
                : bad(v);
          const parts: string[] = [];
          if (objectMode) {
            for (const [k, x] of entries) {
              if (typeof k !== 'string') bad(k);
              parts.push(`${jsonString(k as string)}:${val(x)}`);
            }
            return `{${parts.join(',')}}`;
          }
          for (const [k, x] of entries) parts.push(`[${key(k)},${val(x)}]`);
          return `[${parts.join(',')}]`;
        };
      }
      case 'struct': {
        const fields = schema.fields.map((f) => ({
          field: f,
          prefix: `${jsonString(f.name)}:`,
          write: this.#compileWriter(f.schema),
        }));
        return (v) => {
          if (!(v instanceof Struct)) return bad(v);
          if (v.schema !== schema && !schemaEquals(v.schema, schema)) throw new DataException('Mismatching schema.');
          let out = '{';
          for (let i = 0; i < fields.length; i++) {
            const f = fields[i]!;
            out += (i === 0 ? '' : ',') + f.prefix + f.write(v.getWithoutDefault(f.field));
          }
          return `${out}}`;
        };
      }
    }
  }

  /** Schemaless values: the JSON type follows the JS type (Map and plain objects → objects, Struct by its own schema). */
  #writeAny(v: unknown): string {
    if (v === null || v === undefined) return 'null';
    switch (typeof v) {
      case 'string':
        return jsonString(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'bigint':
        return String(v);
      case 'number':
        return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : writeDouble(v);
      default:
        break;
    }
    if (v instanceof Uint8Array) return `"${bytesToBase64(v)}"`;
    if (Array.isArray(v)) return `[${v.map((x) => this.#writeAny(x)).join(',')}]`;
    if (v instanceof Struct) return this.#writer(v.schema)(v);
    if (v instanceof Map) {
      let objectMode = true;
      for (const k of v.keys()) {
        if (typeof k !== 'string') {
          objectMode = false;
          break;
        }
      }
      const parts: string[] = [];
      if (objectMode) for (const [k, x] of v) parts.push(`${jsonString(k as string)}:${this.#writeAny(x)}`);
      else for (const [k, x] of v) parts.push(`[${this.#writeAny(k)},${this.#writeAny(x)}]`);
      return objectMode ? `{${parts.join(',')}}` : `[${parts.join(',')}]`;
    }
    if (v instanceof BigDecimal || v instanceof Date) {
      throw new DataException(
        `${describe(v)} values need a schema (Decimal, Date, Time or Timestamp) to be converted to JSON`,
      );
    }
    if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
      const parts: string[] = [];
      for (const [k, x] of Object.entries(v)) parts.push(`${jsonString(k)}:${this.#writeAny(x)}`);
      return `{${parts.join(',')}}`;
    }
    throw new DataException(`${describe(v)} does not have corresponding schema type.`);
  }

  // ---- bytes → Connect ----

  toConnectData(_topic: string, _headers: Headers | null, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value === undefined || value.length === 0) return SchemaAndValue.NULL;
    const text = decodeUtf8(value);
    if (!this.#schemasEnabled) return { schema: null, value: readSchemaless(text) };
    const env = this.#envelope(text);
    if (env.schema === null) {
      if (env.payload === null || env.payload === undefined) return SchemaAndValue.NULL;
      return {
        schema: null,
        value:
          env.payloadText !== null && hasUnsafeNumber(env.payload)
            ? readSchemaless(env.payloadText)
            : convertSchemaless(env.payload),
      };
    }
    const read = this.#reader(env.schema);
    try {
      return { schema: env.schema, value: read(env.payload) };
    } catch (e) {
      // An int64 beyond 2^53 came through JSON.parse: read the payload again with exact numbers.
      if (e !== NEEDS_EXACT || env.payloadText === null) throw e;
      return { schema: env.schema, value: read(this.#parseExact(env.payloadText)) };
    }
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }

  #parseExact(text: string): JsonValue {
    try {
      return parseJsonExact(text);
    } catch (e) {
      throw serializationError(e);
    }
  }

  /**
   * Finds schema and payload. payloadText is set when the payload came from JSON.parse (so numbers
   * may need an exact second read); null when the exact reader produced it.
   */
  #envelope(text: string): { schema: Schema | null; payload: JsonValue | undefined; payloadText: string | null } {
    // Producers write the same schema text record after record: match it as a prefix and parse only the payload.
    for (let i = 0; i < this.#recent.length; i++) {
      const e = this.#recent[i]!;
      if (!text.startsWith(e.prefix)) continue;
      let end = text.length - 1;
      while (end > 0 && isWs(text.charCodeAt(end))) end--;
      if (text.charCodeAt(end) !== 125) break;
      const payloadText = text.slice(e.prefix.length, end);
      let payload: JsonValue;
      try {
        // Decimals written as numbers need their exact digits, which JSON.parse would round.
        if (e.exactDigits && mayLosePrecision(payloadText))
          return { schema: e.schema, payload: parseJsonExact(payloadText), payloadText: null };
        payload = JSON.parse(payloadText) as JsonValue;
      } catch {
        break; // let the full reader report the problem precisely
      }
      if (i > 0) {
        this.#recent.splice(i, 1);
        this.#recent.unshift(e);
      }
      return { schema: e.schema, payload, payloadText };
    }
    return { ...this.#envelopeSlow(text), payloadText: null };
  }

  #envelopeSlow(text: string): { schema: Schema | null; payload: JsonValue | undefined } {
    const r = new ExactReader(text);
    const fields: { key: string; start: number; end: number; node: JsonValue }[] = [];
    try {
      r.ws();
      if (text.charCodeAt(r.pos) !== 123) {
        parseJsonExact(text);
        throw new DataException(ENVELOPE_ERROR);
      }
      r.pos++;
      r.ws();
      if (text.charCodeAt(r.pos) === 125) r.pos++;
      else {
        for (;;) {
          r.ws();
          if (text.charCodeAt(r.pos) !== 34) r.fail('Expected a field name');
          const key = r.string();
          r.ws();
          if (text.charCodeAt(r.pos) !== 58) r.fail("Expected ':'");
          r.pos++;
          r.ws();
          const start = r.pos;
          const node = r.value();
          fields.push({ key, start, end: r.pos, node });
          r.ws();
          const c = text.charCodeAt(r.pos++);
          if (c === 125) break;
          if (c !== 44) {
            r.pos--;
            r.fail("Expected ',' or '}'");
          }
        }
      }
      r.ws();
      if (r.pos < text.length) r.fail('Unexpected trailing content');
    } catch (e) {
      if (e instanceof DataException) throw e;
      throw serializationError(e);
    }
    const keys = new Set(fields.map((f) => f.key));
    if (keys.size !== 2 || !keys.has('schema') || !keys.has('payload')) throw new DataException(ENVELOPE_ERROR);
    const schemaField = fields.filter((f) => f.key === 'schema').pop()!;
    const payloadField = fields.filter((f) => f.key === 'payload').pop()!;
    const schemaText = text.slice(schemaField.start, schemaField.end);
    let schema = this.#toConnectSchemaCache.get(schemaText);
    if (schema === undefined) {
      schema = this.asConnectSchema(schemaField.node);
      this.#toConnectSchemaCache.set(schemaText, schema);
    }
    if (fields.length === 2 && fields[0]!.key === 'schema') {
      this.#recent.unshift({
        prefix: text.slice(0, payloadField.start),
        schema,
        exactDigits: schema !== null && hasDecimal(schema),
      });
      if (this.#recent.length > RECENT_PREFIXES) this.#recent.pop();
    }
    return { schema, payload: payloadField.node };
  }

  /** Kafka Connect's schema JSON → Schema (null for a JSON null). */
  asConnectSchema(node: JsonValue | undefined): Schema | null {
    if (node === null || node === undefined) return null;
    if (typeof node !== 'object' || Array.isArray(node) || node instanceof LosslessNumber)
      throw new DataException("Schema must contain 'type' field");
    const obj = node as { [key: string]: JsonValue };
    const typeName = obj.type;
    if (typeof typeName !== 'string') throw new DataException("Schema must contain 'type' field");
    let builder: SchemaBuilder;
    switch (typeName) {
      case 'array': {
        const items = obj.items;
        if (items === null || items === undefined)
          throw new DataException('Array schema did not specify the element type');
        builder = SchemaBuilder.array(this.asConnectSchema(items)!);
        break;
      }
      case 'map': {
        if (obj.keys === undefined || obj.keys === null)
          throw new DataException('Map schema did not specify the key type');
        if (obj.values === undefined || obj.values === null)
          throw new DataException('Map schema did not specify the value type');
        builder = SchemaBuilder.map(this.asConnectSchema(obj.keys)!, this.asConnectSchema(obj.values)!);
        break;
      }
      case 'struct': {
        builder = SchemaBuilder.struct();
        const fields = obj.fields;
        if (!Array.isArray(fields)) throw new DataException('Struct schema\'s "fields" argument is not an array.');
        for (const f of fields) {
          const name =
            f !== null && typeof f === 'object' && !Array.isArray(f)
              ? (f as { [key: string]: JsonValue }).field
              : undefined;
          if (typeof name !== 'string') throw new DataException("Struct schema's field name not specified properly");
          builder.field(name, this.asConnectSchema(f)!);
        }
        break;
      }
      default: {
        const type = FROM_TYPE_NAME[typeName];
        if (!type || type === 'array' || type === 'map' || type === 'struct')
          throw new DataException(`Unknown schema type: ${typeName}`);
        builder = SchemaBuilder.type(type);
      }
    }
    if (obj.optional === true) builder.optional();
    else builder.required();
    if (typeof obj.name === 'string') builder.name(obj.name);
    if (typeof obj.version === 'number' && Number.isInteger(obj.version)) builder.version(obj.version);
    if (typeof obj.doc === 'string') builder.doc(obj.doc);
    const params = obj.parameters;
    if (
      params !== null &&
      typeof params === 'object' &&
      !Array.isArray(params) &&
      !(params instanceof LosslessNumber)
    ) {
      for (const [k, v] of Object.entries(params)) {
        if (typeof v !== 'string') throw new DataException('Schema parameters must have string values.');
        builder.parameter(k, v);
      }
    }
    if (obj.default !== undefined && obj.default !== null) {
      const withoutDefault = builder.build();
      const def = this.#compileNonNullReader(withoutDefault)(obj.default);
      builder.defaultValue(def);
    }
    return builder.build();
  }

  #reader(schema: Schema): Read {
    let r = this.#readerCache.get(schema);
    if (!r) {
      r = this.#compileReader(schema);
      this.#readerCache.set(schema, r);
    }
    return r;
  }

  #compileReader(schema: Schema): Read {
    const inner = this.#compileNonNullReader(schema);
    const replaceNull = this.#replaceNull;
    const def = schema.defaultValue;
    const hasDefault = def !== null && def !== undefined;
    const optional = schema.optional;
    const T = schema.type.toUpperCase();
    return (node) => {
      if (node === null || node === undefined) {
        if (hasDefault && replaceNull) return def;
        if (optional) return null;
        throw new DataException(`Invalid null value for required ${T} field`);
      }
      return inner(node);
    };
  }

  #compileNonNullReader(schema: Schema): (node: JsonValue) => unknown {
    switch (schema.name) {
      case Decimal.LOGICAL_NAME: {
        const scale = Decimal.scaleOf(schema);
        const rescale = (d: BigDecimal): BigDecimal => (d.scale < scale ? d.setScale(scale) : d);
        return (node) => {
          if (typeof node === 'number') return rescale(BigDecimal.parse(String(node)));
          if (typeof node === 'bigint') return rescale(new BigDecimal(node, 0));
          if (node instanceof LosslessNumber) return rescale(BigDecimal.parse(node.text));
          if (typeof node === 'string') {
            try {
              return Decimal.toLogical(schema, base64ToBytes(node));
            } catch (e) {
              throw new DataException('Invalid bytes for Decimal field', { cause: e });
            }
          }
          throw new DataException(
            `Invalid type for Decimal, underlying representation should be numeric or bytes but was ${nodeType(node)}`,
          );
        };
      }
      case ConnectDate.LOGICAL_NAME:
        return (node) => {
          if (typeof node !== 'number' || !Number.isInteger(node) || node < -2147483648 || node > 2147483647) {
            throw new DataException(
              `Invalid type for Date, underlying representation should be integer but was ${nodeType(node)}`,
            );
          }
          return ConnectDate.toLogical(schema, node);
        };
      case ConnectTime.LOGICAL_NAME:
        return (node) => {
          if (typeof node !== 'number' || !Number.isInteger(node) || node < -2147483648 || node > 2147483647) {
            throw new DataException(
              `Invalid type for Time, underlying representation should be integer but was ${nodeType(node)}`,
            );
          }
          return ConnectTime.toLogical(schema, node);
        };
      case ConnectTimestamp.LOGICAL_NAME:
        return (node) => {
          if (!((typeof node === 'number' && Number.isInteger(node)) || typeof node === 'bigint')) {
            throw new DataException(
              `Invalid type for Timestamp, underlying representation should be integral but was ${nodeType(node)}`,
            );
          }
          return ConnectTimestamp.toLogical(schema, node);
        };
      default:
        break;
    }
    switch (schema.type) {
      case 'int8':
        return (n) => readInteger(n, 'INT8', -128, 127);
      case 'int16':
        return (n) => readInteger(n, 'INT16', -32768, 32767);
      case 'int32':
        return (n) => readInteger(n, 'INT32', -2147483648, 2147483647);
      case 'int64':
        return (n) => {
          if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
          if (typeof n === 'number' && Number.isInteger(n)) throw NEEDS_EXACT;
          if (typeof n === 'bigint' && n >= INT64_MIN && n <= INT64_MAX) return n;
          throw new DataException(
            `Invalid value for INT64 field: expected a 64-bit integer but found ${nodeType(n)} ${String(n)}`,
          );
        };
      case 'float32':
        return (n) => readFloating(n, 'FLOAT32');
      case 'float64':
        return (n) => readFloating(n, 'FLOAT64');
      case 'boolean':
        return (n) => {
          if (typeof n !== 'boolean')
            throw new DataException(`Invalid value for BOOLEAN field: expected true or false but found ${nodeType(n)}`);
          return n;
        };
      case 'string':
        return (n) => {
          if (typeof n !== 'string')
            throw new DataException(`Invalid value for STRING field: expected a JSON string but found ${nodeType(n)}`);
          return n;
        };
      case 'bytes':
        return (n) => {
          if (typeof n !== 'string')
            throw new DataException(`Invalid value for BYTES field: expected a base64 string but found ${nodeType(n)}`);
          return base64ToBytes(n);
        };
      case 'array': {
        const el = this.#compileReader(schema.valueSchema!);
        return (n) => {
          if (!Array.isArray(n))
            throw new DataException(`Arrays should be encoded as JSON arrays, but found ${nodeType(n)}`);
          const out = new Array<unknown>(n.length);
          for (let i = 0; i < n.length; i++) out[i] = el(n[i]);
          return out;
        };
      }
      case 'map': {
        const key = this.#compileReader(schema.keySchema!);
        const val = this.#compileReader(schema.valueSchema!);
        if (schema.keySchema!.type === 'string') {
          return (n) => {
            if (n === null || typeof n !== 'object' || Array.isArray(n) || n instanceof LosslessNumber) {
              throw new DataException(
                `Maps with string fields should be encoded as JSON objects, but found ${nodeType(n)}`,
              );
            }
            const out = new Map<unknown, unknown>();
            for (const [k, x] of Object.entries(n)) out.set(k, val(x));
            return out;
          };
        }
        return (n) => {
          if (!Array.isArray(n))
            throw new DataException(
              `Maps with non-string fields should be encoded as JSON array of tuples, but found ${nodeType(n)}`,
            );
          const out = new Map<unknown, unknown>();
          for (const entry of n) {
            if (!Array.isArray(entry))
              throw new DataException(`Found invalid map entry instead of array tuple: ${nodeType(entry)}`);
            if (entry.length !== 2)
              throw new DataException(`Found invalid map entry, expected length 2 but found :${entry.length}`);
            out.set(key(entry[0]), val(entry[1]));
          }
          return out;
        };
      }
      case 'struct': {
        const fields = schema.fields.map((f) => ({ field: f, name: f.name, read: this.#compileReader(f.schema) }));
        return (n) => {
          if (n === null || typeof n !== 'object' || Array.isArray(n) || n instanceof LosslessNumber) {
            throw new DataException(`Structs should be encoded as JSON objects, but found ${nodeType(n)}`);
          }
          const obj = n as { [key: string]: JsonValue };
          const s = new Struct(schema);
          for (const f of fields) {
            const v = f.read(Object.hasOwn(obj, f.name) ? obj[f.name] : undefined);
            if (v !== null && v !== undefined) s.put(f.field, v);
          }
          return s;
        };
      }
    }
  }

  close(): void {}
}

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function serializationError(e: unknown): DataException {
  const msg = e instanceof JsonSyntaxError || e instanceof SyntaxError ? e.message : String(e);
  return new DataException(`Converting byte[] to Kafka Connect data failed due to serialization error: ${msg}`, {
    cause: e,
  });
}

/** Schemaless JSON → Connect values: numbers stay numbers (bigint past 2^53), objects stay plain objects. */
function convertSchemaless(node: JsonValue | undefined): unknown {
  if (node === null || node === undefined) return null;
  if (node instanceof LosslessNumber) return Number(node.text);
  if (typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < node.length; i++) {
      const v = node[i]!;
      const c = convertSchemaless(v);
      if (c !== v && out === null) out = node.slice(0, i);
      if (out) out.push(c);
    }
    return out ?? node;
  }
  for (const k of Object.keys(node)) {
    const v = node[k]!;
    if (v !== null && typeof v === 'object') {
      const c = convertSchemaless(v);
      if (c !== v) node[k] = c as JsonValue;
    }
  }
  return node;
}
