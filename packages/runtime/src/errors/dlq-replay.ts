// Re-sends dead letter queue records to the topic and partition they were consumed from (the console's "re-send").
import type { Producer } from '@platformatic/kafka';
import { createProducer } from '../kafka/producer.js';
import type { RawRecord } from '../kafka/reader.js';

/** The prefix of the context headers DeadLetterQueueReporter writes (Kafka Connect's names). */
export const DLQ_HEADER_PREFIX = '__connect.errors.';

export interface ReplayResult {
  partition: number;
  offset: number;
  /** Where the record went; absent when it could not be re-sent. */
  topic?: string;
  target_partition?: number;
  error?: string;
}

/** The original topic and partition of a DLQ record, from its `__connect.errors.topic` / `.partition` headers. */
export function originOf(record: RawRecord): { topic: string; partition: number } | null {
  const header = (name: string): string | null => {
    for (const [k, v] of record.headers) if (k === DLQ_HEADER_PREFIX + name && v) return v.toString('utf8');
    return null;
  };
  const topic = header('topic');
  const raw = header('partition');
  // Number(null) is 0: a missing partition header must not send the record to partition 0.
  if (!topic || raw === null || !/^\d+$/.test(raw)) return null;
  const partition = Number(raw);
  return { topic, partition };
}

/**
 * Sends each record, with its key, value and its own headers (the `__connect.errors.*` context
 * headers removed, so a second failure gets fresh ones), to its original partition. A record without
 * context headers has no known origin and is reported back, never guessed at.
 */
export async function replayDeadLetters(
  producer: Producer,
  records: ReadonlyArray<RawRecord>,
): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for (const r of records) {
    const origin = originOf(r);
    if (!origin) {
      results.push({
        partition: r.partition,
        offset: r.offset,
        error: `no ${DLQ_HEADER_PREFIX}topic/partition headers (errors.deadletterqueue.context.headers.enable was false)`,
      });
      continue;
    }
    const headers = new Map<Buffer, Buffer>();
    for (const [k, v] of r.headers) if (v && !k.startsWith(DLQ_HEADER_PREFIX)) headers.set(Buffer.from(k), v);
    try {
      await producer.send({
        messages: [
          {
            topic: origin.topic,
            partition: origin.partition,
            ...(r.key ? { key: r.key } : {}),
            ...(r.value ? { value: r.value } : {}),
            headers,
          },
        ],
      });
      results.push({
        partition: r.partition,
        offset: r.offset,
        topic: origin.topic,
        target_partition: origin.partition,
      });
    } catch (err) {
      results.push({ partition: r.partition, offset: r.offset, error: (err as Error).message });
    }
  }
  return results;
}

/** The idempotent producer the herder re-sends with (acks=all, as every producer of ours). */
export function replayProducer(bootstrapServers: string[], clientId: string): Producer {
  return createProducer({ clientId, bootstrapBrokers: bootstrapServers, idempotent: true, acks: -1, retries: 5 });
}
