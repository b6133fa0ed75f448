// Runtime benchmark (issue 3): the Kafka client alone vs. the same volume through
// datagen → worker → file sink, measured side by side in one run, plus worker start-to-ready
// time and idle RSS. Run through `pnpm bench` (which builds first).
import { distributedWorkerProps } from '@tributary/testkit';
import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Producer } from '@platformatic/kafka';
import { KafkaReader, startDistributed } from '@tributary/runtime';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_RECORDS ?? 200_000);
const BATCH = 1000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function countLines(file) {
  try {
    statSync(file);
  } catch {
    return 0;
  }
  let n = 0;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const _ of rl) n++;
  return n;
}

/** A value shaped like datagen's orders record as JsonConverter (schemas off) writes it. */
function orderJson(i) {
  return JSON.stringify({
    ordertime: 1497014222380 + i,
    orderid: i,
    itemid: `Item_${i % 1000}`,
    orderunits: (i % 100) / 7,
    address: { city: `City_${i % 97}`, state: `State_${i % 50}`, zipcode: 10000 + (i % 90000) },
  });
}

async function rawClient(bootstrap, withHeaders) {
  const topic = `bench-raw-${Date.now()}`;
  const producer = new Producer({
    clientId: 'bench-raw',
    bootstrapBrokers: bootstrap,
    idempotent: true,
    acks: -1,
    autocreateTopics: true,
  });
  const reader = new KafkaReader({ bootstrapServers: bootstrap, clientId: 'bench-raw-reader', maxWaitMs: 100 });
  // Create the topic before timing.
  await producer.send({ messages: [{ topic, key: Buffer.from('warmup'), value: Buffer.from('{}'), partition: 0 }] });
  reader.assign([{ topic, partition: 0, offset: 1 }]);
  const start = process.hrtime.bigint();
  let consumed = 0;
  const consumer = (async () => {
    while (consumed < N) consumed += (await reader.poll(100)).length;
  })();
  // Same shape as the runtime: one batch in flight while the next one is prepared.
  let inflight = null;
  for (let i = 0; i < N; i += BATCH) {
    const messages = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++) {
      const m = { topic, partition: 0, key: Buffer.from(String(j)), value: Buffer.from(orderJson(j)) };
      // datagen's three headers, as SimpleHeaderConverter writes them
      if (withHeaders) {
        m.headers = new Map([
          [Buffer.from('task.generation'), Buffer.from('0')],
          [Buffer.from('task.id'), Buffer.from('0')],
          [Buffer.from('current.iteration'), Buffer.from(String(j))],
        ]);
      }
      messages.push(m);
    }
    if (inflight) await inflight;
    inflight = producer.send({ messages });
  }
  await inflight;
  await consumer;
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  await producer.close();
  await reader.close();
  return { records: consumed, seconds: secs, rate: consumed / secs };
}

export async function pipelineOnly(bootstrap) {
  return pipeline(bootstrap);
}

async function pipeline(bootstrap) {
  const name = `bench-${Date.now()}`;
  const dir = path.join(os.tmpdir(), name);
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, 'sink.txt');
  const runtime = await startDistributed({
    ...distributedWorkerProps(name, bootstrap),
    'offset.flush.interval.ms': '5000',
    // In-process: no REST server is bound; the listener only names the worker.
    listeners: 'http://127.0.0.1:8099',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
  });
  const topic = `${name}-orders`;
  const herder = runtime.herder;
  // Wait for this single worker to be assigned (it is its own leader).
  for (let i = 0; i < 100 && herder.rebalancing; i++) await sleep(100);
  const start = process.hrtime.bigint();
  await herder.putConnectorConfig(
    'bench-sink',
    { 'connector.class': 'FileStreamSink', topics: topic, file: out },
    { allowReplace: true },
  );
  await herder.putConnectorConfig(
    'bench-datagen',
    {
      'connector.class': 'DatagenConnector',
      'kafka.topic': topic,
      quickstart: 'orders',
      iterations: String(N),
      'max.interval': '0',
      'tasks.max': '1',
    },
    { allowReplace: true },
  );
  // Completion is read from the sink task's own counter (records handed to put()): re-reading a
  // growing file from this process would steal the CPU being measured. The file is counted once after.
  const sinkTask = () => herder.worker.tasks().find((t) => t.id.connector === 'bench-sink');
  const deadline = Date.now() + 600_000;
  while ((sinkTask()?.counters.recordsPut ?? 0) < N && Date.now() < deadline) await sleep(20);
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  await runtime.stop();
  const lines = await countLines(out);
  rmSync(dir, { recursive: true, force: true });
  return { records: lines, seconds: secs, rate: lines / secs };
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function startToReady(bootstrap) {
  const port = await freePort();
  const name = `bench-start-${Date.now()}`;
  const dir = path.join(os.tmpdir(), name);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'worker.properties');
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
      `listeners=http://127.0.0.1:${port}`,
    ].join('\n'),
  );
  const t0 = Date.now();
  const child = spawn(process.execPath, [path.join(repo, 'packages/cli/dist/bin.js'), 'distributed', file], {
    stdio: 'ignore',
  });
  let readyMs = -1;
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/connectors`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) {
      readyMs = Date.now() - t0;
      break;
    }
    await sleep(25);
  }
  await sleep(3000);
  const rss = rssMiB(child.pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { readyMs, idleRssMiB: rss };
}

export async function runRuntimeBench(bootstrap) {
  const cpus = os.cpus();
  console.log(`\n== runtime bench: ${N} records, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, node ${process.version}`);
  const raw = await rawClient(bootstrap, false);
  console.log(
    `raw client  produce+consume : ${raw.records} records in ${raw.seconds.toFixed(2)} s = ${Math.round(raw.rate)} rec/s`,
  );
  const rawH = await rawClient(bootstrap, true);
  console.log(
    `  the same with datagen's 3 headers: ${rawH.records} records in ${rawH.seconds.toFixed(2)} s = ${Math.round(rawH.rate)} rec/s`,
  );
  const pipe = await pipeline(bootstrap);
  console.log(
    `datagen → worker → file sink: ${pipe.records} records in ${pipe.seconds.toFixed(2)} s = ${Math.round(pipe.rate)} rec/s`,
  );
  console.log(
    `ratio pipeline/raw          : ${((pipe.rate / raw.rate) * 100).toFixed(1)} % (vs raw with the same headers: ${((pipe.rate / rawH.rate) * 100).toFixed(1)} %)`,
  );
  const start = await startToReady(bootstrap);
  console.log(`worker start-to-ready       : ${start.readyMs} ms (process spawn → REST answers)`);
  console.log(`worker idle RSS             : ${start.idleRssMiB.toFixed(1)} MiB`);
  return { raw, rawWithHeaders: rawH, pipeline: pipe, start };
}
