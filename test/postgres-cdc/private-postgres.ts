import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@tributary/testkit';

/**
 * A Postgres server of the test's own (initdb in a temporary directory, its own port), for
 * tests that restart or crash the server: doing that to the machine's shared server would
 * break every other test running at the same time.
 */
export interface PrivatePostgres {
  url: string;
  host: string;
  port: number;
  /** The server's log, for failure messages. */
  logFile: string;
  /**
   * Stops the server (`immediate` is a crash: no checkpoint, recovery from WAL on the next start).
   * Asynchronous on purpose: a clean stop waits for the connector in this process to confirm the
   * shutdown checkpoint, which it cannot do while the event loop is blocked.
   */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  destroy(): void;
}

function binDir(): string {
  const cfg = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const fromConfig = cfg.status === 0 ? cfg.stdout.trim() : '';
  if (fromConfig && existsSync(path.join(fromConfig, 'initdb'))) return fromConfig;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error('initdb not found (pg_config --bindir, /usr/lib/postgresql/*/bin): install the Postgres server');
  return path.join(root, versions[0]!, 'bin');
}

/** `settings` are extra server settings (`-c name=value`). */
export async function startPrivatePostgres(settings: Record<string, string> = {}): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-pg-'));
  // initdb refuses to run as root: run the server as the postgres account then.
  const asRoot = process.getuid?.() === 0;
  const command = (cmd: string, args: string[]): [string, string[]] => {
    const file = path.join(bin, cmd);
    return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  };
  const run = (cmd: string, args: string[]): void => {
    const [file, argv] = command(cmd, args);
    execFileSync(file, argv, { stdio: 'pipe' });
  };
  const runAsync = (cmd: string, args: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const [file, argv] = command(cmd, args);
      execFile(file, argv, (err, _out, stderr) =>
        err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(),
      );
    });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-k ${dir}`,
    '-c wal_level=logical',
    '-c max_wal_senders=10',
    '-c max_replication_slots=10',
    '-c fsync=off',
    ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
  ].join(' ');
  const startArgs = ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-o', options, 'start'];
  run('pg_ctl', startArgs);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    host: '127.0.0.1',
    port,
    logFile: path.join(dir, 'server.log'),
    start: () => runAsync('pg_ctl', startArgs),
    stop: (mode) => runAsync('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']),
    destroy() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
