/** Records and headers: ConnectRecord, SourceRecord, SinkRecord and Headers, and source partition and offset types (Kafka Connect's records). */
import type { Schema } from './data/schema.js';
import { brand } from './brand.js';

/** One record header, as Kafka Connect's Header: key, value and optional schema. */
export interface Header {
  readonly key: string;
  readonly value: unknown;
  readonly schema: Schema | null;
}

/** Ordered multi-map of headers (keys may repeat), as Kafka Connect's ConnectHeaders. */
export class Headers implements Iterable<Header> {
  #items: Header[];

  constructor(items: Iterable<Header> = []) {
    this.#items = [...items];
  }

  get size(): number {
    return this.#items.length;
  }

  add(key: string, value: unknown, schema: Schema | null = null): this {
    this.#items.push({ key, value, schema });
    return this;
  }

  addString(key: string, value: string | null): this {
    return this.add(key, value, null);
  }

  /** The last header with this key, as Kafka Connect's lastWithName. */
  lastWithName(key: string): Header | null {
    for (let i = this.#items.length - 1; i >= 0; i--) if (this.#items[i]!.key === key) return this.#items[i]!;
    return null;
  }

  allWithName(key: string): Header[] {
    return this.#items.filter((h) => h.key === key);
  }

  remove(key: string): this {
    this.#items = this.#items.filter((h) => h.key !== key);
    return this;
  }

  retainLatest(): this {
    const seen = new Set<string>();
    const kept: Header[] = [];
    for (let i = this.#items.length - 1; i >= 0; i--) {
      const h = this.#items[i]!;
      if (!seen.has(h.key)) {
        seen.add(h.key);
        kept.unshift(h);
      }
    }
    this.#items = kept;
    return this;
  }

  clear(): this {
    this.#items = [];
    return this;
  }

  duplicate(): Headers {
    return new Headers(this.#items);
  }

  [Symbol.iterator](): Iterator<Header> {
    return this.#items[Symbol.iterator]();
  }

  toArray(): Header[] {
    return [...this.#items];
  }
}

/** The fields every record carries; transforms return records with some of them replaced. */
export interface RecordFields {
  topic: string;
  kafkaPartition: number | null;
  keySchema: Schema | null;
  key: unknown;
  valueSchema: Schema | null;
  value: unknown;
  /** Milliseconds since the epoch, or null when the record has none. */
  timestamp: number | null;
  headers: Headers;
}

/**
 * Base of SourceRecord and SinkRecord (Kafka Connect's ConnectRecord). Records are immutable;
 * `newRecord` returns a copy of the same kind with fields replaced, which is what transforms use.
 */
export abstract class ConnectRecord implements RecordFields {
  readonly topic: string;
  readonly kafkaPartition: number | null;
  readonly keySchema: Schema | null;
  readonly key: unknown;
  readonly valueSchema: Schema | null;
  readonly value: unknown;
  readonly timestamp: number | null;
  readonly headers: Headers;

  protected constructor(f: Partial<RecordFields> & { topic: string }) {
    this.topic = f.topic;
    this.kafkaPartition = f.kafkaPartition ?? null;
    this.keySchema = f.keySchema ?? null;
    this.key = f.key ?? null;
    this.valueSchema = f.valueSchema ?? null;
    this.value = f.value ?? null;
    this.timestamp = f.timestamp ?? null;
    this.headers = f.headers ?? new Headers();
  }

  /** A copy of this record with the given fields replaced (headers are copied unless given). */
  abstract newRecord(changes: Partial<RecordFields>): this;
}

export type SourcePartition = Readonly<Record<string, unknown>>;

/**
 * The one canonical text of a source partition (or any JSON-like value): the same map with its keys in
 * another order gives the same text, as the offset topic is keyed by JSON content. The runtime's offset
 * store, its source tasks and the test driver all name a partition by it.
 */
export function sourcePartitionKey(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(sourcePartitionKey).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${sourcePartitionKey(o[k])}`)
    .join(',')}}`;
}
export type SourceOffset = Readonly<Record<string, unknown>>;

export interface SourceRecordInit extends Partial<RecordFields> {
  topic: string;
  sourcePartition?: SourcePartition | null;
  sourceOffset?: SourceOffset | null;
}

/** A record produced by a SourceTask: the data plus where it came from (partition) and how far (offset). */
export class SourceRecord extends ConnectRecord {
  readonly sourcePartition: SourcePartition | null;
  readonly sourceOffset: SourceOffset | null;

  constructor(init: SourceRecordInit) {
    super(init);
    this.sourcePartition = init.sourcePartition ?? null;
    this.sourceOffset = init.sourceOffset ?? null;
  }

  newRecord(changes: Partial<RecordFields>): this {
    return new SourceRecord({
      ...fieldsOf(this),
      ...changes,
      headers: changes.headers ?? this.headers.duplicate(),
      sourcePartition: this.sourcePartition,
      sourceOffset: this.sourceOffset,
    }) as this;
  }
}

export type TimestampType = 'NoTimestampType' | 'CreateTime' | 'LogAppendTime';

export interface SinkRecordInit extends Partial<RecordFields> {
  topic: string;
  kafkaPartition: number;
  kafkaOffset: number;
  timestampType?: TimestampType;
  originalTopic?: string;
  originalKafkaPartition?: number;
  originalKafkaOffset?: number;
}

/** A record consumed from Kafka and handed to a SinkTask. */
export class SinkRecord extends ConnectRecord {
  readonly kafkaOffset: number;
  readonly timestampType: TimestampType;
  /** Where the record was read from, even after transforms rename its topic or partition. */
  readonly originalTopic: string;
  readonly originalKafkaPartition: number;
  readonly originalKafkaOffset: number;

  constructor(init: SinkRecordInit) {
    super(init);
    this.kafkaOffset = init.kafkaOffset;
    this.timestampType = init.timestampType ?? (init.timestamp == null ? 'NoTimestampType' : 'CreateTime');
    this.originalTopic = init.originalTopic ?? init.topic;
    this.originalKafkaPartition = init.originalKafkaPartition ?? init.kafkaPartition;
    this.originalKafkaOffset = init.originalKafkaOffset ?? init.kafkaOffset;
  }

  newRecord(changes: Partial<RecordFields>): this {
    return new SinkRecord({
      ...fieldsOf(this),
      ...changes,
      kafkaPartition: changes.kafkaPartition ?? this.kafkaPartition ?? this.originalKafkaPartition,
      headers: changes.headers ?? this.headers.duplicate(),
      kafkaOffset: this.kafkaOffset,
      timestampType: this.timestampType,
      originalTopic: this.originalTopic,
      originalKafkaPartition: this.originalKafkaPartition,
      originalKafkaOffset: this.originalKafkaOffset,
    }) as this;
  }
}

function fieldsOf(r: ConnectRecord): RecordFields {
  return {
    topic: r.topic,
    kafkaPartition: r.kafkaPartition,
    keySchema: r.keySchema,
    key: r.key,
    valueSchema: r.valueSchema,
    value: r.value,
    timestamp: r.timestamp,
    headers: r.headers,
  };
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A topic partition and the next offset to read from it (Kafka's commit convention). */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
  readonly metadata?: string;
}

/** What the producer reports for an acknowledged source record. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
}

brand(Headers, 'Headers');
brand(ConnectRecord, 'ConnectRecord');
brand(SourceRecord, 'SourceRecord');
brand(SinkRecord, 'SinkRecord');
