import { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  datagenOrders,
  eventually,
  kafkaBootstrap,
  startTestWorker,
  stopTestWorkers,
  testWorkerProps,
  unique,
} from '../helpers.js';

afterEach(stopTestWorkers);

describe('source batches larger than a produce request', () => {
  it('splits a poll of several MiB into requests the broker accepts (no MESSAGE_TOO_LARGE)', async () => {
    const name = unique('bigbatch');
    // Schemas on make each datagen record about 1.5 KiB: a poll of 1000 is well over a request's 1 MiB.
    const rt = await startTestWorker(testWorkerProps(name, { 'value.converter.schemas.enable': 'true' }));
    const topic = `${name}-orders`;
    const N = 8000;
    await rt.herder.putConnectorConfig(`${name}-gen`, datagenOrders(topic, N), { allowReplace: false });
    const task = () => rt.herder.worker.tasks().find((t) => t.id.connector === `${name}-gen`);
    await eventually(() => (task()?.counters.recordsWritten ?? 0) >= N, {
      what: `${N} records written`,
      timeoutMs: 90_000,
    });
    expect(task()?.failure).toBeNull();
    const kafka = new Kafka({ clientId: 'big-check', brokers: kafkaBootstrap(), logLevel: 0 });
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(N);
  });
});
