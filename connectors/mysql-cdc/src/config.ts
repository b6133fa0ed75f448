// The connector's config keys: Debezium's MySQL/MariaDB connector keys, names and defaults, old spellings mapped.
import { type ConfigCheck, ConfigKeys, type ConfigOf, defineConfig } from '@tributary/api';
import { handlingModeKeys, queueSizeCheck, type SnapshotMode } from '@tributary/connector-postgres-cdc';

/**
 * Debezium's binlog connector keys. Keys Debezium has that this connector does not act on are
 * listed in docs/connectors/mysql-cdc.md.
 */
export const mysqlConfigDef = defineConfig({
  'database.hostname': ConfigKeys.string({
    doc: 'IP address or hostname of the MySQL / MariaDB server.',
    importance: 'HIGH',
    group: 'Connection',
  }),
  'database.port': ConfigKeys.int({ default: 3306, doc: 'Port of the server.', group: 'Connection' }),
  'database.user': ConfigKeys.string({
    doc: 'User to connect as; needs SELECT, RELOAD (for FLUSH TABLES WITH READ LOCK), REPLICATION SLAVE and REPLICATION CLIENT.',
    importance: 'HIGH',
    group: 'Connection',
  }),
  'database.password': ConfigKeys.password({ default: null, doc: 'Password of database.user.', group: 'Connection' }),
  'database.server.id': ConfigKeys.long({
    default: null,
    doc: 'Replica server id the connector reads the binlog as; must differ from every server and replica in the topology (default: a random id in 5400-6399).',
    importance: 'HIGH',
    group: 'Connection',
  }),
  'database.ssl.mode': ConfigKeys.enum(
    ['disabled', 'preferred', 'required', 'verify_ca', 'verify_identity', 'disable', 'prefer', 'require'] as const,
    {
      default: 'preferred',
      doc: 'TLS: disabled, preferred (TLS when the server offers it; here: plain, see the docs), required (TLS, certificate not checked), verify_ca, verify_identity.',
      group: 'Connection',
    },
  ),
  'database.ssl.truststore': ConfigKeys.string({
    default: null,
    doc: 'CA certificates for verify_ca / verify_identity: a PKCS12 truststore (as keytool writes it) or a PEM file. A JKS file is refused with how to convert it.',
    group: 'Connection',
  }),
  'database.ssl.truststore.password': ConfigKeys.password({
    default: null,
    doc: 'Password of a PKCS12 database.ssl.truststore.',
    group: 'Connection',
  }),
  'database.ssl.keystore': ConfigKeys.string({
    default: null,
    doc: 'The client certificate and key presented to the server (a user created REQUIRE X509): a PKCS12 keystore or a PEM file with both.',
    group: 'Connection',
  }),
  'database.ssl.keystore.password': ConfigKeys.password({
    default: null,
    doc: 'Password of database.ssl.keystore (of its key, for a PEM file with an encrypted key).',
    group: 'Connection',
  }),
  'connect.timeout.ms': ConfigKeys.long({ default: 30_000, doc: 'Connection timeout.', group: 'Connection' }),
  'connect.keep.alive.interval.ms': ConfigKeys.long({
    default: 60_000,
    doc: 'How long to wait between reconnect attempts when the binlog connection drops.',
    group: 'Connection',
  }),
  'topic.prefix': ConfigKeys.string({
    doc: 'Topic prefix (logical server name): topics are <topic.prefix>.<database>.<table>; also the offset partition.',
    importance: 'HIGH',
  }),
  'topic.heartbeat.prefix': ConfigKeys.string({
    default: '__debezium-heartbeat',
    doc: 'Heartbeat topic prefix (<topic.heartbeat.prefix>.<topic.prefix>).',
  }),
  'database.include.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of databases to capture.',
  }),
  'database.exclude.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of databases not to capture.',
  }),
  'table.include.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of <database>.<table> to capture.',
  }),
  'table.exclude.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of <database>.<table> not to capture.',
  }),
  'column.include.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of <database>.<table>.<column> to include in values.',
  }),
  'column.exclude.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions (anchored) of <database>.<table>.<column> to leave out of values.',
  }),
  'snapshot.mode': ConfigKeys.enum(
    [
      'initial',
      'initial_only',
      'no_data',
      'schema_only',
      'never',
      'when_needed',
      'recovery',
      'schema_only_recovery',
      'always',
    ] as const,
    {
      default: 'initial',
      doc: 'initial: snapshot when no offsets exist, then stream; initial_only: snapshot then stop; no_data (schema_only): capture the schema, stream from now; never: stream from the start of the oldest binlog; when_needed: snapshot when offsets are missing or the binlog they name is gone; recovery (schema_only_recovery): rebuild the schema, stream from the stored offset; always: snapshot on every start.',
    },
  ),
  'snapshot.locking.mode': ConfigKeys.enum(['minimal', 'extended', 'none', 'minimal_percona'] as const, {
    default: 'minimal',
    doc: 'minimal: hold FLUSH TABLES WITH READ LOCK only while the binlog position is read at the start of the consistent snapshot; extended: hold it for the whole snapshot; none: take no lock (the position is read inside the snapshot transaction; not consistent if DDL runs meanwhile).',
  }),
  'snapshot.fetch.size': ConfigKeys.int({ default: 10_240, doc: 'Rows per snapshot batch handed to the task.' }),
  'snapshot.max.threads': ConfigKeys.int({
    default: 1,
    doc: 'Tables read in parallel during the snapshot, each on its own connection opened inside the same consistent snapshot.',
  }),
  'snapshot.include.collection.list': ConfigKeys.rawString({
    default: null,
    doc: 'Regular expressions of <database>.<table> to snapshot (default: all captured tables).',
  }),
  ...handlingModeKeys({
    decimalTypes: 'DECIMAL/NUMERIC',
    binaryTypes: 'BINARY/VARBINARY/BLOB',
    timeModes: ['adaptive_time_microseconds', 'connect'],
    timeDefault: 'adaptive_time_microseconds',
    timeDoc:
      'How DATE/TIME/DATETIME values are represented (adaptive_time_microseconds: Debezium time types; connect: Kafka Connect logical types, millisecond precision).',
  }),
  'bigint.unsigned.handling.mode': ConfigKeys.enum(['long', 'precise'] as const, {
    default: 'long',
    doc: 'BIGINT UNSIGNED as int64 (values above 2^63-1 wrap, as in Debezium) or as Decimal with scale 0.',
  }),
  'include.schema.changes': ConfigKeys.boolean({
    default: true,
    doc: 'Emit schema change events (DDL) to the <topic.prefix> topic.',
  }),
  'include.query': ConfigKeys.boolean({
    default: false,
    doc: 'Put the statement that made a change into source.query (MariaDB: needs binlog_annotate_row_events=ON, the default).',
  }),
  'tombstones.on.delete': ConfigKeys.boolean({
    default: true,
    doc: 'Follow each delete event with a tombstone (null value) for log compaction.',
  }),
  'skipped.operations': ConfigKeys.list({
    default: ['t'],
    doc: 'Operations not to emit while streaming: c, u, d, t, or none.',
  }),
  'provide.transaction.metadata': ConfigKeys.boolean({
    default: false,
    doc: 'Add the transaction block (id, total_order, data_collection_order) to each change event.',
  }),
  'topic.transaction': ConfigKeys.string({
    default: 'transaction',
    doc: 'Suffix of the transaction metadata topic (<topic.prefix>.<topic.transaction>).',
  }),
  'heartbeat.interval.ms': ConfigKeys.long({
    default: 0,
    doc: 'Emit a heartbeat record this often (0: never) so offsets advance while no captured table changes.',
  }),
  'schema.history.internal.kafka.bootstrap.servers': ConfigKeys.string({
    default: null,
    doc: 'Brokers of the schema history topic (comma-separated host:port).',
    group: 'Schema history',
  }),
  'schema.history.internal.kafka.topic': ConfigKeys.string({
    default: null,
    doc: "Schema history topic: every DDL with its binlog position, in Debezium's record format, read back at start so events are decoded with the table structure of their time. Created (1 partition, unlimited retention) when missing.",
    group: 'Schema history',
  }),
  'schema.history.internal.store.only.captured.tables.ddl': ConfigKeys.boolean({
    default: false,
    doc: "Record in the schema history (and the schema change topic) only DDL of captured tables. By default, as Debezium's, the DDL of every table and database is recorded (system databases apart), so a table added to table.include.list later is known from the history.",
    group: 'Schema history',
  }),
  'schema.history.internal.store.only.captured.databases.ddl': ConfigKeys.boolean({
    default: false,
    doc: 'Record in the schema history (and the schema change topic) only DDL of tables in captured databases (database.include.list/exclude.list). Ignored when store.only.captured.tables.ddl is true.',
    group: 'Schema history',
  }),
  'max.batch.size': ConfigKeys.int({ default: 2048, doc: 'Most records returned by one poll().' }),
  'max.queue.size': ConfigKeys.int({
    default: 8192,
    doc: 'Most records buffered between the binlog reader and poll(); reading pauses when full.',
  }),
  'poll.interval.ms': ConfigKeys.long({
    default: 500,
    doc: 'How long poll() waits for records before returning none.',
  }),
  'schema.name.adjustment.mode': ConfigKeys.enum(['none', 'avro', 'avro_unicode'] as const, {
    default: 'none',
    doc: 'Adjust schema names for Avro.',
  }),
  'event.processing.failure.handling.mode': ConfigKeys.enum(['fail', 'warn', 'skip', 'ignore'] as const, {
    default: 'fail',
    doc: 'A binlog row that cannot be turned into an event: fail the task (naming the table and position), warn (log and skip it) or skip (ignore is the old name).',
  }),
  'errors.max.retries': ConfigKeys.int({
    default: -1,
    doc: 'Reconnect attempts after the server connection is lost: -1 unlimited, 0 none.',
  }),
});

export type MySqlConfig = ConfigOf<typeof mysqlConfigDef>;

/** Old Debezium spellings and the key each became (Debezium 2.0 renamed them; 1.x configs still carry them). */
export const DEPRECATED_KEYS: Readonly<Record<string, string>> = {
  'database.server.name': 'topic.prefix',
  'database.whitelist': 'database.include.list',
  'database.blacklist': 'database.exclude.list',
  'table.whitelist': 'table.include.list',
  'table.blacklist': 'table.exclude.list',
  'column.whitelist': 'column.include.list',
  'column.blacklist': 'column.exclude.list',
};

/** `database.history.*` became `schema.history.internal.*` (every sub-key, so the whole prefix is mapped). */
const HISTORY_OLD = 'database.history.';
const HISTORY_NEW = 'schema.history.internal.';

export interface Deprecation {
  oldKey: string;
  newKey: string;
  /** The new key was set too, so the old one was ignored. */
  ignored: boolean;
}

/** Copies old spellings to their new keys (the new key wins when both are set) and lists what was mapped. */
export function normalizeConfig(raw: Readonly<Record<string, string | undefined>>): {
  props: Record<string, string>;
  deprecations: Deprecation[];
} {
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) props[k] = v;
  const deprecations: Deprecation[] = [];
  for (const [oldKey, value] of Object.entries(props)) {
    let newKey: string | undefined = DEPRECATED_KEYS[oldKey];
    if (oldKey.startsWith(HISTORY_OLD)) newKey = HISTORY_NEW + oldKey.slice(HISTORY_OLD.length);
    if (!newKey || newKey === oldKey) continue;
    const ignored = raw[newKey] !== undefined;
    if (!ignored) props[newKey] = value;
    deprecations.push({ oldKey, newKey, ignored });
  }
  return { props, deprecations };
}

export function snapshotMode(c: MySqlConfig): SnapshotMode {
  const m = c['snapshot.mode'];
  if (m === 'schema_only') return 'no_data';
  if (m === 'schema_only_recovery') return 'recovery';
  return m;
}

/** The replica server id: the configured one, else a random one in Debezium's default range. */
export function serverId(c: MySqlConfig): number {
  return c['database.server.id'] ?? 5400 + Math.floor(Math.random() * 1000);
}

function checkPatterns(key: keyof MySqlConfig): ConfigCheck<MySqlConfig> {
  return (c, report) => {
    const v = c[key];
    if (typeof v !== 'string') return;
    for (const p of v.split(',')) {
      try {
        new RegExp(p.trim());
      } catch (err) {
        report(key, `'${p.trim()}' is not a valid regular expression: ${(err as Error).message}`);
      }
    }
  };
}

/**
 * The rules that involve values, one concern each: they all run, also when other keys failed to parse, so one
 * answer names every bad key.
 */
const mysqlChecks: readonly ConfigCheck<MySqlConfig>[] = [
  (c, report) => {
    if (!/^[a-zA-Z0-9._-]+$/.test(c['topic.prefix']))
      report('topic.prefix', 'Only alphanumeric characters, hyphens, dots and underscores are allowed.');
  },
  (c, report) => {
    const id = c['database.server.id'];
    if (id !== null && (id < 1 || id > 4294967295))
      report('database.server.id', 'database.server.id must be between 1 and 4294967295 (a replica server id).');
  },
  ...(['database', 'table', 'column'] as const).map(
    (what): ConfigCheck<MySqlConfig> =>
      (c, report) => {
        if (c[`${what}.include.list`] && c[`${what}.exclude.list`])
          report(`${what}.exclude.list`, `${what}.include.list and ${what}.exclude.list cannot both be set.`);
      },
  ),
  ...(
    [
      'database.include.list',
      'database.exclude.list',
      'table.include.list',
      'table.exclude.list',
      'column.include.list',
      'column.exclude.list',
      'snapshot.include.collection.list',
    ] as const
  ).map(checkPatterns),
  (c, report) => {
    for (const op of c['skipped.operations']) {
      if (!['c', 'u', 'd', 't', 'none'].includes(op))
        report('skipped.operations', `Unknown operation '${op}' (expected c, u, d, t or none).`);
    }
  },
  (c, report) => {
    const topic = c['schema.history.internal.kafka.topic'];
    const servers = c['schema.history.internal.kafka.bootstrap.servers'];
    if (topic && !servers)
      report(
        'schema.history.internal.kafka.bootstrap.servers',
        'schema.history.internal.kafka.topic is set: the brokers of the schema history topic are needed too.',
      );
    if (servers && !topic)
      report(
        'schema.history.internal.kafka.topic',
        'schema.history.internal.kafka.bootstrap.servers is set: name the schema history topic too.',
      );
  },
  queueSizeCheck,
  (c, report) => {
    if (c['snapshot.max.threads'] < 1) report('snapshot.max.threads', 'snapshot.max.threads must be at least 1.');
  },
  (c, report) => {
    if (c['snapshot.fetch.size'] < 1) report('snapshot.fetch.size', 'snapshot.fetch.size must be at least 1.');
  },
  (c, report) => {
    const ssl = c['database.ssl.mode'];
    if ((ssl === 'verify_ca' || ssl === 'verify_identity') && !c['database.ssl.truststore'])
      report('database.ssl.truststore', `database.ssl.mode=${ssl} needs the CA certificates here (PKCS12 or PEM).`);
  },
];

/** Parses and checks a raw config (old key names mapped); throws ConfigException naming every bad key. */
export function parseConfig(raw: Readonly<Record<string, string | undefined>>): MySqlConfig {
  const { props } = normalizeConfig(raw);
  return mysqlConfigDef.parse(props, mysqlChecks);
}
