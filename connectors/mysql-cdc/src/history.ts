// Debezium's schema history: each DDL with the binlog position it ran at, replayed at start up to the stored offset.
import { OffsetKeys } from './offsets.js';
import {
  type TableChange,
  tableChangeFromJson,
  type TableChangeJson,
  tableChangeJson,
  type Tables,
} from './table-def.js';

/** Where the history is kept (the Kafka topic; a fake in unit tests). Values are the records' JSON text. */
export interface HistoryStore {
  read(): Promise<string[]>;
  append(values: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** One record, field for field as Debezium's HistoryRecord writes it. */
export interface HistoryRecord {
  source: { server: string };
  /** The connector offset when the statement was seen (file, pos, gtids, event, row, snapshot …). */
  position: Record<string, unknown>;
  ts_ms: number;
  databaseName: string;
  schemaName?: string;
  ddl: string;
  tableChanges: TableChangeJson[];
}

export function historyRecord(
  server: string,
  position: Record<string, unknown>,
  databaseName: string,
  ddl: string,
  changes: readonly TableChange[],
): HistoryRecord {
  return {
    source: { server },
    position: { ...position },
    ts_ms: Date.now(),
    databaseName,
    ddl,
    tableChanges: changes.map(tableChangeJson),
  };
}

/** The last sequence number per domain of a MariaDB GTID position (`0-1-5,1-2-9`), or null for a MySQL set. */
function mariaDbDomains(gtids: string): Map<string, bigint> | null {
  const out = new Map<string, bigint>();
  for (const part of gtids
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
    if (!m) return null;
    out.set(m[1]!, BigInt(m[3]!));
  }
  return out;
}

/** MySQL GTID set (`uuid:1-5:7,uuid2:1-3`) as intervals per server uuid. */
function mysqlSet(gtids: string): Map<string, Array<[bigint, bigint]>> {
  const out = new Map<string, Array<[bigint, bigint]>>();
  for (const part of gtids
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [uuid, ...ranges] = part.split(':');
    const list = out.get(uuid!.toLowerCase()) ?? [];
    for (const r of ranges) {
      const [a, b] = r.split('-');
      list.push([BigInt(a!), BigInt(b ?? a!)]);
    }
    out.set(uuid!.toLowerCase(), list);
  }
  return out;
}

function gtidsContained(recorded: string, desired: string): boolean {
  const a = mariaDbDomains(recorded);
  const b = mariaDbDomains(desired);
  if (a && b) {
    for (const [domain, seq] of a) if ((b.get(domain) ?? -1n) < seq) return false;
    return true;
  }
  const sa = mysqlSet(recorded);
  const sb = mysqlSet(desired);
  for (const [uuid, ranges] of sa) {
    const have = sb.get(uuid) ?? [];
    for (const [lo, hi] of ranges) if (!have.some(([x, y]) => x <= lo && hi <= y)) return false;
  }
  return true;
}

const num = (v: unknown): number =>
  typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : 0;

/** Binlog file names order by their numeric extension (mysql-bin.000009 < mysql-bin.000010). */
function compareFiles(a: string, b: string): number {
  const na = /\.(\d+)$/.exec(a)?.[1];
  const nb = /\.(\d+)$/.exec(b)?.[1];
  if (na && nb && a.slice(0, -na.length) === b.slice(0, -nb.length)) return Number(na) - Number(nb);
  return a.localeCompare(b);
}

/**
 * Whether a record's position is at or before an offset (Debezium's BinlogHistoryRecordComparator): by GTID
 * set when both have one (the same set: by events, then rows to skip), else by binlog file, position, events
 * and rows.
 */
export function isPositionAtOrBefore(recorded: Record<string, unknown>, desired: Record<string, unknown>): boolean {
  const rg = typeof recorded[OffsetKeys.GTIDS] === 'string' ? (recorded[OffsetKeys.GTIDS] as string) : null;
  const dg = typeof desired[OffsetKeys.GTIDS] === 'string' ? (desired[OffsetKeys.GTIDS] as string) : null;
  const byEventsAndRows = (): boolean => {
    const re = num(recorded[OffsetKeys.EVENT]);
    const de = num(desired[OffsetKeys.EVENT]);
    if (re !== de) return re < de;
    return num(recorded[OffsetKeys.ROW]) <= num(desired[OffsetKeys.ROW]);
  };
  if (rg && dg) {
    if (rg === dg) return byEventsAndRows();
    return gtidsContained(rg, dg);
  }
  const fileDiff = compareFiles(String(recorded[OffsetKeys.FILE] ?? ''), String(desired[OffsetKeys.FILE] ?? ''));
  if (fileDiff !== 0) return fileDiff < 0;
  const rp = num(recorded[OffsetKeys.POS]);
  const dp = num(desired[OffsetKeys.POS]);
  if (rp !== dp) return rp < dp;
  return byEventsAndRows();
}

/** What recover() found. */
export interface Recovery {
  /** Records read from the store. */
  records: number;
  /** Records applied (at or before the offset). */
  applied: number;
  /** Records that could not be read (not JSON, no position). */
  unreadable: number;
}

/**
 * The schema history of one connector: records what each DDL did to the tables and, at start, rebuilds the
 * tables as they were at the stored offset. Records carry tableChanges, so recovery reads those (as Debezium
 * does) and never has to parse old DDL again; a record without tableChanges (Debezium 1.x) is skipped.
 */
export class SchemaHistory {
  readonly #store: HistoryStore;
  readonly #server: string;
  #count = 0;

  constructor(store: HistoryStore, server: string) {
    this.#store = store;
    this.#server = server;
  }

  /** Records in the store when recover() ran plus those recorded since (0: nothing was ever recorded). */
  get size(): number {
    return this.#count;
  }

  /** Rebuilds `tables` from the records at or before `offset` (all of them when offset is null). */
  async recover(tables: Tables, offset: Record<string, unknown> | null): Promise<Recovery> {
    const values = await this.#store.read();
    const out: Recovery = { records: values.length, applied: 0, unreadable: 0 };
    this.#count = values.length;
    for (const v of values) {
      let r: Partial<HistoryRecord>;
      try {
        r = JSON.parse(v) as Partial<HistoryRecord>;
      } catch {
        out.unreadable++;
        continue;
      }
      if (!r.position || typeof r.position !== 'object') {
        out.unreadable++;
        continue;
      }
      // Another connector's records in a shared topic are not ours to replay.
      if (r.source?.server !== undefined && r.source.server !== this.#server) continue;
      if (offset && !isPositionAtOrBefore(r.position, offset)) continue;
      const changes = (r.tableChanges ?? []).map(tableChangeFromJson).filter((c): c is TableChange => c !== null);
      tables.apply(changes);
      out.applied++;
    }
    return out;
  }

  async record(records: readonly HistoryRecord[]): Promise<void> {
    await this.#store.append(records.map((r) => JSON.stringify(r)));
    this.#count += records.length;
  }

  async close(): Promise<void> {
    await this.#store.close();
  }
}
