/**
 * Registry failover: three `tributary schema-registry` processes share one `_schemas` topic and
 * group; clients register 1,000 schemas through all three while the writer is killed with SIGKILL.
 * Every registration is answered with an id or an error a client can retry (5xx, connection
 * refused/reset); afterwards the ids are unique and every schema is readable from every survivor.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, kafkaBootstrap, unique } from '../helpers.js';
import { freePort } from '../worker-process.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/dist/bin.js');

class RegistryProcess {
  readonly url: string;
  readonly logFile: string;
  readonly #child: ChildProcess;

  constructor(url: string, logFile: string, child: ChildProcess) {
    this.url = url;
    this.logFile = logFile;
    this.#child = child;
  }

  static async start(topic: string, group: string, dir: string): Promise<RegistryProcess> {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (pnpm build)`);
    const port = await freePort();
    const file = path.join(dir, `registry-${port}.properties`);
    writeFileSync(
      file,
      [
        `listeners=http://127.0.0.1:${port}`,
        `kafkastore.bootstrap.servers=${kafkaBootstrap().join(',')}`,
        `kafkastore.topic=${topic}`,
        `schema.registry.group.id=${group}`,
        'kafkagroup.session.timeout.ms=6000',
        'kafkagroup.heartbeat.interval.ms=1000',
        'schema.compatibility.level=none',
      ].join('\n'),
    );
    const logFile = path.join(dir, `registry-${port}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [BIN, 'schema-registry', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'info' },
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const r = new RegistryProcess(`http://127.0.0.1:${port}`, logFile, child);
    await eventually(async () => (await fetch(`${r.url}/subjects`).catch(() => null))?.ok, {
      timeoutMs: 60_000,
      what: `registry on ${port}`,
    });
    return r;
  }

  /** True once this process logged that it took the writer role (and has not been killed). */
  get isWriter(): boolean {
    return (
      this.#child.exitCode === null &&
      this.#child.signalCode === null &&
      readFileSync(this.logFile, 'utf8').includes('this instance is the schema registry writer')
    );
  }

  kill9(): void {
    this.#child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    const c = this.#child;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  }
}

const schemaFor = (i: number): string =>
  JSON.stringify({ type: 'record', name: `S${i}`, namespace: 'failover', fields: [{ name: 'f', type: 'int' }] });

/** Retryable as a client sees it: the registry said 5xx, or the connection failed. */
function retryable(status: number | null): boolean {
  return status === null || status >= 500;
}

describe('schema registry failover', () => {
  const procs: RegistryProcess[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
  });

  it('kill -9 the writer during 1,000 registrations: every one gets an id or a retryable error; ids unique; all readable everywhere', {
    timeout: 240_000,
  }, async () => {
    const name = unique('failover');
    const topic = `_schemas-${name}`;
    const dir = path.join(os.tmpdir(), 'tributary-test-registries', name);
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 3; i++) procs.push(await RegistryProcess.start(topic, name, dir));
    const writer = await eventually(() => procs.find((p) => p.isWriter), { timeoutMs: 30_000, what: 'a writer' });

    const N = 1000;
    const ids = new Map<number, number>();
    const refused: string[] = [];
    let retries = 0;
    let next = 0;
    let killed = false;
    const client = async (c: number): Promise<void> => {
      for (let attempt = c; ; ) {
        const i = next++;
        if (i >= N) return;
        if (!killed && i >= N / 4) {
          killed = true;
          writer.kill9();
        }
        for (;;) {
          const target = procs[attempt++ % procs.length]!;
          let status: number | null = null;
          let body: { id?: number; error_code?: number; message?: string } = {};
          try {
            const res = await fetch(`${target.url}/subjects/failover-${i}/versions`, {
              method: 'POST',
              headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
              body: JSON.stringify({ schema: schemaFor(i) }),
              signal: AbortSignal.timeout(30_000),
            });
            status = res.status;
            body = (await res.json()) as typeof body;
          } catch {
            status = null;
          }
          if (status === 200 && typeof body.id === 'number') {
            ids.set(i, body.id);
            break;
          }
          if (!retryable(status)) {
            refused.push(`${i}: ${status} ${JSON.stringify(body)}`);
            break;
          }
          retries++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
    const elapsed = Date.now() - started;
    console.log(`[failover] ${N} registrations in ${elapsed} ms, ${retries} retryable errors answered and retried`);

    expect(refused).toEqual([]);
    expect(ids.size).toBe(N);
    expect(new Set(ids.values()).size).toBe(N);
    expect(retries).toBeGreaterThan(0);

    const survivors = procs.filter((p) => p !== writer);
    await eventually(() => survivors.some((p) => p.isWriter), { timeoutMs: 30_000, what: 'a new writer' });
    const entries = [...ids];
    for (const p of survivors) {
      for (let k = 0; k < entries.length; k += 50) {
        const got = await Promise.all(
          entries.slice(k, k + 50).map(async ([i, id]) => {
            const res = await fetch(`${p.url}/schemas/ids/${id}`);
            return { i, status: res.status, schema: ((await res.json()) as { schema?: string }).schema };
          }),
        );
        for (const g of got) expect(g).toEqual({ i: g.i, status: 200, schema: schemaFor(g.i) });
      }
      const subjects = (await (await fetch(`${p.url}/subjects`)).json()) as string[];
      expect(subjects.filter((s) => s.startsWith('failover-'))).toHaveLength(N);
    }
  });
});
