// The schema history topic in Kafka (Debezium's KafkaSchemaHistory): one partition, records without key, JSON values.
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import type { HistoryStore } from './history.js';

export interface KafkaHistoryOptions {
  bootstrapServers: string[];
  topic: string;
  clientId: string;
  /** How long one fetch may wait on the broker. */
  maxWaitMs?: number;
}

const errorText = (err: unknown): string => {
  const e = err as { message?: string; errors?: unknown[] } | null;
  return [e?.message ?? String(err), ...(e?.errors ?? []).map(errorText)].join('; ');
};

/**
 * Reads and appends the history topic. The topic is created as Debezium creates it (one partition,
 * `cleanup.policy=delete` with unlimited retention: a history must never lose its first records).
 */
export class KafkaHistoryStore implements HistoryStore {
  readonly #options: KafkaHistoryOptions;
  #producer: Producer | null = null;

  constructor(o: KafkaHistoryOptions) {
    this.#options = o;
  }

  get topic(): string {
    return this.#options.topic;
  }

  async ensureTopic(): Promise<void> {
    const admin = new Admin({ clientId: this.#options.clientId, bootstrapBrokers: this.#options.bootstrapServers });
    try {
      const existing = await admin.listTopics({ includeInternals: false });
      if (existing.includes(this.#options.topic)) return;
      try {
        await admin.createTopics({
          topics: [this.#options.topic],
          partitions: 1,
          replicas: -1,
          configs: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: String(2n ** 63n - 1n) },
            { name: 'retention.bytes', value: '-1' },
          ],
        });
      } catch (err) {
        if (!/TOPIC_ALREADY_EXISTS|already exists/i.test(errorText(err))) throw err;
      }
    } finally {
      await admin.close();
    }
  }

  /** Every record of the topic, in order, as the JSON text values they are. */
  async read(): Promise<string[]> {
    const consumer = new Consumer({
      clientId: this.#options.clientId,
      bootstrapBrokers: this.#options.bootstrapServers,
      // Never joined: this consumer only lists offsets and fetches.
      groupId: `${this.#options.clientId}-history`,
    });
    try {
      const md = await consumer.metadata({ topics: [this.#options.topic], autocreateTopics: false });
      const t = md.topics.get(this.#options.topic);
      if (!t) return [];
      const ends = await consumer.listOffsets({
        topics: [this.#options.topic],
        partitions: { [this.#options.topic]: [0] },
        timestamp: -1n,
      });
      const end = ends.get(this.#options.topic)?.[0] ?? 0n;
      const starts = await consumer.listOffsets({
        topics: [this.#options.topic],
        partitions: { [this.#options.topic]: [0] },
        timestamp: -2n,
      });
      let next = starts.get(this.#options.topic)?.[0] ?? 0n;
      const out: string[] = [];
      // A fetch may come back empty before the end (the broker's wait ran out): ask again, a bounded number of times,
      // since replaying part of a history would decode events with the wrong structures.
      let empty = 0;
      while (next < end) {
        const leader = t.partitions[0]!.leader;
        const res = await consumer.fetch({
          node: leader,
          topics: [
            {
              topicId: t.id,
              partitions: [
                {
                  partition: 0,
                  fetchOffset: next,
                  partitionMaxBytes: 4_194_304,
                  currentLeaderEpoch: -1,
                  lastFetchedEpoch: -1,
                },
              ],
            },
          ],
          maxWaitTime: this.#options.maxWaitMs ?? 500,
          minBytes: 1,
          maxBytes: 16_777_216,
          isolationLevel: 1,
        });
        const before = next;
        for (const tr of res.responses)
          for (const pr of tr.partitions)
            for (const batch of pr.records ?? []) {
              const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
              // Control batches (transaction markers) hold no history records.
              if ((batch.attributes & 0x20) === 0)
                for (const r of batch.records) {
                  const offset = batch.firstOffset + BigInt(r.offsetDelta);
                  if (offset >= next && r.value) out.push(r.value.toString('utf8'));
                }
              if (last + 1n > next) next = last + 1n;
            }
        if (next === before && ++empty >= 20)
          throw new Error(
            `the schema history topic ${this.#options.topic} gave no records at offset ${next} of ${end} in ${empty} fetches`,
          );
      }
      return out;
    } finally {
      await consumer.close();
    }
  }

  async append(values: readonly string[]): Promise<void> {
    if (values.length === 0) return;
    this.#producer ??= new Producer({
      clientId: this.#options.clientId,
      bootstrapBrokers: this.#options.bootstrapServers,
      acks: -1,
      autocreateTopics: false,
    });
    await this.#producer.send({
      messages: values.map((v) => ({ topic: this.#options.topic, partition: 0, value: Buffer.from(v, 'utf8') })),
    });
  }

  async close(): Promise<void> {
    await this.#producer?.close().catch(() => undefined);
    this.#producer = null;
  }
}
