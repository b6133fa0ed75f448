/** Debezium's incremental snapshots: tables read in key-ordered chunks between signal-table watermarks while streaming goes on, progress kept in offsets. */
import { randomUUID } from 'node:crypto';
import { type Logger, type SourceOffset, Struct } from '@tributary/api';
import type { PostgresConfig } from './config.js';
import { quoteIdent } from './connection.js';
import type { Filters } from './filters.js';
import { regexList } from './regex-list.js';
import { parseTableId, type TableId, tableIdString } from './table-id.js';

export { parseTableId } from './table-id.js';
import type { TableModel } from './tables.js';

/**
 * Debezium's offset keys for a running incremental snapshot (AbstractIncrementalSnapshotContext).
 * The key positions are stored as a JSON array of the key columns' text values; Debezium stores
 * a hex dump of a Java-serialized Object[] there, which cannot be read back outside a JVM: such
 * an offset restarts the current table's incremental snapshot from its first row.
 */
export const IncrementalOffsetKeys = {
  COLLECTIONS: 'incremental_snapshot_collections',
  PRIMARY_KEY: 'incremental_snapshot_primary_key',
  MAXIMUM_KEY: 'incremental_snapshot_maximum_key',
  CORRELATION_ID: 'incremental_snapshot_correlation_id',
} as const;

const COLLECTION_ID = 'incremental_snapshot_collections_id';
const COLLECTION_CONDITION = 'incremental_snapshot_collections_additional_condition';
const COLLECTION_SURROGATE_KEY = 'incremental_snapshot_collections_surrogate_key';

export interface SnapshotCollection {
  /** schema.table */
  id: string;
  /** An SQL condition rows must meet (execute-snapshot's additional-conditions). */
  condition: string | null;
  /** Column to chunk by instead of the primary key. */
  surrogateKey: string | null;
}

/** What the offsets carry while an incremental snapshot runs. */
export interface IncrementalState {
  /** Tables still to snapshot; the first is the one in progress. */
  collections: SnapshotCollection[];
  /** Key (text values) of the last row delivered of collections[0]; null: from its first row. */
  lastKey: string[] | null;
  /** Largest key of collections[0] when its snapshot started; rows above it are new and streamed anyway. */
  maxKey: string[] | null;
  correlationId: string | null;
}

export function emptyIncrementalState(): IncrementalState {
  return { collections: [], lastKey: null, maxKey: null, correlationId: null };
}

/** The offset fields for a state (none when no incremental snapshot is running). */
export function incrementalOffsetFields(s: IncrementalState): Record<string, unknown> {
  if (s.collections.length === 0) return {};
  const out: Record<string, unknown> = {
    [IncrementalOffsetKeys.COLLECTIONS]: JSON.stringify(
      s.collections.map((c) => ({
        [COLLECTION_ID]: c.id,
        [COLLECTION_CONDITION]: c.condition,
        [COLLECTION_SURROGATE_KEY]: c.surrogateKey,
      })),
    ),
  };
  if (s.lastKey) out[IncrementalOffsetKeys.PRIMARY_KEY] = JSON.stringify(s.lastKey);
  if (s.maxKey) out[IncrementalOffsetKeys.MAXIMUM_KEY] = JSON.stringify(s.maxKey);
  if (s.correlationId) out[IncrementalOffsetKeys.CORRELATION_ID] = s.correlationId;
  return out;
}

function keyTexts(v: unknown): string[] | null | 'unreadable' {
  if (typeof v !== 'string' || v === '') return null;
  if (!v.startsWith('[')) return 'unreadable';
  try {
    const parsed: unknown = JSON.parse(v);
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed as string[];
  } catch {
    // falls through
  }
  return 'unreadable';
}

/** Reads an incremental snapshot's state from a stored offset (ours or Debezium's); null when none runs. */
export function loadIncrementalState(o: SourceOffset): { state: IncrementalState; restartedTable: boolean } | null {
  const raw = o[IncrementalOffsetKeys.COLLECTIONS];
  if (typeof raw !== 'string' || raw === '') return null;
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(list)) return null;
  const collections: SnapshotCollection[] = [];
  for (const e of list) {
    if (typeof e !== 'object' || e === null) continue;
    const r = e as Record<string, unknown>;
    const id = r[COLLECTION_ID];
    if (typeof id !== 'string') continue;
    const condition = r[COLLECTION_CONDITION];
    const surrogate = r[COLLECTION_SURROGATE_KEY];
    collections.push({
      id,
      condition: typeof condition === 'string' && condition !== '' ? condition : null,
      surrogateKey: typeof surrogate === 'string' && surrogate !== '' ? surrogate : null,
    });
  }
  if (collections.length === 0) return null;
  const last = keyTexts(o[IncrementalOffsetKeys.PRIMARY_KEY]);
  const max = keyTexts(o[IncrementalOffsetKeys.MAXIMUM_KEY]);
  const unreadable = last === 'unreadable' || max === 'unreadable';
  const corr = o[IncrementalOffsetKeys.CORRELATION_ID];
  return {
    state: {
      collections,
      lastKey: unreadable ? null : (last as string[] | null),
      maxKey: unreadable ? null : (max as string[] | null),
      correlationId: typeof corr === 'string' ? corr : null,
    },
    restartedTable: unreadable,
  };
}

/** A stable text for a record key, equal for equal keys whether they came from the stream or a chunk query. */
export function keyIdentity(v: unknown): string {
  if (v === null || v === undefined) return '~';
  switch (typeof v) {
    case 'bigint':
      return `${v}n`;
    case 'number':
    case 'boolean':
      return String(v);
    case 'string':
      return JSON.stringify(v);
    default:
      break;
  }
  if (v instanceof Struct) return `{${v.schema.fields.map((f) => keyIdentity(v.get(f.name))).join(',')}}`;
  if (v instanceof Uint8Array) return `x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  if (v instanceof Date) return `t${v.getTime()}`;
  if (Array.isArray(v)) return `[${v.map(keyIdentity).join(',')}]`;
  if (v instanceof Map) return `<${[...v].map(([k, x]) => `${keyIdentity(k)}:${keyIdentity(x)}`).join(',')}>`;
  return String(v);
}

/** A row of the signal table as the stream delivered it (its first three columns: id, type, data). */
export interface Signal {
  id: string;
  type: string;
  data: string | null;
}

/** SQL the snapshotter runs on the connector's regular connection (autocommit). */
export interface IncrementalSql {
  /** Rows as the server's text output (null for SQL NULL), column order as selected. */
  textRows(sql: string, values: readonly string[]): Promise<Array<Array<string | null>>>;
  execute(sql: string, values: readonly string[]): Promise<void>;
  /** Tables in the database (ordinary and partitioned, outside system schemas). */
  tables(): Promise<TableId[]>;
  /** `format_type` of each named column of a table, and the table's first column (the signal id). */
  columnTypes(table: TableId): Promise<Array<{ name: string; type: string }>>;
}

export interface IncrementalDeps {
  config: PostgresConfig;
  filters: Filters;
  logger: Logger;
  sql: IncrementalSql;
  /** The current model of a table (the stream's when it has one), or null when the table is gone. */
  modelFor(table: TableId): Promise<TableModel | null>;
}

/**
 * The MVCC snapshot a chunk was read with (`txid_current_snapshot()`): which transactions its rows include.
 * Postgres writes a commit record to the WAL before the transaction becomes visible, so a transaction can come before
 * the opening watermark in the stream and still be invisible to the chunk's SELECT (seen under load: a row's streamed
 * update, then the chunk's older copy of the row). The window needs the snapshot to tell those apart.
 */
export interface ChunkSnapshot {
  xmin: bigint;
  xmax: bigint;
  /** Transactions in progress when the snapshot was taken. */
  inProgress: ReadonlySet<bigint>;
}

const XID_SPACE = 1n << 32n;

/** Parses `txid_current_snapshot()`'s text form `xmin:xmax:xip,xip,…`. */
export function parseChunkSnapshot(text: string): ChunkSnapshot {
  const m = /^(\d+):(\d+):([\d,]*)$/.exec(text.trim());
  if (!m) throw new Error(`unexpected txid_current_snapshot() value ${JSON.stringify(text)}`);
  return {
    xmin: BigInt(m[1]!),
    xmax: BigInt(m[2]!),
    inProgress: new Set(m[3] ? m[3].split(',').map((x) => BigInt(x)) : []),
  };
}

/**
 * True when the snapshot does not see what transaction `xid` committed. The stream carries 32-bit xids and the
 * snapshot epoch-qualified 64-bit ones: the xid is placed in the epoch nearest the snapshot's xmax.
 */
export function invisibleTo(snapshot: ChunkSnapshot, xid: number): boolean {
  let full = (snapshot.xmax & ~(XID_SPACE - 1n)) | BigInt(xid >>> 0);
  if (full > snapshot.xmax + XID_SPACE / 2n) full -= XID_SPACE;
  else if (full < snapshot.xmax - XID_SPACE / 2n) full += XID_SPACE;
  return full >= snapshot.xmax || (full >= snapshot.xmin && snapshot.inProgress.has(full));
}

/** A chunk whose window closed: rows to emit (in key order) and the offset fields before and after it. */
export interface ClosedChunk {
  table: TableModel;
  rows: unknown[][];
  /** Offset fields for every row but the last: a crash re-reads the whole chunk. */
  during: Record<string, unknown>;
  /** Offset fields for the last row: the chunk is done. */
  after: Record<string, unknown>;
}

interface Window {
  id: string;
  table: TableModel;
  open: boolean;
  /** Chunk rows by key identity, in key order (Map keeps insertion order). */
  rows: Map<string, unknown[]>;
  /** Rows of a table without a record key: nothing can deduplicate them. */
  keyless: unknown[][];
  /** Key of the chunk's last row; null when the chunk was empty, which ends the table (as in Debezium). */
  chunkEnd: string[] | null;
  /** What the chunk's read saw. */
  snapshot: ChunkSnapshot;
  /** Changes of the table streamed after the read and before the window opened: key identity → transaction. */
  beforeOpen: Map<string, number>;
}

/** How many of the last delivered transactions a chunk's snapshot is checked against. */
const RECENT_XIDS = 4096;

/** The last `capacity` transaction ids added, oldest dropped first. */
class RecentXids {
  readonly #ring: number[];
  readonly #capacity: number;
  #next = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#ring = [];
  }

  add(xid: number): void {
    if (this.#ring.length < this.#capacity) this.#ring.push(xid);
    else this.#ring[this.#next] = xid;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  filter(pred: (xid: number) => boolean): number[] {
    return this.#ring.filter(pred);
  }
}

/** Table names of a signal, each one regular expression (a comma inside a name does not split it). */
function collectionPatterns(names: readonly string[]): RegExp[] {
  return names.flatMap((n) => regexList(n.replace(/,/g, '\\,')));
}

/**
 * Debezium's incremental snapshots (DDD-3, the DBLog watermark algorithm): a table is read in
 * key-ordered chunks while the stream goes on. Each chunk is read between two watermark rows
 * written to the signal table; when the stream reaches the closing watermark, the chunk's rows
 * that the stream did not change inside the window are emitted as `r` events with
 * source.snapshot=incremental. A row changed in the window is left to its streamed event, which
 * is as new or newer, so no event ever goes back in time. Progress lives in the offsets, so a
 * restart resumes at the last delivered chunk.
 */
export class IncrementalSnapshotter {
  readonly #deps: IncrementalDeps;
  readonly #signalTable: TableId | null;
  readonly #chunkSize: number;
  #state: IncrementalState;
  #paused = false;
  #window: Window | null = null;
  #fieldsCache: Record<string, unknown> | null = null;
  /** The signal table's first column (the signal id), looked up once for insert_delete closes. */
  #signalIdColumn: string | null = null;
  /** The last transactions the stream delivered, oldest first, to tell whether a chunk's snapshot missed one. */
  readonly #committed = new RecentXids(RECENT_XIDS);

  constructor(d: IncrementalDeps, restored: IncrementalState | null) {
    this.#deps = d;
    const sig = d.config['signal.data.collection'];
    this.#signalTable = sig ? parseTableId(sig) : null;
    this.#chunkSize = d.config['incremental.snapshot.chunk.size'];
    this.#state = restored ?? emptyIncrementalState();
  }

  get running(): boolean {
    return this.#state.collections.length > 0;
  }

  /** Offset fields describing the snapshot's progress, for every record the connector emits. */
  offsetFields(): Record<string, unknown> {
    this.#fieldsCache ??= incrementalOffsetFields(this.#state);
    return this.#fieldsCache;
  }

  #setState(s: IncrementalState): void {
    this.#state = s;
    this.#fieldsCache = null;
  }

  isSignalTable(t: TableId): boolean {
    const s = this.#signalTable;
    return s !== null && s.schema === t.schema && s.table === t.table;
  }

  /**
   * A captured change of `table` with record key `key`, made by transaction `xid`, was emitted: inside an open window the
   * stream's event supersedes the chunk's row; before the window opens, it does so when the chunk's snapshot did not
   * see `xid` (decided at the opening, once every change before it has been seen).
   */
  onChange(table: TableModel, key: Struct | null, xid: number): void {
    const w = this.#window;
    if (!w || key === null || w.table.oid !== table.oid) return;
    if (w.open) w.rows.delete(keyIdentity(key));
    else w.beforeOpen.set(keyIdentity(key), xid);
  }

  /** The stream delivered transaction `xid`'s commit. */
  onCommit(xid: number): void {
    this.#committed.add(xid);
  }

  #open(w: Window): void {
    for (const [key, xid] of w.beforeOpen) if (invisibleTo(w.snapshot, xid)) w.rows.delete(key);
    w.beforeOpen.clear();
    w.open = true;
  }

  /** A row inserted into the signal table. Returns the chunk to emit when it closed a window. */
  async onSignal(sig: Signal): Promise<ClosedChunk | null> {
    const w = this.#window;
    const strategy = this.#deps.config['incremental.snapshot.watermarking.strategy'];
    switch (sig.type) {
      case 'snapshot-window-open':
        if (w && sig.id === `${w.id}-open`) this.#open(w);
        return null;
      case 'snapshot-window-close':
        if (w && strategy === 'insert_insert' && sig.id === `${w.id}-close`) return this.#close(w);
        return null;
      case 'execute-snapshot':
        await this.#execute(sig);
        return null;
      case 'stop-snapshot':
        this.#stop(sig);
        return null;
      case 'pause-snapshot':
        if (this.running && !this.#paused) {
          this.#paused = true;
          this.#deps.logger.info({ signal: sig.id }, 'incremental snapshot paused');
        }
        return null;
      case 'resume-snapshot':
        if (this.#paused) {
          this.#paused = false;
          this.#deps.logger.info({ signal: sig.id }, 'incremental snapshot resumed');
        }
        return null;
      case 'log':
        this.#deps.logger.info({ signal: sig.id, message: this.#json(sig)?.message ?? sig.data }, 'signal: log');
        return null;
      default:
        this.#deps.logger.warn(
          { signal: sig.id, type: sig.type },
          'unknown signal type (expected execute-snapshot, stop-snapshot, pause-snapshot, resume-snapshot or log); ignored',
        );
        return null;
    }
  }

  /** A row deleted from the signal table (insert_delete watermarking closes a window by deleting its open row). */
  onSignalDelete(id: string): ClosedChunk | null {
    const w = this.#window;
    if (!w || this.#deps.config['incremental.snapshot.watermarking.strategy'] !== 'insert_delete') return null;
    return id === `${w.id}-open` && w.open ? this.#close(w) : null;
  }

  /** Starts the next chunk when a snapshot is running, not paused and no window is pending. */
  async ensureRunning(): Promise<void> {
    if (!this.running || this.#paused || this.#window) return;
    if (!this.#signalTable) {
      this.#deps.logger.error(
        { collections: this.#state.collections.map((c) => c.id) },
        'an incremental snapshot is in progress but signal.data.collection is not set: the watermarks need the signal table; the snapshot is dropped',
      );
      this.#setState(emptyIncrementalState());
      return;
    }
    await this.#nextChunk();
  }

  #json(sig: Signal): Record<string, unknown> | null {
    if (!sig.data) return null;
    try {
      const v: unknown = JSON.parse(sig.data);
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  async #execute(sig: Signal): Promise<void> {
    const log = this.#deps.logger.child({ signal: sig.id });
    const data = this.#json(sig);
    const names = data?.['data-collections'];
    if (!data || !Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
      log.error(
        { data: sig.data },
        'execute-snapshot signal ignored: data must be JSON with a non-empty "data-collections" array of table names',
      );
      return;
    }
    const type = typeof data.type === 'string' ? data.type.toLowerCase() : 'incremental';
    if (type !== 'incremental') {
      log.error(
        { type: data.type },
        'execute-snapshot signal ignored: only "type": "incremental" snapshots are supported (blocking snapshots are not)',
      );
      return;
    }
    const conditions: Array<{ table: RegExp; filter: string }> = [];
    const perTable = data['additional-conditions'];
    if (Array.isArray(perTable)) {
      for (const c of perTable) {
        const r = c as Record<string, unknown> | null;
        const coll = r?.['data-collection'];
        const filter = r?.filter;
        const table = typeof coll === 'string' ? collectionPatterns([coll])[0] : undefined;
        if (table && typeof filter === 'string' && filter.trim() !== '') conditions.push({ table, filter });
      }
    }
    const legacy = typeof data['additional-condition'] === 'string' ? (data['additional-condition'] as string) : null;
    const surrogate =
      typeof data['surrogate-key'] === 'string' && data['surrogate-key'] !== ''
        ? (data['surrogate-key'] as string)
        : null;
    const patterns = collectionPatterns(names as string[]);
    const captured = (await this.#deps.sql.tables()).filter((t) => this.#deps.filters.includesTable(t));
    const matched = captured.filter((t) => patterns.some((p) => p.test(tableIdString(t))));
    if (matched.length === 0) {
      log.warn(
        { dataCollections: names },
        'execute-snapshot signal matched no captured table (names are schema.table, matched as regular expressions against the tables the filters capture)',
      );
      return;
    }
    const queued = new Set(this.#state.collections.map((c) => c.id));
    const added: SnapshotCollection[] = [];
    for (const t of matched) {
      const id = tableIdString(t);
      if (queued.has(id)) continue;
      const cond = conditions.find((c) => c.table.test(id))?.filter ?? legacy;
      added.push({ id, condition: cond && cond.trim() !== '' ? cond : null, surrogateKey: surrogate });
    }
    if (added.length === 0) return;
    const wasRunning = this.running;
    this.#setState({
      ...this.#state,
      collections: [...this.#state.collections, ...added],
      correlationId: wasRunning ? this.#state.correlationId : sig.id,
    });
    log.info({ tables: added.map((c) => c.id) }, 'incremental snapshot requested');
  }

  #stop(sig: Signal): void {
    const data = this.#json(sig);
    const names = data?.['data-collections'];
    const patterns = Array.isArray(names)
      ? collectionPatterns(names.filter((n): n is string => typeof n === 'string'))
      : [];
    const before = this.#state.collections;
    const kept = patterns.length === 0 ? [] : before.filter((c) => !patterns.some((p) => p.test(c.id)));
    if (kept.length === before.length) return;
    const currentStopped = before[0] !== kept[0];
    if (currentStopped) this.#window = null;
    this.#setState(
      kept.length === 0
        ? emptyIncrementalState()
        : {
            collections: kept,
            lastKey: currentStopped ? null : this.#state.lastKey,
            maxKey: currentStopped ? null : this.#state.maxKey,
            correlationId: this.#state.correlationId,
          },
    );
    if (kept.length === 0) this.#paused = false;
    this.#deps.logger.info(
      { signal: sig.id, stopped: before.filter((c) => !kept.includes(c)).map((c) => c.id) },
      'incremental snapshot stopped',
    );
  }

  #nextCollection(reason: string): void {
    const [done, ...rest] = this.#state.collections;
    this.#deps.logger.info({ table: done?.id, reason }, 'incremental snapshot of table finished');
    this.#setState(
      rest.length === 0
        ? emptyIncrementalState()
        : { collections: rest, lastKey: null, maxKey: null, correlationId: this.#state.correlationId },
    );
    if (rest.length === 0) this.#deps.logger.info('incremental snapshot completed');
  }

  async #nextChunk(): Promise<void> {
    const sql = this.#deps.sql;
    while (this.running) {
      const coll = this.#state.collections[0]!;
      const id = parseTableId(coll.id);
      const model = id ? await this.#deps.modelFor(id) : null;
      if (!id || !model) {
        this.#nextCollection('the table does not exist');
        continue;
      }
      const keyColumns = coll.surrogateKey ? [coll.surrogateKey] : model.keyColumnNames;
      const keyIndexes = keyColumns.map((k) => model.columns.findIndex((c) => c.name === k));
      if (keyColumns.length === 0 || keyIndexes.some((i) => i < 0)) {
        this.#deps.logger.warn(
          { table: coll.id, surrogateKey: coll.surrogateKey },
          coll.surrogateKey
            ? 'incremental snapshot skips the table: it has no column named by surrogate-key'
            : 'incremental snapshot skips the table: it has no primary key (set message.key.columns or surrogate-key in the signal)',
        );
        this.#nextCollection('no key to chunk by');
        continue;
      }
      const types = new Map((await sql.columnTypes(id)).map((c) => [c.name, c.type]));
      const from = `${quoteIdent(id.schema)}.${quoteIdent(id.table)}`;
      const keys = keyColumns.map(quoteIdent);
      const cond = coll.condition ? ` AND (${coll.condition})` : '';
      const params = (start: number): string =>
        keyColumns.map((k, i) => `CAST($${start + i} AS ${types.get(k) ?? 'text'})`).join(', ');
      if (this.#state.maxKey === null) {
        const top = await sql.textRows(
          `SELECT ${keys.join(', ')} FROM ${from} WHERE TRUE${cond} ORDER BY ${keys.map((k) => `${k} DESC`).join(', ')} LIMIT 1`,
          [],
        );
        if (top.length === 0 || top[0]!.some((v) => v === null)) {
          this.#nextCollection('the table is empty');
          continue;
        }
        this.#setState({ ...this.#state, maxKey: top[0] as string[] });
      }
      const { lastKey, maxKey } = this.#state;
      const values: string[] = [];
      let where = `(${keys.join(', ')}) <= (${params(1)})`;
      values.push(...maxKey!);
      if (lastKey) {
        where += ` AND (${keys.join(', ')}) > (${params(values.length + 1)})`;
        values.push(...lastKey);
      }
      const windowId = randomUUID();
      await this.#writeOpen(windowId);
      const { rows, snapshot } = await this.#readChunk(
        `SELECT ${model.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${from} WHERE ${where}${cond} ORDER BY ${keys.join(', ')} LIMIT ${this.#chunkSize}`,
        keys,
        values,
        coll.id,
      );
      const window: Window = {
        id: windowId,
        table: model,
        open: false,
        rows: new Map(),
        keyless: [],
        // As Debezium, a table is done when a chunk comes back empty (one more, empty, window than
        // strictly needed: consumers of the signal table's events see the same rows as with Debezium).
        chunkEnd: null,
        snapshot,
        beforeOpen: new Map(),
      };
      for (const texts of rows) {
        const row = model.convertTexts(texts);
        const key = model.key(row);
        if (key) window.rows.set(keyIdentity(key), row);
        else window.keyless.push(row);
      }
      const last = rows.at(-1);
      if (last) window.chunkEnd = keyIndexes.map((i) => last[i] ?? '');
      this.#window = window;
      await this.#writeClose(windowId);
      this.#deps.logger.debug(
        { table: coll.id, rows: rows.length, window: windowId },
        'incremental snapshot chunk read',
      );
      return;
    }
  }

  /**
   * Reads a chunk with the snapshot it was read with. A snapshot that misses a transaction the stream has already
   * delivered (committed in the WAL, not yet visible) would put rows older than their streamed events in the chunk,
   * and no window can tell which: the read waits for those transactions to become visible and is made again.
   */
  async #readChunk(
    select: string,
    keys: readonly string[],
    values: readonly string[],
    table: string,
  ): Promise<{ rows: Array<Array<string | null>>; snapshot: ChunkSnapshot }> {
    // One statement, so that the rows and the snapshot are the same one; the outer join returns the snapshot when the
    // chunk is empty (`present` is then null).
    const text = `SELECT s.snapshot, c.* FROM (SELECT txid_current_snapshot()::text AS snapshot) s LEFT JOIN LATERAL (SELECT true AS present, ${select.slice('SELECT '.length)}) c ON true ORDER BY ${keys.map((k) => `c.${k}`).join(', ')}`;
    const started = Date.now();
    let warned = started;
    for (let delay = 10; ; delay = Math.min(delay * 2, 1000)) {
      const result = await this.#deps.sql.textRows(text, values);
      const snapshot = parseChunkSnapshot(result[0]?.[0] ?? '');
      const missed = this.#committed.filter((xid) => invisibleTo(snapshot, xid));
      if (missed.length === 0) return { rows: result[0]?.[1] === null ? [] : result.map((r) => r.slice(2)), snapshot };
      if (Date.now() - warned >= 10_000) {
        warned = Date.now();
        this.#deps.logger.warn(
          { table, transactions: missed, waitedMs: warned - started },
          'incremental snapshot chunk waits for transactions the stream delivered to become visible (a synchronous standby holding their commit?)',
        );
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  #signalFrom(): string {
    const s = this.#signalTable!;
    return `${quoteIdent(s.schema)}.${quoteIdent(s.table)}`;
  }

  async #writeOpen(windowId: string): Promise<void> {
    await this.#deps.sql.execute(`INSERT INTO ${this.#signalFrom()} VALUES ($1, $2, $3)`, [
      `${windowId}-open`,
      'snapshot-window-open',
      JSON.stringify({ openWindowTimestamp: new Date().toISOString() }),
    ]);
  }

  async #writeClose(windowId: string): Promise<void> {
    if (this.#deps.config['incremental.snapshot.watermarking.strategy'] === 'insert_delete') {
      this.#signalIdColumn ??= (await this.#deps.sql.columnTypes(this.#signalTable!))[0]!.name;
      await this.#deps.sql.execute(`DELETE FROM ${this.#signalFrom()} WHERE ${quoteIdent(this.#signalIdColumn)} = $1`, [
        `${windowId}-open`,
      ]);
      return;
    }
    await this.#deps.sql.execute(`INSERT INTO ${this.#signalFrom()} VALUES ($1, $2, $3)`, [
      `${windowId}-close`,
      'snapshot-window-close',
      JSON.stringify({ closeWindowTimestamp: new Date().toISOString() }),
    ]);
  }

  #close(w: Window): ClosedChunk {
    this.#window = null;
    const during = this.offsetFields();
    if (w.chunkEnd === null) this.#nextCollection('all rows read');
    else this.#setState({ ...this.#state, lastKey: w.chunkEnd });
    const rows = [...w.rows.values(), ...w.keyless];
    this.#deps.logger.debug(
      { table: tableIdString(w.table.id), emitted: rows.length },
      'incremental snapshot window closed',
    );
    return { table: w.table, rows, during, after: this.offsetFields() };
  }
}
