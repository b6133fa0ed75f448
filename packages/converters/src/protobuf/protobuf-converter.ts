/**
 * io.confluent.connect.protobuf.ProtobufConverter: Connect data as Protobuf in Confluent's wire
 * format — magic byte 0, the 4-byte big-endian schema id, the message-index array (zig-zag varints;
 * the single byte 0 for the file's first message), then the message's binary encoding — with .proto
 * schemas (schemaType PROTOBUF) in a schema registry; the registry, caches and the header up to the
 * schema id are RegistryConverter's.
 */
import {
  ConfigKeys,
  type ConfigOf,
  DataException,
  type Schema,
  type SchemaAndValue,
  defineConfig,
} from '@tributary/api';
import type protobuf from 'protobufjs';
import type { RegistrySchema } from '../registry/registry-client.js';
import { RegistryConverter } from '../registry/registry-converter.js';
import { type ResolvedWriterSchema, scrubInvalidNamesKey, serdeChecks, serdeKeys } from '../registry/serde-config.js';
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
  'scrub.invalid.names': scrubInvalidNamesKey('Protobuf'),
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
  /** The message indexes, written between the schema id and the message. */
  prefix: Uint8Array;
}

interface ReaderEntry {
  file: ProtoFile;
  /** By the message-index path, joined with commas. */
  messages: Map<string, { type: protobuf.Type; connect: Schema }>;
}

export class ProtobufConverter extends RegistryConverter<Cfg, WriterEntry, IdEntry, ReaderEntry> {
  #data!: ProtobufDataConfig;

  constructor() {
    super(ProtobufConverterConfig, { converter: 'ProtobufConverter', name: 'Protobuf', schemaType: 'PROTOBUF' });
  }

  protected configureFormat(cfg: Cfg): void {
    this.#data = {
      enhancedSchemaSupport: cfg['enhanced.protobuf.schema.support'],
      scrubInvalidNames: cfg['scrub.invalid.names'],
      wrapperForNullables: cfg['wrapper.for.nullables'],
      optionalForNullables: cfg['optional.for.nullables'],
    };
  }

  protected writerSchema(schema: Schema): WriterEntry {
    const g = fromConnectSchema(schema, this.#data);
    return { text: g.text, messageName: g.messageName, recordName: g.messageName };
  }

  protected encode(topic: string, schema: Schema, value: unknown, _w: WriterEntry, known: IdEntry): Uint8Array {
    try {
      return known.type.encode(toProtoMessage(schema, value ?? schema.defaultValue, known.type)).finish();
    } catch (err) {
      if (err instanceof DataException) throw err;
      throw this.serializeError(topic, err);
    }
  }

  protected async registeredWriter(_subject: string, w: WriterEntry, r: ResolvedWriterSchema): Promise<IdEntry> {
    const file = r.registered
      ? parseProto(r.registered.schema, await this.#references(r.registered))
      : parseProto(w.text);
    const type = file.root.lookupType(w.messageName);
    return { id: r.id, type, prefix: encodeMessageIndexes(indexesOf(file, type)) };
  }

  /** The referenced .proto files (by import path), fetched recursively. */
  async #references(s: RegistrySchema, seen = new Set<string>()): Promise<ProtoReference[]> {
    const out: ProtoReference[] = [];
    for (const r of s.references ?? []) {
      if (seen.has(r.name)) continue;
      seen.add(r.name);
      const v = await this.client.version(r.subject, r.version);
      out.push({ name: r.name, schema: v.schema }, ...(await this.#references(v, seen)));
    }
    return out;
  }

  protected async readerSchema(id: number, s: RegistrySchema): Promise<ReaderEntry> {
    if ((s.schemaType ?? 'AVRO') !== 'PROTOBUF')
      throw new DataException(`Schema ${id} is a ${s.schemaType ?? 'AVRO'} schema, not PROTOBUF`);
    return { file: parseProto(s.schema, await this.#references(s)), messages: new Map() };
  }

  protected decode(topic: string, reader: ReaderEntry, body: Buffer): SchemaAndValue {
    let indexes: number[];
    let length: number;
    try {
      ({ indexes, length } = decodeMessageIndexes(body));
    } catch (err) {
      throw this.deserializeError(topic, err);
    }
    const pathKey = indexes.join(',');
    let m = reader.messages.get(pathKey);
    if (!m) {
      let type: protobuf.Type;
      try {
        type = messageAt(reader.file, indexes);
      } catch (err) {
        throw this.deserializeError(topic, err);
      }
      m = { type, connect: toConnectSchema(type, this.#data) };
      reader.messages.set(pathKey, m);
    }
    let msg: protobuf.Message;
    try {
      msg = m.type.decode(body.subarray(length));
    } catch (err) {
      throw this.deserializeError(topic, err);
    }
    return { schema: m.connect, value: toConnectValue(m.connect, msg, m.type) };
  }
}
