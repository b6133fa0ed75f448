/** The initial snapshot: every captured table read inside the slot's exported snapshot, optionally in parallel, each row queued as an `r` event. */
import type { Readable } from 'node:stream';
import { type Logger, type SourceOffset, SourceRecord, type SourcePartition, type Struct } from '@tributary/api';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { PostgresConfig } from './config.js';
import { connectSql, type PgConnectOptions, quoteIdent, quoteLiteral, setUpConnection } from './connection.js';
import { CopyTextParser } from './copy-text.js';
import { envelopeStruct, type EventContext, type SnapshotMarker, sourceStruct, withContextHeaders } from './events.js';
import { type Filters, type TableId, tableIdString } from './filters.js';
import type { Lsn } from './lsn.js';
import { snapshotOffset } from './offsets.js';
import type { RecordQueue } from './queue.js';
import type { MappingConfig } from './schema/mapping.js';
import type { TypeRegistry } from './schema/types.js';
import { catalogTableModel, modelContext, readCatalogTable, type TableModel } from './tables.js';

export interface SnapshotDeps {
  connect: PgConnectOptions;
  initialStatements: string[];
  config: PostgresConfig;
  filters: Filters;
  mapping: MappingConfig;
  types: TypeRegistry;
  queue: RecordQueue;
  logger: Logger;
  partition: SourcePartition;
  db: string;
  tables: Map<number, TableModel>;
  onQueued(record: SourceRecord): void;
  stopped(): boolean;
  /** Debezium's context headers on snapshot rows (null: extended.headers.enabled=false). */
  eventContext: EventContext | null;
}

export interface SnapshotResult {
  tables: number;
  rows: number;
  millis: number;
}

interface Chunk {
  table: TableModel;
  tableIndex: number;
  sql: string;
}

interface HeldRow {
  table: TableModel;
  tableIndex: number;
  row: unknown[];
  firstInTable: boolean;
  bytes: number;
}

/**
 * Emits snapshot rows as `r` events in order, holding back one row so each can be marked as
 * Debezium marks them (first, first_in_data_collection, true, last_in_data_collection, last)
 * — which needs to know whether another row follows.
 */
class SnapshotEmitter {
  readonly #deps: SnapshotDeps;
  readonly #consistentPoint: Lsn;
  readonly #txId: number | null;
  #held: HeldRow | null = null;
  #firstTableIndex: number | null = null;
  #lastTableIndex = -1;
  #chain: Promise<void> = Promise.resolve();
  /** Rows read in the same millisecond share one source struct and offset (both immutable). */
  #cache: { ms: number; table: TableModel; marker: SnapshotMarker; source: Struct; offset: SourceOffset } | null = null;
  rows = 0;

  constructor(d: SnapshotDeps, consistentPoint: Lsn, txId: number | null) {
    this.#deps = d;
    this.#consistentPoint = consistentPoint;
    this.#txId = txId;
  }

  /** Queues rows of one table; calls are serialized, so concurrent readers keep a single order. */
  emit(
    table: TableModel,
    tableIndex: number,
    rows: Array<{ fields: Array<string | null>; bytes: number }>,
  ): Promise<void> {
    this.#chain = this.#chain.then(async () => {
      for (const { fields, bytes } of rows) {
        const row = table.convertTexts(fields);
        const firstInTable = tableIndex !== this.#lastTableIndex;
        this.#lastTableIndex = tableIndex;
        if (this.#firstTableIndex === null) this.#firstTableIndex = tableIndex;
        const prev = this.#held;
        this.#held = { table, tableIndex, row, firstInTable, bytes };
        if (prev) await this.#release(prev, prev.tableIndex !== tableIndex, false);
      }
    });
    return this.#chain;
  }

  /** Queues the held row as the snapshot's last. */
  finish(): Promise<void> {
    this.#chain = this.#chain.then(async () => {
      const prev = this.#held;
      this.#held = null;
      if (prev) await this.#release(prev, true, true);
    });
    return this.#chain;
  }

  async #release(h: HeldRow, lastInTable: boolean, lastOverall: boolean): Promise<void> {
    let marker: SnapshotMarker;
    if (lastOverall) marker = 'last';
    else if (h.firstInTable && h.tableIndex === this.#firstTableIndex) marker = 'first';
    else if (lastInTable) marker = 'last_in_data_collection';
    else if (h.firstInTable) marker = 'first_in_data_collection';
    else marker = 'true';
    const ms = Date.now();
    let c = this.#cache;
    if (!c || c.ms !== ms || c.table !== h.table || c.marker !== marker || lastOverall) {
      const tsMicros = BigInt(ms) * 1000n;
      const source = sourceStruct({
        serverName: this.#deps.config['topic.prefix'],
        db: this.#deps.db,
        tsMicros,
        snapshot: marker,
        schema: h.table.id.schema,
        table: h.table.id.table,
        txId: this.#txId,
        lsn: this.#consistentPoint,
        lastCommitLsn: null,
      });
      const offset = snapshotOffset({
        tsUsec: tsMicros,
        txId: this.#txId,
        lsn: this.#consistentPoint,
        last: lastOverall,
      });
      c = { ms, table: h.table, marker, source, offset };
      this.#cache = c;
    }
    const value = envelopeStruct(h.table.envelopeSchema, 'r', null, h.table.value(h.row), c.source, null);
    const record = new SourceRecord({
      topic: h.table.topic,
      keySchema: h.table.keySchema,
      key: h.table.key(h.row),
      valueSchema: h.table.envelopeSchema,
      value,
      sourcePartition: this.#deps.partition,
      sourceOffset: c.offset,
      ...(this.#deps.eventContext ? { headers: withContextHeaders(undefined, this.#deps.eventContext) } : {}),
    });
    await this.#deps.queue.push(record, h.bytes);
    this.rows++;
    this.#deps.onQueued(record);
  }
}

/** Opens a connection that reads inside the exported snapshot. */
async function snapshotConnection(d: SnapshotDeps, snapshotName: string): Promise<pg.Client> {
  const client = await connectSql(d.connect, (err) =>
    d.logger.debug({ err: err.message }, 'snapshot connection error'),
  );
  await setUpConnection(client, [
    ...d.initialStatements,
    'BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY',
    `SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshotName)}`,
  ]);
  return client;
}

async function capturedTables(client: pg.Client, filters: Filters): Promise<Array<{ oid: number; id: TableId }>> {
  const res = await client.query<{ oid: string; nspname: string; relname: string }>(
    `SELECT c.oid::int8 AS oid, n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
      ORDER BY n.nspname, c.relname`,
  );
  return res.rows
    .map((r) => ({ oid: Number(r.oid), id: { schema: r.nspname, table: r.relname } }))
    .filter((t) => filters.includesInSnapshot(t.id));
}

function overrideQuery(c: PostgresConfig, raw: Readonly<Record<string, string>>, id: TableId): string | null {
  const listed = (c['snapshot.select.statement.overrides'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const name = tableIdString(id);
  if (!listed.includes(name)) return null;
  return raw[`snapshot.select.statement.overrides.${name}`] ?? null;
}

/**
 * Reads every captured table inside the slot's exported snapshot and queues an `r` event per
 * row. With snapshot.max.threads > 1, tables are split into block (ctid) ranges read by that
 * many connections, all importing the same snapshot: every row is seen exactly once, as of the
 * slot's consistent point.
 */
export async function runSnapshot(
  d: SnapshotDeps,
  raw: Readonly<Record<string, string>>,
  snapshotName: string,
  consistentPoint: Lsn,
): Promise<SnapshotResult> {
  const started = Date.now();
  const threads = Math.max(1, d.config['snapshot.max.threads']);
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < threads; i++) clients.push(await snapshotConnection(d, snapshotName));
    const main = clients[0]!;
    let txId: number | null = null;
    try {
      await main.query('SAVEPOINT txid_probe');
      const r = await main.query<{ txid: string }>('SELECT pg_catalog.txid_current()::text AS txid');
      txId = Number(r.rows[0]!.txid);
      await main.query('RELEASE SAVEPOINT txid_probe');
    } catch {
      await main.query('ROLLBACK TO SAVEPOINT txid_probe');
    }
    const tables = await capturedTables(main, d.filters);
    const blockSize = Number(
      (await main.query<{ bs: string }>(`SELECT current_setting('block_size') AS bs`)).rows[0]!.bs,
    );
    const chunks: Chunk[] = [];
    const ctx = modelContext(d.config, d);
    for (const [tableIndex, t] of tables.entries()) {
      const catalog = await readCatalogTable(main, t.oid);
      if (!catalog) continue;
      const model = catalogTableModel(catalog, ctx);
      d.tables.set(t.oid, model);
      if (d.config['snapshot.locking.mode'] === 'shared') {
        await main.query(`SET LOCAL lock_timeout = ${Number(d.config['snapshot.lock.timeout.ms'])}`);
        await main.query(`LOCK TABLE ${quoteIdent(t.id.schema)}.${quoteIdent(t.id.table)} IN ACCESS SHARE MODE`);
      }
      const select = `SELECT ${model.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${quoteIdent(t.id.schema)}.${quoteIdent(t.id.table)}`;
      const override = overrideQuery(d.config, raw, t.id);
      if (override) {
        chunks.push({ table: model, tableIndex, sql: `COPY (${override}) TO STDOUT` });
        continue;
      }
      const size = Number(
        (await main.query<{ s: string }>('SELECT pg_catalog.pg_relation_size($1::oid)::text AS s', [t.oid])).rows[0]!.s,
      );
      const blocks = Math.ceil(size / blockSize);
      // Parallel readers only pay off on tables of some size; ranges are open-ended at the top.
      const perChunk = Math.max(128, Math.ceil(blocks / (threads * 4)));
      if (threads === 1 || blocks <= perChunk) {
        chunks.push({ table: model, tableIndex, sql: `COPY (${select}) TO STDOUT` });
        continue;
      }
      for (let start = 0; start < blocks; start += perChunk) {
        const end = start + perChunk;
        const where =
          end >= blocks ? `ctid >= '(${start},0)'::tid` : `ctid >= '(${start},0)'::tid AND ctid < '(${end},0)'::tid`;
        chunks.push({ table: model, tableIndex, sql: `COPY (${select} WHERE ${where}) TO STDOUT` });
      }
    }
    d.logger.info(
      { tables: tables.map((t) => tableIdString(t.id)), chunks: chunks.length, readers: threads },
      'snapshot started',
    );
    const emitter = new SnapshotEmitter(d, consistentPoint, txId);
    // Tables are read one after another (their rows stay together); a table's chunks in parallel.
    for (let ti = 0; ti < tables.length; ti++) {
      const mine = chunks.filter((c) => c.tableIndex === ti);
      let next = 0;
      await Promise.all(
        clients.map(async (client) => {
          for (;;) {
            if (d.stopped()) return;
            const chunk = mine[next++];
            if (!chunk) return;
            await copyChunk(client, chunk, emitter);
          }
        }),
      );
    }
    await emitter.finish();
    for (const c of clients) await c.query('COMMIT');
    const result = { tables: tables.length, rows: emitter.rows, millis: Date.now() - started };
    d.logger.info(result, 'snapshot completed');
    return result;
  } finally {
    for (const c of clients) await c.end().catch(() => undefined);
  }
}

async function copyChunk(client: pg.Client, chunk: Chunk, emitter: SnapshotEmitter): Promise<void> {
  const stream = client.query(copyStreams.to(chunk.sql)) as unknown as Readable;
  const parser = new CopyTextParser();
  for await (const buf of stream as AsyncIterable<Buffer>) {
    const rows = parser.push(buf);
    if (rows.length > 0) await emitter.emit(chunk.table, chunk.tableIndex, rows);
  }
  parser.end();
}
