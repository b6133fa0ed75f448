/** The dead letter queue: failed sink records sent unchanged, with error context headers (Kafka Connect's DeadLetterQueueReporter). */
import type { Admin, Producer } from '@platformatic/kafka';
import { createProducer } from '../kafka/producer.js';
import type { Logger } from '@tributary/api';
import { ensureTopic } from '../kafka/log.js';
import { type ErrorCounters, type ErrorReporter, type ProcessingContext, stackTrace } from './tolerance.js';

const P = '__connect.errors.';

/**
 * Sends the original consumed record, unchanged, to errors.deadletterqueue.topic.name, with the
 * __connect.errors.* context headers when errors.deadletterqueue.context.headers.enable is set
 * (Kafka Connect's DeadLetterQueueReporter).
 */
export class DeadLetterQueueReporter implements ErrorReporter {
  readonly #producer: Producer;
  readonly #topic: string;
  readonly #contextHeaders: boolean;
  readonly #connector: string;
  readonly #task: number;
  readonly #logger: Logger;
  readonly #counters: () => ErrorCounters;

  private constructor(o: {
    producer: Producer;
    topic: string;
    contextHeaders: boolean;
    connector: string;
    task: number;
    logger: Logger;
    counters: () => ErrorCounters;
  }) {
    this.#producer = o.producer;
    this.#topic = o.topic;
    this.#contextHeaders = o.contextHeaders;
    this.#connector = o.connector;
    this.#task = o.task;
    this.#logger = o.logger;
    this.#counters = o.counters;
  }

  static async create(o: {
    admin: Admin;
    bootstrapServers: string[];
    clientId: string;
    topic: string;
    replicationFactor: number;
    contextHeaders: boolean;
    connector: string;
    task: number;
    logger: Logger;
    counters: () => ErrorCounters;
  }): Promise<DeadLetterQueueReporter> {
    let rf = o.replicationFactor;
    const md = await o.admin.metadata({ topics: [] });
    if (md.brokers.size < rf) {
      o.logger.warn(
        { topic: o.topic, requested: rf, brokers: md.brokers.size },
        'dead letter queue replication factor exceeds broker count; using the broker count',
      );
      rf = md.brokers.size;
    }
    await ensureTopic(o.admin, { name: o.topic, partitions: 1, replicationFactor: rf });
    // One producer per task: its sends are sequential, as an idempotent producer needs per partition.
    const producer = createProducer({
      clientId: o.clientId,
      bootstrapBrokers: o.bootstrapServers,
      idempotent: true,
      acks: -1,
      retries: 5,
    });
    return new DeadLetterQueueReporter({ ...o, producer });
  }

  async report(ctx: ProcessingContext): Promise<void> {
    const c = ctx.consumed;
    if (!c) return; // Source records have no DLQ in Kafka Connect either.
    const headers = new Map<Buffer, Buffer>();
    for (const [k, v] of c.headers) if (v) headers.set(Buffer.from(k), v);
    if (this.#contextHeaders) {
      const put = (k: string, v: string): void => {
        headers.set(Buffer.from(P + k), Buffer.from(v));
      };
      put('topic', c.topic);
      put('partition', String(c.partition));
      put('offset', String(c.offset));
      put('connector.name', this.#connector);
      put('task.id', String(this.#task));
      put('stage', ctx.stage);
      put('class.name', ctx.className);
      put('exception.class.name', ctx.error.constructor?.name ?? ctx.error.name);
      put('exception.message', ctx.error.message);
      put('exception.stacktrace', stackTrace(ctx.error));
    }
    const counters = this.#counters();
    counters.deadletterqueueProduceRequests++;
    try {
      await this.#producer.send({
        messages: [
          { topic: this.#topic, ...(c.key ? { key: c.key } : {}), ...(c.value ? { value: c.value } : {}), headers },
        ],
      });
    } catch (err) {
      counters.deadletterqueueProduceFailures++;
      this.#logger.error({ topic: this.#topic, err: String(err) }, 'could not write record to the dead letter queue');
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.#producer.close().catch(() => undefined);
  }
}
