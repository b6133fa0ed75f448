/**
 * Log sequence numbers are unsigned 64-bit WAL positions. They are kept as bigint everywhere so
 * positions past 2^53 stay exact; offsets store them as numbers, as Debezium's do (Java longs).
 */
export type Lsn = bigint;

/** Parses Postgres' textual form `16/B374D848`. */
export function parseLsn(text: string): Lsn {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) throw new Error(`Not an LSN: ${text}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** Formats as Postgres does (`16/B374D848`), for SQL and logs. */
export function formatLsn(lsn: Lsn): string {
  const hi = (lsn >> 32n) & 0xffffffffn;
  const lo = lsn & 0xffffffffn;
  return `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`;
}

/** An LSN from an offset value (number, bigint or numeric string); null when absent. */
export function lsnFromOffset(value: unknown): Lsn | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  return null;
}

/**
 * The offset form of an LSN: a JSON number like Debezium's Java long. Positions above 2^53 (8 PiB
 * of WAL) cannot be represented exactly by a JSON number in JavaScript; they are written as
 * strings, which lsnFromOffset reads back.
 */
export function lsnToOffset(lsn: Lsn): number | string {
  return lsn <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(lsn) : lsn.toString();
}

export function maxLsn(a: Lsn, b: Lsn): Lsn {
  return a > b ? a : b;
}

/** Microseconds between the Unix epoch and Postgres' epoch (2000-01-01T00:00:00Z). */
export const PG_EPOCH_OFFSET_MICROS = 946_684_800_000_000n;

/** Postgres timestamps on the wire (µs since 2000-01-01) → µs since the Unix epoch. */
export function pgMicrosToUnixMicros(pg: bigint): bigint {
  return pg + PG_EPOCH_OFFSET_MICROS;
}

export function unixMicrosToPgMicros(unix: bigint): bigint {
  return unix - PG_EPOCH_OFFSET_MICROS;
}
