// KafkaReader's prefetch against the real broker: the fetch that travels while the caller works is only
// used for partitions still where it found them, so a seek, a pause or a reassignment never gets stale records.
import { KafkaReader } from '@tributary/runtime';
import { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTopic, kafkaBootstrap, unique } from '../helpers.js';

const readers: KafkaReader[] = [];
afterEach(async () => {
  while (readers.length) await readers.pop()!.close();
});

async function topicWith(n: number): Promise<string> {
  const topic = unique('reader');
  await createTopic(topic);
  const kafka = new Kafka({ clientId: 'reader-test', brokers: kafkaBootstrap(), logLevel: 0 });
  const producer = kafka.producer();
  await producer.connect();
  // Batches of ten: a fetch of a few hundred bytes returns one batch, so reading takes many rounds.
  for (let i = 0; i < n; i += 10)
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, j) => ({ value: `v${i + j}` })) });
  await producer.disconnect();
  return topic;
}

/** A reader whose fetches return a few records each (small partition bytes), so rounds are many. */
function reader(prefetch: boolean): KafkaReader {
  const r = new KafkaReader({
    bootstrapServers: kafkaBootstrap(),
    clientId: unique('reader'),
    maxWaitMs: 100,
    maxBytesPerPartition: 256,
    prefetch,
  });
  readers.push(r);
  return r;
}

async function pollUntil(r: KafkaReader, n: number): Promise<number[]> {
  const got: number[] = [];
  for (let i = 0; i < 200 && got.length < n; i++) for (const rec of await r.poll()) got.push(rec.offset);
  return got;
}

describe('KafkaReader with prefetch', () => {
  it('reads every record once and in order, as without it', async () => {
    const topic = await topicWith(300);
    for (const prefetch of [false, true]) {
      const r = reader(prefetch);
      r.assign([{ topic, partition: 0, offset: 'earliest' }]);
      expect(await pollUntil(r, 300)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    }
  });

  it('after a seek back, returns records from the new position, not the ones fetched ahead', async () => {
    const topic = await topicWith(300);
    const r = reader(true);
    r.assign([{ topic, partition: 0, offset: 'earliest' }]);
    const first = await r.poll();
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(300);
    // The next fetch is on its way now, from the end of `first`; going back must read `first` again.
    r.seek(topic, 0, 0);
    expect(await pollUntil(r, 300)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('after a seek ahead, returns records from the new position, not the ones fetched ahead', async () => {
    const topic = await topicWith(300);
    const r = reader(true);
    r.assign([{ topic, partition: 0, offset: 'earliest' }]);
    const first = await r.poll();
    expect(first.length).toBeGreaterThan(0);
    // The next fetch is on its way now, from the end of `first`.
    r.seek(topic, 0, 200);
    const next = await pollUntil(r, 1);
    expect(next[0]).toBe(200);
    expect(await pollUntil(r, 99 - (next.length - 1))).toEqual(
      Array.from({ length: 100 - next.length }, (_, i) => 200 + next.length + i),
    );
  });

  it('returns nothing of a partition paused while its fetch travelled, and resumes where it was', async () => {
    const topic = await topicWith(100);
    const r = reader(true);
    r.assign([{ topic, partition: 0, offset: 'earliest' }]);
    const first = await r.poll();
    const at = first.at(-1)!.offset + 1;
    r.pause([{ topic, partition: 0 }]);
    expect(await r.poll()).toEqual([]);
    expect(r.position(topic, 0)).toBe(at);
    r.resume([{ topic, partition: 0 }]);
    const rest = await pollUntil(r, 100 - at);
    expect(rest).toEqual(Array.from({ length: 100 - at }, (_, i) => at + i));
  });

  it('drops what it fetched ahead for a partition unassigned meanwhile', async () => {
    const topic = await topicWith(100);
    const r = reader(true);
    r.assign([{ topic, partition: 0, offset: 'earliest' }]);
    expect((await r.poll()).length).toBeGreaterThan(0);
    r.unassign([{ topic, partition: 0 }]);
    expect(await r.poll()).toEqual([]);
    r.assign([{ topic, partition: 0, offset: 10 }]);
    expect((await pollUntil(r, 1))[0]).toBe(10);
  });
});
