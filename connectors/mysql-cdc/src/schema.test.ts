import { describe, expect, it } from 'vitest';
import { parseDateTimeMicros } from './schema.js';

/** An independent reading of the same text: the platform's UTC calendar plus the fraction's µs. */
function reference(y: number, mo: number, d: number, h: number, mi: number, s: number, micros = 0): bigint {
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d);
  at.setUTCHours(h, mi, s, 0);
  return BigInt(at.getTime()) * 1000n + BigInt(micros);
}

describe('parseDateTimeMicros', () => {
  it.each([
    ['2024-01-01 00:00:00', reference(2024, 1, 1, 0, 0, 0)],
    ['1970-01-01 00:00:00', 0n],
    ['1969-12-31 23:59:59.999999', -1n],
    ['2024-02-29 13:45:07.123', reference(2024, 2, 29, 13, 45, 7, 123_000)],
    ['2024-02-29T13:45:07.5', reference(2024, 2, 29, 13, 45, 7, 500_000)],
    ['1000-01-01 00:00:00.000001', reference(1000, 1, 1, 0, 0, 0, 1)],
    ['9999-12-31 23:59:59.999999', reference(9999, 12, 31, 23, 59, 59, 999_999)],
    // Past 2255 the µs no longer fit a double exactly: the result must still be exact.
    ['2300-06-15 12:00:00.000007', reference(2300, 6, 15, 12, 0, 0, 7)],
    // Shapes the fixed-layout reader leaves to the general one.
    ['2024-1-5 1:02:03', reference(2024, 1, 5, 1, 2, 3)],
    ['2024-00-00 10:00:00', reference(2024, 1, 1, 10, 0, 0)],
    ['2024-03-01 10:00:00.1234567', reference(2024, 3, 1, 10, 0, 0, 123_456)],
    ['2024-03-01', reference(2024, 3, 1, 0, 0, 0)],
  ])('%s', (text, micros) => {
    expect(parseDateTimeMicros(text)).toBe(micros);
  });

  it('reads the zero date as null, as Debezium emits it', () => {
    expect(parseDateTimeMicros('0000-00-00 00:00:00')).toBeNull();
    expect(parseDateTimeMicros('0000-00-00 00:00:00.000')).toBeNull();
  });

  it('agrees with the calendar on every day of four centuries, at several times of day', () => {
    const wrong: string[] = [];
    for (let t = Date.UTC(1900, 0, 1); t < Date.UTC(2300, 0, 1); t += 86_400_000 + 3_723_000) {
      const text = `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')}.000042`;
      if (parseDateTimeMicros(text) !== BigInt(t) * 1000n + 42n) wrong.push(text);
    }
    expect(wrong).toEqual([]);
  });
});
