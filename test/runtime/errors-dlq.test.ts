import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, type KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  eventually,
  kafkaBootstrap,
  readTopic,
  startTestWorker,
  stopTestWorkers,
  testWorkerProps,
  unique,
  createTopic,
} from '../helpers.js';

afterEach(stopTestWorkers);

const worker = (name: string) => startTestWorker(testWorkerProps(name));

/** 100 good JSON records with 10 malformed ones mixed in, written with kafkajs. */
async function produceMixed(topic: string): Promise<{ good: number[]; bad: string[] }> {
  await createTopic(topic);
  const kafka = new Kafka({ clientId: 'dlq-test', brokers: kafkaBootstrap(), logLevel: 0 });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const good: number[] = [];
  const bad: string[] = [];
  const messages: Array<{ key: string; value: string }> = [];
  for (let i = 0; i < 110; i++) {
    if (i % 11 === 5) {
      const v = `{"id": ${i}, oops`;
      bad.push(v);
      messages.push({ key: `k${i}`, value: v });
    } else {
      good.push(i);
      messages.push({ key: `k${i}`, value: JSON.stringify({ id: i }) });
    }
  }
  await producer.send({ topic, messages });
  await producer.disconnect();
  return { good, bad };
}

describe('errors.tolerance and the dead letter queue', () => {
  it('with tolerance all, good records reach the sink and every bad one lands in the DLQ with context headers', async () => {
    const name = unique('dlq');
    const topic = `${name}-in`;
    const dlq = `${name}-dlq`;
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), `${name}-`)), 'out.txt');
    const { good, bad } = await produceMixed(topic);
    const rt = await worker(name);
    await rt.herder.putConnectorConfig(
      `${name}-sink`,
      {
        'connector.class': 'FileStreamSink',
        topics: topic,
        file: out,
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': dlq,
        'errors.deadletterqueue.topic.replication.factor': '1',
        'errors.deadletterqueue.context.headers.enable': 'true',
        'errors.log.enable': 'true',
      },
      { allowReplace: false },
    );
    await eventually(() => readFileSync(out, 'utf8').split('\n').filter(Boolean).length >= good.length, {
      what: 'good records in the sink',
      timeoutMs: 60_000,
    });
    const written = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    expect(written).toHaveLength(good.length);
    expect(written.map((l) => Number(/id=(\d+)|"id":\s*(\d+)/.exec(l)?.slice(1).find(Boolean)))).toEqual(good);

    const dead = await readTopic(dlq, bad.length);
    expect(dead.map((m) => m.value!.toString())).toEqual(bad);
    const h = (m: KafkaMessage, k: string): string => String(m.headers?.[`__connect.errors.${k}`]);
    const first = dead[0]!;
    expect(h(first, 'topic')).toBe(topic);
    expect(h(first, 'partition')).toBe('0');
    expect(h(first, 'offset')).toBe('5');
    expect(h(first, 'connector.name')).toBe(`${name}-sink`);
    expect(h(first, 'task.id')).toBe('0');
    expect(h(first, 'stage')).toBe('VALUE_CONVERTER');
    expect(h(first, 'class.name')).toBe('org.apache.kafka.connect.json.JsonConverter');
    expect(h(first, 'exception.class.name')).toMatch(/Exception|Error/);
    expect(h(first, 'exception.message').length).toBeGreaterThan(0);
    expect(h(first, 'exception.stacktrace').length).toBeGreaterThan(0);
    expect(first.key!.toString()).toBe('k5');

    const status = await rt.herder.connectorStatus(`${name}-sink`);
    expect(status.tasks[0]!.state).toBe('RUNNING');
    const metrics = await rt.metrics.render();
    expect(metrics).toMatch(
      new RegExp(
        `kafka_connect_task_error_metrics_total_records_skipped\\{connector="${name}-sink",task="0"\\} ${bad.length}`,
      ),
    );
    expect(metrics).toMatch(
      new RegExp(
        `kafka_connect_task_error_metrics_deadletterqueue_produce_requests\\{connector="${name}-sink",task="0"\\} ${bad.length}`,
      ),
    );
  });

  it('with tolerance none, the first bad record fails the task and its trace is in the status', async () => {
    const name = unique('nodlq');
    const topic = `${name}-in`;
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), `${name}-`)), 'out.txt');
    await produceMixed(topic);
    const rt = await worker(name);
    await rt.herder.putConnectorConfig(
      `${name}-sink`,
      { 'connector.class': 'FileStreamSink', topics: topic, file: out },
      { allowReplace: false },
    );
    const failed = await eventually(
      async () => {
        const s = await rt.herder.connectorStatus(`${name}-sink`);
        return s.tasks[0]?.state === 'FAILED' ? s : null;
      },
      { what: 'task FAILED', timeoutMs: 60_000 },
    );
    expect(failed.connector.state).toBe('RUNNING');
    expect(failed.tasks[0]!.trace).toMatch(/Tolerance exceeded in error handler/);
    expect(failed.tasks[0]!.trace).toMatch(/Caused by: .*Converting byte\[\] to Kafka Connect data failed/);
    // Nothing past the poison record was written (records of the same fetch before it may be).
    const written = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    expect(written.length).toBeLessThanOrEqual(5);
  });
});
