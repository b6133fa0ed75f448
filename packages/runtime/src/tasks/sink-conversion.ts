/** The sink direction's record stages: consumed bytes → headers, key, value → SinkRecord → transforms, each under errors.* (WorkerSinkTask.convertAndTransformRecord). */
import { type SchemaAndValue, Headers, SinkRecord } from '@tributary/api';
import type { TransformationChain } from '../connector-config.js';
import type { RetryWithToleranceOperator } from '../errors/tolerance.js';
import type { RawRecord } from '../kafka/reader.js';
import type { Converters } from './worker-task.js';

/**
 * Converts and transforms a batch of consumed records; a record whose failure errors.* tolerates is left
 * out (and reported). Each stage's operator call is synchronous unless it failed, so a batch without
 * failures costs one promise, not one per record.
 */
export async function convertAndTransform(
  raw: readonly RawRecord[],
  c: Converters,
  chain: TransformationChain,
  tolerance: RetryWithToleranceOperator,
): Promise<SinkRecord[]> {
  const out: SinkRecord[] = [];
  for (const r of raw) {
    const ctx = { consumed: r };
    let headers = tolerance.execute('HEADER_CONVERTER', c.headerClass, () => connectHeaders(c, r), ctx);
    if (headers instanceof Promise) headers = await headers;
    if (!headers.ok) continue;
    const h = headers.value;
    let key = tolerance.execute('KEY_CONVERTER', c.keyClass, () => c.key.toConnectData(r.topic, h, r.key), ctx);
    if (key instanceof Promise) key = await key;
    if (!key.ok) continue;
    let value = tolerance.execute(
      'VALUE_CONVERTER',
      c.valueClass,
      () => c.value.toConnectData(r.topic, h, r.value),
      ctx,
    );
    if (value instanceof Promise) value = await value;
    if (!value.ok) continue;
    let record = chain.apply(sinkRecordOf(r, h, key.value, value.value), tolerance, ctx);
    if (record instanceof Promise) record = await record;
    if (record) out.push(record);
  }
  return out;
}

/** HEADER_CONVERTER: the record's headers as Connect headers. */
export function connectHeaders(c: Converters, r: RawRecord): Headers {
  const headers = new Headers();
  for (const [k, v] of r.headers) {
    const sv = c.header.toConnectHeader(r.topic, k, v);
    headers.add(k, sv.value, sv.schema);
  }
  return headers;
}

/** The SinkRecord of a consumed record once its key and value are converted (as WorkerSinkTask.convertAndTransformRecord). */
export function sinkRecordOf(r: RawRecord, headers: Headers, key: SchemaAndValue, value: SchemaAndValue): SinkRecord {
  return new SinkRecord({
    topic: r.topic,
    kafkaPartition: r.partition,
    kafkaOffset: r.offset,
    keySchema: key.schema,
    key: key.value,
    valueSchema: value.schema,
    value: value.value,
    timestamp: r.timestamp >= 0 ? r.timestamp : null,
    timestampType: r.timestamp >= 0 ? 'CreateTime' : 'NoTimestampType',
    headers,
  });
}
