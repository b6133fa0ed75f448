/** Connecting to Postgres: connection options, the regular SQL connection and the server checks and catalog SQL it runs, lost-connection detection, quoting. */
import { readFileSync } from 'node:fs';
import { ConnectException } from '@tributary/api';
import pg from 'pg';
import type { TableId } from './table-id.js';

/** How to reach the database; built from Debezium's `database.*` keys. */
export interface PgConnectOptions {
  host: string;
  port: number;
  user: string;
  password: string | null;
  database: string;
  /** libpq sslmode (disable, allow, prefer, require, verify-ca, verify-full). */
  sslmode: string;
  sslrootcert: string | null;
  sslcert: string | null;
  sslkey: string | null;
  tcpKeepAlive: boolean;
  connectTimeoutMs: number;
  applicationName: string;
}

/**
 * Session settings for every connection the connector opens. Values are rendered as text by the
 * server (pgoutput and COPY both use the type output functions), so the connector fixes the
 * styles it parses: ISO dates, ISO 8601 intervals, UTC for timestamptz/timetz, hex bytea and
 * round-trip-exact floats.
 */
export const SESSION_OPTIONS =
  '-c DateStyle=ISO -c IntervalStyle=iso_8601 -c TimeZone=UTC -c extra_float_digits=3 -c bytea_output=hex';

function sslConfig(o: PgConnectOptions): pg.ClientConfig['ssl'] {
  switch (o.sslmode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      // node-postgres has no opportunistic TLS; prefer/allow connect in the clear like a server without TLS.
      return undefined;
    default: {
      const fs = (p: string | null): string | undefined => (p ? readFile(p) : undefined);
      return {
        rejectUnauthorized: o.sslmode === 'verify-ca' || o.sslmode === 'verify-full',
        ca: fs(o.sslrootcert),
        cert: fs(o.sslcert),
        key: fs(o.sslkey),
        ...(o.sslmode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
      };
    }
  }
}

function readFile(path: string): string {
  return readFileSync(path, 'utf8');
}

export function clientConfig(o: PgConnectOptions, replication: boolean): pg.ClientConfig {
  return {
    host: o.host,
    port: o.port,
    user: o.user,
    ...(o.password !== null ? { password: o.password } : {}),
    database: o.database,
    ssl: sslConfig(o),
    keepAlive: o.tcpKeepAlive,
    connectionTimeoutMillis: o.connectTimeoutMs,
    application_name: o.applicationName,
    options: SESSION_OPTIONS,
    ...(replication ? { replication: 'database' } : {}),
  } as pg.ClientConfig;
}

/** Opens a regular SQL connection (catalog queries, snapshot reads, heartbeat action queries). */
export async function connectSql(o: PgConnectOptions, onError?: (err: Error) => void): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(o, false));
  client.on('error', (err) => onError?.(err));
  await client.connect();
  return client;
}

/**
 * Runs the set-up statements of a new connection (database.initial.statements, a snapshot's transaction).
 * A failing statement closes the client before the error goes on: nobody else holds it yet, so it would
 * stay open on the server until the worker exits.
 */
export async function setUpConnection(client: pg.Client, statements: readonly string[]): Promise<void> {
  try {
    for (const s of statements) await client.query(s);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

/**
 * The regular SQL connection (catalog queries, slot checks, heartbeat action queries, incremental
 * snapshot chunks), opened again on the next use after it was lost.
 */
export class PostgresConnection {
  readonly #options: PgConnectOptions;
  readonly #initialStatements: readonly string[];
  readonly #onError: (err: Error) => void;
  #client: pg.Client | null = null;

  constructor(options: PgConnectOptions, initialStatements: readonly string[], onError: (err: Error) => void) {
    this.#options = options;
    this.#initialStatements = initialStatements;
    this.#onError = onError;
  }

  /** The open client, without opening one (stop() must not connect just to clean up). */
  get current(): pg.Client | null {
    return this.#client;
  }

  /** Connects and runs database.initial.statements; the client is kept only once they all ran. */
  async open(): Promise<pg.Client> {
    const client = await connectSql(this.#options, this.#onError);
    await setUpConnection(client, this.#initialStatements);
    this.#client = client;
    return client;
  }

  async client(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    return this.open();
  }

  /** Runs on the connection; a lost connection becomes ConnectionLost (the stream reconnects). */
  async run<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.client());
    } catch (err) {
      if (isConnectionError(err)) {
        await this.close();
        throw new ConnectionLost(`catalog connection lost: ${(err as Error).message}`, err);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.#client?.end().catch(() => undefined);
    this.#client = null;
  }
}

/** Fails unless the server can stream pgoutput protocol version 2 (Postgres 14+, wal_level=logical). */
export async function checkServer(client: pg.Client): Promise<void> {
  const version = Number(
    (await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v,
  );
  if (version < 140000)
    throw new ConnectException(
      `Postgres ${version} is not supported: pgoutput protocol version 2 needs Postgres 14 or later`,
    );
  const walLevel = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0]!.wal_level;
  if (walLevel !== 'logical') {
    throw new ConnectException(
      `wal_level is '${walLevel}'; logical decoding needs wal_level=logical (ALTER SYSTEM SET wal_level = logical, then restart Postgres)`,
    );
  }
}

/** A table's live columns and their SQL types, in column order; a missing table is a ConnectException. */
export async function columnTypes(client: pg.Client, t: TableId): Promise<Array<{ name: string; type: string }>> {
  const res = await client.query<{ attname: string; type: string }>(
    `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class cl ON cl.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace
      WHERE n.nspname = $1 AND cl.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [t.schema, t.table],
  );
  if (res.rows.length === 0)
    throw new ConnectException(
      `Table ${t.schema}.${t.table} does not exist (signal.data.collection or a table to snapshot)`,
    );
  return res.rows.map((r) => ({ name: r.attname, type: r.type }));
}

const RAW_TEXT = { getTypeParser: () => (v: string) => v };

/** Rows as arrays of the server's text output, unparsed (the incremental snapshot decodes them as COPY text). */
export async function textRows(
  client: pg.Client,
  text: string,
  values: readonly string[],
): Promise<Array<Array<string | null>>> {
  const res = await client.query<Array<string | null>>({
    text,
    values: [...values],
    rowMode: 'array',
    types: RAW_TEXT,
  });
  return res.rows;
}

/** The Postgres error code (SQLSTATE) of an error from node-postgres, when it has one. */
export function sqlState(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/** The connection to the server went away (restart, network): reconnect and resume. */
export class ConnectionLost extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'ConnectionLost';
  }
}

const CONNECTION_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

export function isConnectionError(err: unknown): boolean {
  if (err instanceof ConnectionLost) return true;
  const state = sqlState(err);
  if (state && (state.startsWith('08') || CONNECTION_STATES.has(state))) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)
  )
    return true;
  const msg = (err as Error | null)?.message ?? '';
  return /Connection terminated|terminating connection|the database system is (starting up|shutting down|in recovery)|is not currently accepting connections|Client has encountered a connection error|socket hang up|Connection ended unexpectedly/i.test(
    msg,
  );
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
