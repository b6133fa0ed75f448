/** A SinkRecord factory numbering records per topic partition as a consumer would, for feeding sink tasks in tests. */
import { Headers, type Schema, SinkRecord, type TimestampType } from '@tributary/api';

/** The parts of a SinkRecord a test usually sets; everything else gets a sensible value. */
export interface SinkRecordOptions {
  topic?: string;
  partition?: number;
  /** An explicit Kafka offset; by default the next offset of the record's topic partition. */
  offset?: number;
  key?: unknown;
  keySchema?: Schema | null;
  valueSchema?: Schema | null;
  /** Milliseconds since the epoch; defaults to the factory's clock. */
  timestamp?: number | null;
  timestampType?: TimestampType;
  headers?: Headers | Iterable<{ key: string; value: unknown; schema?: Schema | null }>;
}

export interface SinkRecordFactoryOptions {
  /** Topic of records that do not name one (default `test-topic`). */
  topic?: string;
  /** Partition of records that do not name one (default 0). */
  partition?: number;
  /** First offset handed out in each topic partition (default 0). */
  startOffset?: number;
  /** Timestamp of each record: a fixed value, a clock, or null for none (default Date.now). */
  timestamp?: number | null | (() => number | null);
}

/**
 * Builds SinkRecords the way a consumer would hand them to a sink task: each topic partition
 * numbers its records with consecutive offsets, so tests can feed batches and then check which
 * offsets the task lets the runtime commit.
 *
 * ```ts
 * const records = new SinkRecordFactory({ topic: 'orders' });
 * await task.put(records.values(['a', 'b', 'c']));          // orders-0 @ 0, 1, 2
 * await task.put([records.record('d', { partition: 1 })]);  // orders-1 @ 0
 * ```
 */
export class SinkRecordFactory {
  readonly #topic: string;
  readonly #partition: number;
  readonly #startOffset: number;
  readonly #clock: () => number | null;
  readonly #next = new Map<string, number>();

  constructor(options: SinkRecordFactoryOptions = {}) {
    this.#topic = options.topic ?? 'test-topic';
    this.#partition = options.partition ?? 0;
    this.#startOffset = options.startOffset ?? 0;
    const ts = options.timestamp;
    this.#clock = typeof ts === 'function' ? ts : ts === undefined ? () => Date.now() : () => ts;
  }

  /** One record with this value, at the next offset of its topic partition. */
  record(value: unknown, options: SinkRecordOptions = {}): SinkRecord {
    const topic = options.topic ?? this.#topic;
    const partition = options.partition ?? this.#partition;
    const k = `${topic}\u0000${partition}`;
    const offset = options.offset ?? this.#next.get(k) ?? this.#startOffset;
    this.#next.set(k, Math.max(this.#next.get(k) ?? this.#startOffset, offset + 1));
    const headers =
      options.headers instanceof Headers
        ? options.headers
        : new Headers(
            [...(options.headers ?? [])].map((h) => ({ key: h.key, value: h.value, schema: h.schema ?? null })),
          );
    const timestamp = options.timestamp !== undefined ? options.timestamp : this.#clock();
    return new SinkRecord({
      topic,
      kafkaPartition: partition,
      kafkaOffset: offset,
      key: options.key ?? null,
      keySchema: options.keySchema ?? null,
      value,
      valueSchema: options.valueSchema ?? null,
      timestamp,
      headers,
      ...(options.timestampType ? { timestampType: options.timestampType } : {}),
    });
  }

  /** One record per value, at consecutive offsets; `options` apply to every record. */
  values(values: readonly unknown[], options: Omit<SinkRecordOptions, 'offset'> = {}): SinkRecord[] {
    return values.map((v) => this.record(v, options));
  }

  /** The offset the next record of this topic partition gets. */
  nextOffset(topic: string = this.#topic, partition: number = this.#partition): number {
    return this.#next.get(`${topic}\u0000${partition}`) ?? this.#startOffset;
  }
}
