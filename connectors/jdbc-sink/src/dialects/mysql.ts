// The MariaDB/MySQL dialect on `mysql2`: INSERT … ON DUPLICATE KEY UPDATE, `?` parameters, information_schema for table descriptions.
import { BigDecimal } from '@tributary/api';
import mysql from 'mysql2/promise';
import { type Column, type ColumnType, civil, Micros, timeOfDay } from '../columns.js';
import type { JdbcSinkConfig } from '../config.js';
import {
  type DbSession,
  type Dialect,
  type ErrorClass,
  type ExistingColumn,
  sqlStateClass,
  type TableDescription,
} from '../dialect.js';
import type { TableId } from '../records.js';
import { GenericDialect } from './generic.js';
import { type DialectName, wantsSsl } from '../url.js';

interface MyError {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  message?: string;
}

/** Row data errors that MySQL reports as HY000 or 01000 rather than class 22/23. */
const RECORD_ERRNOS = new Set([1048, 1062, 1264, 1265, 1292, 1364, 1366, 1406, 1452, 1451, 3140, 4025]);
/** Deadlock, lock wait timeout, server gone, connection lost or killed, shutting down. */
const TRANSIENT_ERRNOS = new Set([1205, 1213, 2006, 2013, 1927, 1053, 1040]);

class MySqlSession implements DbSession {
  readonly #conn: mysql.Connection;
  constructor(conn: mysql.Connection) {
    this.#conn = conn;
  }
  async execute(sql: string, params?: readonly unknown[]): Promise<number> {
    const [r] = await this.#conn.query(sql, params as unknown[] | undefined);
    return (r as { affectedRows?: number }).affectedRows ?? 0;
  }
  async rows<R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    const [r] = await this.#conn.query(sql, params as unknown[] | undefined);
    return r as R[];
  }
  async close(): Promise<void> {
    await this.#conn.end().catch(() => this.#conn.destroy());
  }
}

export class MySqlDialect extends GenericDialect implements Dialect {
  readonly name: DialectName;
  readonly maxParameters = 65_535;
  protected readonly optionalColumn = ' NULL';

  constructor(name: 'mysql' | 'mariadb' = 'mariadb') {
    super();
    this.name = name;
  }

  async connect(c: JdbcSinkConfig, timeoutMs = 30_000): Promise<DbSession> {
    const ssl = wantsSsl(c.url.params);
    const conn = await mysql.createConnection({
      host: c.url.host,
      port: c.url.port,
      database: c.url.database,
      user: c.user ?? undefined,
      password: c.password ?? undefined,
      connectTimeout: timeoutMs,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      ...(ssl.enabled ? { ssl: { rejectUnauthorized: ssl.verify } } : {}),
    });
    // An idle connection's error must not crash the worker; the next statement reports it.
    conn.on('error', () => undefined);
    // Strict mode: a value the column cannot take is an error (→ errors.*), never a silent truncation.
    await conn.query("SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'STRICT_ALL_TABLES')");
    const tz = c.timeZone === 'UTC' || c.timeZone === 'Etc/UTC' ? '+00:00' : c.timeZone;
    // Named zones need the server's time zone tables; without them TIMESTAMP columns stay in the server's zone.
    await conn.query('SET time_zone = ?', [tz]).catch(() => undefined);
    return new MySqlSession(conn);
  }

  fold(identifier: string): string {
    return identifier;
  }

  quote(identifier: string): string {
    return `\`${identifier.replace(/`/g, '``')}\``;
  }

  sqlType(t: ColumnType, key: boolean): string {
    switch (t.kind) {
      case 'int16':
        return 'SMALLINT';
      case 'int32':
        return 'INT';
      case 'int64':
        return 'BIGINT';
      case 'float32':
        return 'FLOAT';
      case 'float64':
        return 'DOUBLE';
      case 'boolean':
        return 'BOOLEAN';
      case 'string':
      case 'timetz':
        // Key columns must be indexable: TEXT is not without a prefix length.
        return key ? 'VARCHAR(255)' : 'LONGTEXT';
      case 'xml':
        return 'LONGTEXT';
      case 'bytes':
        return key ? 'VARBINARY(255)' : 'LONGBLOB';
      case 'decimal': {
        const scale = Math.min(t.scale ?? 10, 30);
        const precision = Math.min(Math.max(t.precision ?? 65, scale + 1), 65);
        return `DECIMAL(${precision},${scale})`;
      }
      case 'date':
        return 'DATE';
      case 'time':
        return 'TIME(6)';
      case 'timestamp':
      case 'timestamptz':
        // TIMESTAMP ends in 2038; DATETIME holds the instant as UTC (db.timezone) wall-clock time.
        return 'DATETIME(6)';
      case 'uuid':
        return 'CHAR(36)';
      case 'json':
      case 'array':
        return key ? 'VARCHAR(255)' : 'JSON';
    }
  }

  bind(column: Column, _target: ExistingColumn | null, timeZone: string): unknown {
    const v = column.value;
    if (v === null || v === undefined) return null;
    if (v instanceof Micros) {
      switch (column.type.kind) {
        case 'date':
          return civil(v.value, 'UTC').date;
        case 'time':
          return timeOfDay(v.value);
        case 'timestamp': {
          const c = civil(v.value, 'UTC');
          return `${c.date} ${c.time}`;
        }
        default: {
          const c = civil(v.value, timeZone);
          return `${c.date} ${c.time}`;
        }
      }
    }
    if (v instanceof BigDecimal) return v.toString();
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    // mysql2 expands arrays and objects into SQL lists: JSON text is what a JSON column takes.
    if (Array.isArray(v) || typeof v === 'object') return JSON.stringify(v);
    return v;
  }

  async describe(session: DbSession, id: TableId): Promise<TableDescription | null> {
    const t = await session.rows<{ table_type: string }>(
      'SELECT TABLE_TYPE AS table_type FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?',
      [id.schema, id.table],
    );
    if (!t[0]) return null;
    const cols = await session.rows<{ name: string; type: string; nullable: string; key: string }>(
      `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_KEY AS \`key\`
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [id.schema, id.table],
    );
    const pk = await session.rows<{ name: string }>(
      `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
      [id.schema, id.table],
    );
    return {
      id,
      type: t[0].table_type === 'VIEW' ? 'VIEW' : 'TABLE',
      columns: cols.map((c) => ({
        name: c.name,
        sqlType: String(c.type).toLowerCase(),
        nullable: c.nullable === 'YES',
      })),
      primaryKey: pk.map((p) => p.name),
    };
  }

  addColumn(id: TableId, column: Column): string {
    return `ALTER TABLE ${this.table(id)} ADD COLUMN ${this.quote(column.name)} ${this.sqlType(column.type, false)} NULL`;
  }

  protected parameter(): string {
    return '?';
  }

  protected onConflict(columns: readonly string[], conflictKey: readonly string[]): string {
    const keys = new Set(conflictKey);
    const updates = columns.filter((c) => !keys.has(c)).map((c) => `${this.quote(c)}=VALUES(${this.quote(c)})`);
    // Only key columns: updating a key to itself makes the statement a no-op for existing rows.
    if (updates.length === 0) updates.push(`${this.quote(conflictKey[0]!)}=${this.quote(conflictKey[0]!)}`);
    return `ON DUPLICATE KEY UPDATE ${updates.join(',')}`;
  }

  /** TRUNCATE commits implicitly in MySQL; DELETE keeps the table batch one transaction. */
  truncate(id: TableId): string {
    return `DELETE FROM ${this.table(id)}`;
  }

  begin(): string {
    return 'START TRANSACTION';
  }

  protected classifyServerError(error: unknown): ErrorClass {
    const e = error as MyError | null;
    if (e?.errno !== undefined) {
      if (TRANSIENT_ERRNOS.has(e.errno)) return 'transient';
      if (RECORD_ERRNOS.has(e.errno)) return 'record';
    }
    return sqlStateClass(e?.sqlState) ?? 'fatal';
  }

  describeError(error: unknown): string {
    const e = error as MyError | null;
    if (!e || typeof e !== 'object') return String(error);
    const code =
      e.errno !== undefined ? `${e.code ?? 'ERROR'} (${e.errno}${e.sqlState ? `, SQLSTATE ${e.sqlState}` : ''}): ` : '';
    return `${code}${e.sqlMessage ?? e.message ?? String(error)}`;
  }

  isAuthError(error: unknown): boolean {
    const n = (error as MyError | null)?.errno;
    return n === 1045 || n === 1698 || n === 1044;
  }

  isDuplicateColumn(error: unknown): boolean {
    return (error as MyError | null)?.errno === 1060;
  }
}
