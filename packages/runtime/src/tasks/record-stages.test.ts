// The record stages of both directions without a broker: the transformation chain under errors.*, the
// source conversion to producer bytes and the sink conversion to SinkRecords, with fakes of our interfaces.
import {
  type ConfigDef,
  type ConnectRecord,
  type Converter,
  type HeaderConverter,
  type Predicate,
  RetriableException,
  type SchemaAndValue,
  SourceRecord,
  type Transformation,
} from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { TransformationChain, type TransformStage } from '../connector-config.js';
import {
  type ErrorReporter,
  type ProcessingContext,
  RetryWithToleranceOperator,
  ToleranceExceededError,
} from '../errors/tolerance.js';
import type { RawRecord } from '../kafka/reader.js';
import { convertAndTransform } from './sink-conversion.js';
import { transformAndConvert } from './source-conversion.js';
import type { Converters } from './worker-task.js';

const noConfig = (): ConfigDef => ({}) as ConfigDef;

/** A transform from a function of the record. */
function transform(fn: (r: ConnectRecord) => ConnectRecord | null): Transformation {
  return {
    configure() {},
    config: noConfig,
    apply<R extends ConnectRecord>(r: R): R | null {
      return fn(r) as R | null;
    },
  };
}

function stage(alias: string, t: Transformation, predicate: Predicate | null = null, negate = false): TransformStage {
  return { alias, className: `test.${alias}`, transform: t, predicate, negate };
}

const upper = transform((r) => r.newRecord({ value: String(r.value).toUpperCase() }));
const suffix = transform((r) => r.newRecord({ value: `${String(r.value)}!` }));

class Reports implements ErrorReporter {
  readonly seen: ProcessingContext[] = [];
  async report(ctx: ProcessingContext): Promise<void> {
    this.seen.push(ctx);
  }
}

function operator(tolerance: 'none' | 'all', reports = new Reports(), retryTimeout = 0): RetryWithToleranceOperator {
  return new RetryWithToleranceOperator(
    {
      'errors.retry.timeout': retryTimeout,
      'errors.retry.delay.max.ms': 5,
      'errors.tolerance': tolerance,
      'errors.log.enable': false,
      'errors.log.include.messages': false,
    },
    [reports],
  );
}

const source = (value: string, offset = 1): SourceRecord =>
  new SourceRecord({
    topic: 't',
    value,
    key: value,
    sourcePartition: { file: 'f' },
    sourceOffset: { position: offset },
  });

/** UTF-8 text both ways; throws for the values named in `refuse`. */
function textConverter(refuse: readonly string[] = []): Converter {
  return {
    configure() {},
    fromConnectData(_topic, _headers, _schema, value) {
      if (refuse.includes(String(value))) throw new Error(`cannot write ${String(value)}`);
      return value === null ? null : Buffer.from(String(value));
    },
    toConnectData(_topic, _headers, value): SchemaAndValue {
      const text = value === null ? null : Buffer.from(value).toString();
      if (text !== null && refuse.includes(text)) throw new Error(`cannot read ${text}`);
      return { schema: null, value: text };
    },
  };
}

const textHeaders: HeaderConverter = {
  configure() {},
  fromConnectHeader: (_t, _k, _s, v) => (v === null ? null : Buffer.from(String(v))),
  toConnectHeader: (_t, _k, v) => ({ schema: null, value: v === null ? null : Buffer.from(v).toString() }),
};

function converters(key: Converter, value: Converter): Converters {
  return {
    key,
    value,
    header: textHeaders,
    keyClass: 'test.Key',
    valueClass: 'test.Value',
    headerClass: 'test.Header',
  };
}

describe('TransformationChain.apply', () => {
  it('runs the stages in order and stays synchronous while they succeed', () => {
    const chain = new TransformationChain([stage('upper', upper), stage('suffix', suffix)]);
    const out = chain.apply(source('a'), operator('none'), {});
    expect(out).not.toBeInstanceOf(Promise);
    expect((out as SourceRecord).value).toBe('A!');
  });

  it('applies a stage only where its predicate (or its negation) holds', () => {
    const isB: Predicate = { configure() {}, config: noConfig, test: (r) => r.key === 'b' };
    const chain = new TransformationChain([stage('upper', upper, isB), stage('suffix', suffix, isB, true)]);
    const op = operator('none');
    expect((chain.apply(source('a'), op, {}) as SourceRecord).value).toBe('a!');
    expect((chain.apply(source('b'), op, {}) as SourceRecord).value).toBe('B');
  });

  it('drops a record a stage returns null for, and runs no later stage', () => {
    let later = 0;
    const chain = new TransformationChain([
      stage(
        'drop',
        transform(() => null),
      ),
      stage(
        'count',
        transform((r) => {
          later++;
          return r;
        }),
      ),
    ]);
    expect(chain.apply(source('a'), operator('none'), {})).toBeNull();
    expect(later).toBe(0);
  });

  it('with errors.tolerance=all, skips the failing record and reports its stage, class and record', async () => {
    const reports = new Reports();
    const boom = transform(() => {
      throw new Error('no');
    });
    const chain = new TransformationChain([stage('upper', upper), stage('boom', boom)]);
    const ctx = { sourceRecord: { topic: 't', partition: null, key: 'k', value: 'a' } };
    expect(await chain.apply(source('a'), operator('all', reports), ctx)).toBeNull();
    expect(reports.seen).toHaveLength(1);
    expect(reports.seen[0]).toMatchObject({
      stage: 'TRANSFORMATION',
      className: 'test.boom',
      sourceRecord: ctx.sourceRecord,
    });
    expect(reports.seen[0]!.error.message).toBe('no');
  });

  it('with errors.tolerance=none, fails with the stage error as the cause', async () => {
    const chain = new TransformationChain([
      stage(
        'boom',
        transform(() => {
          throw new Error('no');
        }),
      ),
    ]);
    const err = await Promise.resolve(chain.apply(source('a'), operator('none'), {})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToleranceExceededError);
    expect(((err as Error).cause as Error).message).toBe('no');
  });

  it('retries a retriable failure and runs the remaining stages on the record it finally returns', async () => {
    let calls = 0;
    const flaky = transform((r) => {
      if (++calls < 3) throw new RetriableException('not yet');
      return r.newRecord({ value: `${String(r.value)}-ok` });
    });
    const chain = new TransformationChain([stage('flaky', flaky), stage('suffix', suffix)]);
    const out = chain.apply(source('a'), operator('none', new Reports(), 5_000), {});
    expect(out).toBeInstanceOf(Promise);
    expect(((await out) as SourceRecord).value).toBe('a-ok!');
    expect(calls).toBe(3);
  });
});

describe('transformAndConvert (source)', () => {
  it('converts each record to bytes in order, null where a converter failure was tolerated', async () => {
    const reports = new Reports();
    const chain = new TransformationChain([stage('upper', upper)]);
    const records = [source('a', 1), source('b', 2), source('c', 3)];
    records[0]!.headers.add('h', 'v', null);
    const out = await transformAndConvert(
      records,
      converters(textConverter(), textConverter(['B'])),
      chain,
      operator('all', reports),
    );
    expect(out.map((c) => c?.value?.toString() ?? null)).toEqual(['A', null, 'C']);
    expect(out[0]!.key?.toString()).toBe('a');
    expect([...out[0]!.headers].map(([k, v]) => [k.toString(), v.toString()])).toEqual([['h', 'v']]);
    // key 1 B + value 1 B + header key 1 B + header value 1 B
    expect(out[0]!.bytes).toBe(4);
    expect(out[0]!.record.value).toBe('A');
    expect(reports.seen.map((r) => [r.stage, r.className, r.sourceRecord?.value])).toEqual([
      ['VALUE_CONVERTER', 'test.Value', 'b'],
    ]);
  });

  it('fails on a converter error when nothing is tolerated', async () => {
    const err = await transformAndConvert(
      [source('a')],
      converters(textConverter(['a']), textConverter()),
      TransformationChain.empty(),
      operator('none'),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToleranceExceededError);
  });
});

describe('convertAndTransform (sink)', () => {
  const raw = (value: string, offset: number): RawRecord => ({
    topic: 't',
    partition: 0,
    offset,
    timestamp: 1_700_000_000_000,
    key: Buffer.from(`k${offset}`),
    value: Buffer.from(value),
    headers: [['h', Buffer.from('v')]],
  });

  it('builds SinkRecords with headers, leaves out what errors.* skipped and reports the consumed record', async () => {
    const reports = new Reports();
    const chain = new TransformationChain([stage('suffix', suffix)]);
    const input = [raw('a', 10), raw('bad', 11), raw('c', 12)];
    const out = await convertAndTransform(
      input,
      converters(textConverter(), textConverter(['bad'])),
      chain,
      operator('all', reports),
    );
    expect(out.map((r) => [r.kafkaOffset, r.key, r.value, r.timestamp])).toEqual([
      [10, 'k10', 'a!', 1_700_000_000_000],
      [12, 'k12', 'c!', 1_700_000_000_000],
    ]);
    expect([...out[0]!.headers].map((h) => [h.key, h.value])).toEqual([['h', 'v']]);
    expect(reports.seen.map((r) => [r.stage, r.consumed?.offset])).toEqual([['VALUE_CONVERTER', 11]]);
  });

  it('keeps the record a transform returns once a retry succeeds, in order', async () => {
    let calls = 0;
    const flaky = transform((r) => {
      if (r.value === 'b' && ++calls < 2) throw new RetriableException('not yet');
      return r;
    });
    const out = await convertAndTransform(
      [raw('a', 0), raw('b', 1), raw('c', 2)],
      converters(textConverter(), textConverter()),
      new TransformationChain([stage('flaky', flaky)]),
      operator('none', new Reports(), 5_000),
    );
    expect(out.map((r) => r.value)).toEqual(['a', 'b', 'c']);
  });
});
