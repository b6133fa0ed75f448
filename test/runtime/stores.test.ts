import { Admin } from '@platformatic/kafka';
import { silentLogger } from '@tributary/api';
import {
  KafkaConfigBackingStore,
  KafkaOffsetBackingStore,
  KafkaStatusBackingStore,
  offsetStorageReader,
} from '@tributary/runtime';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBootstrap, unique } from '../helpers.js';

let admin: Admin;
const bootstrap = kafkaBootstrap();

beforeAll(() => {
  admin = new Admin({ clientId: 'stores-test', bootstrapBrokers: bootstrap });
});
afterAll(async () => {
  await admin.close();
});

/** Reads every record of a topic with kafkajs, the independent client. */
async function readAll(
  topic: string,
  expected: number,
): Promise<Array<{ key: string; value: string | null; partition: number }>> {
  const kafka = new Kafka({ clientId: 'stores-check', brokers: bootstrap, logLevel: 0 });
  const consumer = kafka.consumer({ groupId: unique('check') });
  const out: Array<{ key: string; value: string | null; partition: number }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${out.length}/${expected} records in ${topic}`)), 20_000);
    void consumer.run({
      eachMessage: async ({ message, partition }) => {
        out.push({ key: message.key!.toString(), value: message.value ? message.value.toString() : null, partition });
        if (out.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

describe('Kafka-backed stores', () => {
  it('config store writes Kafka Connect records and a second reader sees the same state', async () => {
    const topic = unique('configs');
    const opts = {
      bootstrapServers: bootstrap,
      clientId: unique('cfg'),
      topic,
      replicationFactor: 1,
      admin,
      logger: silentLogger,
    };
    const store = new KafkaConfigBackingStore(opts);
    await store.start();
    await store.putConnectorConfig('c1', { 'connector.class': 'X', 'tasks.max': '2' }, 'PAUSED');
    await store.putTaskConfigs('c1', [{ a: '1' }, { a: '2' }]);
    await store.putTargetState('c1', 'STOPPED');

    const raw = await readAll(topic, 6);
    expect(raw.map((r) => r.key)).toEqual([
      'target-state-c1',
      'connector-c1',
      'task-c1-0',
      'task-c1-1',
      'commit-c1',
      'target-state-c1',
    ]);
    expect(JSON.parse(raw[1]!.value!)).toEqual({ properties: { 'connector.class': 'X', 'tasks.max': '2' } });
    expect(JSON.parse(raw[4]!.value!)).toEqual({ tasks: 2 });
    expect(JSON.parse(raw[5]!.value!)).toEqual({ state: 'PAUSED', 'state.v2': 'STOPPED' });

    const other = new KafkaConfigBackingStore({ ...opts, clientId: unique('cfg2') });
    await other.start();
    const snap = other.snapshot();
    expect(snap.connectors.get('c1')).toEqual({ 'connector.class': 'X', 'tasks.max': '2' });
    expect(snap.taskConfigs.get('c1')).toEqual([{ a: '1' }, { a: '2' }]);
    expect(snap.targetStates.get('c1')).toBe('STOPPED');

    await store.removeConnectorConfig('c1');
    await other.refresh();
    expect(other.snapshot().connectors.has('c1')).toBe(false);
    await Promise.all([store.stop(), other.stop()]);
  });

  it("a task's offset reader reads the topic to its end first: another worker's last flush is seen at once", async () => {
    const opts = {
      bootstrapServers: bootstrap,
      clientId: unique('off'),
      topic: unique('offsets'),
      partitions: 5,
      replicationFactor: 1,
      admin,
      logger: silentLogger,
    };
    const previous = new KafkaOffsetBackingStore(opts);
    const here = new KafkaOffsetBackingStore({ ...opts, clientId: unique('off2') });
    await Promise.all([previous.start(), here.start()]);
    const reader = offsetStorageReader(here, 'src');
    // The worker that ran the task flushes as it stops; the task starts here right after (a rebalance).
    for (let position = 1; position <= 20; position++) {
      await previous.set('src', [{ partition: { file: 'a.txt' }, offset: { position } }]);
      expect(await reader.offset({ file: 'a.txt' })).toEqual({ position });
      expect(await reader.offsets([{ file: 'a.txt' }, { file: 'b.txt' }])).toEqual([
        { partition: { file: 'a.txt' }, offset: { position } },
        { partition: { file: 'b.txt' }, offset: null },
      ]);
    }
    await Promise.all([previous.stop(), here.stop()]);
  });

  it('offset store keys offsets as ["connector",{partition}] on a 25-partition compacted topic', async () => {
    const topic = unique('offsets');
    const opts = {
      bootstrapServers: bootstrap,
      clientId: unique('off'),
      topic,
      partitions: 25,
      replicationFactor: 1,
      admin,
      logger: silentLogger,
    };
    const store = new KafkaOffsetBackingStore(opts);
    await store.start();
    await store.set('src', [{ partition: { file: 'a.txt' }, offset: { position: 42 } }]);
    await store.set('src', [{ partition: { file: 'a.txt' }, offset: { position: 84 } }]);
    const raw = await readAll(topic, 2);
    expect(raw[1]!.key).toBe('["src",{"file":"a.txt"}]');
    expect(JSON.parse(raw[1]!.value!)).toEqual({ position: 84 });
    const md = await admin.metadata({ topics: [topic] });
    expect(md.topics.get(topic)?.partitionsCount).toBe(25);
    const configs = await admin.describeConfigs({
      resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['cleanup.policy'] }],
    });
    expect(configs[0]?.configs.find((c) => c.name === 'cleanup.policy')?.value).toBe('compact');

    const other = new KafkaOffsetBackingStore({ ...opts, clientId: unique('off2') });
    await other.start();
    expect(other.get('src', { file: 'a.txt' })).toEqual({ position: 84 });
    await store.set('src', [{ partition: { file: 'a.txt' }, offset: null }]);
    await other.refresh();
    expect(other.get('src', { file: 'a.txt' })).toBeNull();
    await Promise.all([store.stop(), other.stop()]);
  });

  it('status store follows KafkaStatusBackingStore: safe writes are fenced by generation, readers apply every record', async () => {
    const topic = unique('status');
    const opts = {
      bootstrapServers: bootstrap,
      clientId: unique('st'),
      topic,
      partitions: 5,
      replicationFactor: 1,
      admin,
      logger: silentLogger,
    };
    const store = new KafkaStatusBackingStore(opts);
    await store.start();
    const running5 = { state: 'RUNNING', trace: null, worker_id: 'w2:8083', generation: 5, version: '4.3.1' } as const;
    await store.putConnector('c', running5);
    // putSafe (FAILED, UNASSIGNED) from an older generation of another worker is not written at all.
    await store.putConnector(
      'c',
      { state: 'FAILED', trace: 'old', worker_id: 'w1:8083', generation: 3 },
      { safe: true },
    );
    // A plain put is: after Kafka Connect ran at generation 7, a fresh worker's generation-1 RUNNING must show.
    await store.putTask('c', 0, { state: 'UNASSIGNED', trace: null, worker_id: 'kc:8083', generation: 7 });
    await store.putTask('c', 0, { state: 'RUNNING', trace: null, worker_id: 'w2:8083', generation: 1 });
    const other = new KafkaStatusBackingStore({ ...opts, clientId: unique('st2') });
    await other.start();
    expect(other.connector('c')).toEqual(running5);
    expect(store.connector('c')?.state).toBe('RUNNING');
    expect(other.task('c', 0)).toEqual({
      state: 'RUNNING',
      trace: null,
      worker_id: 'w2:8083',
      generation: 1,
      version: null,
    });
    const raw = await readAll(topic, 3);
    expect(raw.map((r) => r.key).sort()).toEqual(['status-connector-c', 'status-task-c-0', 'status-task-c-0']);
    // Kafka Connect 4's field order: state, trace, worker_id, generation, version.
    expect(Object.keys(JSON.parse(raw.find((r) => r.key === 'status-connector-c')!.value!))).toEqual([
      'state',
      'trace',
      'worker_id',
      'generation',
      'version',
    ]);
    await Promise.all([store.stop(), other.stop()]);
  });
});
