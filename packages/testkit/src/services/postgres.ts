/** The machine's Postgres for tests: started and set up for logical decoding, and per-suite test databases created and dropped. */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';
import { isAlive, run, sleep, waitFor } from './proc.js';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** What logical decoding (the Postgres CDC connector) needs. */
const REQUIRED = { wal_level: 'logical', max_replication_slots: 10, max_wal_senders: 10 } as const;

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>, timeoutMs = 3000): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function pgAnswers(url: string): Promise<boolean> {
  try {
    await withClient(url, (c) => c.query('SELECT 1'), 2000);
    return true;
  } catch {
    return false;
  }
}

/** The cluster version directory under /etc/postgresql (Debian's layout), highest first. */
function clusterVersion(): string {
  const dir = '/etc/postgresql';
  const versions = existsSync(dir)
    ? readdirSync(dir)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) {
    throw new Error(
      'Postgres does not answer on 127.0.0.1:5432 and no cluster exists under /etc/postgresql; ' +
        'install PostgreSQL (Debian: apt-get install postgresql) or set PG_URL',
    );
  }
  return versions[0];
}

async function pgCtlCluster(action: 'start' | 'restart'): Promise<void> {
  const version = clusterVersion();
  const args = ['--skip-systemctl-redirect', version, 'main', action];
  const asRoot = process.getuid?.() === 0;
  const res = asRoot ? await run('pg_ctlcluster', args) : await run('sudo', ['-n', 'pg_ctlcluster', ...args]);
  if (res.code !== 0) {
    throw new Error(
      `pg_ctlcluster ${args.join(' ')} failed (${res.code}):\n${res.output.trim()}\n` +
        `Run it yourself as root: pg_ctlcluster --skip-systemctl-redirect ${version} main ${action}`,
    );
  }
}

interface PgSettings {
  wal_level: string;
  max_replication_slots: number;
  max_wal_senders: number;
}

async function settings(url: string): Promise<PgSettings> {
  return withClient(url, async (c) => {
    const res = await c.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_replication_slots', 'max_wal_senders')`,
    );
    const m = new Map(res.rows.map((r) => [r.name, r.setting]));
    return {
      wal_level: m.get('wal_level') ?? '',
      max_replication_slots: Number(m.get('max_replication_slots') ?? 0),
      max_wal_senders: Number(m.get('max_wal_senders') ?? 0),
    };
  });
}

function settingsOk(s: PgSettings): boolean {
  return (
    s.wal_level === REQUIRED.wal_level &&
    s.max_replication_slots >= REQUIRED.max_replication_slots &&
    s.max_wal_senders >= REQUIRED.max_wal_senders
  );
}

/**
 * The machine's Postgres: starts the cluster when it does not answer and, when `configure`, makes sure logical
 * decoding is on (ALTER SYSTEM, then one restart). With a PG_URL given, only checks that it answers.
 */
export async function ensurePostgres(url: string, manage: boolean, log: (line: string) => void): Promise<void> {
  if (!(await pgAnswers(url))) {
    if (!manage) throw new Error(`Postgres does not answer at ${redactUrl(url)} (PG_URL)`);
    log('Postgres does not answer on 127.0.0.1:5432; starting the cluster');
    await pgCtlCluster('start');
    await waitFor('Postgres', 60_000, async () => ((await pgAnswers(url)) ? true : undefined), { intervalMs: 300 });
  }
  const current = await settings(url);
  if (settingsOk(current)) return;
  if (!manage) {
    log(
      `warning: Postgres at ${redactUrl(url)} has wal_level=${current.wal_level}, ` +
        `max_replication_slots=${current.max_replication_slots}, max_wal_senders=${current.max_wal_senders}; ` +
        'change data capture needs wal_level=logical',
    );
    return;
  }
  log(
    `configuring Postgres for logical decoding (wal_level ${current.wal_level} -> logical, ` +
      `max_replication_slots >= 10, max_wal_senders >= 10); restarting it once`,
  );
  await withClient(url, async (c) => {
    await c.query(`ALTER SYSTEM SET wal_level = 'logical'`);
    if (current.max_replication_slots < REQUIRED.max_replication_slots) {
      await c.query(`ALTER SYSTEM SET max_replication_slots = ${REQUIRED.max_replication_slots}`);
    }
    if (current.max_wal_senders < REQUIRED.max_wal_senders) {
      await c.query(`ALTER SYSTEM SET max_wal_senders = ${REQUIRED.max_wal_senders}`);
    }
  });
  await pgCtlCluster('restart');
  await waitFor('Postgres after restart', 60_000, async () => ((await pgAnswers(url)) ? true : undefined), {
    intervalMs: 300,
  });
  const after = await settings(url);
  if (!settingsOk(after))
    throw new Error(`Postgres settings did not take effect after restart: ${JSON.stringify(after)}`);
}

/** The URL with any password replaced, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function pgBaseUrl(baseUrl?: string): string {
  return baseUrl ?? process.env.PG_URL ?? DEFAULT_PG_URL;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

const TEST_DB_PREFIX = 'trib_';

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Creates an empty database for one test suite and returns its URL. The name is
 * `trib_<prefix>_<pid>_<random>` (pid of the creating process, so {@link dropStaleTestDatabases} can
 * clean up after killed runs). `baseUrl` defaults to PG_URL, then the machine's Postgres.
 */
export async function createTestDatabase(prefix: string, baseUrl?: string): Promise<string> {
  const base = pgBaseUrl(baseUrl);
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 30);
  const name = `${TEST_DB_PREFIX}${clean || 'test'}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(base, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  return withDatabase(base, name);
}

/**
 * Drops a database made by {@link createTestDatabase} (pass its URL or name): its replication slots first
 * (they would keep WAL forever), then the database, disconnecting whoever is still connected.
 */
export async function dropTestDatabase(urlOrName: string, baseUrl?: string): Promise<void> {
  const name = urlOrName.includes('://') ? decodeURIComponent(new URL(urlOrName).pathname.slice(1)) : urlOrName;
  if (!name || name === 'postgres' || name.startsWith('template')) throw new Error(`refusing to drop database ${name}`);
  const base = urlOrName.includes('://') ? withDatabase(urlOrName, 'postgres') : pgBaseUrl(baseUrl);
  await withClient(base, async (c) => {
    for (let attempt = 0; ; attempt++) {
      // Active slots belong to walsenders: end them, then drop the slots.
      await c.query(
        `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL`,
        [name],
      );
      try {
        await c.query(
          `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`,
          [name],
        );
        const left = await c.query(`SELECT 1 FROM pg_replication_slots WHERE database = $1`, [name]);
        if (left.rowCount === 0) break;
      } catch (err) {
        if (attempt >= 20) throw err;
      }
      if (attempt >= 20) throw new Error(`replication slots of ${name} stay active`);
      await sleep(100);
    }
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
}

/**
 * Drops test databases whose creating process is gone (left behind by killed runs), with their
 * replication slots. Databases of live processes, also other runs' on this machine, are kept.
 */
export async function dropStaleTestDatabases(baseUrl?: string): Promise<string[]> {
  const base = pgBaseUrl(baseUrl);
  const names = await withClient(base, async (c) => {
    const res = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'trib\\_%'`);
    return res.rows.map((r) => r.datname);
  });
  const stale = names.filter((n) => {
    const m = /_(\d+)_[0-9a-f]{8}$/.exec(n);
    return m !== null && !isAlive(Number(m[1]));
  });
  for (const name of stale) await dropTestDatabase(name, base);
  return stale;
}
