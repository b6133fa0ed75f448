/** The datagen connector's config: Confluent's kafka-connect-datagen keys and defaults, and the schema (quickstart, file or string) resolved and checked. */
import { readFileSync } from 'node:fs';
import { ConfigException, ConfigKeys, type ConfigValueInfo, defineConfig, type RawConfig } from '@tributary/api';
import { AvroSchemaError, type AvroType, parseAvroSchema, parseAvroSchemaJson } from './avro.js';
import { findQuickstart, findQuickstartByFilename, QUICKSTARTS, type Quickstart } from './quickstarts.js';

export const KAFKA_TOPIC_CONF = 'kafka.topic';
export const MAXINTERVAL_CONF = 'max.interval';
export const ITERATIONS_CONF = 'iterations';
export const SCHEMA_FILENAME_CONF = 'schema.filename';
export const SCHEMA_STRING_CONF = 'schema.string';
export const SCHEMA_KEYFIELD_CONF = 'schema.keyfield';
export const QUICKSTART_CONF = 'quickstart';
export const RANDOM_SEED_CONF = 'random.seed';

/** Datagen's keys with Confluent's names, defaults and documentation. */
export const datagenConfigDef = defineConfig({
  [KAFKA_TOPIC_CONF]: ConfigKeys.string({ importance: 'HIGH', doc: 'Topic to write to' }),
  [MAXINTERVAL_CONF]: ConfigKeys.long({
    default: 500,
    importance: 'HIGH',
    doc: 'Max interval between messages (ms); 0 generates as fast as the worker takes records',
  }),
  [ITERATIONS_CONF]: ConfigKeys.int({
    default: -1,
    importance: 'HIGH',
    doc: 'Number of messages to send from each task, or less than 1 for unlimited',
  }),
  [SCHEMA_FILENAME_CONF]: ConfigKeys.string({ default: '', importance: 'HIGH', doc: 'Filename of schema to use' }),
  [SCHEMA_STRING_CONF]: ConfigKeys.rawString({
    default: '',
    importance: 'HIGH',
    doc: 'The literal JSON-encoded Avro schema to use. Cannot be set with schema.filename or quickstart',
  }),
  [SCHEMA_KEYFIELD_CONF]: ConfigKeys.string({
    default: '',
    importance: 'HIGH',
    doc: 'Name of field to use as the message key',
  }),
  [QUICKSTART_CONF]: ConfigKeys.string({
    default: '',
    importance: 'HIGH',
    doc: `Name of quickstart to use: ${QUICKSTARTS.map((q) => q.name).join(', ')}`,
  }),
  [RANDOM_SEED_CONF]: ConfigKeys.long({
    default: null,
    importance: 'LOW',
    doc: 'Numeric seed for generating random data. Two connectors started with the same seed will deterministically produce the same data. Each task will generate different data than the other tasks in the same connector.',
  }),
});

export interface DatagenSettings {
  readonly topic: string;
  readonly maxIntervalMs: number;
  /** Records per task; null for unlimited. */
  readonly iterations: number | null;
  readonly schema: AvroType;
  /** The top-level field used as the key, or null for the empty-string key. */
  readonly keyField: string | null;
  readonly quickstart: Quickstart | null;
  readonly randomSeed: number | null;
}

type Resolved =
  | { settings: DatagenSettings; errors?: undefined }
  | { settings?: undefined; errors: Record<string, string[]> };

/** Everything the generic key checks cannot see: the schema source, the schema itself and the key field. */
function resolve(raw: RawConfig): Resolved {
  let c: ReturnType<typeof datagenConfigDef.parse>;
  try {
    c = datagenConfigDef.parse(raw);
  } catch (e) {
    if (e instanceof ConfigException)
      return { errors: Object.fromEntries(Object.entries(e.errors).map(([k, v]) => [k, [...v]])) };
    throw e;
  }
  const errors: Record<string, string[]> = {};
  const add = (key: string, msg: string) => {
    errors[key] = [...(errors[key] ?? []), msg];
  };
  if (c[MAXINTERVAL_CONF] < 0)
    add(
      MAXINTERVAL_CONF,
      `Invalid value ${c[MAXINTERVAL_CONF]} for configuration ${MAXINTERVAL_CONF}: Value must be at least 0`,
    );

  const sources = [QUICKSTART_CONF, SCHEMA_STRING_CONF, SCHEMA_FILENAME_CONF].filter(
    (k) => (c[k as keyof typeof c] as string).trim() !== '',
  );
  if (sources.length === 0) {
    add(QUICKSTART_CONF, `One of ${QUICKSTART_CONF}, ${SCHEMA_STRING_CONF} or ${SCHEMA_FILENAME_CONF} must be set`);
  } else if (sources.length > 1) {
    for (const k of sources)
      add(k, `Only one of ${QUICKSTART_CONF}, ${SCHEMA_STRING_CONF} or ${SCHEMA_FILENAME_CONF} may be set`);
  }
  let schema: AvroType | null = null;
  let quickstart: Quickstart | null = null;
  if (sources.length === 1) {
    const source = sources[0]!;
    try {
      if (source === QUICKSTART_CONF) {
        quickstart = findQuickstart(c[QUICKSTART_CONF]) ?? null;
        if (!quickstart)
          add(
            QUICKSTART_CONF,
            `Unknown quickstart '${c[QUICKSTART_CONF]}'; one of: ${QUICKSTARTS.map((q) => q.name).join(', ')}`,
          );
        else schema = parseAvroSchemaJson(quickstart.schema);
      } else if (source === SCHEMA_STRING_CONF) {
        schema = parseAvroSchema(c[SCHEMA_STRING_CONF]);
      } else {
        schema = readSchemaFile(c[SCHEMA_FILENAME_CONF]);
      }
    } catch (e) {
      if (!(e instanceof AvroSchemaError)) throw e;
      add(source, `Unable to parse the provided schema: ${e.message}`);
    }
    if (schema && schema.kind !== 'record') {
      add(source, `The schema must be a record, not ${schema.kind}`);
      schema = null;
    }
  }
  // A quickstart brings its own key field; an explicit schema.keyfield overrides it.
  const keyField = c[SCHEMA_KEYFIELD_CONF] !== '' ? c[SCHEMA_KEYFIELD_CONF] : (quickstart?.keyField ?? null);
  if (schema?.kind === 'record' && keyField !== null && !schema.fields.some((f) => f.name === keyField)) {
    add(SCHEMA_KEYFIELD_CONF, `The schema has no field '${keyField}' to use as the key`);
  }
  if (Object.keys(errors).length > 0 || !schema) return { errors };
  const iterations = c[ITERATIONS_CONF];
  return {
    settings: {
      topic: c[KAFKA_TOPIC_CONF],
      maxIntervalMs: c[MAXINTERVAL_CONF],
      iterations: iterations < 1 ? null : iterations,
      schema,
      keyField,
      quickstart,
      randomSeed: c[RANDOM_SEED_CONF],
    },
  };
}

function readSchemaFile(filename: string): AvroType {
  let text: string;
  try {
    text = readFileSync(filename, 'utf8');
  } catch (e) {
    // Confluent's connector also resolves its bundled resource names, e.g. orders_schema.avro.
    const bundled = findQuickstartByFilename(filename);
    if (bundled) return parseAvroSchemaJson(bundled.schema);
    throw new AvroSchemaError(
      `Unable to find the schema file ${filename}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseAvroSchema(text);
}

/** Per-key validation for PUT …/config/validate, with datagen's cross-key checks folded in. */
export function validateDatagen(raw: RawConfig): ConfigValueInfo[] {
  const generic = datagenConfigDef.validate(raw);
  if (generic.some((v) => v.errors.length > 0)) return generic;
  const r = resolve(raw);
  if (!r.errors) return generic;
  return generic.map((v) => (r.errors[v.name] ? { ...v, errors: [...v.errors, ...r.errors[v.name]!] } : v));
}

/** Parsed settings, or a ConfigException naming every bad key. */
export function parseDatagen(raw: RawConfig): DatagenSettings {
  const r = resolve(raw);
  if (r.errors) throw new ConfigException(r.errors);
  return r.settings;
}
