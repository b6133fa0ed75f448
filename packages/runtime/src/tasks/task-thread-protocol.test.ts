import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, type ThreadRecord } from './task-thread-protocol.js';

const record = (over: Partial<ThreadRecord>): ThreadRecord => ({
  kept: true,
  topic: 't',
  kafkaPartition: null,
  timestamp: null,
  key: undefined,
  value: undefined,
  headers: new Map(),
  sourcePartition: null,
  sourceOffset: null,
  ...over,
});

describe('a task thread batch', () => {
  it('comes back field for field: absent and empty bytes apart, headers in order, unicode topics', () => {
    const partition = { server: 'ünïcode', db: 1 };
    const records = [
      record({
        topic: 'orders.ü',
        kafkaPartition: 3,
        timestamp: 1_700_000_000_123,
        key: Buffer.from('k1'),
        value: Buffer.from('{"a":1}'),
        headers: new Map([
          [Buffer.from('h1'), Buffer.from('v1')],
          [Buffer.from('h2'), Buffer.alloc(0)],
        ]),
        sourcePartition: partition,
        sourceOffset: { lsn: 42, snapshot: true, file: 'bin.000001' },
      }),
      record({ value: Buffer.alloc(0), sourcePartition: partition, sourceOffset: { lsn: 43 } }),
      record({ kept: false, topic: '', sourcePartition: null, sourceOffset: null }),
    ];
    const back = decodeBatch(encodeBatch(records), new Map());
    expect(back).toHaveLength(3);
    expect(back[0]).toMatchObject({
      kept: true,
      topic: 'orders.ü',
      kafkaPartition: 3,
      timestamp: 1_700_000_000_123,
      sourcePartition: partition,
      sourceOffset: { lsn: 42, snapshot: true, file: 'bin.000001' },
    });
    expect(back[0]!.key?.toString()).toBe('k1');
    expect(back[0]!.value?.toString()).toBe('{"a":1}');
    expect([...back[0]!.headers].map(([k, v]) => [k.toString(), v.toString()])).toEqual([
      ['h1', 'v1'],
      ['h2', ''],
    ]);
    expect(back[1]!.key).toBeUndefined();
    expect(back[1]!.value).toEqual(Buffer.alloc(0));
    expect(back[1]!.kafkaPartition).toBeNull();
    expect(back[1]!.timestamp).toBeNull();
    expect(back[2]).toMatchObject({ kept: false, sourcePartition: null, sourceOffset: null });
  });

  it('gives one object per source partition across batches, as an in-process task hands the same one', () => {
    const cache = new Map();
    const a = decodeBatch(
      encodeBatch([record({ sourcePartition: { f: 'x' } }), record({ sourcePartition: { f: 'x' } })]),
      cache,
    );
    const b = decodeBatch(encodeBatch([record({ sourcePartition: { f: 'x' } })]), cache);
    expect(a[0]!.sourcePartition).toBe(a[1]!.sourcePartition);
    expect(b[0]!.sourcePartition).toBe(a[0]!.sourcePartition);
  });

  it('is one transferable buffer that outlives the records it was made from', () => {
    const key = Buffer.from('key');
    const ab = encodeBatch([record({ key })]);
    key.fill(0);
    expect(ab).toBeInstanceOf(ArrayBuffer);
    expect(decodeBatch(ab, new Map())[0]!.key?.toString()).toBe('key');
  });
});
