// The PostgreSQL dialect on `pg`: INSERT … ON CONFLICT DO UPDATE, numbered parameters, pg_catalog for table descriptions.
import { BigDecimal } from '@tributary/api';
import pg from 'pg';
import { type Column, type ColumnType, civil, Micros, timeOfDay } from '../columns.js';
import type { JdbcSinkConfig } from '../config.js';
import {
  type DbSession,
  type Dialect,
  type ErrorClass,
  type ExistingColumn,
  sqlStateClass,
  type TableDescription,
  type TableType,
} from '../dialect.js';
import type { TableId } from '../records.js';
import { GenericDialect } from './generic.js';
import { wantsSsl } from '../url.js';

const RELKINDS: Record<string, TableType> = { r: 'TABLE', p: 'PARTITIONED TABLE', v: 'VIEW', m: 'VIEW', f: 'TABLE' };

interface PgError {
  code?: string;
  message?: string;
  detail?: string;
  constraint?: string;
  column?: string;
}

class PgSession implements DbSession {
  readonly #client: pg.Client;
  constructor(client: pg.Client) {
    this.#client = client;
  }
  async execute(sql: string, params?: readonly unknown[]): Promise<number> {
    const r = await this.#client.query(sql, params as unknown[] | undefined);
    return r.rowCount ?? 0;
  }
  async rows<R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    const r = await this.#client.query<R>(sql, params as unknown[] | undefined);
    return r.rows;
  }
  async close(): Promise<void> {
    await this.#client.end().catch(() => undefined);
  }
}

function scalarType(t: ColumnType): string {
  switch (t.kind) {
    case 'int16':
      return 'smallint';
    case 'int32':
      return 'integer';
    case 'int64':
      return 'bigint';
    case 'float32':
      return 'real';
    case 'float64':
      return 'double precision';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'text';
    case 'bytes':
      return 'bytea';
    case 'decimal':
      return t.precision !== undefined && t.scale !== undefined ? `numeric(${t.precision},${t.scale})` : 'numeric';
    case 'date':
      return 'date';
    case 'time':
      return 'time';
    case 'timetz':
      return 'timetz';
    case 'timestamp':
      return 'timestamp';
    case 'timestamptz':
      return 'timestamptz';
    case 'json':
      return 'jsonb';
    case 'uuid':
      return 'uuid';
    case 'xml':
      return 'xml';
    case 'array':
      return `${scalarType(t.element ?? { kind: 'string' })}[]`;
  }
}

export class PostgresDialect extends GenericDialect implements Dialect {
  readonly name = 'postgresql' as const;
  readonly maxParameters = 65_535;
  protected readonly optionalColumn = '';
  readonly #quote: boolean;

  constructor(quoteIdentifiers = true) {
    super();
    this.#quote = quoteIdentifiers;
  }

  async connect(c: JdbcSinkConfig, timeoutMs = 30_000): Promise<DbSession> {
    const ssl = wantsSsl(c.url.params);
    const client = new pg.Client({
      host: c.url.host,
      port: c.url.port,
      database: c.url.database,
      user: c.user ?? undefined,
      password: c.password ?? undefined,
      connectionTimeoutMillis: timeoutMs,
      application_name: c.url.params.ApplicationName ?? 'tributary-jdbc-sink',
      ...(ssl.enabled ? { ssl: { rejectUnauthorized: ssl.verify } } : {}),
    });
    // A connection dropped between statements surfaces on the next query; the idle 'error' event must not crash the worker.
    client.on('error', () => undefined);
    await client.connect();
    // Wall-clock columns (timestamp, time) are written in db.timezone; instants carry their own offset.
    await client.query(`SET TIME ZONE '${c.timeZone.replace(/'/g, "''")}'`);
    return new PgSession(client);
  }

  fold(identifier: string): string {
    return this.#quote ? identifier : identifier.toLowerCase();
  }

  quote(identifier: string): string {
    return `"${this.fold(identifier).replace(/"/g, '""')}"`;
  }

  sqlType(type: ColumnType, _key: boolean): string {
    return scalarType(type);
  }

  bind(column: Column, target: ExistingColumn | null, timeZone: string): unknown {
    return bindValue(column.type, column.value, target?.sqlType ?? null, timeZone);
  }

  async describe(session: DbSession, id: TableId): Promise<TableDescription | null> {
    const schema = id.schema === null ? null : this.fold(id.schema);
    const rel = await session.rows<{ oid: number; relkind: string }>(
      `SELECT c.oid::int AS oid, c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND n.nspname = COALESCE($2, current_schema())`,
      [this.fold(id.table), schema],
    );
    const r = rel[0];
    if (!r) return null;
    const columns = await session.rows<{ name: string; type: string; nullable: boolean }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
         FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [r.oid],
    );
    const pk = await session.rows<{ name: string }>(
      `SELECT a.attname AS name FROM pg_catalog.pg_index i
         JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.ord`,
      [r.oid],
    );
    return {
      id,
      type: RELKINDS[r.relkind] ?? 'TABLE',
      columns: columns.map((c) => ({ name: c.name, sqlType: c.type.toLowerCase(), nullable: c.nullable })),
      primaryKey: pk.map((p) => p.name),
    };
  }

  addColumn(id: TableId, column: Column): string {
    return `ALTER TABLE ${this.table(id)} ADD COLUMN IF NOT EXISTS ${this.quote(column.name)} ${this.sqlType(column.type, false)}`;
  }

  protected parameter(n: number): string {
    return `$${n}`;
  }

  protected onConflict(columns: readonly string[], conflictKey: readonly string[]): string {
    const keys = new Set(conflictKey);
    const updates = columns.filter((c) => !keys.has(c)).map((c) => `${this.quote(c)}=EXCLUDED.${this.quote(c)}`);
    return `ON CONFLICT (${conflictKey.map((c) => this.quote(c)).join(',')}) ${updates.length ? `DO UPDATE SET ${updates.join(',')}` : 'DO NOTHING'}`;
  }

  truncate(id: TableId): string {
    return `TRUNCATE TABLE ${this.table(id)}`;
  }

  begin(): string {
    return 'BEGIN';
  }

  protected classifyServerError(error: unknown): ErrorClass {
    const code = (error as PgError | null)?.code;
    return sqlStateClass(code) ?? 'fatal';
  }

  describeError(error: unknown): string {
    const e = error as PgError | null;
    if (!e || typeof e !== 'object') return String(error);
    const parts = [`${e.code ? `SQLSTATE ${e.code}: ` : ''}${e.message ?? String(error)}`];
    if (e.detail) parts.push(`Detail: ${e.detail}`);
    return parts.join('. ');
  }

  isAuthError(error: unknown): boolean {
    const code = (error as PgError | null)?.code;
    return code === '28P01' || code === '28000';
  }

  isDuplicateColumn(error: unknown): boolean {
    return (error as PgError | null)?.code === '42701';
  }
}

/** One value for pg: text for temporal and decimal values, so the server parses them exactly. */
function bindValue(type: ColumnType, value: unknown, targetType: string | null, timeZone: string): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Micros) {
    switch (type.kind) {
      case 'date':
        return civil(value.value, 'UTC').date;
      case 'time':
        return timeOfDay(value.value);
      case 'timestamp': {
        const c = civil(value.value, 'UTC');
        return `${c.date} ${c.time}`;
      }
      default: {
        // An instant: with its offset for timestamptz columns; a wall-clock in db.timezone for timestamp ones,
        // which would otherwise drop the offset silently.
        if (targetType !== null && !targetType.includes('with time zone') && targetType.startsWith('timestamp')) {
          const c = civil(value.value, timeZone);
          return `${c.date} ${c.time}`;
        }
        const c = civil(value.value, 'UTC');
        return `${c.date} ${c.time}Z`;
      }
    }
  }
  if (value instanceof BigDecimal) return value.toString();
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) {
    if (targetType !== null && !targetType.endsWith('[]')) return JSON.stringify(value);
    return value.map((v) => bindValue(type.element ?? { kind: 'string' }, v, null, timeZone));
  }
  if (typeof value === 'object') return JSON.stringify(value);
  if (targetType !== null && (targetType === 'jsonb' || targetType === 'json') && type.kind !== 'json')
    return JSON.stringify(value);
  return value;
}
