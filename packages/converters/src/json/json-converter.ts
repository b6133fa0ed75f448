/** The JsonConverter class: configuration, schema caches and the {"schema","payload"} envelope; the mappings are in encode, decode and schema-json. */
import {
  ConfigKeys,
  type Converter,
  DataException,
  defineConfig,
  type HeaderConverter,
  type Headers,
  type Schema,
  SchemaAndValue,
} from '@tributary/api';
import { LruCache } from '../lru.js';
import {
  compileReader,
  convertSchemaless,
  hasDecimal,
  hasUnsafeNumber,
  NEEDS_EXACT,
  type Read,
  type ReaderOptions,
  readSchemaless,
  serializationError,
} from './decode.js';
import { compileWriter, type Write, type WriterOptions, writeSchemaless } from './encode.js';
import { ExactReader, type JsonValue, mayLosePrecision, parseJsonExact } from './lossless-json.js';
import { connectSchemaToJson, jsonToConnectSchema } from './schema-json.js';

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

const ENVELOPE_ERROR =
  'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields.' +
  ' If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.';

interface EnvelopePrefix {
  prefix: string;
  schema: Schema | null;
  /** The schema has a Decimal, whose NUMERIC form must be read digit for digit. */
  exactDigits: boolean;
}

const RECENT_PREFIXES = 8;

function decodeUtf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function encodeUtf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/**
 * Kafka Connect's org.apache.kafka.connect.json.JsonConverter. With schemas.enable (the default)
 * each value is written as {"schema":{…},"payload":…} with Kafka Connect's schema JSON; without,
 * as plain JSON. Also usable as a HeaderConverter.
 */
export class JsonConverter implements Converter, HeaderConverter {
  #schemasEnabled = true;
  #writerOptions: WriterOptions = { decimalNumeric: false, replaceNullWithDefault: true };
  #readerOptions: ReaderOptions = { replaceNullWithDefault: true };
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
    this.#writerOptions = {
      decimalNumeric: cfg['decimal.format'] === 'NUMERIC',
      replaceNullWithDefault: cfg['replace.null.with.default'],
    };
    this.#readerOptions = { replaceNullWithDefault: cfg['replace.null.with.default'] };
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
    const payload = schema ? this.#writer(schema)(value) : writeSchemaless(value, (s) => this.#writer(s));
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
    const json = connectSchemaToJson(schema, (s, v) => this.#writer(s)(v));
    this.#fromConnectSchemaCache.set(schema, json);
    return json;
  }

  #writer(schema: Schema): Write {
    if (schema === this.#lastSchema) return this.#lastWriter!;
    let w = this.#writerCache.get(schema);
    if (!w) {
      w = compileWriter(schema, this.#writerOptions);
      this.#writerCache.set(schema, w);
    }
    this.#lastSchema = schema;
    this.#lastWriter = w;
    return w;
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
      schema = jsonToConnectSchema(schemaField.node, this.#readerOptions);
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
    return jsonToConnectSchema(node, this.#readerOptions);
  }

  #reader(schema: Schema): Read {
    let r = this.#readerCache.get(schema);
    if (!r) {
      r = compileReader(schema, this.#readerOptions);
      this.#readerCache.set(schema, r);
    }
    return r;
  }

  close(): void {}
}

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}
