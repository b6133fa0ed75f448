// The console's schema registry: which worker keys name it, the registry paths the console may reach through the worker, and records decoded by the registry converters.
import { ConfigException, type Converter, NotReadyException } from '@tributary/api';
import {
  AvroConverter,
  JsonConverter,
  JsonSchemaConverter,
  ProtobufConverter,
  type SchemaRegistryClient,
  registryClient,
  topicNameSubject,
  unframe,
} from '@tributary/converters';
import { withPrefix } from '@tributary/runtime';

/** The console's own registry keys: `tributary.console.schema.registry.url` and the converter-style keys beside it. */
export const CONSOLE_REGISTRY_PREFIX = 'tributary.console.';

/** Where the registry keys are looked for, in order: the console's own, then the worker's value and key converters'. */
const SOURCES = [CONSOLE_REGISTRY_PREFIX, 'value.converter.', 'key.converter.'] as const;

/** Confluent's serializer configs also accept the registry's auth keys under `schema.registry.` (its older names). */
const ALIASES: Record<string, string> = {
  'schema.registry.basic.auth.user.info': 'basic.auth.user.info',
  'schema.registry.basic.auth.credentials.source': 'basic.auth.credentials.source',
  'schema.registry.bearer.auth.token': 'bearer.auth.token',
  'schema.registry.bearer.auth.credentials.source': 'bearer.auth.credentials.source',
};

export type RegistryFormat = 'avro' | 'json-schema' | 'protobuf';
export const REGISTRY_FORMATS: readonly RegistryFormat[] = ['avro', 'json-schema', 'protobuf'];

const FORMAT_LABEL: Record<RegistryFormat, string> = {
  avro: 'Avro',
  'json-schema': 'JSON Schema',
  protobuf: 'Protobuf',
};

function converterFor(format: RegistryFormat): Converter {
  if (format === 'avro') return new AvroConverter();
  if (format === 'json-schema') return new JsonSchemaConverter();
  return new ProtobufConverter();
}

/** A key or value as the console shows it: decoded with its schema id and subject, or why it could not be. */
export type DecodedPart =
  | { schema_id: number; subject: string | null; version: number | null; value: string }
  | { error: string; schema_id?: number; wire_format: boolean };

export interface DecodedRecord {
  key: DecodedPart | null;
  value: DecodedPart | null;
}

/** The registry paths the console uses, and the query parameters each may carry; nothing else is forwarded. */
const ALLOWED: ReadonlyArray<{ method: string; path: RegExp; query: readonly string[] }> = [
  { method: 'GET', path: /^\/subjects$/, query: ['deleted', 'subjectPrefix'] },
  { method: 'GET', path: /^\/subjects\/[^/]+\/versions$/, query: ['deleted'] },
  { method: 'GET', path: /^\/subjects\/[^/]+\/versions\/(\d+|latest|-1)$/, query: ['deleted'] },
  { method: 'GET', path: /^\/subjects\/[^/]+\/versions\/(\d+|latest|-1)\/referencedby$/, query: [] },
  { method: 'DELETE', path: /^\/subjects\/[^/]+$/, query: ['permanent'] },
  { method: 'DELETE', path: /^\/subjects\/[^/]+\/versions\/(\d+|latest|-1)$/, query: ['permanent'] },
  { method: 'GET', path: /^\/config$/, query: [] },
  { method: 'PUT', path: /^\/config$/, query: [] },
  { method: 'GET', path: /^\/config\/[^/]+$/, query: ['defaultToGlobal'] },
  { method: 'PUT', path: /^\/config\/[^/]+$/, query: [] },
  { method: 'DELETE', path: /^\/config\/[^/]+$/, query: [] },
  { method: 'GET', path: /^\/mode$/, query: [] },
  { method: 'GET', path: /^\/mode\/[^/]+$/, query: ['defaultToGlobal'] },
  { method: 'GET', path: /^\/schemas\/ids\/\d+$/, query: [] },
  { method: 'GET', path: /^\/schemas\/ids\/\d+\/versions$/, query: [] },
  { method: 'GET', path: /^\/schemas\/types$/, query: [] },
];

const BOOLEAN_PARAMS = new Set(['deleted', 'permanent', 'defaultToGlobal']);

/**
 * The registry request to send for a console request, or null when the console may not make it.
 * `path` is what follows the proxy's prefix, still percent-encoded; each segment is decoded and encoded
 * again, so `..`, an encoded slash or a stray query cannot reach another registry path.
 */
export function registryRequest(method: string, path: string, query: URLSearchParams): string | null {
  if (!path.startsWith('/')) return null;
  const segments: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === '' || seg === '.' || seg === '..') return null;
    segments.push(encodeURIComponent(seg));
  }
  const target = `/${segments.join('/')}`;
  const rule = ALLOWED.find((r) => r.method === method && r.path.test(target));
  if (!rule) return null;
  const out = new URLSearchParams();
  for (const [k, v] of query) {
    if (!rule.query.includes(k)) return null;
    if (BOOLEAN_PARAMS.has(k) && v !== 'true' && v !== 'false') return null;
    out.append(k, v);
  }
  const qs = out.toString();
  return qs ? `${target}?${qs}` : target;
}

/** The registry keys of the worker config (aliases resolved), and which prefix they came from; null when none names a registry. */
export function consoleRegistryProps(
  workerProps: Readonly<Record<string, string>>,
): { source: string; props: Record<string, string> } | null {
  for (const source of SOURCES) {
    const props = withPrefix(workerProps, source);
    if (!props['schema.registry.url']?.trim()) continue;
    for (const [alias, key] of Object.entries(ALIASES)) {
      if (props[alias] !== undefined && props[key] === undefined) props[key] = props[alias];
      delete props[alias];
    }
    return { source, props };
  }
  return null;
}

/** Runs a conversion until the registry lookups it waits on are done (converters are synchronous, NotReadyException). */
async function settle<T>(fn: () => T): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof NotReadyException) || attempt >= 16) throw err;
      await err.ready;
    }
  }
}

const SUBJECT_CACHE_SIZE = 1000;

/**
 * The registry the console reads and manages, built once from the worker config. Its credentials stay in
 * the client's headers: the browser's own Authorization (the worker's credentials) is never sent on.
 */
export class ConsoleSchemaRegistry {
  /** The worker key the URL came from (e.g. tributary.console.schema.registry.url). */
  readonly source: string;
  /** The registry URLs, without user info. */
  readonly urls: readonly string[];
  readonly #props: Record<string, string>;
  readonly #client: SchemaRegistryClient;
  readonly #converters = new Map<string, Converter>();
  readonly #subjects = new Map<number, Promise<Array<{ subject: string; version: number }>>>();
  #render: JsonConverter | null = null;

  constructor(props: Record<string, string>, source: string) {
    this.#props = props;
    this.source = `${source}schema.registry.url`;
    this.#client = registryClient(props);
    this.urls = this.#client.urls;
  }

  /** From the worker config; null when no key names a registry. A bad registry key throws, naming it. */
  static fromWorkerConfig(workerProps: Readonly<Record<string, string>>): ConsoleSchemaRegistry | null {
    const found = consoleRegistryProps(workerProps);
    if (!found) return null;
    try {
      return new ConsoleSchemaRegistry(found.props, found.source);
    } catch (err) {
      // The converters' checks name the keys without the prefix they were found under.
      throw new ConfigException(
        `Invalid schema registry config for the console (keys under ${found.source}): ${(err as Error).message}`,
      );
    }
  }

  /** An allow-listed request (registryRequest's answer) sent as the registry's client. */
  forward(method: string, target: string, body?: unknown): Promise<{ status: number; body: string }> {
    return this.#client.forward(method, target, body);
  }

  #converter(format: RegistryFormat, isKey: boolean): Converter {
    const k = `${format}/${isKey}`;
    let c = this.#converters.get(k);
    if (!c) {
      c = converterFor(format);
      c.configure(this.#props, isKey);
      this.#converters.set(k, c);
    }
    return c;
  }

  /** Connect data as the JSON Kafka Connect's JsonConverter writes without schemas (decimals as numbers). */
  #json(topic: string, schema: Parameters<JsonConverter['fromConnectData']>[2], value: unknown): string {
    if (!this.#render) {
      this.#render = new JsonConverter();
      this.#render.configure({ 'schemas.enable': 'false', 'decimal.format': 'NUMERIC' }, false);
    }
    const bytes = this.#render.fromConnectData(topic, null, schema, value);
    return bytes ? Buffer.from(bytes).toString('utf8') : 'null';
  }

  async #subjectOf(id: number, topic: string, isKey: boolean): Promise<{ subject: string; version: number } | null> {
    let p = this.#subjects.get(id);
    if (!p) {
      if (this.#subjects.size >= SUBJECT_CACHE_SIZE) this.#subjects.clear();
      p = this.#client.versionsOfId(id);
      this.#subjects.set(id, p);
      p.catch(() => this.#subjects.delete(id));
    }
    const all = await p.catch(() => []);
    // TopicNameStrategy's subject first, as the converters would have registered it.
    const own = topicNameSubject(topic, isKey);
    return all.find((v) => v.subject === own) ?? all[0] ?? null;
  }

  async #decodePart(topic: string, format: RegistryFormat, bytes: Buffer, isKey: boolean): Promise<DecodedPart> {
    let id: number;
    try {
      id = unframe(topic, FORMAT_LABEL[format], bytes).id;
    } catch (err) {
      return {
        error: `Not in the schema registry wire format (first byte ${bytes[0]}, not the magic byte 0): ${(err as Error).message}`,
        wire_format: false,
      };
    }
    try {
      const converter = this.#converter(format, isKey);
      const data = await settle(() => converter.toConnectData(topic, null, bytes));
      const sv = await this.#subjectOf(id, topic, isKey);
      return {
        schema_id: id,
        subject: sv?.subject ?? null,
        version: sv?.version ?? null,
        value: this.#json(topic, data.schema, data.value),
      };
    } catch (err) {
      return { error: (err as Error).message, schema_id: id, wire_format: true };
    }
  }

  /** A record's key and value decoded with the format's registry converter (null for a null key or value). */
  async decode(
    topic: string,
    format: RegistryFormat,
    key: Buffer | null,
    value: Buffer | null,
  ): Promise<DecodedRecord> {
    const [k, v] = await Promise.all([
      // An empty key or value is null to every converter, as in Kafka Connect.
      key?.length ? this.#decodePart(topic, format, key, true) : null,
      value?.length ? this.#decodePart(topic, format, value, false) : null,
    ]);
    return { key: k, value: v };
  }
}
