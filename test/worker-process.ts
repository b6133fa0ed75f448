import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, httpCall } from '@tributary/testkit';
import { eventually, kafkaBootstrap } from './helpers.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(repo, 'packages/cli/dist/bin.js');

export { freePort, httpCall };

export interface ClusterSpec {
  groupId: string;
  configTopic: string;
  offsetTopic: string;
  statusTopic: string;
  extra?: Record<string, string>;
}

export function clusterSpec(name: string, extra: Record<string, string> = {}): ClusterSpec {
  return {
    groupId: name,
    configTopic: `${name}-configs`,
    offsetTopic: `${name}-offsets`,
    statusTopic: `${name}-status`,
    extra,
  };
}

/**
 * A worker as a separate OS process (`tributary distributed`), so tests can kill -9 it. Uses the
 * built CLI: the test command builds before running tests.
 */
export interface WorkerProcessOptions {
  port?: number;
  dir?: string;
  /** Serve https (the spec's extra holds the ssl.* keys); requests trust this CA. */
  https?: { ca: string; key?: string; cert?: string };
  /** Sent with every request of request() and the readiness probe (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Extra environment of the worker process (e.g. KAFKA_OPTS). */
  env?: Record<string, string>;
}

export class WorkerProcess {
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
  readonly #opts: WorkerProcessOptions;
  #child: ChildProcess | null = null;

  private constructor(port: number, logFile: string, opts: WorkerProcessOptions) {
    this.port = port;
    this.url = `${opts.https ? 'https' : 'http'}://127.0.0.1:${port}`;
    this.logFile = logFile;
    this.#opts = opts;
  }

  static async start(spec: ClusterSpec, opts: WorkerProcessOptions = {}): Promise<WorkerProcess> {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (pnpm build)`);
    const port = opts.port ?? (await freePort());
    const dir = opts.dir ?? path.join(os.tmpdir(), 'tributary-test-workers', spec.groupId);
    mkdirSync(dir, { recursive: true });
    const props: Record<string, string> = {
      'bootstrap.servers': kafkaBootstrap().join(','),
      'group.id': spec.groupId,
      'config.storage.topic': spec.configTopic,
      'offset.storage.topic': spec.offsetTopic,
      'status.storage.topic': spec.statusTopic,
      'config.storage.replication.factor': '1',
      'offset.storage.replication.factor': '1',
      'status.storage.replication.factor': '1',
      'offset.storage.partitions': '5',
      'status.storage.partitions': '2',
      listeners: `${opts.https ? 'https' : 'http'}://127.0.0.1:${port}`,
      'rest.advertised.host.name': '127.0.0.1',
      'offset.flush.interval.ms': '1000',
      'session.timeout.ms': '6000',
      'heartbeat.interval.ms': '1000',
      'scheduled.rebalance.max.delay.ms': '1000',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
      ...spec.extra,
    };
    const file = path.join(dir, `worker-${port}.properties`);
    writeFileSync(
      file,
      Object.entries(props)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const w = new WorkerProcess(port, path.join(dir, `worker-${port}.log`), opts);
    w.#spawn(file);
    await eventually(async () => (await w.request('GET', '/').catch(() => null))?.status === 200, {
      timeoutMs: 60_000,
      what: `worker on ${port} to answer`,
    });
    return w;
  }

  #spawn(file: string): void {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [BIN, 'distributed', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'info', ...this.#opts.env },
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.#child = child;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async request<T = unknown>(
    method: string,
    p: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    if (!this.#opts.https && !this.#opts.headers && Object.keys(headers).length === 0) {
      const res = await fetch(`${this.url}${p}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    }
    const res = await httpCall(`${this.url}${p}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...this.#opts.headers,
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(this.#opts.https ? this.#opts.https : {}),
    });
    let parsed: unknown = null;
    try {
      parsed = res.text ? JSON.parse(res.text) : null;
    } catch {
      parsed = res.text;
    }
    return { status: res.status, body: parsed as T };
  }

  /** SIGKILL: no shutdown hooks, no group leave, nothing flushed. */
  kill9(): void {
    this.#child?.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    const c = this.#child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(t);
  }
}
