import { distributedWorkerProps } from '@tributary/testkit';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { type ConnectRuntime, type DistributedHerder, startDistributed } from '@tributary/runtime';
import { Kafka, type KafkaMessage } from 'kafkajs';
import { inject } from 'vitest';

/** Kafka bootstrap servers from the global setup (or KAFKA_BOOTSTRAP_SERVERS when run by hand). */
export function kafkaBootstrap(): string[] {
  const fromEnv = process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (fromEnv) return fromEnv.split(',');
  return [inject('services').kafka.bootstrap];
}

/** A name no other test (or earlier run) uses: topics, groups and connectors stay isolated. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

/**
 * Distributed-mode worker props for an in-process test worker with its own group and internal
 * topics (one broker: replication factor 1, few partitions). `extra` overrides anything.
 */
/** The non-empty lines of a file a file sink writes; none while it does not exist yet. */
export function fileLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export function testWorkerProps(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...distributedWorkerProps(name, kafkaBootstrap()),
    'offset.flush.interval.ms': '500',
    // In-process workers bind no REST listener; the listener only names the worker.
    listeners: 'http://127.0.0.1:18083',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    ...extra,
  };
}

/** Starts an in-process distributed worker and waits for its first assignment; stop it with stopTestWorkers(). */
export async function startTestWorker(props: Record<string, string>): Promise<ConnectRuntime> {
  const rt = await startDistributed(props);
  testWorkers.push(rt);
  await eventually(() => !(rt.herder as DistributedHerder).rebalancing, { what: 'first assignment' });
  return rt;
}

/**
 * A datagen connector config writing `iterations` records of the orders quickstart to `topic`, as fast as it
 * can unless `extra` sets max.interval; `extra` (converters, errors.*) overrides anything.
 */
export function datagenOrders(
  topic: string,
  iterations: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
    'kafka.topic': topic,
    quickstart: 'orders',
    iterations: String(iterations),
    'max.interval': '0',
    ...extra,
  };
}

const testWorkers: ConnectRuntime[] = [];

/** Stops every worker startTestWorker() started (call from afterEach). */
export async function stopTestWorkers(): Promise<void> {
  while (testWorkers.length) await testWorkers.pop()!.stop();
}

/** Stops one test worker now (e.g. to restart it). */
export async function stopTestWorker(rt: ConnectRuntime): Promise<void> {
  const i = testWorkers.indexOf(rt);
  if (i >= 0) testWorkers.splice(i, 1);
  await rt.stop();
}

/**
 * Creates a topic and waits until every partition has a leader. kafkajs's own `waitForLeaders` gives up on
 * the UNKNOWN_TOPIC_OR_PARTITION a loaded KRaft broker answers for a moment after the create (it retries
 * only LEADER_NOT_AVAILABLE), which failed whole suites in their setup; here any metadata error is retried.
 * An existing topic is left as it is.
 */
export async function createTopic(
  topic: string,
  opts: { partitions?: number; configs?: Record<string, string>; timeoutMs?: number } = {},
): Promise<void> {
  const partitions = opts.partitions ?? 1;
  const kafka = new Kafka({ clientId: 'test-admin', brokers: kafkaBootstrap(), logLevel: 0 });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: Object.entries(opts.configs ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
      waitForLeaders: false,
    });
    await eventually(
      async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        const found = topics[0]?.partitions ?? [];
        return found.length === partitions && found.every((p) => p.leader >= 0);
      },
      { what: `leaders for the ${partitions} partition(s) of ${topic}`, timeoutMs: opts.timeoutMs ?? 30_000 },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * The first `n` records of a topic with the partition each came from, read with kafkajs from the beginning
 * (the independent client).
 * Waits for the topic to exist without creating it, so a test never creates what the runtime must.
 */
export async function readTopic(
  topic: string,
  n: number,
  timeoutMs = 30_000,
): Promise<Array<KafkaMessage & { partition: number }>> {
  const kafka = new Kafka({ clientId: 'test-read', brokers: kafkaBootstrap(), logLevel: 0 });
  const admin = kafka.admin();
  await admin.connect();
  await eventually(async () => (await admin.listTopics()).includes(topic), { what: `topic ${topic}`, timeoutMs });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: unique('test-read'), allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: Array<KafkaMessage & { partition: number }> = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${out.length}/${n} records in ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          out.push({ ...message, partition });
          if (out.length >= n) {
            clearTimeout(t);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
