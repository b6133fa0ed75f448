// A private MariaDB server (own datadir, port and socket) for tests that configure, restart or kill it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isPortOpen, run, sleep, tail } from './proc.js';

export interface PrivateMariaDbOptions {
  /** Binary logging (ROW format, full row metadata), as change data capture needs. Default true. */
  binlog?: boolean;
  /** server_id of the primary (a replica reading the binlog needs a different one). Default 1. */
  serverId?: number;
  /** Binlog format when binlog is on (STATEMENT or MIXED to test what CDC rejects). Default ROW. */
  binlogFormat?: 'ROW' | 'STATEMENT' | 'MIXED';
  /** Extra `--name=value` server options. */
  extraArgs?: string[];
}

/** A running private server; root has no password and may connect over TCP from 127.0.0.1. */
export interface PrivateMariaDb {
  host: string;
  port: number;
  user: string;
  password: string;
  datadir: string;
  socket: string;
  /** Server log (error log), for diagnostics. */
  logFile: string;
  /** Clean shutdown (SIGTERM, waits for the process to exit). */
  stop(): Promise<void>;
  /** Crash (SIGKILL): InnoDB and the binlog recover on the next start. */
  kill(): Promise<void>;
  /** Starts it again on the same port and datadir (after stop() or kill(); stops it first when running). */
  restart(): Promise<void>;
  /** Stops it (kill) and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

function findBinary(names: string[]): string {
  for (const name of names) {
    for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
      const file = path.join(dir, name);
      if (existsSync(file)) return file;
    }
  }
  throw new Error(
    `${names.join(' / ')} not found: install the MariaDB server (Debian: apt-get install mariadb-server)`,
  );
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

/**
 * Starts a MariaDB server of the test's own: `mariadb-install-db` into a temporary datadir, then
 * `mariadbd` on a free port with its own socket. The machine's shared server is never touched.
 */
export async function startPrivateMariaDb(options: PrivateMariaDbOptions = {}): Promise<PrivateMariaDb> {
  const installDb = findBinary(['mariadb-install-db', 'mysql_install_db']);
  const daemon = findBinary(['mariadbd', 'mysqld']);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-mariadb-'));
  const datadir = path.join(dir, 'data');
  const socket = path.join(dir, 'mariadb.sock');
  const logFile = path.join(dir, 'server.log');
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? ['--user=root'] : [];
  // A temporary directory of its own: servers bootstrapping at the same time in the shared /tmp trip over each
  // other's temporary tables ("Could not remove temporary table … Unknown table 'mysql.tmp_user_sys'").
  const tmpdir = path.join(dir, 'tmp');
  mkdirSync(tmpdir);
  const install = await run(
    installDb,
    ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...user],
    { env: { ...process.env, TMPDIR: tmpdir } },
  );
  if (install.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (${install.code}):\n${install.output.trim()}`);
  }
  const port = await freePort();
  const binlog = options.binlog ?? true;
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--tmpdir=${tmpdir}`,
    `--socket=${socket}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${path.join(dir, 'mariadb.pid')}`,
    `--log-error=${logFile}`,
    `--server-id=${options.serverId ?? 1}`,
    // Small and fast: tests need no durability across a machine crash, only across a server crash.
    '--innodb-buffer-pool-size=64M',
    '--innodb-log-file-size=48M',
    '--innodb-flush-log-at-trx-commit=2',
    '--skip-name-resolve',
    '--max-connections=200',
    ...(binlog
      ? [
          `--log-bin=${path.join(datadir, 'mariadb-bin')}`,
          `--binlog-format=${options.binlogFormat ?? 'ROW'}`,
          '--binlog-row-metadata=FULL',
          '--binlog-row-image=FULL',
        ]
      : []),
    ...user,
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const proc = spawn(daemon, args, { stdio: 'ignore' });
    child = proc;
    const deadline = Date.now() + 60_000;
    while (!(await isPortOpen('127.0.0.1', port, 500))) {
      if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`mariadbd did not start on port ${port}:\n${tail(logFile)}`);
      }
      await sleep(100);
    }
  };
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = null;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    await exited(proc);
  };

  await start();
  let destroyed = false;
  const server: PrivateMariaDb = {
    host: '127.0.0.1',
    port,
    user: 'root',
    password: '',
    datadir,
    socket,
    logFile,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    async restart() {
      await signal('SIGTERM');
      await start();
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await signal('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // A test process that dies without destroy() must not leave a server behind.
  process.once('exit', () => {
    const proc = child as ChildProcess | null;
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  });
  return server;
}
