import { randomUUID } from 'node:crypto';
import { type Admin, type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kafkaBrokers } from '../../packages/testkit/src/index.js';

describe('kafka (smoke)', () => {
  const services = inject('services');
  const kafka = new Kafka({ clientId: 'smoke', brokers: kafkaBrokers(services), logLevel: logLevel.NOTHING });
  const topic = `smoke-compacted-${randomUUID()}`;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin?.disconnect();
  });

  it('is where the global setup says, also for child processes', () => {
    expect(process.env.KAFKA_BOOTSTRAP_SERVERS).toBe(services.kafka.bootstrap);
  });

  it('produces and consumes a keyed record on a fresh compacted topic', async () => {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    });
    const described = await admin.describeConfigs({
      resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }],
      includeSynonyms: false,
    });
    expect(described.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue).toBe(
      'compact',
    );

    const key = `key-${randomUUID()}`;
    const value = JSON.stringify({ hello: 'tributary', n: 42 });
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ key, value, headers: { h: 'x' } }] });
    expect(meta?.errorCode).toBe(0);

    consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: string; header: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no record within 30s')), 30_000);
      void consumer?.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            header: message.headers?.h?.toString() ?? '',
          });
        },
      });
    });
    expect(received).toEqual({ key, value, header: 'x' });
  });
});
