/**
 * io.confluent.connect.avro.AvroConverter: Connect data as Avro in Confluent's wire format (magic
 * byte 0, 4-byte big-endian schema id, Avro binary) with schemas kept in a schema registry.
 *
 * The Converter interface is synchronous; registry calls are not. Schemas are cached by Connect
 * schema and by id, so a record costs no registry call once its schema is known. On a cache miss
 * the converter starts the lookup and throws NotReadyException; the runtime awaits it and converts
 * the record again. A registry that cannot be reached rejects with a RetriableException naming its
 * URLs, so errors.retry.timeout and errors.tolerance decide what happens next.
 */
import {
  ConfigKeys,
  type ConfigOf,
  type Converter,
  DataException,
  type Headers,
  type Schema,
  type SchemaAndValue,
  defineConfig,
} from '@tributary/api';
import avro from 'avsc';
import { LruCache } from '../lru.js';
import {
  type AvroDataConfig,
  type AvroJson,
  fromConnectSchema,
  toAvroValue,
  toConnectSchema,
  toConnectValue,
} from './avro-data.js';
import type { RegistrySchema, SchemaRegistryClient } from '../registry/registry-client.js';
import {
  PendingLookups,
  frame,
  registryClientFrom,
  resolveWriterSchema,
  serdeChecks,
  serdeKeys,
  subjectName,
  unframe,
} from '../registry/serde-config.js';

/** AvroConverter's keys, as Confluent's AbstractKafkaSchemaSerDeConfig and AvroDataConfig name them. */
export const AvroConverterConfig = defineConfig({
  ...serdeKeys,
  'latest.compatibility.strict': ConfigKeys.boolean({
    default: true,
    importance: 'LOW',
    doc: 'With use.latest.version: check that the latest schema can read data written with the record schema.',
  }),
  'connect.meta.data': ConfigKeys.boolean({
    default: true,
    importance: 'LOW',
    doc: 'Write Connect metadata (connect.name, connect.version, connect.doc, connect.parameters, connect.default) into Avro schemas.',
  }),
  'enhanced.avro.schema.support': ConfigKeys.boolean({
    default: false,
    importance: 'LOW',
    doc: 'Keep Avro enum names (with namespace) through Connect schemas.',
  }),
  'scrub.invalid.names': ConfigKeys.boolean({
    default: false,
    importance: 'LOW',
    doc: 'Replace characters that are not valid in Avro names with underscores.',
  }),
}).withChecks(...serdeChecks);

type Cfg = ConfigOf<typeof AvroConverterConfig>;

interface WriterEntry {
  avro: AvroJson;
  text: string;
  type: avro.Type;
  recordName: string | null;
}

interface ReaderEntry {
  type: avro.Type;
  connect: Schema;
}

/** int64 as JS bigint on the wire, so values beyond 2^53 survive; decoded values become numbers when safe. */
const LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint | number) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (v: number | string) => BigInt(v),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint' || (typeof n === 'number' && Number.isInteger(n)),
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

export function avroType(schema: AvroJson, references: readonly AvroJson[] = []): avro.Type {
  const registry: Record<string, avro.Type> = { long: LONG };
  for (const r of references) avro.Type.forSchema(r as avro.Schema, { registry, wrapUnions: true });
  return avro.Type.forSchema(schema as avro.Schema, { registry, wrapUnions: true });
}

function safeLongs(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(safeLongs);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = safeLongs((v as Record<string, unknown>)[k]);
  }
  return v;
}

export class AvroConverter implements Converter {
  #cfg!: Cfg;
  #isKey = false;
  #client!: SchemaRegistryClient;
  #data!: AvroDataConfig;
  #writers!: LruCache<Schema, WriterEntry>;
  /** subject + schema text → id (and, with use.latest.version, the type to write with). */
  #ids!: LruCache<string, { id: number; type: avro.Type }>;
  #readers!: LruCache<number, ReaderEntry>;
  readonly #pending: PendingLookups = new PendingLookups();

  config() {
    return AvroConverterConfig;
  }

  configure(props: Readonly<Record<string, string>>, isKey: boolean): void {
    this.#cfg = AvroConverterConfig.parse(props);
    this.#isKey = isKey;
    this.#client = registryClientFrom(props, this.#cfg);
    this.#data = {
      connectMetaData: this.#cfg['connect.meta.data'],
      enhancedSchemaSupport: this.#cfg['enhanced.avro.schema.support'],
      scrubInvalidNames: this.#cfg['scrub.invalid.names'],
    };
    const size = this.#cfg['schemas.cache.config'];
    this.#writers = new LruCache(size);
    this.#ids = new LruCache(size);
    this.#readers = new LruCache(size);
  }

  /** Closes the registry client's idle connections. */
  close(): void {
    this.#client?.close();
  }

  #writer(schema: Schema): WriterEntry {
    let w = this.#writers.get(schema);
    if (!w) {
      const json = fromConnectSchema(schema, this.#data);
      const type = avroType(json);
      const recordName =
        !Array.isArray(json) && typeof json === 'object' && json.type === 'record' ? (type.name ?? null) : null;
      w = { avro: json, text: JSON.stringify(json), type, recordName };
      this.#writers.set(schema, w);
    }
    return w;
  }

  fromConnectData(topic: string, _headers: Headers | null, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) {
      if (!schema || schema.optional || schema.defaultValue === null) return null;
    }
    if (!schema) throw new DataException('AvroConverter needs a schema: this record has a value without one');
    const w = this.#writer(schema);
    const subject = subjectName(this.#cfg, this.#isKey, topic, w.recordName);
    const key = `${subject}\u0000${w.text}`;
    const known = this.#ids.get(key);
    if (!known) {
      const what = `Failed to ${this.#cfg['auto.register.schemas'] ? 'register' : 'look up'} the Avro schema for subject ${subject} (topic ${topic})`;
      this.#pending.await(key, what, async () => this.#ids.set(key, await this.#resolveId(subject, w)));
    }
    const avroValue = toAvroValue(schema, value, true, w.avro);
    let body: Buffer;
    try {
      body = known.type.toBuffer(avroValue);
    } catch (err) {
      throw new DataException(`Failed to serialize Avro data from topic ${topic}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return frame(known.id, body);
  }

  async #resolveId(subject: string, w: WriterEntry): Promise<{ id: number; type: avro.Type }> {
    const r = await resolveWriterSchema(this.#client, this.#cfg, subject, { schema: w.text, schemaType: 'AVRO' });
    if (!r.registered) return { id: r.id, type: w.type };
    const type = await this.#typeFor(r.registered);
    if (r.via === 'latest' && this.#cfg['latest.compatibility.strict']) {
      try {
        type.createResolver(w.type);
      } catch (err) {
        throw new DataException(
          `Schema being used (latest version ${r.registered.version} of ${subject}) cannot read data written with the record's schema: ${(err as Error).message}`,
        );
      }
    }
    return { id: r.id, type };
  }

  /** An avsc type for a registry schema, its references fetched and defined first. */
  async #typeFor(s: RegistrySchema): Promise<avro.Type> {
    return avroType(JSON.parse(s.schema) as AvroJson, await this.#references(s));
  }

  async #references(s: RegistrySchema, seen = new Set<string>()): Promise<AvroJson[]> {
    const out: AvroJson[] = [];
    for (const r of s.references ?? []) {
      const key = `${r.subject}/${r.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const v = await this.#client.version(r.subject, r.version);
      out.push(...(await this.#references(v, seen)), JSON.parse(v.schema) as AvroJson);
    }
    return out;
  }

  toConnectData(topic: string, _headers: Headers | null, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value.length === 0) return { schema: null, value: null };
    const { id, rest } = unframe(topic, 'Avro', value);
    const reader = this.#readers.get(id);
    if (!reader) {
      this.#pending.await(`id\u0000${id}`, `Failed to retrieve Avro schema for id ${id} (topic ${topic})`, async () => {
        const s = await this.#client.schemaById(id);
        const refs = await this.#references(s);
        const json = JSON.parse(s.schema) as AvroJson;
        this.#readers.set(id, { type: avroType(json, refs), connect: toConnectSchema(json, this.#data, refs) });
      });
    }
    let decoded: unknown;
    try {
      decoded = reader.type.fromBuffer(rest);
    } catch (err) {
      throw new DataException(`Failed to deserialize data for topic ${topic} to Avro: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { schema: reader.connect, value: toConnectValue(reader.connect, safeLongs(decoded)) };
  }
}
