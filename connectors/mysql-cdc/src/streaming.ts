// Binlog events to Debezium change events and offsets (BinlogStreamingChangeEventSource's bookkeeping).
import { javaHashMapOrder, type Logger, SourceRecord, type SourceOffset, Struct } from '@tributary/api';
import {
  envelopeStruct,
  type NameAdjustmentMode,
  type TransactionBlock,
  transactionKeySchema,
  transactionValueSchema,
} from '@tributary/connector-postgres-cdc';
import { type AnyBinlogEvent, GtidSet } from '@vlasky/zongji';
import { type Flavor, type SourceValues, sourceStruct } from './events.js';
import { type RestartPoint, streamingOffset } from './offsets.js';
import type { RawValue, TableId, TableModel } from './schema.js';

type Op = 'c' | 'u' | 'd';

/** A DDL statement as the binlog gave it, with what the events it causes need. */
export interface SchemaChange {
  /** The statement's default database (the session's, at the time). */
  db: string;
  ddl: string;
  /** The source block of the statement, without db and table (the task knows which tables it touched). */
  source: Omit<SourceValues, 'db' | 'table'>;
  /** The offset while the statement is handled: its history record's position. */
  offset: SourceOffset;
}

export interface StreamingOptions {
  flavor: Flavor;
  serverName: string;
  partition: Record<string, string>;
  tombstonesOnDelete: boolean;
  skipped: ReadonlySet<string>;
  includeQuery: boolean;
  transactionMetadata: boolean;
  failureMode: 'fail' | 'warn' | 'skip' | 'ignore';
  /** The replica's own server id is not what source.server_id shows: the originating server's is. */
  serverIdOfServer: number;
  logger: Logger;
  /** The model of a captured table now, or null when the table is not captured. */
  model(t: TableId): Promise<TableModel | null>;
  /** A DDL statement ran: the task updates the tables, the history and the schema change topic; returns the captured tables it truncated. */
  schemaChanged(change: SchemaChange): Promise<TableModel[]>;
  /** `<topic.prefix>.<topic.transaction>` */
  transactionTopic: string;
  nameAdjustment: NameAdjustmentMode;
  emit(r: SourceRecord): Promise<void>;
}

interface Skip {
  events: number;
  rows: number;
}

/** Keeps the restart point as Debezium does while events go by, and turns row events into records. */
export class StreamingProcessor {
  readonly #options: StreamingOptions;
  #file: string;
  /**
   * Debezium's source.row of a schema change event: the row number of the last row event read since the
   * task started or the binlog rotated (BinlogSourceInfo keeps it until setBinlogPosition resets it).
   */
  #lastRow = 0;
  /** Restart point of the transaction in progress (its BEGIN), or after the last completed event. */
  #restart: RestartPoint;
  /** GTID set completed so far (MariaDB position / MySQL set as the server prints it). */
  #completedGtids: string | null;
  #inTx = false;
  #gtid: string | null = null;
  #thread: number | null = null;
  #query: string | null = null;
  #eventServerId: number;
  #tables = new Map<number, TableId>();
  #skip: Skip;
  #txOrder = 0;
  #txCollections = new Map<string, number>();
  /** The transaction's BEGIN was emitted (provide.transaction.metadata), so its END is due at commit. */
  #txBegun = false;
  #txId: string | null = null;
  /** A MariaDB group flagged standalone (a DDL): no BEGIN/COMMIT, its one statement ends it. */
  #standalone = false;
  /** Position of the event being handled. */
  #start = 0;

  constructor(o: StreamingOptions, start: RestartPoint) {
    this.#options = o;
    this.#file = start.file;
    this.#restart = { ...start, events: 0, rows: 0 };
    this.#completedGtids = start.gtids;
    this.#eventServerId = start.serverId || o.serverIdOfServer;
    this.#skip = { events: start.events, rows: start.rows };
  }

  /** Where streaming stands (for heartbeats and logs). */
  get restartPoint(): RestartPoint {
    return { ...this.#restart };
  }

  /** After a reconnect: read again from `p` (a transaction's start), skipping what was handled of it. */
  resumeAt(p: RestartPoint): void {
    this.#file = p.file;
    this.#restart = { ...p, events: 0, rows: 0 };
    this.#skip = { events: p.events, rows: p.rows };
    this.#inTx = false;
  }

  /** Handles one event; `start` is its position in the current file. */
  async handle(e: AnyBinlogEvent, start: number): Promise<void> {
    this.#start = start;
    switch (e.getEventName()) {
      case 'rotate': {
        const r = e as Extract<AnyBinlogEvent, { getEventName(): 'rotate' }>;
        this.#file = r.binlogName;
        this.#lastRow = 0;
        if (!this.#inTx) this.#restart = { ...this.#restart, file: r.binlogName, pos: r.position, events: 0, rows: 0 };
        return;
      }
      case 'format':
        return;
      case 'mariadbgtid': {
        const g = e as Extract<AnyBinlogEvent, { getEventName(): 'mariadbgtid' }>;
        this.#gtid = g.gtid;
        this.#eventServerId = g.serverId;
        this.#thread = g.threadId ?? null;
        // The GTID event starts a group, a transaction or (standalone) one DDL statement: Debezium's offsets and
        // history positions inside it name the GTID event's position and the events handled since.
        const skipped = this.#skip.events > 0;
        this.#begin(e);
        this.#standalone = g.standalone;
        this.#completeEvent(e);
        await this.#transactionBegin(g.gtid, e.timestamp, !skipped);
        return;
      }
      case 'gtid': {
        const g = e as Extract<AnyBinlogEvent, { getEventName(): 'gtid' }>;
        this.#gtid = g.gtid;
        this.#completeEvent(e);
        return;
      }
      case 'query': {
        const q = e as Extract<AnyBinlogEvent, { getEventName(): 'query' }>;
        const sql = q.query.trim();
        this.#thread = q.slaveProxyId;
        if (/^BEGIN$/i.test(sql)) {
          if (!this.#inTx) {
            const skipped = this.#skip.events > 0;
            this.#begin(e);
            this.#completeEvent(e);
            await this.#transactionBegin(this.#gtid ?? this.#positionId(), e.timestamp, !skipped);
            return;
          }
          this.#completeEvent(e);
          return;
        }
        if (/^(COMMIT|ROLLBACK)$/i.test(sql)) {
          await this.#commit(e);
          return;
        }
        if (this.#skip.events > 0) {
          this.#completeEvent(e);
          return;
        }
        // MariaDB appends a marker to the DROP TABLE it writes; Debezium records the statement without it.
        if (isDdl(sql)) await this.#schemaChange(q.schema, sql.replace(/\s*\/\* generated by server \*\/\s*$/, ''), e);
        // A DDL outside a transaction (MariaDB standalone group, MySQL implicit commit) completes on its own.
        if (!this.#inTx || this.#standalone) await this.#commit(e);
        else this.#completeEvent(e);
        return;
      }
      case 'annotaterows':
      case 'rowsquery': {
        const a = e as Extract<AnyBinlogEvent, { getEventName(): 'annotaterows' | 'rowsquery' }>;
        this.#query = a.statement;
        this.#completeEvent(e);
        return;
      }
      case 'tablemap': {
        const t = e as Extract<AnyBinlogEvent, { getEventName(): 'tablemap' }>;
        this.#tables.set(t.tableId, { db: t.schemaName, table: t.tableName });
        this.#completeEvent(e);
        return;
      }
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        await this.#rows(e as Extract<AnyBinlogEvent, { getEventName(): 'writerows' | 'updaterows' | 'deleterows' }>);
        this.#completeEvent(e);
        return;
      case 'xid':
        await this.#commit(e);
        return;
      default:
        return;
    }
  }

  #begin(_e: AnyBinlogEvent): void {
    this.#inTx = true;
    this.#restart = {
      ...this.#restart,
      file: this.#file,
      pos: this.#start,
      events: 0,
      rows: 0,
      gtids: this.#completedGtids,
    };
    this.#txOrder = 0;
    this.#txCollections.clear();
    this.#txBegun = false;
    this.#txId = null;
    this.#standalone = false;
    this.#query = null;
  }

  /** The transaction id of a server without GTIDs: where the transaction starts (Debezium's file=…,pos=…). */
  #positionId(): string {
    return `file=${this.#restart.file},pos=${this.#restart.pos}`;
  }

  /**
   * Debezium's transaction BEGIN event (TransactionMonitor), emitted as the transaction starts; not again when
   * the transaction is read again after a restart (`emit` false), which still has to know its id.
   */
  async #transactionBegin(id: string, tsMs: number, emit: boolean): Promise<void> {
    if (!this.#options.transactionMetadata) return;
    this.#txBegun = true;
    this.#txId = id;
    if (emit) await this.#transactionEvent('BEGIN', id, tsMs);
  }

  async #transactionEvent(status: 'BEGIN' | 'END', id: string, tsMs: number): Promise<void> {
    const mode = this.#options.nameAdjustment;
    const valueSchema = transactionValueSchema(mode);
    const keySchema = transactionKeySchema(mode);
    const value = new Struct(valueSchema).put('status', status).put('id', id).put('ts_ms', tsMs);
    if (status === 'END') {
      const collSchema = valueSchema.field('data_collections')!.schema.valueSchema!;
      // Debezium keeps the counts in a HashMap: its END lists them in that map's order.
      const counts = javaHashMapOrder(Object.fromEntries(this.#txCollections));
      value.put('event_count', this.#txOrder).put(
        'data_collections',
        Object.entries(counts).map(([c, n]) => new Struct(collSchema).put('data_collection', c).put('event_count', n)),
      );
    }
    await this.#options.emit(
      new SourceRecord({
        topic: this.#options.transactionTopic,
        keySchema,
        key: new Struct(keySchema).put('id', id),
        valueSchema,
        value,
        sourcePartition: this.#options.partition,
        sourceOffset: this.#offset(this.#restart),
      }),
    );
  }

  /** The offset of a restart point; inside a transaction with metadata on it names the transaction, as Debezium's does. */
  #offset(p: RestartPoint): SourceOffset {
    const o = streamingOffset(p);
    if (!this.#options.transactionMetadata || !this.#inTx || this.#txId === null) return o;
    return { transaction_id: this.#txId, ...o };
  }

  /** The next data event's transaction block (Debezium counts by <db>.<table>). */
  #txBlock(id: TableId): TransactionBlock | null {
    if (!this.#options.transactionMetadata || !this.#txBegun || this.#txId === null) return null;
    this.#txOrder++;
    const coll = `${id.db}.${id.table}`;
    const n = (this.#txCollections.get(coll) ?? 0) + 1;
    this.#txCollections.set(coll, n);
    return { id: this.#txId, totalOrder: this.#txOrder, dataCollectionOrder: n };
  }

  async #schemaChange(db: string, ddl: string, e: AnyBinlogEvent): Promise<void> {
    const source: SchemaChange['source'] = {
      flavor: this.#options.flavor,
      serverName: this.#options.serverName,
      tsMs: e.timestamp,
      snapshot: 'false',
      serverId: this.#eventServerId,
      gtid: this.#gtid,
      file: this.#file,
      pos: this.#start,
      row: this.#lastRow,
      // Debezium leaves thread and query out of schema change events.
      thread: null,
      query: null,
    };
    // The offset while the statement is handled names the server and time of its event, as a row's does.
    const offset = this.#offset({
      ...this.#restart,
      serverId: this.#eventServerId,
      tsSec: Math.floor(e.timestamp / 1000),
    });
    const truncated = await this.#options.schemaChanged({ db, ddl, source, offset });
    if (this.#options.skipped.has('t')) return;
    for (const model of truncated) {
      const src = sourceStruct({ ...source, db: model.id.db, table: model.id.table, thread: this.#thread });
      const value = envelopeStruct(model.envelopeSchema, 't', null, null, src, this.#txBlock(model.id));
      // A truncate has no key: Debezium writes it without a key schema.
      await this.#options.emit(
        new SourceRecord({
          topic: model.topic,
          keySchema: null,
          key: null,
          valueSchema: model.envelopeSchema,
          value,
          sourcePartition: this.#options.partition,
          sourceOffset: offset,
        }),
      );
    }
  }

  #completeEvent(_e: AnyBinlogEvent): void {
    // A skipped event (handled before a restart) still counts: the offsets after it must say the same
    // number of handled events as they did before the restart.
    if (this.#skip.events > 0) this.#skip.events--;
    if (this.#inTx) this.#restart.events++;
    else this.#restart = { ...this.#restart, file: this.#file, pos: _e.nextPosition, events: 0, rows: 0 };
  }

  async #commit(e: AnyBinlogEvent): Promise<void> {
    // A standalone group (DDL) has no COMMIT: Debezium emits no END for it.
    if (this.#txBegun && !this.#standalone && this.#txId !== null)
      await this.#transactionEvent('END', this.#txId, e.timestamp);
    this.#txBegun = false;
    this.#txId = null;
    this.#standalone = false;
    // The GTID format is the server's (the MySQL and the MariaDB connector both read either).
    if (this.#gtid) this.#completedGtids = addGtid(this.#completedGtids, this.#gtid);
    this.#inTx = false;
    this.#skip = { events: 0, rows: 0 };
    this.#restart = {
      ...this.#restart,
      file: this.#file,
      pos: e.nextPosition,
      events: 0,
      rows: 0,
      gtids: this.#completedGtids,
      tsSec: Math.floor(e.timestamp / 1000),
    };
    this.#query = null;
    this.#gtid = null;
  }

  async #rows(
    e: Extract<AnyBinlogEvent, { getEventName(): 'writerows' | 'updaterows' | 'deleterows' }>,
  ): Promise<void> {
    const id = this.#tables.get(e.tableId);
    if (!id) return;
    const model = await this.#options.model(id);
    if (!model) return;
    const kind = e.getEventName();
    const op: Op = kind === 'writerows' ? 'c' : kind === 'updaterows' ? 'u' : 'd';
    const total = e.rows.length;
    // Rows handled before a restart are not emitted again, but still count in the transaction's order.
    const skipRows = this.#skip.events > 0 ? total : this.#skip.rows;
    if (this.#skip.events === 0) this.#skip.rows = 0;
    const pos = this.#start;
    if (total > 0 && !this.#options.skipped.has(op)) this.#lastRow = total - 1;
    for (let i = 0; i < total; i++) {
      // Debezium's row offset: the next row to handle, or all of them after the last.
      const rowsDone = i < total - 1 ? i + 1 : total;
      if (this.#options.skipped.has(op)) continue;
      if (i < skipRows) {
        this.#txBlock(id);
        continue;
      }
      const point: RestartPoint = {
        ...this.#restart,
        rows: rowsDone,
        serverId: this.#eventServerId,
        tsSec: Math.floor(e.timestamp / 1000),
      };
      const offset = this.#offset(point);
      try {
        const raw = e.rows[i] as
          | Record<string, RawValue>
          | { before: Record<string, RawValue>; after: Record<string, RawValue> };
        let before: Record<string, RawValue> | null = null;
        let after: Record<string, RawValue> | null = null;
        if (op === 'u') {
          const u = raw as { before: Record<string, RawValue>; after: Record<string, RawValue> };
          before = u.before;
          after = u.after;
        } else if (op === 'c') after = raw as Record<string, RawValue>;
        else before = raw as Record<string, RawValue>;
        const source = sourceStruct({
          flavor: this.#options.flavor,
          serverName: this.#options.serverName,
          tsMs: e.timestamp,
          snapshot: 'false',
          db: id.db,
          table: id.table,
          serverId: this.#eventServerId,
          gtid: this.#gtid,
          file: this.#file,
          pos,
          row: i,
          thread: this.#thread,
          query: this.#options.includeQuery ? this.#query : null,
        });
        const tx = this.#txBlock(id);
        const keyRow = (after ?? before)!;
        const key = model.key(keyRow);
        const value = envelopeStruct(
          model.envelopeSchema,
          op,
          before ? model.value(before) : null,
          after ? model.value(after) : null,
          source,
          tx,
        );
        // Most updates keep their key: only a changed one needs the old key's struct.
        const oldKey =
          op === 'u' && before && after && key !== null && model.keyChanged(before, after) ? model.key(before) : null;
        if (oldKey) {
          // Debezium turns a primary key change into a delete (+ tombstone) of the old key and a create of the new one.
          await this.#emitDelete(model, oldKey, before!, source, offset, tx);
          // The create is an event of its own in the transaction's order.
          const create = envelopeStruct(
            model.envelopeSchema,
            'c',
            null,
            model.value(after!),
            source,
            this.#txBlock(id),
          );
          await this.#options.emit(this.#record(model, key, create, offset));
          continue;
        }
        await this.#options.emit(this.#record(model, key, value, offset));
        if (op === 'd' && this.#options.tombstonesOnDelete)
          await this.#options.emit(this.#tombstone(model, key, offset));
      } catch (err) {
        const where = `${id.db}.${id.table} at ${this.#file}:${pos} row ${i}`;
        if (this.#options.failureMode === 'fail')
          throw new Error(
            `Cannot turn the ${op} of ${where} into an event: ${(err as Error).message}. Set event.processing.failure.handling.mode=warn to log and skip such rows.`,
            { cause: err },
          );
        if (this.#options.failureMode === 'warn')
          this.#options.logger.warn(
            { table: `${id.db}.${id.table}`, file: this.#file, pos, row: i, err: (err as Error).message },
            'row skipped: it could not be turned into an event',
          );
      }
    }
  }

  async #emitDelete(
    model: TableModel,
    key: ReturnType<TableModel['key']>,
    before: Record<string, RawValue>,
    source: ReturnType<typeof sourceStruct>,
    offset: SourceOffset,
    tx: TransactionBlock | null,
  ): Promise<void> {
    const del = envelopeStruct(model.envelopeSchema, 'd', model.value(before), null, source, tx);
    await this.#options.emit(this.#record(model, key, del, offset));
    if (this.#options.tombstonesOnDelete) await this.#options.emit(this.#tombstone(model, key, offset));
  }

  #record(
    model: TableModel,
    key: ReturnType<TableModel['key']>,
    value: ReturnType<typeof envelopeStruct> | null,
    offset: SourceOffset,
  ): SourceRecord {
    return new SourceRecord({
      topic: model.topic,
      keySchema: model.keySchema,
      key,
      valueSchema: value ? model.envelopeSchema : null,
      value,
      sourcePartition: this.#options.partition,
      sourceOffset: offset,
    });
  }

  #tombstone(model: TableModel, key: ReturnType<TableModel['key']>, offset: SourceOffset): SourceRecord {
    return this.#record(model, key, null, offset);
  }
}

const DDL_RE = /^(?:\/\*.*?\*\/\s*)*(CREATE|ALTER|DROP|RENAME|TRUNCATE)\b/is;

export function isDdl(sql: string): boolean {
  return DDL_RE.test(sql);
}

/** The completed GTIDs with one more transaction: a MariaDB position (`d-s-n`) or a MySQL GTID set. */
export function addGtid(completed: string | null, gtid: string): string {
  if (/^\d+-\d+-\d+$/.test(gtid)) return addMariaDbGtid(completed, gtid);
  const set = GtidSet.parse(completed ?? '');
  set.add(gtid);
  return set.toString();
}

/** A MariaDB GTID position with one more transaction: the last sequence number per domain. */
export function addMariaDbGtid(position: string | null, gtid: string): string {
  const [domain] = gtid.split('-');
  const parts = (position ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s.split('-')[0] !== domain);
  parts.push(gtid);
  return parts.sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0])).join(',');
}
