import { type ConnectRuntime, type DistributedHerder, startDistributed } from '@tributary/runtime';
import { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, kafkaBootstrap, unique } from '../helpers.js';

const running: ConnectRuntime[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

describe('source batches larger than a produce request', () => {
  it('splits a poll of several MiB into requests the broker accepts (no MESSAGE_TOO_LARGE)', async () => {
    const name = unique('bigbatch');
    const rt = await startDistributed({
      'bootstrap.servers': kafkaBootstrap().join(','),
      'group.id': name,
      'config.storage.topic': `${name}-configs`,
      'offset.storage.topic': `${name}-offsets`,
      'status.storage.topic': `${name}-status`,
      'config.storage.replication.factor': '1',
      'offset.storage.replication.factor': '1',
      'status.storage.replication.factor': '1',
      'offset.storage.partitions': '5',
      'status.storage.partitions': '2',
      listeners: 'http://127.0.0.1:18089',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      // Schemas on make each datagen record about 1.5 KiB: 4000 records in one poll are ~6 MiB.
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'true',
    });
    running.push(rt);
    await eventually(() => !(rt.herder as DistributedHerder).rebalancing, { what: 'assignment' });
    const topic = `${name}-orders`;
    const N = 8000;
    await rt.herder.putConnectorConfig(
      `${name}-gen`,
      {
        'connector.class': 'DatagenConnector',
        'kafka.topic': topic,
        quickstart: 'orders',
        iterations: String(N),
        'max.interval': '0',
      },
      { allowReplace: false },
    );
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
