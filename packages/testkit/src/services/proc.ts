/** Process helpers for the service harness: pid and owner files, liveness checks, detached spawning and stopping. */
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** The owner recorded next to a harness process (`session` or, by default, `persistent`). */
export function readOwner(file: string): 'persistent' | 'session' {
  return readText(file)?.trim() === 'session' ? 'session' : 'persistent';
}

export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function writeText(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

export function readPid(file: string): number | undefined {
  const n = Number.parseInt(readText(file)?.trim() ?? '', 10);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** True when the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = readText(`/proc/${pid}/stat`);
  if (stat !== undefined) {
    // "pid (comm) S ..." — comm may hold spaces and parentheses; the state follows the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  }
  return true;
}

/** The command line of a process, or undefined when it is gone. */
export async function commandLine(pid: number): Promise<string | undefined> {
  const proc = readText(`/proc/${pid}/cmdline`);
  if (proc !== undefined) return proc.split('\0').join(' ').trim() || undefined;
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'args=', '-p', String(pid)], (err, stdout) => resolve(err ? undefined : stdout.trim()));
  });
}

/** True when `pid` is alive and its command line contains `marker` (guards against reused pids). */
export async function isOurProcess(pid: number, marker: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  return (await commandLine(pid))?.includes(marker) ?? false;
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 20_000): Promise<'terminated' | 'killed' | 'gone'> {
  if (!isAlive(pid)) return 'gone';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'terminated';
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'terminated';
  }
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
  return 'killed';
}

/**
 * Starts a process that outlives this one: its own process group, stdin closed, stdout and stderr
 * appended to `logFile`, not referenced by the event loop.
 */
export function spawnDetached(
  command: string,
  args: string[],
  opts: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv },
): number {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
    });
    child.on('error', () => {});
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export interface RunResult {
  code: number;
  output: string;
}

/** Runs a command to completion, collecting stdout and stderr together. */
export function run(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', (err) => resolve({ code: 127, output: output + String(err.message) }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

/** True when this process could listen on host:port now. */
export function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below the OS's ephemeral range. A port from that range can be handed out again as the local port of an
 * outgoing connection while the service is down (on loopback a client retrying `connect` to it can even connect to
 * itself), and a service started again on the same port then fails with "Address already in use" — seen with a
 * broker restarted after a 150 s outage. Ports below the range are only ever taken by an explicit `listen`.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 10_000;
  const high = Math.max(low + 1000, ephemeralLow) - 1;
  for (let i = 0; i < 200; i++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canListen(host, port)) return port;
  }
  throw new Error(`no free port on ${host} between ${low} and ${high}`);
}

function ephemeralRange(): [number, number] {
  const text = readText('/proc/sys/net/ipv4/ip_local_port_range');
  const [lo, hi] = (text ?? '').trim().split(/\s+/).map(Number);
  return lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi)
    ? [lo, hi]
    : [32_768, 60_999];
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  opts: { intervalMs?: number; abort?: () => string | undefined } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    const aborted = opts.abort?.();
    if (aborted !== undefined) throw new Error(`${what}: ${aborted}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${Math.round(timeoutMs / 1000)}s`);
    await sleep(opts.intervalMs ?? 200);
  }
}

/** The last `lines` lines of a file, for error messages. */
export function tail(file: string, lines = 30): string {
  const text = readText(file);
  if (!text) return '(empty log)';
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * An exclusive lock between processes: a file created with O_EXCL that holds the owner's pid.
 * A lock whose owner died is taken over.
 */
export async function withFileLock<T>(file: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPid(file);
      if (holder === process.pid) throw new Error(`${file} is already held by this process`);
      if (holder === undefined || !isAlive(holder)) {
        // The holder died (or is between create and write: give it a moment before taking over).
        if (holder === undefined) await sleep(100);
        if (readPid(file) === holder) rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${file} (held by pid ${holder})`);
      if (!announced) {
        process.stderr.write(`[services] waiting for another tributary process (pid ${holder}) to finish\n`);
        announced = true;
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    if (readPid(file) === process.pid) rmSync(file, { force: true });
  }
}
