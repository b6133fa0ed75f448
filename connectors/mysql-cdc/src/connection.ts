// SQL on the server: connections, the catalog (information_schema), server variables and grants.
import { readFileSync } from 'node:fs';
import { ConnectException, type Password } from '@tributary/api';
import { clientTlsFrom, type SslValues } from '@tributary/tls';
import mysql from 'mysql2/promise';
import type { MySqlConfig } from './config.js';
import type { ColumnInfo, TableId } from './schema.js';

export type SqlConnection = mysql.Connection;

/**
 * Debezium's database.ssl.* keys read by the runtime's ssl.* loader, so the stores behave as everywhere else in
 * Tributary (PKCS12 or PEM, a JKS file refused with how to convert it, errors naming the key). Debezium has no
 * store type key: the file's content says which it is.
 */
function databaseSslValues(c: MySqlConfig): SslValues {
  const truststore = c['database.ssl.truststore'] ?? undefined;
  const keystore = c['database.ssl.keystore'] ?? undefined;
  const keystorePassword = c['database.ssl.keystore.password']?.value();
  const values: Record<string, [name: string, value: string | undefined]> = {
    'ssl.truststore.location': ['database.ssl.truststore', truststore],
    'ssl.truststore.password': ['database.ssl.truststore.password', c['database.ssl.truststore.password']?.value()],
    'ssl.truststore.type': ['database.ssl.truststore', truststore && storeType(truststore)],
    'ssl.keystore.location': ['database.ssl.keystore', keystore],
    'ssl.keystore.password': ['database.ssl.keystore.password', keystorePassword],
    'ssl.keystore.type': ['database.ssl.keystore', keystore && storeType(keystore)],
    // A PEM keystore's encrypted key (a PKCS12 file has one password for the store and its key).
    'ssl.key.password': ['database.ssl.keystore.password', keystorePassword],
  };
  return {
    get: (key) => values[key]?.[1],
    name: (key) => values[key]?.[0] ?? key,
  };
}

/** The store type the loader expects for a file: PEM text or (anything else) PKCS12. */
function storeType(file: string): 'PEM' | 'PKCS12' {
  return isPemFile(file) ? 'PEM' : 'PKCS12';
}

function isPemFile(file: string): boolean {
  try {
    return readFileSync(file).toString('latin1', 0, 4096).includes('-----BEGIN');
  } catch {
    // Unreadable: the loader reports it, naming the key.
    return false;
  }
}

/** mysql2's TLS options for database.ssl.mode; undefined for a plain connection. */
function sslOptions(c: MySqlConfig): mysql.SslOptions | undefined {
  const mode = c['database.ssl.mode'];
  const verify = mode === 'verify_ca' || mode === 'verify_identity';
  if (!verify && mode !== 'required' && mode !== 'require') return undefined;
  const { ca, key, cert, passphrase, minVersion, verifyHostname } = clientTlsFrom(databaseSslValues(c), {
    what: 'database.ssl',
    defaultAlgorithm: mode === 'verify_identity' ? 'https' : '',
  });
  return {
    ...(minVersion ? { minVersion } : {}),
    ...(verify && ca ? { ca } : {}),
    ...(key && cert ? { key, cert } : {}),
    ...(passphrase ? { passphrase } : {}),
    // required: encrypted, the server's certificate not checked (Debezium's REQUIRED).
    rejectUnauthorized: verify,
    ...(verify && !verifyHostname ? { checkServerIdentity: () => undefined } : {}),
  };
}

/** mysql2 options for the config: values as text (dates, decimals, big integers), time zone UTC. */
export function connectionOptions(c: MySqlConfig): mysql.ConnectionOptions {
  const pw: Password | null = c['database.password'];
  const ssl = sslOptions(c);
  return {
    host: c['database.hostname'],
    port: c['database.port'],
    user: c['database.user'],
    password: pw ? pw.value() : undefined,
    connectTimeout: c['connect.timeout.ms'],
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    timezone: 'Z',
    multipleStatements: false,
    ...(ssl ? { ssl } : {}),
    // JSON columns as their text, as the binlog reader gives them (MySQL's JSON type, MariaDB's LONGTEXT
    // marked json in the extended metadata).
    jsonStrings: true,
    typeCast: (field, next) => (field.type === 'JSON' ? field.string('utf8') : next()),
  };
}

export async function connect(c: MySqlConfig): Promise<SqlConnection> {
  const conn = await mysql.createConnection(connectionOptions(c));
  // TIMESTAMP values are read in UTC, as the binlog carries them.
  await conn.query("SET time_zone = '+00:00'");
  return conn;
}

type Row = mysql.RowDataPacket;

export async function queryRows(conn: SqlConnection, sql: string, values: unknown[] = []): Promise<Row[]> {
  const [rows] = await conn.query<Row[]>(sql, values);
  return rows;
}

export function quoteIdent(s: string): string {
  return `\`${s.replace(/`/g, '``')}\``;
}

/** The server's settings change data capture depends on. */
export interface ServerInfo {
  version: string;
  isMariaDb: boolean;
  serverId: number;
  logBin: boolean;
  binlogFormat: string;
  binlogRowImage: string;
  binlogRowMetadata: string | null;
  gtidMode: string | null;
}

export async function serverInfo(conn: SqlConnection): Promise<ServerInfo> {
  const rows = await queryRows(
    conn,
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'server_id', 'log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', 'gtid_mode')`,
  );
  const v = new Map(rows.map((r) => [String(r.Variable_name), String(r.Value)]));
  const version = v.get('version') ?? '';
  return {
    version,
    isMariaDb: /mariadb/i.test(version),
    serverId: Number(v.get('server_id') ?? 0),
    logBin: (v.get('log_bin') ?? 'OFF').toUpperCase() === 'ON',
    binlogFormat: (v.get('binlog_format') ?? '').toUpperCase(),
    binlogRowImage: (v.get('binlog_row_image') ?? 'FULL').toUpperCase(),
    binlogRowMetadata: v.has('binlog_row_metadata') ? (v.get('binlog_row_metadata') ?? '').toUpperCase() : null,
    gtidMode: v.get('gtid_mode') ?? null,
  };
}

/** What is wrong with the server for binlog capture, keyed by the server variable to change. */
export function serverProblems(s: ServerInfo): Record<string, string> {
  const out: Record<string, string> = {};
  if (!s.logBin) {
    out.log_bin =
      'The server has binary logging off (log_bin=OFF): start it with --log-bin (and --binlog-format=ROW) so the connector can read changes.';
    return out;
  }
  if (s.binlogFormat !== 'ROW')
    out.binlog_format = `binlog_format is ${s.binlogFormat}; the connector needs ROW (SET GLOBAL binlog_format = 'ROW', or --binlog-format=ROW).`;
  if (s.binlogRowImage !== 'FULL')
    out.binlog_row_image = `binlog_row_image is ${s.binlogRowImage}; the connector needs FULL (SET GLOBAL binlog_row_image = 'FULL').`;
  return out;
}

/** Missing privileges (REPLICATION SLAVE / REPLICATION CLIENT, or their MariaDB 10.5+ names) of the current user. */
export async function missingGrants(conn: SqlConnection): Promise<string[]> {
  const rows = await queryRows(conn, 'SHOW GRANTS FOR CURRENT_USER()');
  const text = rows
    .map((r) => String(Object.values(r)[0]))
    .join('\n')
    .toUpperCase();
  if (/GRANT ALL PRIVILEGES ON \*\.\*/.test(text)) return [];
  const missing: string[] = [];
  if (!/REPLICATION SLAVE|BINLOG REPLAY|REPLICATION REPLICA/.test(text)) missing.push('REPLICATION SLAVE');
  if (!/REPLICATION CLIENT|BINLOG MONITOR/.test(text)) missing.push('REPLICATION CLIENT');
  return missing;
}

export interface BinlogPosition {
  file: string;
  pos: number;
  /** gtid_binlog_pos (MariaDB) or gtid_executed (MySQL) at that position, when the server has GTIDs. */
  gtids: string | null;
}

export async function currentPosition(conn: SqlConnection, isMariaDb: boolean): Promise<BinlogPosition> {
  const rows = await queryRows(conn, 'SHOW MASTER STATUS');
  const r = rows[0];
  if (!r) throw new ConnectException('SHOW MASTER STATUS returned nothing: binary logging is off (log_bin).');
  let gtids: string | null = null;
  if (isMariaDb) {
    const g = await queryRows(conn, 'SELECT @@global.gtid_binlog_pos AS g');
    gtids = String(g[0]?.g ?? '') || null;
  } else if (r.Executed_Gtid_Set) gtids = String(r.Executed_Gtid_Set).replace(/\s/g, '') || null;
  return { file: String(r.File), pos: Number(r.Position), gtids };
}

/** Binlog files the server still has. */
export async function binlogFiles(conn: SqlConnection): Promise<string[]> {
  const rows = await queryRows(conn, 'SHOW BINARY LOGS');
  return rows.map((r) => String(r.Log_name));
}

/** Every base table of the server (system databases included; the filters drop them). */
export async function listTables(conn: SqlConnection): Promise<TableId[]> {
  const rows = await queryRows(
    conn,
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_SCHEMA, TABLE_NAME`,
  );
  return rows.map((r) => ({ db: String(r.db), table: String(r.t) }));
}

/** The columns and primary key of a table now, or null when it does not exist. */
export async function readTable(
  conn: SqlConnection,
  t: TableId,
): Promise<{ columns: ColumnInfo[]; keyColumns: string[] } | null> {
  const cols = await queryRows(
    conn,
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable,
            NUMERIC_PRECISION AS p, NUMERIC_SCALE AS s, DATETIME_PRECISION AS fsp, CHARACTER_MAXIMUM_LENGTH AS len,
            COLUMN_DEFAULT AS def
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [t.db, t.table],
  );
  if (cols.length === 0) return null;
  const keys = await queryRows(
    conn,
    `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
    [t.db, t.table],
  );
  const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    columns: cols.map((r) => ({
      name: String(r.name),
      dataType: String(r.dataType).toLowerCase(),
      columnType: String(r.columnType).toLowerCase(),
      nullable: String(r.nullable).toUpperCase() === 'YES',
      precision: n(r.p),
      scale: n(r.s),
      fsp: n(r.fsp),
      length: n(r.len),
      defaultText: r.def === null || r.def === undefined ? null : String(r.def),
    })),
    keyColumns: keys.map((r) => String(r.name)),
  };
}

/** SHOW CREATE TABLE's statement, or null when the table does not exist (any more). */
export async function showCreateTable(conn: SqlConnection, t: TableId): Promise<string | null> {
  try {
    const rows = await queryRows(conn, `SHOW CREATE TABLE ${quoteIdent(t.db)}.${quoteIdent(t.table)}`);
    const r = rows[0];
    return r ? String(r['Create Table'] ?? Object.values(r)[1] ?? '') || null : null;
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return null;
    throw err;
  }
}

export interface CharsetInfo {
  charset: string;
  collation: string;
}

/** Each database's default character set and collation (what CREATE TABLE without CHARSET takes). */
export async function databaseCharsets(conn: SqlConnection): Promise<Map<string, CharsetInfo>> {
  const rows = await queryRows(
    conn,
    'SELECT SCHEMA_NAME AS db, DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA',
  );
  return new Map(rows.map((r) => [String(r.db), { charset: String(r.cs), collation: String(r.co) }]));
}

export async function serverCharset(conn: SqlConnection): Promise<CharsetInfo> {
  const rows = await queryRows(conn, 'SELECT @@character_set_server AS cs, @@collation_server AS co');
  return { charset: String(rows[0]?.cs ?? ''), collation: String(rows[0]?.co ?? '') };
}
