import { distributedWorkerProps } from '@tributary/testkit';
import { type ConnectRuntime, type DistributedHerder, startDistributed } from '@tributary/runtime';
import { Kafka, logLevel } from 'kafkajs';
import { eventually, kafkaBootstrap, createTopic as createTestTopic } from '../helpers.js';

/** The value schema the tests produce, as a JsonConverter envelope schema. */
export const ORDER_SCHEMA = {
  type: 'struct',
  name: 'com.example.Order',
  optional: false,
  fields: [
    { field: 'id', type: 'int64', optional: false },
    { field: 'customer', type: 'string', optional: false },
    { field: 'amount', type: 'double', optional: false },
    { field: 'note', type: 'string', optional: true },
    { field: 'tags', type: 'array', items: { type: 'string', optional: false }, optional: false },
    {
      field: 'address',
      type: 'struct',
      optional: false,
      fields: [
        { field: 'city', type: 'string', optional: false },
        { field: 'zip', type: 'int32', optional: true },
      ],
    },
    { field: 'created', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1, optional: false },
  ],
};

export interface Order {
  id: number;
  customer: string;
  amount: number;
  note: string | null;
  tags: string[];
  address: { city: string; zip: number | null };
  created: number;
}

const CITIES = ['Berlin', 'Lyon', 'Austin', 'Kyoto', 'Porto'];

/** Record `id`'s value: a pure function, so a test can check every stored value against it. */
export function orderFor(id: number, padTo = 0): Order {
  const base = {
    id,
    customer: `customer-${id % 997}`,
    amount: Math.round(id * 37.5) / 100,
    note: id % 5 === 0 ? null : `note ${id}`,
    tags: id % 3 === 0 ? [] : [`t${id % 7}`, `u${id % 11}`],
    address: { city: CITIES[id % CITIES.length]!, zip: id % 4 === 0 ? null : 10_000 + (id % 90_000) },
    created: Date.UTC(2024, 4, 1) + id * 1000,
  };
  if (padTo > 0 && base.note !== null) base.note = `${base.note} ${noise(id, padTo - base.note.length - 1)}`;
  return base;
}

/** Deterministic text that compresses poorly, so byte volumes in tests are what they say. */
function noise(seed: number, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let x = (seed * 2654435761) >>> 0 || 1;
  let out = '';
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out += alphabet[x % alphabet.length];
  }
  return out;
}

export function kafka(): Kafka {
  return new Kafka({ clientId: 's3-sink-test', brokers: kafkaBootstrap(), logLevel: logLevel.NOTHING });
}

export async function createTopic(topic: string, partitions: number): Promise<void> {
  // The orders carry timestamps from 2024: keep them whatever the broker's retention.
  await createTestTopic(topic, { partitions, configs: { 'retention.ms': '-1' } });
}

/**
 * Produces orders `from`..`to-1`: key = id, record timestamp from `timestampOf`, partition by
 * id modulo `partitions` so each partition's content is known in advance.
 */
export async function produceOrders(
  topic: string,
  from: number,
  to: number,
  opts: { partitions: number; padTo?: number; timestampOf?: (id: number) => number },
): Promise<void> {
  const producer = kafka().producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const batch = 2000;
    for (let start = from; start < to; start += batch) {
      const messages = [];
      for (let id = start; id < Math.min(to, start + batch); id++) {
        messages.push({
          key: String(id),
          partition: id % opts.partitions,
          value: JSON.stringify({ schema: ORDER_SCHEMA, payload: orderFor(id, opts.padTo) }),
          timestamp: String(opts.timestampOf ? opts.timestampOf(id) : Date.UTC(2024, 4, 1) + id * 1000),
        });
      }
      await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

export function workerProps(name: string, port: number): Record<string, string> {
  return {
    ...distributedWorkerProps(name, kafkaBootstrap()),
    'offset.flush.interval.ms': '1000',
    listeners: `http://127.0.0.1:${port}`,
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  };
}

export async function startWorker(props: Record<string, string>): Promise<ConnectRuntime> {
  const rt = await startDistributed(props);
  await eventually(() => !(rt.herder as DistributedHerder).rebalancing, {
    what: 'first assignment',
    timeoutMs: 60_000,
  });
  return rt;
}

/** Committed offsets of the sink's consumer group `connect-<connector>`, per partition. */
export async function committedOffsets(connector: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const r = await admin.fetchOffsets({ groupId: `connect-${connector}`, topics: [topic] });
    return new Map((r[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** The end offset of every partition: how many records the topic holds (a retried send may add some). */
export async function endOffsets(topic: string): Promise<Map<number, number>> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Peak resident set size of a process (VmHWM), in bytes. */
export async function peakRss(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}
