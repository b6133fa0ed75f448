/** Test helpers building source and sink records the way Kafka Connect's transform tests do. */
import { type Headers, type Schema, SinkRecord, SourceRecord } from '@tributary/api';

/** A source record on partition 0 of "test", like Kafka Connect's transform tests build them. */
export function sourceRecord(opts: {
  topic?: string;
  partition?: number | null;
  keySchema?: Schema | null;
  key?: unknown;
  valueSchema?: Schema | null;
  value?: unknown;
  timestamp?: number | null;
  headers?: Headers;
}): SourceRecord {
  return new SourceRecord({
    topic: opts.topic ?? 'test',
    kafkaPartition: opts.partition === undefined ? 0 : opts.partition,
    keySchema: opts.keySchema ?? null,
    key: opts.key ?? null,
    valueSchema: opts.valueSchema ?? null,
    value: opts.value ?? null,
    timestamp: opts.timestamp ?? null,
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
}

export function sinkRecord(opts: {
  topic?: string;
  partition?: number;
  offset?: number;
  valueSchema?: Schema | null;
  value?: unknown;
  timestamp?: number | null;
}): SinkRecord {
  return new SinkRecord({
    topic: opts.topic ?? 'test',
    kafkaPartition: opts.partition ?? 0,
    kafkaOffset: opts.offset ?? 0,
    valueSchema: opts.valueSchema ?? null,
    value: opts.value ?? null,
    timestamp: opts.timestamp ?? null,
  });
}
