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
