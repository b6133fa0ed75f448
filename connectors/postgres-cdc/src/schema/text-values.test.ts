import { describe, expect, it } from 'vitest';
import {
  bitsToBytes,
  civilFromDays,
  daysFromCivil,
  exactDecimalOfDouble,
  intervalIsoString,
  intervalMicros,
  isoInstantUtc,
  isoTimeUtc,
  moneyToDecimalText,
  parseArrayLiteral,
  parseByteaHex,
  parseDateDays,
  parseHstore,
  parseIsoInterval,
  parsePoint,
  parseTimeMicros,
  parseTimestampMicros,
  parseTimestampTzMicros,
  parseTimeTzUtcMicros,
  wkbPoint,
} from './text-values.js';

describe('dates and times', () => {
  it('counts days like the proleptic Gregorian calendar, BC included', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(11017);
    expect(civilFromDays(11017)).toEqual({ year: 2000, month: 3, day: 1 });
    expect(parseDateDays('2024-02-29')).toBe(19782);
    expect(parseDateDays('0001-01-01 BC')).toBe(daysFromCivil(0, 1, 1));
    expect(parseDateDays('infinity')).toBe('infinity');
    expect(() => parseDateDays('01/02/2024')).toThrow(/Not a date/);
  });

  it('parses times, timestamps and timestamptz to micros', () => {
    expect(parseTimeMicros('13:45:30.123456')).toBe(49_530_123_456);
    expect(parseTimeMicros('00:00:00.5')).toBe(500_000);
    expect(parseTimeMicros('24:00:00')).toBe(86_400_000_000);
    expect(parseTimestampMicros('2018-06-20 15:13:16.945104')).toBe(1529507596945104n);
    expect(parseTimestampMicros('1969-12-31 23:59:59.999999')).toBe(-1n);
    expect(parseTimestampMicros('-infinity')).toBe('-infinity');
    expect(parseTimestampTzMicros('2018-06-20 17:13:16.945104+02')).toBe(1529507596945104n);
    expect(parseTimestampTzMicros('2018-06-20 15:13:16+00')).toBe(1529507596000000n);
    expect(parseTimestampTzMicros('2018-06-20 10:43:16-04:30')).toBe(1529507596000000n);
  });

  it('renders instants and UTC times as Java ISO formatters do', () => {
    expect(isoInstantUtc(1529507596945104n)).toBe('2018-06-20T15:13:16.945104Z');
    expect(isoInstantUtc(1529507596900000n)).toBe('2018-06-20T15:13:16.9Z');
    expect(isoInstantUtc(0n)).toBe('1970-01-01T00:00:00Z');
    expect(isoInstantUtc(-1n)).toBe('1969-12-31T23:59:59.999999Z');
    expect(isoInstantUtc(BigInt(daysFromCivil(12000, 1, 1)) * 86_400_000_000n)).toBe('+12000-01-01T00:00:00Z');
    expect(isoTimeUtc(parseTimeTzUtcMicros('10:15:30.25+02'))).toBe('08:15:30.25Z');
    expect(isoTimeUtc(parseTimeTzUtcMicros('01:00:00+03'))).toBe('22:00:00Z');
  });
});

describe('intervals', () => {
  it('parses ISO 8601 interval output', () => {
    expect(parseIsoInterval('P1Y2M3DT4H5M6.78S')).toEqual({
      years: 1,
      months: 2,
      days: 3,
      hours: 4,
      minutes: 5,
      wholeSeconds: 6,
      micros: 780000,
    });
    expect(parseIsoInterval('P-1Y-2M3DT-4H-5M-6.5S')).toMatchObject({
      years: -1,
      months: -2,
      days: 3,
      hours: -4,
      minutes: -5,
      wholeSeconds: -6,
      micros: -500000,
    });
    expect(parseIsoInterval('PT0S')).toMatchObject({ years: 0, wholeSeconds: 0, micros: 0 });
  });

  it("computes MicroDuration with Debezium's 365.25/12 days per month", () => {
    expect(intervalMicros(parseIsoInterval('P1D'))).toBe(86_400_000_000);
    expect(intervalMicros(parseIsoInterval('P1M'))).toBe(2_629_800_000_000);
    expect(intervalMicros(parseIsoInterval('P1Y2M3DT4H5M6.78S'))).toBe(37_091_106_780_000);
  });

  it('renders Interval strings with BigDecimal(double) seconds', () => {
    expect(intervalIsoString(parseIsoInterval('P1Y2M3DT4H5M6.78S'))).toBe('P1Y2M3DT4H5M6.78S');
    expect(intervalIsoString(parseIsoInterval('PT0.3S'))).toBe('P0Y0M0DT0H0M0.299999999S');
    expect(intervalIsoString(parseIsoInterval('PT0S'))).toBe('P0Y0M0DT0H0M0S');
    expect(exactDecimalOfDouble(0.5)).toEqual([5n, 1]);
    expect(exactDecimalOfDouble(6)).toEqual([6n, 0]);
    expect(exactDecimalOfDouble(-0.25)).toEqual([-25n, 2]);
  });
});

describe('other text forms', () => {
  it('decodes hex bytea and bit strings (little-endian, minimal length)', () => {
    expect([...parseByteaHex('\\x00ff10')]).toEqual([0, 255, 16]);
    expect(() => parseByteaHex('abc')).toThrow(/hex/);
    expect([...bitsToBytes('101')]).toEqual([5]);
    expect([...bitsToBytes('100000000')]).toEqual([0, 1]);
    expect([...bitsToBytes('000')]).toEqual([]);
  });

  it('parses array literals with quoting, NULLs and nesting', () => {
    expect(parseArrayLiteral('{1,2,NULL}')).toEqual(['1', '2', null]);
    expect(parseArrayLiteral('{"a b","c\\"d","NULL",e}')).toEqual(['a b', 'c"d', 'NULL', 'e']);
    expect(parseArrayLiteral('{{1,2},{3,4}}')).toEqual(['1', '2', '3', '4']);
    expect(parseArrayLiteral('[0:1]={7,8}')).toEqual(['7', '8']);
    expect(parseArrayLiteral('{}')).toEqual([]);
    expect(parseArrayLiteral('{(1\\,2);(3\\,4)}', ';')).toEqual(['(1,2)', '(3,4)']);
  });

  it('parses hstore, points and money', () => {
    expect(parseHstore('"a"=>"1", "b c"=>NULL, "q\\""=>"x"')).toEqual([
      ['a', '1'],
      ['b c', null],
      ['q"', 'x'],
    ]);
    expect(parsePoint('(1.5,-2)')).toEqual({ x: 1.5, y: -2 });
    expect(wkbPoint(1, 2).length).toBe(21);
    expect(moneyToDecimalText('$1,234.56')).toBe('1234.56');
    expect(moneyToDecimalText('-$1.00')).toBe('-1.00');
  });
});
