import { describe, expect, it } from 'vitest';
import { murmur2 } from './murmur2.js';

describe('murmur2', () => {
  // Expected values from Kafka's UtilsTest.testMurmur2 (Java client).
  it('matches the Java client', () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ];
    for (const [s, want] of cases) expect(murmur2(Buffer.from(s))).toBe(want);
    expect(murmur2(Uint8Array.from([97, 98, 99]))).toBe(479470107);
  });
});
