/**
 * io.confluent.connect.protobuf.ProtobufConverter: Connect data as Protobuf in Confluent's wire
 * format — magic byte 0, the 4-byte big-endian schema id, the message-index array (zig-zag varints;
 * the single byte 0 for the file's first message), then the message's binary encoding — with .proto
 * schemas (schemaType PROTOBUF) in a schema registry. Schemas are cached by Connect schema and by id;
 * a cache miss is awaited by the runtime through NotReadyException, as in AvroConverter.
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
import type protobuf from 'protobufjs';
import { LruCache } from '../lru.js';
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
import {
  type ProtoFile,
  type ProtoReference,
  decodeMessageIndexes,
  encodeMessageIndexes,
  indexesOf,
  messageAt,
  parseProto,
} from './proto-schema.js';
import {
  type ProtobufDataConfig,
  fromConnectSchema,
  toConnectSchema,
  toConnectValue,
  toProtoMessage,
} from './protobuf-data.js';

/** ProtobufConverter's keys, as Confluent's KafkaProtobufSerializerConfig and ProtobufDataConfig name them. */
export const ProtobufConverterConfig = defineConfig({
  ...serdeKeys,
  'enhanced.protobuf.schema.support': ConfigKeys.boolean({
    default: false,
    importance: 'LOW',
    doc: 'Name Connect structs after the full message name (with its package).',
  }),
  'scrub.invalid.names': ConfigKeys.boolean({
    default: false,
    importance: 'LOW',
    doc: 'Replace characters that are not valid in Protobuf names with underscores.',
  }),
  'wrapper.for.nullables': ConfigKeys.boolean({
    default: false,
    importance: 'LOW',
    doc: 'Write optional primitives as google.protobuf wrapper messages, and read wrappers as optional primitives.',
  }),
  'optional.for.nullables': ConfigKeys.boolean({
    default: false,
    importance: 'LOW',
    doc: 'Write optional primitives as proto3 optional fields.',
  }),
}).withChecks(...serdeChecks);

type Cfg = ConfigOf<typeof ProtobufConverterConfig>;

interface WriterEntry {
  text: string;
  messageName: string;
  recordName: string;
}

interface IdEntry {
  id: number;
  type: protobuf.Type;
  indexes: Uint8Array;
}

interface ReaderEntry {
  file: ProtoFile;
  /** By the message-index path, joined with commas. */
  messages: Map<string, { type: protobuf.Type; connect: Schema }>;
}

export class ProtobufConverter implements Converter {
  #cfg!: Cfg;
  #isKey = false;
  #client!: SchemaRegistryClient;
  #data!: ProtobufDataConfig;
  #writers!: LruCache<Schema, WriterEntry>;
  #ids!: LruCache<string, IdEntry>;
  #readers!: LruCache<number, ReaderEntry>;
  readonly #pending: PendingLookups = new PendingLookups();

  config() {
    return ProtobufConverterConfig;
  }

  configure(props: Readonly<Record<string, string>>, isKey: boolean): void {
    this.#cfg = ProtobufConverterConfig.parse(props);
    this.#isKey = isKey;
    this.#client = registryClientFrom(props, this.#cfg);
    this.#data = {
      enhancedSchemaSupport: this.#cfg['enhanced.protobuf.schema.support'],
      scrubInvalidNames: this.#cfg['scrub.invalid.names'],
      wrapperForNullables: this.#cfg['wrapper.for.nullables'],
      optionalForNullables: this.#cfg['optional.for.nullables'],
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
      const g = fromConnectSchema(schema, this.#data);
      w = { text: g.text, messageName: g.messageName, recordName: g.messageName };
      this.#writers.set(schema, w);
    }
    return w;
  }

  fromConnectData(topic: string, _headers: Headers | null, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) {
      if (!schema || schema.optional || schema.defaultValue === null) return null;
    }
    if (!schema) throw new DataException('ProtobufConverter needs a schema: this record has a value without one');
    const w = this.#writer(schema);
    const subject = subjectName(this.#cfg, this.#isKey, topic, w.recordName);
    const key = `${subject}\u0000${w.text}`;
    const known = this.#ids.get(key);
    if (!known) {
      const what = `Failed to ${this.#cfg['auto.register.schemas'] ? 'register' : 'look up'} the Protobuf schema for subject ${subject} (topic ${topic})`;
      this.#pending.await(key, what, async () => this.#ids.set(key, await this.#resolveId(subject, w)));
    }
    let body: Uint8Array;
    try {
      body = known.type.encode(toProtoMessage(schema, value ?? schema.defaultValue, known.type)).finish();
    } catch (err) {
      if (err instanceof DataException) throw err;
      throw new DataException(`Failed to serialize Protobuf data from topic ${topic}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return frame(known.id, body, known.indexes);
  }

  async #resolveId(subject: string, w: WriterEntry): Promise<IdEntry> {
    const { id, registered } = await resolveWriterSchema(this.#client, this.#cfg, subject, {
      schema: w.text,
      schemaType: 'PROTOBUF',
    });
    const file = registered ? parseProto(registered.schema, await this.#references(registered)) : parseProto(w.text);
    const type = file.root.lookupType(w.messageName);
    return { id, type, indexes: encodeMessageIndexes(indexesOf(file, type)) };
  }

  /** The referenced .proto files (by import path), fetched recursively. */
  async #references(s: RegistrySchema, seen = new Set<string>()): Promise<ProtoReference[]> {
    const out: ProtoReference[] = [];
    for (const r of s.references ?? []) {
      if (seen.has(r.name)) continue;
      seen.add(r.name);
      const v = await this.#client.version(r.subject, r.version);
      out.push({ name: r.name, schema: v.schema }, ...(await this.#references(v, seen)));
    }
    return out;
  }

  toConnectData(topic: string, _headers: Headers | null, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value.length === 0) return { schema: null, value: null };
    const { id, rest } = unframe(topic, 'Protobuf', value);
    const reader = this.#readers.get(id);
    if (!reader) {
      this.#pending.await(
        `id\u0000${id}`,
        `Failed to retrieve Protobuf schema for id ${id} (topic ${topic})`,
        async () => {
          const s = await this.#client.schemaById(id);
          if ((s.schemaType ?? 'AVRO') !== 'PROTOBUF')
            throw new DataException(`Schema ${id} is a ${s.schemaType ?? 'AVRO'} schema, not PROTOBUF`);
          this.#readers.set(id, { file: parseProto(s.schema, await this.#references(s)), messages: new Map() });
        },
      );
    }
    let indexes: number[];
    let length: number;
    try {
      ({ indexes, length } = decodeMessageIndexes(rest));
    } catch (err) {
      throw new DataException(`Failed to deserialize data for topic ${topic} to Protobuf: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const pathKey = indexes.join(',');
    let m = reader.messages.get(pathKey);
    if (!m) {
      let type: protobuf.Type;
      try {
        type = messageAt(reader.file, indexes);
      } catch (err) {
        throw new DataException(
          `Failed to deserialize data for topic ${topic} to Protobuf: ${(err as Error).message}`,
          { cause: err },
        );
      }
      m = { type, connect: toConnectSchema(type, this.#data) };
      reader.messages.set(pathKey, m);
    }
    let msg: protobuf.Message;
    try {
      msg = m.type.decode(rest.subarray(length));
    } catch (err) {
      throw new DataException(`Failed to deserialize data for topic ${topic} to Protobuf: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { schema: m.connect, value: toConnectValue(m.connect, msg, m.type) };
  }
}
