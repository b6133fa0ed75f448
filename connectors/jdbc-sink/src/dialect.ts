// The one interface a database dialect implements: connecting, describing tables, type names, statements, binding and error classes.
import type { Column, ColumnType } from './columns.js';
import type { JdbcSinkConfig } from './config.js';
import type { TableId } from './records.js';
import type { DialectName } from './url.js';

/** An open connection: statements run one at a time, in order. */
export interface DbSession {
  /** Runs a statement; resolves to the rows it affected. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs a query; resolves to its rows. */
  rows<R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

export interface ExistingColumn {
  /** The name as the database stores it. */
  readonly name: string;
  /** The database's type name, lower case (integer, timestamp without time zone, varchar, …). */
  readonly sqlType: string;
  readonly nullable: boolean;
}

export type TableType = 'TABLE' | 'PARTITIONED TABLE' | 'VIEW';

export interface TableDescription {
  readonly id: TableId;
  readonly type: TableType;
  /** In table order. */
  readonly columns: readonly ExistingColumn[];
  readonly primaryKey: readonly string[];
}

/** How a failed statement should be handled. */
export type ErrorClass =
  /** The data of a row was refused (constraint, type, range): the row goes through errors.*, the rest is written. */
  | 'record'
  /** The connection or the server had a moment (dropped, restarting, deadlock, serialization): retry the table batch. */
  | 'transient'
  /** Anything else (missing table, bad SQL, permissions): the task fails with the error. */
  | 'fatal';

/** A column of a statement: its name as the database knows it, and, when the table has it already, its existing type. */
export interface TargetColumn {
  readonly name: string;
  readonly existing: ExistingColumn | null;
}

export interface Dialect {
  readonly name: DialectName;
  /** Most bind parameters one statement may carry. */
  readonly maxParameters: number;
  connect(config: JdbcSinkConfig, timeoutMs?: number): Promise<DbSession>;
  /** The identifier as the database stores an unquoted one (Postgres folds to lower case). */
  fold(identifier: string): string;
  quote(identifier: string): string;
  table(id: TableId): string;
  /** The SQL type auto.create and auto.evolve give a column of this type (`key`: it is part of the primary key). */
  sqlType(type: ColumnType, key: boolean): string;
  /** A value of {@link normalize}'s forms as the driver takes it, for a column of `target`'s type. */
  bind(column: Column, target: ExistingColumn | null, timeZone: string): unknown;
  describe(session: DbSession, id: TableId): Promise<TableDescription | null>;
  createTable(id: TableId, key: readonly Column[], values: readonly Column[]): string;
  addColumn(id: TableId, column: Column): string;
  /** INSERT of `rows` rows of `columns`; with `conflictKey`, an upsert on it. */
  insert(id: TableId, columns: readonly string[], rows: number, conflictKey: readonly string[] | null): string;
  update(id: TableId, key: readonly string[], values: readonly string[]): string;
  delete(id: TableId, key: readonly string[], rows: number): string;
  truncate(id: TableId): string;
  savepoint(name: string): string;
  rollbackTo(name: string): string;
  release(name: string): string;
  begin(): string;
  classify(error: unknown): ErrorClass;
  /** The database's own words for an error (SQLSTATE/code and message, with detail when the server gave one). */
  describeError(error: unknown): string;
  /** Whether an error is the server refusing the credentials (validate then names connection.password). */
  isAuthError(error: unknown): boolean;
  /** Whether an ALTER TABLE … ADD failed only because another task added the column first. */
  isDuplicateColumn(error: unknown): boolean;
}

/** Postgres and MySQL agree on ANSI SQLSTATE classes for data (22) and integrity (23) errors. */
export function sqlStateClass(state: string | undefined): ErrorClass | null {
  if (!state) return null;
  if (state.startsWith('22') || state.startsWith('23')) return 'record';
  if (state.startsWith('08') || state.startsWith('40') || state.startsWith('53') || state.startsWith('57P'))
    return 'transient';
  return null;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
]);

/** A socket-level failure of either driver. */
export function isNetworkError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  const m = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection is closed|Can't add new command when connection is in closed state|socket hang up/i.test(
    m,
  );
}
