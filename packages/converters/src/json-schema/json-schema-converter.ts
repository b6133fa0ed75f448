/**
 * io.confluent.connect.json.JsonSchemaConverter: Connect data as JSON in Confluent's wire format
 * (magic byte 0, 4-byte big-endian schema id, the JSON text) with JSON Schemas (schemaType JSON) in
 * a schema registry. Schemas are cached by Connect schema and by id; a cache miss is awaited by the
 * runtime through NotReadyException, as in AvroConverter.
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
import { JsonSyntaxError, parseJson } from '../json/lossless-json.js';
import { LruCache } from '../lru.js';
import type { SchemaRegistryClient } from '../registry/registry-client.js';
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
import { type DecimalFormat, fromConnectSchema, readValue, toConnectSchema, writeValue } from './json-schema-data.js';
import { type Validate, compileValidator } from './validator.js';

/** JsonSchemaConverter's keys, as Confluent's KafkaJsonSchemaSerializerConfig and JsonSchemaDataConfig name them. */
export const JsonSchemaConverterConfig = defineConfig({
  ...serdeKeys,
  'json.fail.invalid.schema': ConfigKeys.boolean({
    default: false,
    importance: 'MEDIUM',
    doc: 'Validate every value against its JSON Schema when writing and reading, and fail the record when it does not conform.',
  }),
  'decimal.format': ConfigKeys.enum(['BASE64', 'NUMERIC'] as const, {
    default: 'BASE64',
    importance: 'LOW',
    doc: 'How Decimal values are written: BASE64 (the unscaled value as base64 bytes) or NUMERIC (a JSON number). Both are read.',
  }),
}).withChecks(...serdeChecks);

type Cfg = ConfigOf<typeof JsonSchemaConverterConfig>;

interface WriterEntry {
  json: Record<string, unknown>;
  text: string;
  recordName: string | null;
}

interface IdEntry {
  id: number;
  validate: Validate | null;
}

interface ReaderEntry {
  connect: Schema;
  validate: Validate | null;
}

export class JsonSchemaConverter implements Converter {
  #cfg!: Cfg;
  #isKey = false;
  #client!: SchemaRegistryClient;
  #decimalFormat: DecimalFormat = 'BASE64';
  #writers!: LruCache<Schema, WriterEntry>;
  #ids!: LruCache<string, IdEntry>;
  #readers!: LruCache<number, ReaderEntry>;
  readonly #pending: PendingLookups = new PendingLookups();

  config() {
    return JsonSchemaConverterConfig;
  }

  configure(props: Readonly<Record<string, string>>, isKey: boolean): void {
    this.#cfg = JsonSchemaConverterConfig.parse(props);
    this.#isKey = isKey;
    this.#client = registryClientFrom(props, this.#cfg);
    this.#decimalFormat = this.#cfg['decimal.format'];
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
      const json = fromConnectSchema(schema);
      w = { json, text: JSON.stringify(json), recordName: schema.type === 'struct' ? schema.name : null };
      this.#writers.set(schema, w);
    }
    return w;
  }

  fromConnectData(topic: string, _headers: Headers | null, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) {
      if (!schema || schema.optional || schema.defaultValue === null) return null;
    }
    if (!schema) throw new DataException('JsonSchemaConverter needs a schema: this record has a value without one');
    const w = this.#writer(schema);
    const subject = subjectName(this.#cfg, this.#isKey, topic, w.recordName);
    const key = `${subject}\u0000${w.text}`;
    const known = this.#ids.get(key);
    if (!known) {
      const what = `Failed to ${this.#cfg['auto.register.schemas'] ? 'register' : 'look up'} the JSON schema for subject ${subject} (topic ${topic})`;
      this.#pending.await(key, what, async () => this.#ids.set(key, await this.#resolveId(subject, w)));
    }
    const text = writeValue(schema, value, this.#decimalFormat);
    if (known.validate) {
      const problems = known.validate(JSON.parse(text));
      if (problems) throw new DataException(`Validation error in JSON ${text} for topic ${topic}: ${problems}`);
    }
    return frame(known.id, Buffer.from(text, 'utf8'));
  }

  #validator(schemaText: string): Validate | null {
    return this.#cfg['json.fail.invalid.schema'] ? compileValidator(JSON.parse(schemaText)) : null;
  }

  async #resolveId(subject: string, w: WriterEntry): Promise<IdEntry> {
    const { id, registered } = await resolveWriterSchema(this.#client, this.#cfg, subject, {
      schema: w.text,
      schemaType: 'JSON',
    });
    return { id, validate: this.#validator(registered?.schema ?? w.text) };
  }

  toConnectData(topic: string, _headers: Headers | null, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value.length === 0) return { schema: null, value: null };
    const { id, rest } = unframe(topic, 'JSON', value);
    const reader = this.#readers.get(id);
    if (!reader) {
      this.#pending.await(`id\u0000${id}`, `Failed to retrieve JSON schema for id ${id} (topic ${topic})`, async () => {
        const s = await this.#client.schemaById(id);
        if ((s.schemaType ?? 'AVRO') !== 'JSON')
          throw new DataException(`Schema ${id} is a ${s.schemaType ?? 'AVRO'} schema, not JSON`);
        if ((s.references ?? []).length > 0)
          throw new DataException(`Schema ${id} has references, which JsonSchemaConverter does not resolve`);
        const doc = JSON.parse(s.schema) as unknown;
        this.#readers.set(id, { connect: toConnectSchema(doc), validate: this.#validator(s.schema) });
      });
    }
    const text = rest.toString('utf8');
    let parsed: ReturnType<typeof parseJson>;
    try {
      parsed = parseJson(text);
    } catch (err) {
      if (err instanceof JsonSyntaxError)
        throw new DataException(
          `Converting byte[] to Kafka Connect data failed due to serialization error of topic ${topic}: ${err.message}`,
          { cause: err },
        );
      throw err;
    }
    if (reader.validate) {
      const problems = reader.validate(JSON.parse(text));
      if (problems) throw new DataException(`Validation error in JSON ${text} for topic ${topic}: ${problems}`);
    }
    return { schema: reader.connect, value: readValue(reader.connect, parsed) };
  }
}
