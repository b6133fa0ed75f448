/** The S3 sink's partitioners (default, field, time-based, hourly, daily) and timestamp extractors, as Confluent's Partitioner classes. */
import { DataException, type SinkRecord, Struct } from '@tributary/api';
import type { ExtractorName, S3SinkConfig } from './config.js';
import { JodaFormatter, partitionStart } from './joda.js';

/** Maps a record to the directory (encoded partition) its file goes in, as Confluent's Partitioner. */
export interface Partitioner {
  encodePartition(record: SinkRecord, nowMs: number): string;
  /** `<topic><delim><encodedPartition>`: the directory under topics.dir. */
  generatePartitionedPath(topic: string, encodedPartition: string): string;
}

/** Where a record's time comes from (TimeBasedPartitioner's TimestampExtractor). */
export interface TimestampExtractor {
  extract(record: SinkRecord, nowMs: number): number;
  /** Whether the same record always yields the same time (false for Wallclock). */
  readonly deterministic: boolean;
}

abstract class BasePartitioner implements Partitioner {
  constructor(protected readonly delim: string) {}
  abstract encodePartition(record: SinkRecord, nowMs: number): string;
  generatePartitionedPath(topic: string, encodedPartition: string): string {
    return `${topic}${this.delim}${encodedPartition}`;
  }
}

/** `partition=<kafka partition>`. */
export class DefaultPartitioner extends BasePartitioner {
  encodePartition(record: SinkRecord): string {
    return `partition=${record.kafkaPartition ?? record.originalKafkaPartition}`;
  }
}

/** Reads a field, following dots into nested structs and maps. */
export function fieldValue(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (cur instanceof Struct) {
      if (!cur.schema.field(part)) return undefined;
      cur = cur.get(part);
    } else if (cur instanceof Map) {
      cur = cur.get(part);
    } else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) {
      cur = (cur as Record<string, unknown>)[part];
    } else {
      return undefined;
    }
  }
  return cur;
}

/** `<field>=<value>` for each of partition.field.name, joined by directory.delim. */
export class FieldPartitioner extends BasePartitioner {
  constructor(
    delim: string,
    private readonly fields: readonly string[],
  ) {
    super(delim);
  }
  encodePartition(record: SinkRecord): string {
    const v = record.value;
    if (!(v instanceof Struct) && !(v instanceof Map) && (v === null || typeof v !== 'object' || Array.isArray(v))) {
      throw new DataException(
        `FieldPartitioner needs a struct or map value; record ${describe(record)} has ${v === null ? 'null' : typeof v}`,
      );
    }
    return this.fields
      .map((name) => {
        const x = fieldValue(v, name);
        if (
          typeof x === 'string' ||
          typeof x === 'boolean' ||
          typeof x === 'bigint' ||
          (typeof x === 'number' && Number.isInteger(x))
        ) {
          return `${name}=${String(x)}`;
        }
        throw new DataException(
          `FieldPartitioner cannot partition by field ${name} of record ${describe(record)}: ${x === undefined ? 'no such field' : `unsupported value ${x === null ? 'null' : typeof x}`}`,
        );
      })
      .join(this.delim);
  }
}

/** Directories from a Joda path.format over partition.duration.ms buckets of the extracted time. */
export class TimeBasedPartitioner extends BasePartitioner {
  readonly #formatter: JodaFormatter;
  readonly #cache = new Map<number, string>();
  constructor(
    delim: string,
    pathFormat: string,
    private readonly durationMs: number,
    locale: string,
    private readonly zone: string,
    readonly extractor: TimestampExtractor,
  ) {
    super(delim);
    this.#formatter = new JodaFormatter(pathFormat, zone, locale);
  }
  encodePartition(record: SinkRecord, nowMs: number): string {
    const ts = this.extractor.extract(record, nowMs);
    const start = partitionStart(ts, this.durationMs, this.zone);
    let s = this.#cache.get(start);
    if (s === undefined) {
      if (this.#cache.size > 10_000) this.#cache.clear();
      s = this.#formatter.format(start);
      this.#cache.set(start, s);
    }
    return s;
  }
}

export class RecordTimestampExtractor implements TimestampExtractor {
  readonly deterministic = true;
  extract(record: SinkRecord): number {
    if (record.timestamp === null) {
      throw new DataException(`Record ${describe(record)} has no timestamp; timestamp.extractor=Record needs one`);
    }
    return record.timestamp;
  }
}

export class WallclockTimestampExtractor implements TimestampExtractor {
  readonly deterministic = false;
  extract(_record: SinkRecord, nowMs: number): number {
    return nowMs;
  }
}

/** The time in timestamp.field: a Timestamp/Date, epoch milliseconds, or an ISO-8601 string. */
export class RecordFieldTimestampExtractor implements TimestampExtractor {
  readonly deterministic = true;
  constructor(private readonly field: string) {}
  extract(record: SinkRecord): number {
    const v = fieldValue(record.value, this.field);
    if (v instanceof Date) return v.getTime();
    if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string') {
      const ms = Date.parse(v);
      if (!Number.isNaN(ms)) return ms;
    }
    throw new DataException(
      `Record ${describe(record)}: field ${this.field} ${v === undefined ? 'is missing' : `is not a timestamp (${v === null ? 'null' : typeof v})`}`,
    );
  }
}

export function timestampExtractor(name: ExtractorName, field: string): TimestampExtractor {
  switch (name) {
    case 'Record':
      return new RecordTimestampExtractor();
    case 'RecordField':
      return new RecordFieldTimestampExtractor(field);
    case 'Wallclock':
      return new WallclockTimestampExtractor();
  }
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export function hourlyPathFormat(delim: string): string {
  return ["'year'=YYYY", "'month'=MM", "'day'=dd", "'hour'=HH"].join(delim);
}
export function dailyPathFormat(delim: string): string {
  return ["'year'=YYYY", "'month'=MM", "'day'=dd"].join(delim);
}

export function createPartitioner(c: S3SinkConfig): Partitioner {
  const delim = c['directory.delim'];
  const extractor = timestampExtractor(c.extractor, c['timestamp.field']);
  switch (c.partitioner) {
    case 'default':
      return new DefaultPartitioner(delim);
    case 'field':
      return new FieldPartitioner(delim, c['partition.field.name']);
    case 'time':
      return new TimeBasedPartitioner(
        delim,
        c['path.format'],
        c['partition.duration.ms'],
        c.locale,
        c.timezone,
        extractor,
      );
    case 'hourly':
      return new TimeBasedPartitioner(delim, hourlyPathFormat(delim), HOUR_MS, c.locale, c.timezone, extractor);
    case 'daily':
      return new TimeBasedPartitioner(delim, dailyPathFormat(delim), DAY_MS, c.locale, c.timezone, extractor);
  }
}

export function describe(record: SinkRecord): string {
  return `${record.topic}-${record.kafkaPartition}@${record.kafkaOffset}`;
}
