/** The Postgres CDC connector's config: Debezium's PostgreSQL connector keys, names and defaults, with the cross-key checks and derived settings. */
import { type ConfigCheck, ConfigKeys, type ConfigOf, defineConfig, type Password } from '@tributary/api';
import { columnMapperErrors } from './column-mappers.js';
import { parseTableId } from './table-id.js';
import type { PgConnectOptions } from './connection.js';
import { handlingModeKeys, TIME_PRECISION_MODES } from './handling-modes.js';
import { queueSizeCheck } from './queue.js';
import { type MappingConfig, placeholderBytes } from './schema/mapping.js';
import type { SnapshotMode } from './snapshot-mode.js';

/**
 * The connector's keys: Debezium's PostgreSQL connector keys, names and defaults, so an existing
 * Debezium config works unchanged. Keys Debezium has that this connector does not act on are
 * listed in docs/connectors/postgres-cdc.md.
 */
export const postgresConfigDef = defineConfig({
  'database.hostname': ConfigKeys.string({
    doc: 'IP address or hostname of the PostgreSQL server.',
    importance: 'HIGH',
    group: 'Connection',
  }),
  'database.port': ConfigKeys.int({ default: 5432, doc: 'Port of the PostgreSQL server.', group: 'Connection' }),
  'database.user': ConfigKeys.string({
    doc: 'User to connect as; needs REPLICATION and SELECT on captured tables.',
    importance: 'HIGH',
    group: 'Connection',
  }),
  'database.password': ConfigKeys.password({
    default: null,
    doc: 'Password of database.user.',
    importance: 'HIGH',
    group: 'Connection',
  }),
  'database.dbname': ConfigKeys.string({
    doc: 'Database to capture changes from.',
    importance: 'HIGH',
    group: 'Connection',
  }),
  'database.sslmode': ConfigKeys.enum(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const, {
    default: 'prefer',
    doc: 'Whether to use TLS (libpq sslmode). prefer/allow connect without TLS.',
    group: 'Connection',
  }),
  'database.sslrootcert': ConfigKeys.string({
    default: null,
    doc: 'File with the root certificate(s) the server is verified against.',
    group: 'Connection',
  }),
  'database.sslcert': ConfigKeys.string({
    default: null,
    doc: 'File with the client certificate.',
    group: 'Connection',
  }),
  'database.sslkey': ConfigKeys.string({
    default: null,
    doc: 'File with the client private key.',
    group: 'Connection',
  }),
  'database.tcpKeepAlive': ConfigKeys.boolean({
    default: true,
    doc: 'Enable TCP keep-alive probes.',
    group: 'Connection',
  }),
  'database.initial.statements': ConfigKeys.rawString({
    default: null,
    doc: 'Semicolon-separated statements run on every regular (non-replication) connection; `;;` is a literal semicolon.',
    group: 'Connection',
  }),
  'topic.prefix': ConfigKeys.string({
    doc: 'Topic prefix (logical server name): topics are <topic.prefix>.<schema>.<table>; also the offset partition.',
    importance: 'HIGH',
  }),
  'topic.delimiter': ConfigKeys.string({ default: '.', doc: 'Delimiter between the parts of topic names.' }),
  'topic.transaction': ConfigKeys.string({
    default: 'transaction',
    doc: 'Suffix of the transaction metadata topic (<topic.prefix>.<topic.transaction>).',
  }),
  'topic.heartbeat.prefix': ConfigKeys.string({
    default: '__debezium-heartbeat',
    doc: 'Heartbeat topic prefix (<topic.heartbeat.prefix>.<topic.prefix>).',
  }),
  'plugin.name': ConfigKeys.enum(['pgoutput', 'decoderbufs'] as const, {
    default: 'pgoutput',
    doc: 'Logical decoding plugin. Only pgoutput is supported (decoderbufs is rejected with an explanation).',
  }),
  'slot.name': ConfigKeys.string({
    default: 'debezium',
    doc: 'Logical replication slot to stream from (created when missing).',
  }),
  'slot.drop.on.stop': ConfigKeys.boolean({
    default: false,
    doc: 'Drop the slot when the task stops gracefully (tests and development only).',
  }),
  'slot.stream.params': ConfigKeys.rawString({
    default: null,
    doc: 'Extra pgoutput options, `key=value` separated by semicolons.',
  }),
  'slot.max.retries': ConfigKeys.int({
    default: 6,
    doc: 'Attempts to start streaming from the slot before failing (slot in use, connection refused).',
  }),
  'slot.retry.delay.ms': ConfigKeys.long({ default: 10_000, doc: 'Delay between attempts to start streaming.' }),
  'publication.name': ConfigKeys.string({ default: 'dbz_publication', doc: 'Publication streamed through pgoutput.' }),
  'publication.autocreate.mode': ConfigKeys.enum(['all_tables', 'disabled', 'filtered'] as const, {
    default: 'all_tables',
    doc: 'all_tables: create FOR ALL TABLES when missing; filtered: create/alter for the tables the filters select; disabled: require an existing publication.',
  }),
  'schema.include.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of schemas to capture.',
  }),
  'schema.exclude.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of schemas not to capture.',
  }),
  'table.include.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of <schema>.<table> to capture.',
  }),
  'table.exclude.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of <schema>.<table> not to capture.',
  }),
  'column.include.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of <schema>.<table>.<column> to include in values.',
  }),
  'column.exclude.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of <schema>.<table>.<column> to leave out of values.',
  }),
  'message.key.columns': ConfigKeys.rawString({
    default: null,
    doc: 'Custom keys: `<table regex>:<col>,<col>;<table regex>:<col>` (replaces the primary key as the record key).',
  }),
  'message.prefix.include.list': ConfigKeys.rawString({
    default: null,
    doc: 'Logical decoding message prefixes to capture (regular expressions).',
  }),
  'message.prefix.exclude.list': ConfigKeys.rawString({
    default: null,
    doc: 'Logical decoding message prefixes to ignore (regular expressions).',
  }),
  'snapshot.mode': ConfigKeys.enum(
    ['initial', 'always', 'initial_only', 'no_data', 'never', 'when_needed', 'exported'] as const,
    {
      default: 'initial',
      doc: 'initial: snapshot when no offsets exist; always: every start; initial_only: snapshot then stop; no_data (never): stream only; when_needed: snapshot when offsets are missing or no longer available.',
    },
  ),
  'snapshot.max.threads': ConfigKeys.int({
    default: 1,
    doc: 'Parallel readers for the snapshot; each table is split into block ranges read under the same exported snapshot.',
  }),
  'snapshot.fetch.size': ConfigKeys.int({ default: 10_240, doc: 'Rows per snapshot batch handed to the task.' }),
  'snapshot.include.collection.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions of <schema>.<table> to snapshot (default: all captured tables).',
  }),
  'snapshot.select.statement.overrides': ConfigKeys.rawString({
    default: null,
    doc: 'Tables whose snapshot uses the query in snapshot.select.statement.overrides.<schema>.<table>.',
  }),
  'snapshot.delay.ms': ConfigKeys.long({ default: 0, doc: 'Delay before the snapshot starts.' }),
  'streaming.delay.ms': ConfigKeys.long({
    default: 0,
    doc: 'Delay between the end of the snapshot and the start of streaming.',
  }),
  'snapshot.locking.mode': ConfigKeys.enum(['none', 'shared'] as const, {
    default: 'none',
    doc: 'shared: take ACCESS SHARE locks on captured tables while the snapshot starts.',
  }),
  'snapshot.lock.timeout.ms': ConfigKeys.long({
    default: 10_000,
    doc: 'Lock timeout for snapshot.locking.mode=shared.',
  }),
  ...handlingModeKeys({
    decimalTypes: 'NUMERIC/DECIMAL/MONEY',
    binaryTypes: 'BYTEA',
    timeModes: TIME_PRECISION_MODES,
    timeDefault: 'adaptive',
    timeDoc: 'How DATE/TIME/TIMESTAMP values are represented.',
  }),
  'interval.handling.mode': ConfigKeys.enum(['numeric', 'string'] as const, {
    default: 'numeric',
    doc: 'INTERVAL as approximate microseconds or ISO 8601 string.',
  }),
  'hstore.handling.mode': ConfigKeys.enum(['json', 'map'] as const, {
    default: 'json',
    doc: 'HSTORE as JSON string or MAP.',
  }),
  'money.fraction.digits': ConfigKeys.short({ default: 2, doc: 'Scale of MONEY values in precise mode.' }),
  'include.unknown.datatypes': ConfigKeys.boolean({
    default: false,
    doc: 'Emit columns of unmapped types as bytes of their text form instead of leaving them out.',
  }),
  'tombstones.on.delete': ConfigKeys.boolean({
    default: true,
    doc: 'Follow each delete event with a tombstone (null value) for log compaction.',
  }),
  'unavailable.value.placeholder': ConfigKeys.rawString({
    default: '__debezium_unavailable_value',
    doc: 'Value for unchanged TOASTed columns the server did not send (`hex:` prefix for hex-encoded bytes).',
  }),
  'provide.transaction.metadata': ConfigKeys.boolean({
    default: false,
    doc: 'Emit BEGIN/END events to <topic.prefix>.transaction and a transaction block in each event.',
  }),
  'skipped.operations': ConfigKeys.list({
    default: ['t'],
    doc: 'Operations not to emit while streaming: c, u, d, t, or none.',
  }),
  'skip.messages.without.change': ConfigKeys.boolean({
    default: false,
    doc: 'Skip updates whose included columns did not change (needs REPLICA IDENTITY FULL).',
  }),
  'heartbeat.interval.ms': ConfigKeys.long({
    default: 0,
    doc: 'Emit a heartbeat record this often (0: never) so offsets and the slot advance without captured changes.',
  }),
  'heartbeat.action.query': ConfigKeys.rawString({
    default: null,
    doc: 'Statement run on the database at each heartbeat (e.g. an insert into a heartbeat table).',
  }),
  'max.batch.size': ConfigKeys.int({ default: 2048, doc: 'Most records returned by one poll().' }),
  'max.queue.size': ConfigKeys.int({
    default: 8192,
    doc: 'Most records buffered between the database reader and poll(); reading pauses when full.',
  }),
  'max.queue.size.in.bytes': ConfigKeys.long({
    default: 0,
    doc: 'Most bytes (of change data) buffered before reading pauses; 0: no byte limit.',
  }),
  'poll.interval.ms': ConfigKeys.long({
    default: 500,
    doc: 'How long poll() waits for records before returning none.',
  }),
  'status.update.interval.ms': ConfigKeys.long({
    default: 10_000,
    doc: 'How often standby status updates are sent to the server.',
  }),
  'flush.lsn.source': ConfigKeys.boolean({
    default: true,
    doc: 'Confirm committed positions to the slot (false: leave it to someone else).',
  }),
  'schema.name.adjustment.mode': ConfigKeys.enum(['none', 'avro', 'avro_unicode'] as const, {
    default: 'none',
    doc: 'Adjust schema names for Avro.',
  }),
  'field.name.adjustment.mode': ConfigKeys.enum(['none', 'avro', 'avro_unicode'] as const, {
    default: 'none',
    doc: 'Adjust field names for Avro.',
  }),
  'extended.headers.enabled': ConfigKeys.boolean({
    default: true,
    doc: 'Add the __debezium.context.* headers (connectorLogicalName, taskId, connectorName, runId) to change events, as Debezium 3 does.',
  }),
  'event.processing.failure.handling.mode': ConfigKeys.enum(['fail', 'warn', 'skip', 'ignore'] as const, {
    default: 'fail',
    doc: 'A streamed change that cannot be turned into an event: fail the task (naming the change), warn (log it and skip it), or skip (ignore is the old name).',
  }),
  'signal.data.collection': ConfigKeys.string({
    default: null,
    doc: 'Signal table (schema.table) with columns id, type, data: execute-snapshot and other signals are inserted here, and incremental snapshots write their watermarks here.',
    group: 'Signals',
  }),
  'signal.enabled.channels': ConfigKeys.list({
    default: ['source'],
    doc: 'Where signals are read from. Only source (the signal table) is supported.',
    group: 'Signals',
  }),
  'incremental.snapshot.chunk.size': ConfigKeys.int({
    default: 1024,
    doc: 'Rows read per incremental snapshot chunk (one watermark window).',
    group: 'Signals',
  }),
  'incremental.snapshot.watermarking.strategy': ConfigKeys.enum(['insert_insert', 'insert_delete'] as const, {
    default: 'insert_insert',
    doc: 'insert_insert writes an open and a close row per chunk to the signal table; insert_delete deletes the open row to close the window, so the table does not grow.',
    group: 'Signals',
  }),
  'errors.max.retries': ConfigKeys.int({
    default: -1,
    doc: 'Reconnect attempts after connection loss: -1 unlimited, 0 none.',
  }),
  'retriable.restart.connector.wait.ms': ConfigKeys.long({
    default: 10_000,
    doc: 'Longest back-off between reconnect attempts.',
  }),
});

export type PostgresConfig = ConfigOf<typeof postgresConfigDef>;

/** Debezium's Postgres connector has no never (an old spelling of no_data here) and no recovery. */
export type PostgresSnapshotMode = Exclude<SnapshotMode, 'never' | 'recovery'>;

export function snapshotMode(c: PostgresConfig): PostgresSnapshotMode {
  const m = c['snapshot.mode'];
  if (m === 'never') return 'no_data';
  if (m === 'exported') return 'initial';
  return m;
}

/**
 * The rules that involve values, one concern each: they all run, also when other keys failed to parse, so a
 * config with `database.port=five` and `plugin.name=decoderbufs` is told about both at once.
 */
const postgresChecks: readonly ConfigCheck<PostgresConfig>[] = [
  (c, report) => {
    if (c['plugin.name'] !== 'pgoutput')
      report(
        'plugin.name',
        'Only the pgoutput plugin is supported (it ships with Postgres 10+; decoderbufs needs a server extension this connector does not read).',
      );
  },
  (c, report) => {
    if (!/^[a-z0-9_]+$/.test(c['slot.name']))
      report('slot.name', 'Slot names may contain only lower-case letters, digits and underscores.');
  },
  (c, report) => {
    if (!/^[a-zA-Z0-9._-]+$/.test(c['topic.prefix']))
      report('topic.prefix', 'Only alphanumeric characters, hyphens, dots and underscores are allowed.');
  },
  ...(['schema', 'table', 'column'] as const).map(
    (what): ConfigCheck<PostgresConfig> =>
      (c, report) => {
        if (c[`${what}.include.list`] && c[`${what}.exclude.list`])
          report(`${what}.exclude.list`, `${what}.include.list and ${what}.exclude.list cannot both be set.`);
      },
  ),
  (c, report) => {
    for (const op of c['skipped.operations']) {
      if (!['c', 'u', 'd', 't', 'none'].includes(op))
        report('skipped.operations', `Unknown operation '${op}' (expected c, u, d, t or none).`);
    }
  },
  queueSizeCheck,
  (c, report) => {
    if (c['snapshot.max.threads'] < 1) report('snapshot.max.threads', 'snapshot.max.threads must be at least 1.');
  },
  (c, report) => {
    const unsupported = c['signal.enabled.channels'].filter((ch) => ch !== 'source');
    if (unsupported.length > 0)
      report(
        'signal.enabled.channels',
        `Unsupported channel(s) ${unsupported.join(', ')}: only source (the signal table named by signal.data.collection) is supported.`,
      );
  },
  (c, report) => {
    const signal = c['signal.data.collection'];
    if (signal !== null && !parseTableId(signal))
      report('signal.data.collection', `'${signal}' is not a table name of the form schema.table.`);
  },
  (c, report) => {
    if (c['incremental.snapshot.chunk.size'] < 1)
      report('incremental.snapshot.chunk.size', 'incremental.snapshot.chunk.size must be at least 1.');
  },
];

/** Parses and checks a raw config; throws ConfigException naming every bad key. */
export function parseConfig(raw: Readonly<Record<string, string | undefined>>): PostgresConfig {
  return postgresConfigDef.parse(raw, [
    ...postgresChecks,
    (_c, report) => {
      for (const [key, messages] of Object.entries(columnMapperErrors(raw))) for (const m of messages) report(key, m);
    },
  ]);
}

export function connectOptions(c: PostgresConfig, applicationName: string): PgConnectOptions {
  const pw: Password | null = c['database.password'];
  return {
    host: c['database.hostname'],
    port: c['database.port'],
    user: c['database.user'],
    password: pw ? pw.value() : null,
    database: c['database.dbname'],
    sslmode: c['database.sslmode'],
    sslrootcert: c['database.sslrootcert'],
    sslcert: c['database.sslcert'],
    sslkey: c['database.sslkey'],
    tcpKeepAlive: c['database.tcpKeepAlive'],
    connectTimeoutMs: 30_000,
    applicationName,
  };
}

export function mappingConfig(c: PostgresConfig): MappingConfig {
  return {
    decimalMode: c['decimal.handling.mode'],
    timePrecisionMode: c['time.precision.mode'],
    binaryMode: c['binary.handling.mode'],
    intervalMode: c['interval.handling.mode'],
    hstoreMode: c['hstore.handling.mode'],
    moneyFractionDigits: c['money.fraction.digits'],
    includeUnknownDatatypes: c['include.unknown.datatypes'],
    unavailablePlaceholder: placeholderBytes(c['unavailable.value.placeholder']),
  };
}

/** database.initial.statements split on `;` (a doubled `;;` is a literal semicolon). */
export function initialStatements(c: PostgresConfig): string[] {
  const raw = c['database.initial.statements'];
  if (!raw) return [];
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === ';' && raw[i + 1] === ';') {
      cur += ';';
      i++;
    } else if (raw[i] === ';') {
      out.push(cur);
      cur = '';
    } else cur += raw[i];
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}
