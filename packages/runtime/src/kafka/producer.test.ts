import { describe, expect, it } from 'vitest';
import { murmur2 } from './murmur2.js';
import { javaPartition, javaPartitioner } from './producer.js';

describe('javaPartition', () => {
  // Java: Utils.toPositive(Utils.murmur2(key)) % n. '21' hashes to -973932308 (Kafka's UtilsTest).
  it('places a key whose hash is negative as the Java client does, not as `>>> 0` would', () => {
    const key = Buffer.from('21');
    expect(murmur2(key)).toBe(-973932308);
    expect(javaPartition(key, 25)).toBe((-973932308 & 0x7fffffff) % 25);
    expect(javaPartition(key, 25)).toBe(15);
    expect((-973932308 >>> 0) % 25).toBe(13); // where the client's default would put it
  });

  it('is the client partitioner too: the client takes its result modulo the partition count', () => {
    for (const k of ['21', 'foobar', '["conn",{"filename":"test.txt"}]', 'status-task-c-0']) {
      const key = Buffer.from(k);
      for (const n of [1, 5, 25]) expect(javaPartitioner(undefined, key) % n).toBe(javaPartition(key, n));
    }
  });

  it('hashes a megabyte key in milliseconds (the client hashes on BigInts)', () => {
    const key = Buffer.alloc(1 << 20, 7);
    const start = performance.now();
    javaPartition(key, 25);
    // Not a benchmark: a bound far above the cost, far below the client's (seconds for 128 KB).
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('spreads records without a key round-robin', () => {
    const seen = new Set(Array.from({ length: 5 }, () => javaPartitioner(undefined, undefined) % 5));
    expect(seen.size).toBe(5);
  });
});
