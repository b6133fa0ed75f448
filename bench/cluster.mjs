// Cluster timings (issue 4): failover after kill -9 of a worker (median of 5) and the time for tasks
// to spread when a worker joins. Worker processes are the built CLI (`tributary distributed`).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(repo, 'packages/cli/dist/bin.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startWorker(bootstrap, name, dir) {
  const port = await freePort();
  const file = path.join(dir, `worker-${port}.properties`);
  writeFileSync(
    file,
    [
      `bootstrap.servers=${bootstrap.join(',')}`,
      `group.id=${name}`,
      `config.storage.topic=${name}-configs`,
      `offset.storage.topic=${name}-offsets`,
      `status.storage.topic=${name}-status`,
      'config.storage.replication.factor=1',
      'offset.storage.replication.factor=1',
      'status.storage.replication.factor=1',
      'offset.storage.partitions=5',
      'status.storage.partitions=2',
      `listeners=http://127.0.0.1:${port}`,
      'rest.advertised.host.name=127.0.0.1',
      'session.timeout.ms=6000',
      'heartbeat.interval.ms=1000',
      'scheduled.rebalance.max.delay.ms=1000',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [BIN, 'distributed', file], {
    stdio: 'ignore',
    env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (
      await fetch(`${url}/`)
        .then((r) => r.ok)
        .catch(() => false)
    )
      break;
    await sleep(50);
  }
  return { port, url, id: `127.0.0.1:${port}`, child };
}

async function status(w, connector) {
  const r = await fetch(`${w.url}/connectors/${connector}/status`).catch(() => null);
  return r?.ok ? r.json() : null;
}

async function waitFor(fn, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await sleep(50);
  }
  throw new Error('timed out');
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runClusterBench(bootstrap) {
  const name = `bench-cluster-${Date.now()}`;
  const dir = path.join(os.tmpdir(), name);
  mkdirSync(dir, { recursive: true });
  console.log(
    `\n== cluster bench: 3 workers, datagen tasks.max=6, session.timeout.ms=6000, scheduled.rebalance.max.delay.ms=1000`,
  );
  const workers = [];
  for (let i = 0; i < 3; i++) workers.push(await startWorker(bootstrap, name, dir));
  const connector = `${name}-gen`;
  for (;;) {
    const r = await fetch(`${workers[0].url}/connectors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: connector,
        config: {
          'connector.class': 'DatagenConnector',
          'kafka.topic': `${name}-t`,
          quickstart: 'orders',
          'max.interval': '100',
          'tasks.max': '6',
        },
      }),
    });
    if (r.status === 201) break;
    await sleep(200);
  }
  const live = () => workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
  const allRunningOn = async (ids) => {
    const s = await status(live()[0], connector);
    return s && s.tasks.length === 6 && s.tasks.every((t) => t.state === 'RUNNING' && ids.includes(t.worker_id));
  };
  await waitFor(() => allRunningOn(live().map((w) => w.id)));

  const failovers = [];
  const joins = [];
  for (let round = 0; round < 5; round++) {
    const s = await status(live()[0], connector);
    const victimId = s.tasks[round % 6].worker_id;
    const victim = live().find((w) => w.id === victimId);
    const t0 = Date.now();
    victim.child.kill('SIGKILL');
    await waitFor(() =>
      allRunningOn(
        live()
          .filter((w) => w !== victim)
          .map((w) => w.id),
      ),
    );
    failovers.push(Date.now() - t0);
    // A new worker joins; time until it runs its share.
    const t1 = Date.now();
    const fresh = await startWorker(bootstrap, name, dir);
    workers.push(fresh);
    await waitFor(async () => {
      const st = await status(fresh, connector);
      return (
        st?.tasks.every((t) => t.state === 'RUNNING') && st.tasks.filter((t) => t.worker_id === fresh.id).length === 2
      );
    });
    joins.push(Date.now() - t1);
    console.log(
      `round ${round + 1}: failover ${failovers.at(-1)} ms, join (process start → tasks on it) ${joins.at(-1)} ms`,
    );
  }
  console.log(
    `failover after kill -9     : median ${median(failovers)} ms of ${failovers.join(', ')} (session timeout 6000 + delay 1000)`,
  );
  console.log(`rebalance when a worker joins: median ${median(joins)} ms of ${joins.join(', ')}`);
  for (const w of workers) w.child.kill('SIGTERM');
  await sleep(1000);
  return { failovers, joins };
}
