/**
 * io.confluent.connect.avro.AvroConverter: Connect data as Avro in Confluent's wire format (magic
 * byte 0, 4-byte big-endian schema id, Avro binary) with schemas kept in a schema registry; the
 * registry, caches and wire format are RegistryConverter's.
 */
import {
  ConfigKeys,
  type ConfigOf,
  DataException,
  type Schema,
  type SchemaAndValue,
  defineConfig,
} from '@tributary/api';
import avro from 'avsc';
import {
  type AvroDataConfig,
  type AvroJson,
  fromConnectSchema,
  toAvroValue,
  toConnectSchema,
  toConnectValue,
} from './avro-data.js';
import type { RegistrySchema } from '../registry/registry-client.js';
import { RegistryConverter } from '../registry/registry-converter.js';
import { type ResolvedWriterSchema, scrubInvalidNamesKey, serdeChecks, serdeKeys } from '../registry/serde-config.js';

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
  'scrub.invalid.names': scrubInvalidNamesKey('Avro'),
}).withChecks(...serdeChecks);

type Cfg = ConfigOf<typeof AvroConverterConfig>;

interface WriterEntry {
  avro: AvroJson;
  text: string;
  type: avro.Type;
  recordName: string | null;
}

/** With use.latest.version, the type to write with is the latest schema's. */
interface IdEntry {
  id: number;
  type: avro.Type;
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

export class AvroConverter extends RegistryConverter<Cfg, WriterEntry, IdEntry, ReaderEntry> {
  #data!: AvroDataConfig;
  #latestCompatibilityStrict = true;

  constructor() {
    super(AvroConverterConfig, { converter: 'AvroConverter', name: 'Avro', schemaType: 'AVRO' });
  }

  protected configureFormat(cfg: Cfg): void {
    this.#data = {
      connectMetaData: cfg['connect.meta.data'],
      enhancedSchemaSupport: cfg['enhanced.avro.schema.support'],
      scrubInvalidNames: cfg['scrub.invalid.names'],
    };
    this.#latestCompatibilityStrict = cfg['latest.compatibility.strict'];
  }

  protected writerSchema(schema: Schema): WriterEntry {
    const json = fromConnectSchema(schema, this.#data);
    const type = avroType(json);
    const recordName =
      !Array.isArray(json) && typeof json === 'object' && json.type === 'record' ? (type.name ?? null) : null;
    return { avro: json, text: JSON.stringify(json), type, recordName };
  }

  protected encode(topic: string, schema: Schema, value: unknown, w: WriterEntry, known: IdEntry): Uint8Array {
    const avroValue = toAvroValue(schema, value, true, w.avro);
    try {
      return known.type.toBuffer(avroValue);
    } catch (err) {
      throw this.serializeError(topic, err);
    }
  }

  protected async registeredWriter(subject: string, w: WriterEntry, r: ResolvedWriterSchema): Promise<IdEntry> {
    if (!r.registered) return { id: r.id, type: w.type };
    const type = await this.#typeFor(r.registered);
    if (r.via === 'latest' && this.#latestCompatibilityStrict) {
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
      const v = await this.client.version(r.subject, r.version);
      out.push(...(await this.#references(v, seen)), JSON.parse(v.schema) as AvroJson);
    }
    return out;
  }

  protected async readerSchema(_id: number, s: RegistrySchema): Promise<ReaderEntry> {
    const refs = await this.#references(s);
    const json = JSON.parse(s.schema) as AvroJson;
    return { type: avroType(json, refs), connect: toConnectSchema(json, this.#data, refs) };
  }

  protected decode(topic: string, reader: ReaderEntry, body: Buffer): SchemaAndValue {
    let decoded: unknown;
    try {
      decoded = reader.type.fromBuffer(body);
    } catch (err) {
      throw this.deserializeError(topic, err);
    }
    return { schema: reader.connect, value: toConnectValue(reader.connect, safeLongs(decoded)) };
  }
}
