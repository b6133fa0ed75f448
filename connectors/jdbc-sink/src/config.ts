// The JDBC sink's config: Confluent's JdbcSinkConnector keys, Debezium's JdbcSinkConnector names for the same things.
import { ConfigException, ConfigKeys, type ConfigOf, defineConfig, type RawConfig } from '@tributary/api';
import { z } from 'zod';
import { type JdbcUrl, parseJdbcUrl, UrlKeyError } from './url.js';

export const INSERT_MODES = ['insert', 'upsert', 'update'] as const;
export type InsertMode = (typeof INSERT_MODES)[number];
export const PK_MODES = ['none', 'kafka', 'record_key', 'record_value', 'record_header'] as const;
export type PkMode = (typeof PK_MODES)[number];
export type NestedStructMode = 'json' | 'flatten';

/** What table.name.format / collection.name.format replace with the topic: Kafka Connect's syntax, not a JS template. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the connectors' own placeholder syntax
export const TOPIC_PLACEHOLDER = '${topic}';

const positive = z.number().min(1, 'Value must be at least 1');
const nonNegative = z.number().min(0, 'Value must be at least 0');

export const JDBC_SINK_CONFIG = defineConfig({
  'connection.url': ConfigKeys.string({
    importance: 'HIGH',
    group: 'Connection',
    doc: 'JDBC URL: jdbc:postgresql://host:port/db, jdbc:mariadb://… or jdbc:mysql://…; user, password and ssl parameters are read from it.',
  }),
  'connection.user': ConfigKeys.string({ default: null, group: 'Connection', doc: 'Database user.' }),
  'connection.username': ConfigKeys.string({
    default: null,
    group: 'Connection',
    doc: "Debezium's name for connection.user.",
  }),
  'connection.password': ConfigKeys.password({ default: null, group: 'Connection', doc: 'Database password.' }),
  'connection.attempts': ConfigKeys.int({
    default: 3,
    validate: positive,
    group: 'Connection',
    doc: 'How many times to try to connect before giving up.',
  }),
  'connection.backoff.ms': ConfigKeys.long({
    default: 10_000,
    validate: nonNegative,
    group: 'Connection',
    doc: 'Wait between connection attempts.',
  }),
  'dialect.name': ConfigKeys.string({
    default: '',
    group: 'Connection',
    doc: 'PostgreSqlDatabaseDialect, MySqlDatabaseDialect or MariaDbDatabaseDialect (also postgresql, mysql, mariadb); empty: from connection.url.',
  }),
  'insert.mode': ConfigKeys.enum(INSERT_MODES, {
    default: 'insert',
    group: 'Writes',
    doc: 'insert: INSERT; upsert: INSERT … ON CONFLICT DO UPDATE / ON DUPLICATE KEY UPDATE; update: UPDATE by primary key.',
  }),
  'batch.size': ConfigKeys.int({
    default: 3000,
    validate: positive,
    group: 'Writes',
    doc: 'Most rows one multi-row statement carries.',
  }),
  'delete.enabled': ConfigKeys.boolean({
    default: false,
    group: 'Writes',
    doc: 'Tombstones and Debezium delete events delete the row by primary key (needs pk.mode=record_key).',
  }),
  'truncate.enabled': ConfigKeys.boolean({
    default: false,
    group: 'Writes',
    doc: 'Debezium truncate events (op t) truncate the table.',
  }),
  'use.reduction.buffer': ConfigKeys.boolean({
    default: false,
    group: 'Writes',
    doc: 'Keep only the last change per primary key of each put() batch before writing.',
  }),
  'pk.mode': ConfigKeys.enum(PK_MODES, {
    default: null,
    group: 'Data mapping',
    doc: 'Where the primary key comes from: none, kafka (topic, partition, offset), record_key, record_value, record_header. Default none.',
  }),
  'primary.key.mode': ConfigKeys.enum(PK_MODES, {
    default: null,
    group: 'Data mapping',
    doc: "Debezium's name for pk.mode.",
  }),
  'pk.fields': ConfigKeys.list({ default: null, group: 'Data mapping', doc: 'Primary key field names.' }),
  'primary.key.fields': ConfigKeys.list({
    default: null,
    group: 'Data mapping',
    doc: "Debezium's name for pk.fields.",
  }),
  'fields.whitelist': ConfigKeys.list({
    default: [],
    group: 'Data mapping',
    doc: 'Value fields to write (all when empty).',
  }),
  'field.include.list': ConfigKeys.list({
    default: [],
    group: 'Data mapping',
    doc: 'Debezium: fields to write, as <topic>:<field> or <field>.',
  }),
  'field.exclude.list': ConfigKeys.list({
    default: [],
    group: 'Data mapping',
    doc: 'Debezium: fields not to write, as <topic>:<field> or <field>.',
  }),
  'table.name.format': ConfigKeys.string({
    default: null,
    group: 'Data mapping',
    doc: `Destination table; ${TOPIC_PLACEHOLDER} is replaced by the topic. Default ${TOPIC_PLACEHOLDER}.`,
  }),
  'collection.name.format': ConfigKeys.string({
    default: null,
    group: 'Data mapping',
    doc: "Debezium's name for table.name.format.",
  }),
  'nested.struct.mode': ConfigKeys.enum(['json', 'flatten'] as const, {
    default: 'json',
    group: 'Data mapping',
    doc: 'Nested structs and maps: json writes them to one JSON/jsonb column; flatten writes each leaf to <parent>_<field>.',
  }),
  'auto.create': ConfigKeys.boolean({
    default: null,
    group: 'DDL',
    doc: 'CREATE TABLE when the destination table is missing.',
  }),
  'auto.evolve': ConfigKeys.boolean({
    default: null,
    group: 'DDL',
    doc: 'ALTER TABLE … ADD nullable columns for fields the table lacks (never drops or retypes).',
  }),
  'schema.evolution': ConfigKeys.enum(['none', 'basic'] as const, {
    default: null,
    group: 'DDL',
    doc: 'Debezium: basic is auto.create and auto.evolve together.',
  }),
  'quote.sql.identifiers': ConfigKeys.enum(['always', 'never'] as const, {
    default: null,
    group: 'DDL',
    doc: 'always: quote table and column names as given; never: names fold to the database default case.',
  }),
  'quote.identifiers': ConfigKeys.boolean({
    default: null,
    group: 'DDL',
    doc: "Debezium's name for quote.sql.identifiers (true = always).",
  }),
  'table.types': ConfigKeys.list({
    default: ['TABLE'],
    group: 'DDL',
    doc: 'TABLE, PARTITIONED TABLE and/or VIEW: what may be written to.',
  }),
  'max.retries': ConfigKeys.int({
    default: 10,
    validate: nonNegative,
    group: 'Retries',
    doc: 'Retries of a table batch after a transient database error.',
  }),
  'retry.backoff.ms': ConfigKeys.int({
    default: 3000,
    validate: nonNegative,
    group: 'Retries',
    doc: 'Wait between retries.',
  }),
  'db.timezone': ConfigKeys.string({
    default: null,
    group: 'Data mapping',
    doc: 'Time zone for columns without one (timestamp, DATETIME). Default UTC.',
  }),
  'use.time.zone': ConfigKeys.string({ default: null, group: 'Data mapping', doc: "Debezium's name for db.timezone." }),
});

type Raw = ConfigOf<typeof JDBC_SINK_CONFIG>;

/** Which Java sink a config was written for: it decides table naming (Debezium flattens dots). */
export type Flavor = 'confluent' | 'debezium';

export interface JdbcSinkConfig {
  flavor: Flavor;
  url: JdbcUrl;
  user: string | null;
  password: string | null;
  connectionAttempts: number;
  connectionBackoffMs: number;
  insertMode: InsertMode;
  batchSize: number;
  deleteEnabled: boolean;
  truncateEnabled: boolean;
  reductionBuffer: boolean;
  pkMode: PkMode;
  pkFields: string[];
  fieldsInclude: string[];
  fieldsExclude: string[];
  tableNameFormat: string;
  nestedStructMode: NestedStructMode;
  autoCreate: boolean;
  autoEvolve: boolean;
  quoteIdentifiers: boolean;
  tableTypes: string[];
  maxRetries: number;
  retryBackoffMs: number;
  timeZone: string;
}

const TABLE_TYPES = ['TABLE', 'PARTITIONED TABLE', 'VIEW'];

/**
 * Typed config, or a ConfigException naming every bad key. A Confluent key and its Debezium twin mean the
 * same; when both are set they must agree.
 */
export function parseJdbcSinkConfig(props: RawConfig): JdbcSinkConfig {
  const errors: Record<string, string[]> = {};
  let c: Raw;
  try {
    c = JDBC_SINK_CONFIG.parse(props);
  } catch (e) {
    if (e instanceof ConfigException) throw withCrossChecks(e.errors, props);
    throw e;
  }
  const add = (key: string, msg: string): void => {
    errors[key] = [...(errors[key] ?? []), msg];
  };
  const twin = <T>(a: keyof Raw, b: keyof Raw, fallback: T): T => {
    const va = c[a] as T | null;
    const vb = c[b] as T | null;
    if (va !== null && vb !== null && JSON.stringify(va) !== JSON.stringify(vb))
      add(String(b), `conflicts with ${String(a)} (${JSON.stringify(va)} vs ${JSON.stringify(vb)}); set one of them`);
    return va ?? vb ?? fallback;
  };

  let url: JdbcUrl | null = null;
  try {
    url = parseJdbcUrl(c['connection.url'], c['dialect.name']);
  } catch (e) {
    add(e instanceof UrlKeyError ? e.key : 'connection.url', (e as Error).message);
  }
  const evolution = c['schema.evolution'];
  const quoteAlways =
    c['quote.sql.identifiers'] !== null ? c['quote.sql.identifiers'] === 'always' : (c['quote.identifiers'] ?? true);
  const cfg: JdbcSinkConfig = {
    flavor: String(props['connector.class'] ?? '').startsWith('io.debezium.') ? 'debezium' : 'confluent',
    url: url ?? { dialect: 'postgresql', host: 'localhost', port: 5432, database: '', params: {} },
    user: twin('connection.user', 'connection.username', null as string | null) ?? url?.params.user ?? null,
    password: c['connection.password']?.value() ?? url?.params.password ?? null,
    connectionAttempts: c['connection.attempts'],
    connectionBackoffMs: c['connection.backoff.ms'],
    insertMode: c['insert.mode'],
    batchSize: c['batch.size'],
    deleteEnabled: c['delete.enabled'],
    truncateEnabled: c['truncate.enabled'],
    reductionBuffer: c['use.reduction.buffer'],
    pkMode: twin<PkMode>('pk.mode', 'primary.key.mode', 'none'),
    pkFields: twin<string[]>('pk.fields', 'primary.key.fields', []),
    fieldsInclude: [...c['fields.whitelist'], ...c['field.include.list']],
    fieldsExclude: c['field.exclude.list'],
    tableNameFormat: twin('table.name.format', 'collection.name.format', TOPIC_PLACEHOLDER),
    nestedStructMode: c['nested.struct.mode'],
    autoCreate: c['auto.create'] ?? evolution === 'basic',
    autoEvolve: c['auto.evolve'] ?? evolution === 'basic',
    quoteIdentifiers: quoteAlways,
    tableTypes: c['table.types'].map((t) => t.toUpperCase()),
    maxRetries: c['max.retries'],
    retryBackoffMs: c['retry.backoff.ms'],
    timeZone: twin('db.timezone', 'use.time.zone', 'UTC'),
  };
  for (const t of cfg.tableTypes)
    if (!TABLE_TYPES.includes(t)) add('table.types', `Unknown table type '${t}' (expected ${TABLE_TYPES.join(', ')})`);
  if (cfg.insertMode !== 'insert' && cfg.pkMode === 'none')
    add(
      c['pk.mode'] !== null || c['primary.key.mode'] === null ? 'pk.mode' : 'primary.key.mode',
      `insert.mode=${cfg.insertMode} needs a primary key: set pk.mode to record_key, record_value, record_header or kafka`,
    );
  if (cfg.deleteEnabled && cfg.pkMode !== 'record_key')
    add(
      'delete.enabled',
      `delete.enabled=true needs pk.mode=record_key (it is ${cfg.pkMode}): deletes are found by the record key`,
    );
  if (cfg.pkMode === 'kafka' && cfg.pkFields.length !== 0 && cfg.pkFields.length !== 3)
    add('pk.fields', 'pk.mode=kafka takes exactly three names (topic, partition and offset columns) or none');
  if (!cfg.tableNameFormat.trim()) add('table.name.format', 'must not be empty');
  if (!isTimeZone(cfg.timeZone))
    add(c['db.timezone'] !== null ? 'db.timezone' : 'use.time.zone', `Unknown time zone '${cfg.timeZone}'`);
  if (Object.keys(errors).length > 0) throw new ConfigException(errors);
  return cfg;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Per-key errors plus, where the keys themselves parsed, the cross-key ones — so one 400 names everything. */
function withCrossChecks(keyErrors: Readonly<Record<string, readonly string[]>>, props: RawConfig): ConfigException {
  const errors: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(keyErrors)) errors[k] = [...v];
  const cleaned: Record<string, string | undefined> = { ...props };
  for (const k of Object.keys(errors)) delete cleaned[k];
  // connection.url is the one required key: a stand-in lets the other keys' cross-checks run.
  if ('connection.url' in errors) cleaned['connection.url'] = 'jdbc:postgresql://localhost/postgres';
  try {
    parseJdbcSinkConfig(cleaned);
  } catch (e) {
    if (e instanceof ConfigException)
      for (const [k, v] of Object.entries(e.errors)) if (!(k in keyErrors)) errors[k] = [...v];
  }
  return new ConfigException(errors);
}
