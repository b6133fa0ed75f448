// The sink direction's conversion of a consumed record into a SinkRecord, one owner for the fast path
// (no error bookkeeping) and the path that runs each stage under errors.* (WorkerSinkTask).
import { type SchemaAndValue, Headers, SinkRecord } from '@tributary/api';
import type { RawRecord } from '../kafka/reader.js';
import type { Converters } from './worker-task.js';

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
