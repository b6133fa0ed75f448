/** The harness's S3Proxy, an S3-compatible store: jars, port, start, stop and health check. */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { checkJava, fetchJars, jarSet, javaBin } from './maven.js';
import type { HarnessPaths } from './paths.js';
import {
  canListen,
  freePort,
  isAlive,
  isOurProcess,
  readOwner,
  readPid,
  readText,
  spawnDetached,
  stopProcess,
  tail,
  waitFor,
  writeText,
} from './proc.js';
import type { ServiceOwner } from './types.js';

export const S3_HOST = '127.0.0.1';
/** S3Proxy runs with `s3proxy.authorization=none`: any credentials work; these are what the endpoints report. */
export const S3_ACCESS_KEY_ID = 'tributary';
export const S3_SECRET_ACCESS_KEY = 'tributary-secret';

export function s3proxyJars(paths: HarnessPaths) {
  return jarSet(paths.root, paths.cacheDir, 's3proxy', 's3proxy.version');
}

export interface S3Files {
  dir: string;
  data: string;
  pid: string;
  owner: string;
  port: string;
  log: string;
  config: string;
}

export function s3Files(paths: HarnessPaths): S3Files {
  const dir = join(paths.stateDir, 's3proxy');
  return {
    dir,
    data: join(dir, 'data'),
    pid: join(dir, 's3proxy.pid'),
    owner: join(dir, 'owner'),
    port: join(dir, 'port'),
    log: join(dir, 's3proxy.log'),
    config: join(dir, 's3proxy.properties'),
  };
}

export function s3Endpoint(port: number): string {
  return `http://${S3_HOST}:${port}`;
}

/** The port S3Proxy was last given, kept in the state directory so `up` and `status` agree. */
export function s3Port(paths: HarnessPaths): number | undefined {
  const n = Number(readText(s3Files(paths).port)?.trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** True when an S3 API answers ListBuckets at `endpoint` (any HTTP answer with an S3 XML body or an auth error). */
export function s3Answers(endpoint: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${endpoint.replace(/\/$/, '')}/`, { method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 4096) body += c;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve(
          (status === 200 && body.includes('ListAllMyBucketsResult')) ||
            (status === 403 && body.includes('<Error>')) ||
            (status === 400 && body.includes('<Error>')),
        );
      });
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export type S3State =
  | { state: 'harness'; pid: number; port: number | undefined; ready: boolean; owner: ServiceOwner }
  | { state: 'stopped'; port: number | undefined };

export async function s3State(paths: HarnessPaths): Promise<S3State> {
  const f = s3Files(paths);
  const pid = readPid(f.pid);
  const port = s3Port(paths);
  if (pid !== undefined && (await isOurProcess(pid, f.config))) {
    const ready = port !== undefined && (await s3Answers(s3Endpoint(port)));
    return { state: 'harness', pid, port, ready, owner: readOwner(f.owner) };
  }
  return { state: 'stopped', port };
}

function s3proxyProperties(port: number, dataDir: string): string {
  return [
    `s3proxy.endpoint=${s3Endpoint(port)}`,
    's3proxy.authorization=none',
    'jclouds.provider=filesystem',
    `jclouds.filesystem.basedir=${dataDir}`,
    `jclouds.identity=${S3_ACCESS_KEY_ID}`,
    `jclouds.credential=${S3_SECRET_ACCESS_KEY}`,
    '',
  ].join('\n');
}

/** Makes sure S3Proxy answers; returns its port and whether it started it. */
export async function ensureS3(
  paths: HarnessPaths,
  owner: ServiceOwner,
  log: (line: string) => void,
): Promise<{ port: number; started: boolean }> {
  const f = s3Files(paths);
  const jars = s3proxyJars(paths);
  const state = await s3State(paths);
  if (state.state === 'harness') {
    if (owner === 'persistent') writeText(f.owner, 'persistent\n');
    if (state.ready && state.port !== undefined) return { port: state.port, started: false };
    const port = state.port;
    if (port !== undefined) {
      try {
        await waitFor('S3Proxy', 20_000, async () => ((await s3Answers(s3Endpoint(port))) ? true : undefined));
        return { port, started: false };
      } catch {
        // restarted below
      }
    }
    log(`S3Proxy (pid ${state.pid}) does not answer; restarting it`);
    await stopProcess(state.pid, 10_000);
  }
  rmSync(f.pid, { force: true });
  await checkJava();
  const libs = await fetchJars(jars, log);
  const jar = readdirSync(libs).find((n) => n.startsWith('s3proxy-') && n.endsWith('.jar'));
  if (!jar) throw new Error(`no s3proxy jar in ${libs}`);

  let port = state.port;
  if (port === undefined || !(await canListen(S3_HOST, port))) port = await freePort(S3_HOST);
  mkdirSync(f.data, { recursive: true });
  writeText(f.config, s3proxyProperties(port, f.data));
  writeText(f.port, `${port}\n`);
  writeText(f.log, `--- starting S3Proxy ${new Date().toISOString()}\n`);
  const started = Date.now();
  log(`starting S3Proxy ${jars.version} on ${s3Endpoint(port)} (log: ${f.log})`);
  const pid = spawnDetached(
    javaBin(),
    [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-Djava.awt.headless=true',
      '-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener',
      '-jar',
      join(libs, jar),
      '--properties',
      f.config,
    ],
    { cwd: f.dir, logFile: f.log, env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  writeText(f.pid, `${pid}\n`);
  writeText(f.owner, `${owner}\n`);
  const endpoint = s3Endpoint(port);
  try {
    await waitFor('S3Proxy', 60_000, async () => ((await s3Answers(endpoint)) ? true : undefined), {
      abort: () => (isAlive(pid) ? undefined : `S3Proxy exited; last lines of ${f.log}:\n${tail(f.log)}`),
    });
  } catch (err) {
    await stopProcess(pid, 5_000);
    rmSync(f.pid, { force: true });
    throw err;
  }
  log(`S3Proxy ready in ${((Date.now() - started) / 1000).toFixed(1)}s (pid ${pid})`);
  return { port, started: true };
}

export async function stopS3(paths: HarnessPaths, purge: boolean, log: (line: string) => void): Promise<boolean> {
  const f = s3Files(paths);
  const pid = readPid(f.pid);
  let stopped = false;
  if (pid !== undefined && (await isOurProcess(pid, f.config))) {
    log(`stopping S3Proxy (pid ${pid})`);
    await stopProcess(pid, 10_000);
    stopped = true;
  }
  rmSync(f.pid, { force: true });
  rmSync(f.owner, { force: true });
  if (purge) rmSync(f.data, { recursive: true, force: true });
  return stopped;
}
