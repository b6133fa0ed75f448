/**
 * The Kafka client behaviours docs/architecture.md records, checked against the real broker so an upgrade
 * of @platformatic/kafka shows at once whether each workaround is still needed.
 */
import { Producer, type ProducerOptions } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaBootstrap, readTopic, unique } from '../helpers.js';

const producers: Producer[] = [];
afterEach(async () => {
  while (producers.length)
    await producers
      .pop()!
      .close()
      .catch(() => undefined);
});

function producer(opts: Partial<ProducerOptions<Buffer, Buffer, Buffer, Buffer>> = {}): Producer {
  const p = new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId: unique('client-check'),
    bootstrapBrokers: kafkaBootstrap(),
    idempotent: true,
    acks: -1,
    autocreateTopics: true,
    ...opts,
  });
  producers.push(p);
  return p;
}

const text = (err: unknown): string =>
  err instanceof Error
    ? `${err.message} ${JSON.stringify((err as { errors?: unknown }).errors ?? '')} ${String((err as { cause?: unknown }).cause ?? '')}`
    : String(err);

describe('@platformatic/kafka as the runtime uses it', () => {
  it('keeps the order of concurrent sends of one idempotent producer to one partition', async () => {
    const topic = unique('client-concurrent');
    const p = producer();
    await p.send({ messages: [{ topic, partition: 0, value: Buffer.from('warm-up') }] });
    // 20 sends in flight at once (1.x refused some as OUT_OF_ORDER_SEQUENCE_NUMBER: it assigned
    // sequences when a response arrived; 2.x assigns them when the request is made).
    const sends = Array.from({ length: 20 }, (_, i) =>
      p.send({
        messages: Array.from({ length: 50 }, (_, j) => ({
          topic,
          partition: 0,
          value: Buffer.from(String(i * 50 + j)),
        })),
      }),
    );
    await Promise.all(sends);
    const read = await readTopic(topic, 1001);
    expect(read.slice(1).map((m) => Number(m.value!.toString()))).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('writes a batch another client reads back as sent: timestamps weeks apart, null and empty keys, values and headers', async () => {
    // The record batch encoder is ours (patches/): the client's own got timestamps 2^31 ms (24.8 days) or
    // more after a batch's first record wrong, as a source task replaying old events can send them.
    const topic = unique('client-batch');
    const base = Date.UTC(2020, 0, 1);
    const sent = [
      { key: Buffer.from('k0'), value: Buffer.from('v0'), timestamp: base, headers: new Map() },
      { key: null, value: Buffer.from('v1'), timestamp: base + 40 * 86_400_000, headers: new Map() },
      { key: Buffer.alloc(0), value: null, timestamp: base + 4 * 365 * 86_400_000, headers: new Map() },
      {
        key: Buffer.from('k3'),
        value: Buffer.alloc(0),
        timestamp: base - 30 * 86_400_000,
        headers: new Map([
          [Buffer.from('h1'), Buffer.from('x'.repeat(300))],
          [Buffer.from('h2'), Buffer.alloc(0)],
        ]),
      },
      { key: Buffer.from('k4'), value: Buffer.from('é'.repeat(5000)), timestamp: base + 1, headers: new Map() },
    ];
    const p = producer();
    await p.send({
      messages: sent.map((m) => ({
        topic,
        partition: 0,
        key: m.key as Buffer,
        value: m.value as Buffer,
        timestamp: BigInt(m.timestamp),
        headers: m.headers as Map<Buffer, Buffer>,
      })),
    });
    const read = await readTopic(topic, sent.length);
    expect(
      read.map((m) => ({
        key: m.key?.toString('hex') ?? null,
        value: m.value?.toString('hex') ?? null,
        timestamp: Number(m.timestamp),
        headers: Object.entries(m.headers ?? {}).map(([k, v]) => [k, (v as Buffer).toString('hex')]),
      })),
    ).toEqual(
      sent.map((m) => ({
        key: m.key?.toString('hex') ?? null,
        value: m.value?.toString('hex') ?? null,
        timestamp: m.timestamp,
        headers: [...m.headers].map(([k, v]) => [k.toString(), v.toString('hex')]),
      })),
    );
  });

  it('needs producerId -1 / epoch -1 for a transactional id that has a history (the client defaults to 0 / 0)', async () => {
    const topic = unique('client-txn');
    const transactionalId = unique('client-txn-id');
    const first = producer({ transactionalId, producerId: -1n, producerEpoch: -1 });
    const tx = await first.beginTransaction();
    await tx.send({ messages: [{ topic, partition: 0, value: Buffer.from('one') }] });
    await tx.commit();
    await first.close();
    producers.splice(producers.indexOf(first), 1);

    // The client's default: InitProducerId with id 0 / epoch 0 for an id the broker knows under another
    // producer id is refused, so a restarted exactly-once task could neither fence nor take over.
    const withDefaults = producer({ transactionalId });
    const refused = await withDefaults.beginTransaction().then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused, 'the client default (0/0) should be refused by the broker').not.toBeNull();
    expect(text(refused)).toMatch(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|INVALID_PRODUCER_ID_MAPPING/);

    // What the runtime does: -1 / -1 starts a new epoch of the same transactional id, fencing the old one.
    const successor = producer({ transactionalId, producerId: -1n, producerEpoch: -1 });
    const tx2 = await successor.beginTransaction();
    await tx2.send({ messages: [{ topic, partition: 0, value: Buffer.from('two') }] });
    await tx2.commit();
    expect((await readTopic(topic, 2)).map((m) => m.value!.toString())).toEqual(['one', 'two']);
  });
});
