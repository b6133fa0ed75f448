import { describe, expect, it } from 'vitest';
import type { RawRecord } from '../kafka/reader.js';
import { MetricsHistory } from '../metrics-history.js';
import { originOf } from './dlq-replay.js';

const record = (headers: Array<[string, string]>): RawRecord => ({
  topic: 'dlq',
  partition: 0,
  offset: 3,
  timestamp: 1,
  key: null,
  value: Buffer.from('x'),
  headers: headers.map(([k, v]) => [k, Buffer.from(v)]),
});

describe('originOf', () => {
  it("reads the original topic and partition from Kafka Connect's DLQ context headers", () => {
    expect(
      originOf(
        record([
          ['trace', 'a'],
          ['__connect.errors.topic', 'orders'],
          ['__connect.errors.partition', '4'],
        ]),
      ),
    ).toEqual({ topic: 'orders', partition: 4 });
  });

  it('knows no origin without both headers or with a partition that is not a number', () => {
    expect(originOf(record([['__connect.errors.topic', 'orders']]))).toBeNull();
    expect(originOf(record([['__connect.errors.partition', '1']]))).toBeNull();
    expect(
      originOf(
        record([
          ['__connect.errors.topic', 'orders'],
          ['__connect.errors.partition', 'x'],
        ]),
      ),
    ).toBeNull();
  });
});

describe('MetricsHistory', () => {
  it('keeps the newest samples up to its capacity and answers those after a time', async () => {
    const history = new MetricsHistory(() => [], { intervalMs: 10, capacity: 3 });
    for (let i = 0; i < 5; i++) {
      await history.sample();
      await new Promise((r) => setTimeout(r, 2));
    }
    const all = history.samples();
    expect(all).toHaveLength(3);
    expect(history.samples(all[0]!.at).length).toBeLessThanOrEqual(2);
    expect(all.every((s) => s.tasks.length === 0)).toBe(true);
  });
});
