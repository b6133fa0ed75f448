/** Connecting to Postgres: connection options from Debezium's database.* keys, the fixed session settings, quoting and SQLSTATE helpers. */
import { readFileSync } from 'node:fs';
import pg from 'pg';

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

/** The Postgres error code (SQLSTATE) of an error from node-postgres, when it has one. */
export function sqlState(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
