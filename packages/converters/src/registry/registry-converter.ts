/**
 * The base of the three schema-registry converters (Avro, JSON Schema, Protobuf), as Confluent's
 * AbstractKafkaSchemaSerDe is theirs: it owns the config, the registry client, the schema caches, the
 * lookups in flight, subject naming and the wire format (magic byte 0, 4-byte big-endian schema id);
 * each format fills in the hooks that build, register, encode, read and decode its schemas.
 *
 * The Converter interface is synchronous; registry calls are not. Schemas are cached by Connect
 * schema and by id, so a record costs no registry call once its schema is known. On a cache miss
 * the converter starts the lookup and throws NotReadyException; the runtime awaits it and converts
 * the record again. A registry that cannot be reached rejects with a RetriableException naming its
 * URLs, so errors.retry.timeout and errors.tolerance decide what happens next.
 */
import {
  type ConfigDef,
  type Converter,
  DataException,
  type Headers,
  NotReadyException,
  type RawConfig,
  type Schema,
  type SchemaAndValue,
} from '@tributary/api';
import { LruCache } from '../lru.js';
import { type RegistrySchema, type SchemaRegistryClient, converterError } from './registry-client.js';
import {
  type ResolvedWriterSchema,
  type SerdeSettings,
  type WriterSchemaSettings,
  frame,
  registryClientFrom,
  resolveWriterSchema,
  subjectName,
  unframe,
} from './serde-config.js';

/** The parsed keys the base reads; each converter's config has these and its format's own. */
export type RegistryConverterSettings = SerdeSettings & WriterSchemaSettings & { 'schemas.cache.config': number };

/** A converter's ConfigDef, as the base parses it. */
export interface RegistryConverterConfigDef<Cfg extends RegistryConverterSettings> extends ConfigDef {
  parse(raw: RawConfig): Cfg;
}

/** How a format names itself: to the registry (schemaType) and in error messages. */
export interface RegistryFormat {
  /** The converter's class name, for the error about a value without a schema. */
  converter: string;
  /** Avro, JSON or Protobuf, as Confluent's messages name the format. */
  name: string;
  schemaType: 'AVRO' | 'JSON' | 'PROTOBUF';
}

/** A Connect schema in the format, as the serializer offers it to the registry. */
export interface WriterSchema {
  /** The schema text the registry stores. */
  text: string;
  /** The record's full name for RecordNameStrategy and TopicRecordNameStrategy; null when it is not a record. */
  recordName: string | null;
}

/** What a record is written with once the registry has answered. */
export interface RegisteredWriter {
  id: number;
  /** Bytes between the schema id and the body (Protobuf's message indexes). */
  prefix?: Uint8Array;
}

/**
 * Registry lookups in flight, one per key however many records wait on it. `await` starts the
 * lookup (or joins it) and throws NotReadyException, which the runtime awaits before converting the
 * record again.
 */
export class PendingLookups {
  readonly #pending = new Map<string, Promise<void>>();

  await(key: string, what: string, load: () => Promise<void>): never {
    let p = this.#pending.get(key);
    if (!p) {
      p = load()
        .catch((err: unknown) => {
          throw converterError(what, err);
        })
        .finally(() => this.#pending.delete(key));
      this.#pending.set(key, p);
    }
    throw new NotReadyException(`${what}: waiting for the schema registry`, p);
  }
}

/**
 * `Cfg` is the converter's parsed config, `W` its writer schema (cached by Connect schema), `I` what it
 * writes with (cached by subject and schema text), `R` what it reads with (cached by schema id).
 */
export abstract class RegistryConverter<
  Cfg extends RegistryConverterSettings,
  W extends WriterSchema,
  I extends RegisteredWriter,
  R,
> implements Converter
{
  readonly #configDef: RegistryConverterConfigDef<Cfg>;
  readonly #format: RegistryFormat;
  #cfg!: Cfg;
  #isKey = false;
  #client!: SchemaRegistryClient;
  #writers!: LruCache<Schema, W>;
  /** subject + schema text → what to write with. */
  #ids!: LruCache<string, I>;
  #readers!: LruCache<number, R>;
  readonly #pending: PendingLookups = new PendingLookups();

  protected constructor(configDef: RegistryConverterConfigDef<Cfg>, format: RegistryFormat) {
    this.#configDef = configDef;
    this.#format = format;
  }

  config(): RegistryConverterConfigDef<Cfg> {
    return this.#configDef;
  }

  configure(props: Readonly<Record<string, string>>, isKey: boolean): void {
    this.#cfg = this.#configDef.parse(props);
    this.#isKey = isKey;
    this.#client = registryClientFrom(props, this.#cfg);
    this.configureFormat(this.#cfg);
    const size = this.#cfg['schemas.cache.config'];
    this.#writers = new LruCache(size);
    this.#ids = new LruCache(size);
    this.#readers = new LruCache(size);
  }

  /** Closes the registry client's idle connections. */
  close(): void {
    this.#client?.close();
  }

  /** For the formats that fetch a schema's references. */
  protected get client(): SchemaRegistryClient {
    return this.#client;
  }

  /** Reads the format's own keys; called by configure before any record. */
  protected abstract configureFormat(cfg: Cfg): void;

  /** The format's schema for a Connect schema. */
  protected abstract writerSchema(schema: Schema): W;

  /** What to write with, from the registry's answer for the record's schema under `subject`. */
  protected abstract registeredWriter(subject: string, writer: W, resolved: ResolvedWriterSchema): Promise<I>;

  /** A value's body in the format (what follows the wire format's header). */
  protected abstract encode(topic: string, schema: Schema, value: unknown, writer: W, registered: I): Uint8Array;

  /** What to read with, from the registry's schema for `id`. */
  protected abstract readerSchema(id: number, registered: RegistrySchema): Promise<R>;

  /** The Connect data in the bytes after the wire format's header. */
  protected abstract decode(topic: string, reader: R, body: Buffer): SchemaAndValue;

  /** Confluent's message for a value the format could not write. */
  protected serializeError(topic: string, err: unknown): DataException {
    return new DataException(
      `Failed to serialize ${this.#format.name} data from topic ${topic}: ${(err as Error).message}`,
      { cause: err },
    );
  }

  /** Confluent's message for bytes the format could not read. */
  protected deserializeError(topic: string, err: unknown): DataException {
    return new DataException(
      `Failed to deserialize data for topic ${topic} to ${this.#format.name}: ${(err as Error).message}`,
      { cause: err },
    );
  }

  #writer(schema: Schema): W {
    let w = this.#writers.get(schema);
    if (!w) {
      w = this.writerSchema(schema);
      this.#writers.set(schema, w);
    }
    return w;
  }

  fromConnectData(topic: string, _headers: Headers | null, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) {
      if (!schema || schema.optional || schema.defaultValue === null) return null;
    }
    if (!schema)
      throw new DataException(`${this.#format.converter} needs a schema: this record has a value without one`);
    const w = this.#writer(schema);
    const subject = subjectName(this.#cfg, this.#isKey, topic, w.recordName);
    const key = `${subject}\u0000${w.text}`;
    const known = this.#ids.get(key);
    if (!known) {
      const what = `Failed to ${this.#cfg['auto.register.schemas'] ? 'register' : 'look up'} the ${this.#format.name} schema for subject ${subject} (topic ${topic})`;
      this.#pending.await(key, what, async () => this.#ids.set(key, await this.#resolve(subject, w)));
    }
    return frame(known.id, this.encode(topic, schema, value, w, known), known.prefix);
  }

  async #resolve(subject: string, w: W): Promise<I> {
    const resolved = await resolveWriterSchema(this.#client, this.#cfg, subject, {
      schema: w.text,
      schemaType: this.#format.schemaType,
    });
    return this.registeredWriter(subject, w, resolved);
  }

  toConnectData(topic: string, _headers: Headers | null, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value.length === 0) return { schema: null, value: null };
    const { id, rest } = unframe(topic, this.#format.name, value);
    const reader = this.#readers.get(id);
    if (!reader) {
      this.#pending.await(
        `id\u0000${id}`,
        `Failed to retrieve ${this.#format.name} schema for id ${id} (topic ${topic})`,
        async () => this.#readers.set(id, await this.readerSchema(id, await this.#client.schemaById(id))),
      );
    }
    return this.decode(topic, reader, rest);
  }
}
