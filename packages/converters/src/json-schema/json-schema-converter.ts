/**
 * io.confluent.connect.json.JsonSchemaConverter: Connect data as JSON in Confluent's wire format
 * (magic byte 0, 4-byte big-endian schema id, the JSON text) with JSON Schemas (schemaType JSON) in
 * a schema registry; the registry, caches and wire format are RegistryConverter's.
 */
import {
  ConfigKeys,
  type ConfigOf,
  DataException,
  type Schema,
  type SchemaAndValue,
  defineConfig,
} from '@tributary/api';
import { JsonSyntaxError, parseJson } from '../json/lossless-json.js';
import type { RegistrySchema } from '../registry/registry-client.js';
import { RegistryConverter } from '../registry/registry-converter.js';
import { type ResolvedWriterSchema, serdeChecks, serdeKeys } from '../registry/serde-config.js';
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

export class JsonSchemaConverter extends RegistryConverter<Cfg, WriterEntry, IdEntry, ReaderEntry> {
  #decimalFormat: DecimalFormat = 'BASE64';
  #failInvalidSchema = false;

  constructor() {
    super(JsonSchemaConverterConfig, { converter: 'JsonSchemaConverter', name: 'JSON', schemaType: 'JSON' });
  }

  protected configureFormat(cfg: Cfg): void {
    this.#decimalFormat = cfg['decimal.format'];
    this.#failInvalidSchema = cfg['json.fail.invalid.schema'];
  }

  protected writerSchema(schema: Schema): WriterEntry {
    const json = fromConnectSchema(schema);
    return { json, text: JSON.stringify(json), recordName: schema.type === 'struct' ? schema.name : null };
  }

  protected encode(topic: string, schema: Schema, value: unknown, _w: WriterEntry, known: IdEntry): Uint8Array {
    const text = writeValue(schema, value, this.#decimalFormat);
    if (known.validate) {
      const problems = known.validate(JSON.parse(text));
      if (problems) throw new DataException(`Validation error in JSON ${text} for topic ${topic}: ${problems}`);
    }
    return Buffer.from(text, 'utf8');
  }

  #validator(schemaText: string): Validate | null {
    return this.#failInvalidSchema ? compileValidator(JSON.parse(schemaText)) : null;
  }

  protected async registeredWriter(_subject: string, w: WriterEntry, r: ResolvedWriterSchema): Promise<IdEntry> {
    return { id: r.id, validate: this.#validator(r.registered?.schema ?? w.text) };
  }

  protected async readerSchema(id: number, s: RegistrySchema): Promise<ReaderEntry> {
    if ((s.schemaType ?? 'AVRO') !== 'JSON')
      throw new DataException(`Schema ${id} is a ${s.schemaType ?? 'AVRO'} schema, not JSON`);
    if ((s.references ?? []).length > 0)
      throw new DataException(`Schema ${id} has references, which JsonSchemaConverter does not resolve`);
    const doc = JSON.parse(s.schema) as unknown;
    return { connect: toConnectSchema(doc), validate: this.#validator(s.schema) };
  }

  protected decode(topic: string, reader: ReaderEntry, body: Buffer): SchemaAndValue {
    const text = body.toString('utf8');
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
