/** The source direction's record stages: transforms → key, value and header converters → producer bytes, each under errors.* (AbstractWorkerSourceTask.convertTransformedRecord). */
import type { Headers, SourceRecord } from '@tributary/api';
import type { TransformationChain } from '../connector-config.js';
import type { RecordContext, RetryWithToleranceOperator } from '../errors/tolerance.js';
import type { Converters } from './worker-task.js';

/** A polled record after its transforms, in the bytes the producer sends. */
export interface ConvertedSourceRecord {
  /** The record as transformed (its topic, partition and timestamp decide where it goes). */
  readonly record: SourceRecord;
  readonly key: Buffer | undefined;
  readonly value: Buffer | undefined;
  readonly headers: Map<Buffer, Buffer>;
  /** Bytes of key, value and headers: what the producer holds for it until acknowledged. */
  readonly bytes: number;
}

/**
 * Transforms and converts each polled record, in order: null where a transform dropped the record or
 * errors.* tolerated a failure (already reported). Each operator call is synchronous unless its stage
 * failed, so a batch without failures costs one promise, not one per record.
 */
export async function transformAndConvert(
  records: readonly SourceRecord[],
  c: Converters,
  chain: TransformationChain,
  tolerance: RetryWithToleranceOperator,
): Promise<Array<ConvertedSourceRecord | null>> {
  const out: Array<ConvertedSourceRecord | null> = [];
  for (const original of records) {
    const ctx: RecordContext = {
      sourceRecord: {
        topic: original.topic,
        partition: original.kafkaPartition,
        key: original.key,
        value: original.value,
      },
    };
    let transformed = chain.apply(original, tolerance, ctx);
    if (transformed instanceof Promise) transformed = await transformed;
    if (!transformed) {
      out.push(null);
      continue;
    }
    const rec = transformed;
    let key = tolerance.execute(
      'KEY_CONVERTER',
      c.keyClass,
      () => c.key.fromConnectData(rec.topic, rec.headers, rec.keySchema, rec.key),
      ctx,
    );
    if (key instanceof Promise) key = await key;
    if (!key.ok) {
      out.push(null);
      continue;
    }
    let value = tolerance.execute(
      'VALUE_CONVERTER',
      c.valueClass,
      () => c.value.fromConnectData(rec.topic, rec.headers, rec.valueSchema, rec.value),
      ctx,
    );
    if (value instanceof Promise) value = await value;
    if (!value.ok) {
      out.push(null);
      continue;
    }
    let headers = tolerance.execute(
      'HEADER_CONVERTER',
      c.headerClass,
      () => headerBytes(c, rec.topic, rec.headers),
      ctx,
    );
    if (headers instanceof Promise) headers = await headers;
    if (!headers.ok) {
      out.push(null);
      continue;
    }
    const keyBuf = toBuffer(key.value);
    const valueBuf = toBuffer(value.value);
    let bytes = (keyBuf?.length ?? 0) + (valueBuf?.length ?? 0);
    if (headers.value.size > 0) for (const [k, v] of headers.value) bytes += k.length + v.length;
    out.push({ record: rec, key: keyBuf, value: valueBuf, headers: headers.value, bytes });
  }
  return out;
}

/**
 * The header map of every record without headers, shared instead of one per record: nothing adds to
 * a record's map once it is made.
 */
export const NO_HEADERS: Map<Buffer, Buffer> = new Map();

/** HEADER_CONVERTER: Connect headers as the producer's header map. */
export function headerBytes(c: Converters, topic: string, headers: Headers): Map<Buffer, Buffer> {
  if (headers.size === 0) return NO_HEADERS;
  const out = new Map<Buffer, Buffer>();
  for (const h of headers) {
    const bytes = c.header.fromConnectHeader(topic, h.key, h.schema, h.value);
    // A null header value cannot be carried by the producer's map form; Kafka keeps key-only headers as empty.
    out.set(Buffer.from(h.key), bytes ? toBuffer(bytes)! : Buffer.alloc(0));
  }
  return out;
}

function toBuffer(b: Uint8Array | null): Buffer | undefined {
  return b === null ? undefined : Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
