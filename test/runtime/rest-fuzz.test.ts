import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, unique } from '../helpers.js';
import { clusterSpec, WorkerProcess } from '../worker-process.js';

/** A small seeded generator, so a failing run can be replayed with FUZZ_SEED. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
/** Every request must be answered within this (a hang is a failure, not a slow test). */
const ANSWER_WITHIN_MS = 15_000;

interface Req {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Requests a careless or hostile client sends: odd names, wrong types, broken and huge bodies, wrong methods. */
function generator(random: () => number, file: string) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const int = (n: number): number => Math.floor(random() * n);
  const oddNames = (): string =>
    pick([
      'a',
      'fuzz-ok',
      ' padded ',
      'a/b',
      'a%2Fb',
      '..',
      'é✓中文',
      '\u0000nul',
      'tab\tname',
      '\ud800lone',
      'x'.repeat(1 + int(5000)),
      'y'.repeat(40_000),
      'z'.repeat(1_000_000),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a config provider placeholder is the hostile input here
      '${file:/etc/passwd:root}',
      '<script>',
      "'; DROP TABLE x; --",
    ]);
  const wrongValue = (): unknown =>
    pick([1, -1, 1.5, true, null, [], {}, [1, 2], { a: 1 }, 'x'.repeat(int(100_000)), '', '-1', '0', '1e309', 'NaN']);
  const configOf = (): Record<string, unknown> => {
    const base: Record<string, unknown> = {
      'connector.class': pick(['FileStreamSource', 'FileStreamSink', 'NoSuchClass', 'DatagenConnector', '']),
      file,
      topic: pick(['fuzz-topic', '', 'bad topic', 'x'.repeat(300)]),
      topics: pick(['fuzz-topic', '', 'a,b', '   ']),
      'tasks.max': pick(['1', '0', '-1', 'x', '99999', '2']),
    };
    for (const k of ['tasks.max', 'batch.size', 'errors.tolerance', 'transforms', 'key.converter', 'topic']) {
      if (random() < 0.3) base[k] = wrongValue();
    }
    if (random() < 0.2) base.transforms = 'a,b';
    if (random() < 0.2)
      base['transforms.a.type'] = pick(['org.apache.kafka.connect.transforms.InsertField$Value', 'Nope']);
    if (random() < 0.1) for (let i = 0; i < 500; i++) base[`extra.${i}`] = 'v'.repeat(int(2000));
    return base;
  };
  const body = (): { body?: string; contentType?: string } => {
    const r = random();
    if (r < 0.1) return {};
    if (r < 0.2) return { body: '{"name": "x", "config": {', contentType: 'application/json' };
    if (r < 0.25) {
      const n = 2000 + int(50_000);
      return { body: `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`, contentType: 'application/json' };
    }
    if (r < 0.3) return { body: `[${'1,'.repeat(200_000)}1]`, contentType: 'application/json' };
    if (r < 0.33) return { body: 'x'.repeat(3_000_000), contentType: 'application/json' };
    if (r < 0.36) return { body: JSON.stringify({ name: 'form' }), contentType: 'text/plain' };
    if (r < 0.4) return { body: JSON.stringify(wrongValue()), contentType: 'application/json' };
    return { body: JSON.stringify({ name: oddNames(), config: configOf() }), contentType: 'application/json' };
  };
  const enc = (s: string): string => {
    const raw = s.replace(/[^\x21-\x7e]/g, '_');
    if (random() >= 0.8) return raw;
    try {
      return encodeURIComponent(s);
    } catch {
      return raw; // a lone surrogate has no URI encoding
    }
  };
  return (): Req => {
    const name = enc(random() < 0.5 ? pick(['fuzz-ok', 'a', 'fuzz-sink', 'none']) : oddNames().slice(0, 3000));
    const r = random();
    if (r < 0.3) return { method: 'POST', path: '/connectors', ...body() };
    if (r < 0.45) {
      const cfg = random() < 0.8 ? JSON.stringify(configOf()) : (body().body ?? '');
      return {
        method: pick(['PUT', 'PATCH']),
        path: `/connectors/${name}/config`,
        body: cfg,
        contentType: 'application/json',
      };
    }
    if (r < 0.5)
      return {
        method: 'PUT',
        path: `/connector-plugins/${pick(['FileStreamSource', 'FileStreamSinkConnector', 'Nope', enc(oddNames()).slice(0, 500)])}/config/validate`,
        body: JSON.stringify(configOf()),
        contentType: 'application/json',
      };
    if (r < 0.6) return { method: 'DELETE', path: `/connectors/${name}` };
    if (r < 0.65)
      return {
        method: pick(['PATCH', 'DELETE', 'GET']),
        path: `/connectors/${name}/offsets`,
        body: JSON.stringify({ offsets: [{ partition: wrongValue(), offset: wrongValue() }] }),
        contentType: 'application/json',
      };
    if (r < 0.72)
      return {
        method: pick(['PUT', 'POST']),
        path: `/connectors/${name}/${pick(['pause', 'resume', 'stop', 'restart', 'restart?includeTasks=true&onlyFailed=x', 'tasks/0/restart', 'tasks/-1/restart', 'tasks/x/restart', 'topics/reset'])}`,
      };
    if (r < 0.8)
      return {
        method: 'PUT',
        path: `/admin/loggers/${enc(pick(['root', 'org.apache', oddNames().slice(0, 200)]))}${pick(['', '?scope=cluster', '?scope=x'])}`,
        body: JSON.stringify({ level: pick(['DEBUG', 'INFO', 'nope', 5, null]) }),
        contentType: 'application/json',
      };
    if (r < 0.85)
      return {
        method: 'POST',
        path: `/connectors/${name}/tasks`,
        body: JSON.stringify([{ a: 'b' }]),
        contentType: 'application/json',
      };
    if (r < 0.9)
      return {
        method: pick(['TRACE', 'OPTIONS', 'HEAD', 'PUT', 'DELETE']),
        path: pick(['/', '/connectors', '/connector-plugins', `/${name}`]),
      };
    return {
      method: 'GET',
      path: pick([
        '/connectors?expand=status&expand=info',
        '/connectors?expand=x',
        `/connectors/${name}`,
        `/connectors/${name}/status`,
        `/connectors/${name}/tasks`,
        `/connectors/${name}/tasks/0/status`,
        `/connectors/${name}/topics`,
        '/connector-plugins?connectorsOnly=false',
        '/admin/loggers',
        `/${'a/'.repeat(int(3000))}`,
      ]),
    };
  };
}

describe('REST fuzzing of a worker process', () => {
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    for (const w of workers) await w.stop();
  });

  it('answers thousands of bad requests without a crash, a hang or a 5xx, in bounded memory; a fresh worker reads what REST shows', {
    timeout: 600_000,
  }, async () => {
    const name = unique('fuzz');
    const spec = clusterSpec(name);
    const w = await WorkerProcess.start(spec);
    workers.push(w);
    const pid = w.pid!;
    const random = rng(SEED);
    const next = generator(random, `/tmp/${name}-in.txt`);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let peakRss = rssMiB(pid);
    let slowest = 0;
    const send = async (q: Req): Promise<void> => {
      const started = Date.now();
      try {
        const res = await fetch(`${w.url}${q.path}`, {
          method: q.method,
          headers: q.contentType ? { 'content-type': q.contentType } : {},
          ...(q.body !== undefined && q.method !== 'GET' && q.method !== 'HEAD' ? { body: q.body } : {}),
          signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500)
          failures.push(`${res.status} for ${q.method} ${q.path.slice(0, 120)} ${(q.body ?? '').slice(0, 200)}`);
      } catch (err) {
        const e = err as Error;
        // A refused connection from a listener that closes an oversized or malformed request is an answer;
        // a timeout is a hang.
        if (e.name === 'TimeoutError')
          failures.push(
            `no answer within ${ANSWER_WITHIN_MS} ms: ${q.method} ${q.path.slice(0, 120)} ${(q.body ?? '').slice(0, 100)}`,
          );
      }
      slowest = Math.max(slowest, Date.now() - started);
    };
    const concurrency = 16;
    let sent = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < REQUESTS && alive(pid)) {
          sent++;
          await send(next());
          if (sent % 100 === 0) peakRss = Math.max(peakRss, rssMiB(pid));
        }
      }),
    );
    // A storm of creates and deletes of the same few names, all at once.
    const storm = Array.from({ length: 200 }, (_, i) => {
      const n = `storm-${i % 5}`;
      return i % 2 === 0
        ? send({
            method: 'POST',
            path: '/connectors',
            body: JSON.stringify({
              name: n,
              config: { 'connector.class': 'FileStreamSink', topics: 'fuzz-topic', file: `/tmp/${name}-${n}.txt` },
            }),
            contentType: 'application/json',
          })
        : send({ method: 'DELETE', path: `/connectors/${n}` });
    });
    await Promise.all(storm);
    expect(alive(pid), `the worker died (seed ${SEED})`).toBe(true);
    peakRss = Math.max(peakRss, rssMiB(pid));
    process.stderr.write(
      `[fuzz] seed ${SEED}: ${sent + 200} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, slowest answer ${slowest} ms, peak RSS ${peakRss.toFixed(0)} MiB\n`,
    );
    expect(failures, `seed ${SEED}`).toEqual([]);
    // Bounded, not small: 16 requests of up to 3 MB in flight make garbage V8 collects lazily (peaks of
    // 365–1,088 MiB seen across runs). It catches runaway growth, not a tight footprint.
    expect(peakRss).toBeLessThan(1536);

    // What REST reports is what the config topic holds: a fresh worker of the same cluster shows the same.
    const list = async (x: WorkerProcess) => ((await x.request<string[]>('GET', '/connectors')).body ?? []).sort();
    const configs = async (x: WorkerProcess, names: string[]) =>
      Promise.all(names.map(async (c) => (await x.request('GET', `/connectors/${encodeURIComponent(c)}/config`)).body));
    const shown = await list(w);
    const shownConfigs = await configs(w, shown);
    await w.stop();
    workers.pop();
    const fresh = await WorkerProcess.start(spec);
    workers.push(fresh);
    await eventually(async () => JSON.stringify(await list(fresh)) === JSON.stringify(shown), {
      what: `a fresh worker to list the same ${shown.length} connectors`,
      timeoutMs: 60_000,
    });
    expect(await configs(fresh, shown)).toEqual(shownConfigs);
  });
});
