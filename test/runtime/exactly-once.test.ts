import { readFileSync } from 'node:fs';
import { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, kafkaBootstrap, unique } from '../helpers.js';
import { WorkerProcess, clusterSpec } from '../worker-process.js';

interface Status {
  tasks: Array<{ id: number; state: string; worker_id: string }>;
}

const workers: WorkerProcess[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

/** Every record of the topic as a read_committed consumer sees it (kafkajs: the independent client). */
async function readCommitted(topic: string, atLeast: number, quietMs = 5000): Promise<number[]> {
  const kafka = new Kafka({ clientId: 'eos-check', brokers: kafkaBootstrap(), logLevel: 0 });
  const consumer = kafka.consumer({ groupId: unique('eos-check'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const ids: number[] = [];
  let last = Date.now();
  void consumer.run({
    eachMessage: async ({ message }) => {
      ids.push((JSON.parse(message.value!.toString()) as { orderid: number }).orderid);
      last = Date.now();
    },
  });
  await eventually(() => ids.length >= atLeast && Date.now() - last > quietMs, {
    what: `${atLeast} committed records`,
    timeoutMs: 180_000,
    intervalMs: 500,
  });
  await consumer.disconnect();
  return ids;
}

/** Committed records per datagen task (task.id header), as a read_committed consumer sees them. */
async function readCommittedByTask(topic: string, task0Count: number): Promise<Map<number, number[]>> {
  const kafka = new Kafka({ clientId: 'eos-check', brokers: kafkaBootstrap(), logLevel: 0 });
  const consumer = kafka.consumer({ groupId: unique('eos-check'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out = new Map<number, number[]>();
  let last = Date.now();
  void consumer.run({
    eachMessage: async ({ message }) => {
      const task = Number(String(message.headers?.['task.id'] ?? '-1'));
      const list = out.get(task) ?? [];
      list.push((JSON.parse(message.value!.toString()) as { orderid: number }).orderid);
      out.set(task, list);
      last = Date.now();
    },
  });
  await eventually(() => (out.get(0)?.length ?? 0) >= task0Count && Date.now() - last > 5000, {
    what: 'task 0 complete',
    timeoutMs: 180_000,
    intervalMs: 500,
  });
  await consumer.disconnect();
  return out;
}

describe('exactly-once source (KIP-618)', () => {
  it('fences the previous generation of task ids before new task configs are written, and stays exactly-once', async () => {
    const name = unique('eosfence');
    const spec = clusterSpec(name, { 'exactly.once.source.support': 'enabled' });
    const w = await WorkerProcess.start(spec);
    workers.push(w);
    const topic = `${name}-orders`;
    const config = {
      'connector.class': 'DatagenConnector',
      'kafka.topic': topic,
      quickstart: 'orders',
      iterations: '3000',
      'max.interval': '1',
      'tasks.max': '2',
    };
    await eventually(
      async () => (await w.request('POST', '/connectors', { name: `${name}-gen`, config })).status === 201,
      { what: 'created', timeoutMs: 60_000 },
    );
    await eventually(
      async () =>
        (await w.request<Status>('GET', `/connectors/${name}-gen/status`)).body.tasks.filter(
          (t) => t.state === 'RUNNING',
        ).length === 2,
      { what: 'two tasks running', timeoutMs: 60_000 },
    );
    await new Promise((r) => setTimeout(r, 1000));
    // Shrinking to one task is a new generation: ids -0 and -1 are fenced before it starts.
    expect((await w.request('PUT', `/connectors/${name}-gen/config`, { ...config, 'tasks.max': '1' })).status).toBe(
      200,
    );
    await eventually(
      () => readFileSync(w.logFile, 'utf8').includes('fenced the previous generation of transactional source tasks'),
      { what: 'fencing logged', timeoutMs: 60_000 },
    );
    const perTask = await readCommittedByTask(topic, 3000);
    // Task 0 finishes its 3000 ids exactly once; task 1 was stopped part-way, each of its ids once.
    expect([...perTask.get(0)!].sort((a, b) => a - b)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(perTask.get(0)!.length).toBe(3000);
    const t1 = perTask.get(1) ?? [];
    expect(new Set(t1).size).toBe(t1.length);
  });

  it('a read_committed consumer sees every id exactly once after the worker running the task is killed mid-transaction', async () => {
    const name = unique('eos');
    const spec = clusterSpec(name, { 'exactly.once.source.support': 'enabled' });
    const ws = await Promise.all([WorkerProcess.start(spec), WorkerProcess.start(spec)]);
    workers.push(...ws);
    const topic = `${name}-orders`;
    const N = 4000;
    await eventually(
      async () =>
        (
          await ws[0]!.request('POST', '/connectors', {
            name: `${name}-gen`,
            config: {
              'connector.class': 'DatagenConnector',
              'kafka.topic': topic,
              quickstart: 'orders',
              iterations: String(N),
              'max.interval': '1',
              'tasks.max': '1',
            },
          })
        ).status === 201,
      { what: 'connector created', timeoutMs: 60_000 },
    );
    const running = await eventually(
      async () => {
        const s = (await ws[0]!.request<Status>('GET', `/connectors/${name}-gen/status`)).body;
        return s.tasks[0]?.state === 'RUNNING' ? s : null;
      },
      { what: 'task running', timeoutMs: 60_000 },
    );
    // Let it get part of the way, then kill its worker without any chance to commit.
    await new Promise((r) => setTimeout(r, 1500));
    const victim = ws.find((w) => `127.0.0.1:${w.port}` === running.tasks[0]!.worker_id)!;
    const survivor = ws.find((w) => w !== victim)!;
    victim.kill9();
    await eventually(
      async () => {
        const s = (await survivor.request<Status>('GET', `/connectors/${name}-gen/status`)).body;
        return s.tasks[0]?.state === 'RUNNING' && s.tasks[0].worker_id === `127.0.0.1:${survivor.port}`;
      },
      { what: 'task taken over', timeoutMs: 90_000 },
    );
    const ids = await readCommitted(topic, N);
    const sorted = [...ids].sort((a, b) => a - b);
    expect(sorted).toEqual(Array.from({ length: N }, (_, i) => i));
  });
});
