/** Turns the pgoutput stream into Debezium change events: relations, transactions, streamed-transaction spills, restart skipping and safe LSNs. */
import {
  ConnectException,
  Headers,
  javaHashMapOrder,
  type Logger,
  type Schema,
  SchemaBuilder,
  SourceRecord,
  type SourceOffset,
  type SourcePartition,
  Struct,
} from '@tributary/api';
import type { PostgresConfig } from './config.js';
import {
  envelopeStruct,
  heartbeatKeySchema,
  heartbeatValueSchema,
  messageKeySchema,
  messageValueSchema,
  type NameAdjustmentMode,
  type Op,
  type SnapshotMarker,
  sourceStruct,
  type EventContext,
  withContextHeaders,
  type TransactionBlock,
  transactionBlockStruct,
  transactionKeySchema,
  transactionValueSchema,
} from './events.js';
import type { Filters, TableId } from './filters.js';
import type { ClosedChunk, IncrementalSnapshotter } from './incremental.js';
import { formatLsn, type Lsn, maxLsn, pgMicrosToUnixMicros } from './lsn.js';
import { type MessageType, streamingOffset } from './offsets.js';
import type { ReplicationFrame } from './pgoutput/framing.js';
import {
  type DeleteMessage,
  type InsertMessage,
  type LogicalMessage,
  type PgOutputMessage,
  PgOutputDecoder,
  type RelationMessage,
  type TruncateMessage,
  type TupleValue,
  UNCHANGED_TOAST,
  type UpdateMessage,
} from './pgoutput/messages.js';
import { QueueClosedError, type RecordQueue } from './queue.js';
import type { BinaryHandlingMode, MappingConfig } from './schema/mapping.js';
import type { TypeRegistry } from './schema/types.js';
import type { SpillStore } from './spill.js';
import { type CatalogTable, modelContext, TableModel } from './tables.js';

/** Where to pick up after a restart: what the committed offset (or the last queued record) says was delivered. */
export interface ResumePoint {
  /** End of the last transaction delivered completely. */
  lsnCommit: Lsn;
  /** The transaction the offset's event belongs to, when it was inside one. */
  txId: number | null;
  /** How many of that transaction's changes were delivered (event_serial_no). */
  serial: number | null;
  /** Fallback for offsets without event_serial_no (Debezium's): changes up to this LSN were delivered. */
  lsnProc: Lsn | null;
}

/** Catalog access the processor needs while streaming (a regular SQL connection behind it). */
export interface CatalogAccess {
  table(oid: number): Promise<CatalogTable | null>;
  refreshTypes(): Promise<void>;
  /** Runs heartbeat.action.query. */
  heartbeatAction(sql: string): Promise<void>;
}

export interface ProcessorDeps {
  config: PostgresConfig;
  filters: Filters;
  mapping: MappingConfig;
  types: TypeRegistry;
  catalog: CatalogAccess;
  queue: RecordQueue;
  spill: SpillStore;
  logger: Logger;
  partition: SourcePartition;
  db: string;
  /** Table models by relation OID, shared with the snapshot. */
  tables: Map<number, TableModel>;
  /** Called for each record as it is queued. */
  onQueued(record: SourceRecord): void;
  /** Debezium's context headers on change events (null: extended.headers.enabled=false). */
  eventContext?: EventContext | null;
  /** Incremental snapshots through the signal table (absent: signals are not acted on). */
  incremental?: IncrementalSnapshotter | null;
}

interface Txn {
  xid: number;
  finalLsn: Lsn;
  commitTimeUnixMicros: bigint;
  /** Changes seen so far in this transaction (emitted or not): the next change's event_serial_no - 1. */
  serial: number;
  skipAll: boolean;
  skipThroughSerial: number | null;
  skipThroughLsn: Lsn | null;
  metadataBegun: boolean;
  totalOrder: number;
  perTable: Map<string, number>;
  /** Replication origin when the transaction was applied by a subscription (pgoutput Origin message). */
  origin: { name: string; lsn: Lsn } | null;
}

/** Debezium's name for a logical decoding message as a transaction's data collection (see #txBlock). */
const MESSAGE_DATA_COLLECTION =
  'io.debezium.connector.postgresql.LogicalDecodingMessageMonitor$LogicalDecodingMessageId';
/** Keeps each message its own END entry in Txn.perTable; never part of a table name. */
const MESSAGE_ENTRY_SEPARATOR = '\u0000';

/**
 * Turns the pgoutput stream into Debezium change events: tracks relations and transactions,
 * spills streamed (in-progress) transactions to disk until they commit, skips what a restart
 * replays but was already delivered, and knows which LSN is safe to confirm when idle.
 */
export class ChangeEventProcessor {
  readonly #deps: ProcessorDeps;
  readonly #decoder = new PgOutputDecoder();
  readonly #replayDecoder = new PgOutputDecoder();
  readonly #relations = new Map<number, RelationMessage>();
  readonly #prefix: string;
  readonly #delim: string;
  readonly #skipped: Set<string>;
  readonly #tombstones: boolean;
  readonly #txMetadata: boolean;
  readonly #skipUnchanged: boolean;
  readonly #nameMode: NameAdjustmentMode;
  readonly #binaryMode: BinaryHandlingMode;
  #txn: Txn | null = null;
  #streamXid: number | null = null;
  #lastCommitEnd: Lsn;
  #idleWalEnd: Lsn = 0n;
  #resume: ResumePoint | null;
  #lastQueuedOffset: SourceOffset | null = null;
  #lastHeartbeat = Date.now();
  #messageType: MessageType = 'NOOP';
  #lastLsn: Lsn;
  readonly #heartbeatKeySchema: Schema;
  readonly #heartbeatValueSchema: Schema;
  readonly #txKeySchema: Schema;
  readonly #txValueSchema: Schema;
  readonly #messageKeySchema: Schema;
  readonly #messageValueSchema: Schema;
  #eventsQueued = 0;

  constructor(d: ProcessorDeps, start: { lastCommitEnd: Lsn; resume: ResumePoint | null }) {
    this.#deps = d;
    const c = d.config;
    this.#prefix = c['topic.prefix'];
    this.#delim = c['topic.delimiter'];
    this.#skipped = new Set(c['skipped.operations'].filter((o) => o !== 'none'));
    this.#tombstones = c['tombstones.on.delete'];
    this.#txMetadata = c['provide.transaction.metadata'];
    this.#skipUnchanged = c['skip.messages.without.change'];
    this.#nameMode = c['schema.name.adjustment.mode'];
    this.#binaryMode = c['binary.handling.mode'];
    this.#lastCommitEnd = start.lastCommitEnd;
    this.#lastLsn = start.lastCommitEnd;
    this.#resume = start.resume;
    this.#heartbeatKeySchema = heartbeatKeySchema(this.#nameMode);
    this.#heartbeatValueSchema = heartbeatValueSchema(this.#nameMode);
    this.#txKeySchema = transactionKeySchema(this.#nameMode);
    this.#txValueSchema = transactionValueSchema(this.#nameMode);
    this.#messageKeySchema = messageKeySchema(this.#nameMode);
    this.#messageValueSchema = messageValueSchema(
      this.#nameMode,
      (this.#binaryMode === 'bytes' ? SchemaBuilder.bytes() : SchemaBuilder.string()).optional().build(),
    );
  }

  /** Between Begin and Commit of a transaction (or replaying a streamed one). */
  get inTransaction(): boolean {
    return this.#txn !== null;
  }

  get lastCommitEnd(): Lsn {
    return this.#lastCommitEnd;
  }

  get lastQueuedOffset(): SourceOffset | null {
    return this.#lastQueuedOffset;
  }

  get eventsQueued(): number {
    return this.#eventsQueued;
  }

  /**
   * The furthest LSN that holds nothing undelivered, assuming every queued record is committed:
   * inside a transaction the end of the previous one; between transactions also what
   * keepalives reported (the server has sent all it decoded up to there).
   */
  idlePosition(): Lsn {
    return this.#txn ? this.#lastCommitEnd : maxLsn(this.#lastCommitEnd, this.#idleWalEnd);
  }

  /** Where to resume after a reconnect: right after the last change this processor handled. */
  resumePoint(): ResumePoint {
    if (this.#txn)
      return { lsnCommit: this.#lastCommitEnd, txId: this.#txn.xid, serial: this.#txn.serial, lsnProc: null };
    return { lsnCommit: this.#lastCommitEnd, txId: null, serial: null, lsnProc: null };
  }

  /** Forgets protocol state of a broken connection; the server resends in-progress transactions. */
  async resetForReconnect(): Promise<void> {
    this.#resume = this.resumePoint();
    this.#txn = null;
    this.#streamXid = null;
    this.#relations.clear();
    await this.#deps.spill.discardAll();
  }

  async handleFrame(frame: ReplicationFrame): Promise<void> {
    if (frame.kind === 'keepalive') {
      if (!this.#txn && frame.walEnd > this.#idleWalEnd) this.#idleWalEnd = frame.walEnd;
      return;
    }
    const msg = this.#decoder.decode(frame.data);
    this.#pendingBytes = frame.data.length;
    await this.#dispatch(msg, frame.dataStart, frame.data);
  }

  async #dispatch(msg: PgOutputMessage, lsn: Lsn, raw: Buffer): Promise<void> {
    switch (msg.tag) {
      case 'begin':
        this.#beginTxn(msg.xid, msg.finalLsn, msg.commitTime);
        return;
      case 'commit':
        await this.#commitTxn(msg.endLsn);
        return;
      case 'origin':
        if (this.#txn) this.#txn.origin = { name: msg.name, lsn: msg.originLsn };
        return;
      case 'stream_start':
        this.#streamXid = msg.xid;
        return;
      case 'stream_stop':
        if (this.#streamXid !== null) await this.#deps.spill.get(this.#streamXid)?.flush();
        this.#streamXid = null;
        return;
      case 'stream_abort':
        if (msg.xid === msg.subXid) await this.#deps.spill.discard(msg.xid);
        else await this.#deps.spill.get(msg.xid)?.abortSubtransaction(msg.subXid);
        return;
      case 'stream_commit':
        await this.#replayStreamed(msg.xid, msg.commitLsn, msg.endLsn, msg.commitTime);
        return;
      default:
        break;
    }
    if (this.#decoder.inStream && this.#streamXid !== null) {
      // A change of a transaction still in progress: keep it on disk until the transaction commits.
      const file = await this.#deps.spill.fileFor(this.#streamXid);
      await file.append(msg.xid ?? this.#streamXid, lsn, raw);
      return;
    }
    await this.#handleData(msg, lsn);
  }

  #beginTxn(xid: number, finalLsn: Lsn, commitTime: bigint): void {
    const txn: Txn = {
      xid,
      finalLsn,
      commitTimeUnixMicros: pgMicrosToUnixMicros(commitTime),
      serial: 0,
      skipAll: false,
      skipThroughSerial: null,
      skipThroughLsn: null,
      metadataBegun: false,
      totalOrder: 0,
      perTable: new Map(),
      origin: null,
    };
    const r = this.#resume;
    if (r) {
      if (finalLsn < r.lsnCommit) txn.skipAll = true;
      else if (r.txId !== null && r.txId === xid) {
        if (r.serial !== null) txn.skipThroughSerial = r.serial;
        else if (r.lsnProc !== null) txn.skipThroughLsn = r.lsnProc;
      }
    }
    this.#txn = txn;
  }

  async #commitTxn(endLsn: Lsn): Promise<void> {
    const txn = this.#txn;
    this.#txn = null;
    if (txn && !txn.skipAll) this.#resume = null;
    if (txn) this.#deps.incremental?.onCommit(txn.xid);
    this.#lastCommitEnd = maxLsn(this.#lastCommitEnd, endLsn);
    this.#messageType = 'COMMIT';
    if (txn?.metadataBegun) await this.#transactionEvent('END', txn);
  }

  async #replayStreamed(xid: number, commitLsn: Lsn, endLsn: Lsn, commitTime: bigint): Promise<void> {
    const file = this.#deps.spill.get(xid);
    this.#beginTxn(xid, commitLsn, commitTime);
    if (file) {
      this.#deps.logger.debug({ xid, messages: file.messages, bytes: file.bytes }, 'replaying a streamed transaction');
      for await (const rec of file.read()) {
        this.#pendingBytes = rec.message.length;
        await this.#handleData(this.#replayDecoder.decode(rec.message, true), rec.lsn);
      }
      await this.#deps.spill.discard(xid);
    }
    await this.#commitTxn(endLsn);
  }

  async #handleData(msg: PgOutputMessage, lsn: Lsn): Promise<void> {
    switch (msg.tag) {
      case 'relation':
        await this.#onRelation(msg);
        return;
      case 'type':
        if (!this.#deps.types.has(msg.typeOid)) await this.#deps.catalog.refreshTypes();
        return;
      case 'message':
        if (!msg.transactional) {
          await this.#nonTransactionalMessage(msg, lsn);
          return;
        }
        break;
      case 'insert':
      case 'update':
      case 'delete':
      case 'truncate':
        break;
      default:
        throw new Error(`Unexpected pgoutput message ${msg.tag} inside a transaction`);
    }
    const txn = this.#txn;
    if (!txn) throw new Error(`pgoutput ${msg.tag} message outside of a transaction`);
    txn.serial++;
    this.#lastLsn = lsn;
    if (
      txn.skipAll ||
      (txn.skipThroughSerial !== null && txn.serial <= txn.skipThroughSerial) ||
      (txn.skipThroughLsn !== null && lsn <= txn.skipThroughLsn)
    ) {
      return;
    }
    try {
      switch (msg.tag) {
        case 'insert':
          await this.#onInsert(msg, lsn, txn);
          return;
        case 'update':
          await this.#onUpdate(msg, lsn, txn);
          return;
        case 'delete':
          await this.#onDelete(msg, lsn, txn);
          return;
        case 'truncate':
          await this.#onTruncate(msg, lsn, txn);
          return;
        case 'message':
          await this.#transactionalMessage(msg, lsn, txn);
          return;
      }
    } catch (err) {
      this.#processingFailure(err, msg, lsn, txn);
    }
  }

  /**
   * A change that cannot be turned into an event (e.g. NaN in a precise decimal): as
   * event.processing.failure.handling.mode says, fail the task naming the change, or log it and go on.
   * Stopping and lost connections are not processing failures and always propagate.
   */
  #processingFailure(err: unknown, msg: PgOutputMessage, lsn: Lsn, txn: Txn): void {
    if (err instanceof QueueClosedError || (err as Error | null)?.name === 'ConnectionLost') throw err;
    const relation = 'relationOid' in msg ? this.#deps.tables.get(msg.relationOid) : undefined;
    const where = {
      table: relation ? `${relation.id.schema}.${relation.id.table}` : null,
      operation: msg.tag,
      lsn: formatLsn(lsn),
      txId: txn.xid,
      eventSerialNo: txn.serial,
    };
    const reason = err instanceof Error ? err.message : String(err);
    switch (this.#deps.config['event.processing.failure.handling.mode']) {
      case 'warn':
        this.#deps.logger.warn({ ...where, err: reason }, 'skipped a change that could not be processed');
        return;
      case 'skip':
      case 'ignore':
        this.#deps.logger.debug({ ...where, err: reason }, 'skipped a change that could not be processed');
        return;
      default:
        throw new ConnectException(
          `Error processing the ${msg.tag} of ${where.table ?? 'a message'} at LSN ${where.lsn} (txId ${txn.xid}): ${reason}. ` +
            'event.processing.failure.handling.mode=warn or skip would log and skip such changes instead.',
          { cause: err },
        );
    }
  }

  async #onRelation(msg: RelationMessage): Promise<void> {
    this.#relations.set(msg.relationOid, msg);
    if (msg.columns.some((c) => !this.#deps.types.has(c.typeOid))) await this.#deps.catalog.refreshTypes();
    const catalog = await this.#deps.catalog.table(msg.relationOid);
    // Enum labels may have been added since the registry was loaded: reload when an enum column's schema would change.
    if (msg.columns.some((c) => this.#deps.types.get(c.typeOid)?.kind === 'e')) await this.#deps.catalog.refreshTypes();
    const id: TableId = { schema: msg.namespace, table: msg.name };
    const before = this.#deps.tables.get(msg.relationOid);
    const model = new TableModel({
      ...modelContext(this.#deps.config, this.#deps),
      id,
      oid: msg.relationOid,
      columns: msg.columns.map((c) => ({ name: c.name, typeOid: c.typeOid, typmod: c.typmod })),
      catalog,
    });
    if (before && !before.sameColumns(model.columns)) {
      this.#deps.logger.info(
        { table: `${id.schema}.${id.table}`, columns: model.columns.map((c) => c.name) },
        'table schema changed',
      );
    }
    this.#deps.tables.set(msg.relationOid, model);
  }

  #table(oid: number): TableModel {
    const t = this.#deps.tables.get(oid);
    if (!t) throw new Error(`pgoutput change for relation ${oid} before its Relation message`);
    return t;
  }

  #source(
    table: TableModel | null,
    lsn: Lsn,
    txn: Txn | null,
    tsMicros?: bigint,
    snapshot: SnapshotMarker = 'false',
  ): Struct {
    return sourceStruct({
      serverName: this.#prefix,
      db: this.#deps.db,
      tsMicros: tsMicros ?? txn?.commitTimeUnixMicros ?? BigInt(Date.now()) * 1000n,
      snapshot,
      schema: table?.id.schema ?? '',
      table: table?.id.table ?? '',
      txId: txn ? txn.xid : null,
      lsn,
      lastCommitLsn: this.#lastCommitEnd,
      origin: txn?.origin ?? null,
    });
  }

  #offset(
    lsn: Lsn,
    txn: Txn | null,
    messageType: MessageType,
    tsUsec?: bigint,
    incremental?: Record<string, unknown>,
  ): SourceOffset {
    this.#messageType = messageType;
    return this.#withIncremental(
      streamingOffset({
        tsUsec: tsUsec ?? txn?.commitTimeUnixMicros ?? BigInt(Date.now()) * 1000n,
        txId: txn ? txn.xid : null,
        lsn,
        lsnProc: lsn,
        lsnCommit: this.#lastCommitEnd,
        messageType,
        serial: txn ? txn.serial : null,
      }),
      incremental,
    );
  }

  /** Offsets carry a running incremental snapshot's progress, so a restart resumes it. */
  #withIncremental(offset: SourceOffset, fields?: Record<string, unknown>): SourceOffset {
    const f = fields ?? this.#deps.incremental?.offsetFields();
    if (!f || Object.keys(f).length === 0) return offset;
    return { ...offset, ...f };
  }

  /**
   * Size of the change data behind the next queued record (max.queue.size.in.bytes): the message
   * it was decoded from, counted once for the records made from it.
   */
  #pendingBytes = 0;

  async #push(record: SourceRecord): Promise<void> {
    const bytes = this.#pendingBytes;
    this.#pendingBytes = 0;
    await this.#deps.queue.push(record, bytes);
    this.#lastQueuedOffset = record.sourceOffset;
    this.#eventsQueued++;
    this.#deps.onQueued(record);
  }

  /**
   * The transaction block of the next event in `txn` (BEGIN first when it is the transaction's first event).
   * `table` null: a transactional logical decoding message. Debezium counts each such message as a data
   * collection of its own, named by its LogicalDecodingMessageId (Java's default toString, class name plus an
   * identity hash no one can reproduce): we write the class name alone, one END entry per message.
   */
  async #txBlock(table: TableModel | null, txn: Txn, offset: SourceOffset): Promise<TransactionBlock | null> {
    if (!this.#txMetadata) return null;
    if (!txn.metadataBegun) {
      txn.metadataBegun = true;
      await this.#transactionEvent('BEGIN', txn, offset);
    }
    const coll = table
      ? `${table.id.schema}.${table.id.table}`
      : `${MESSAGE_DATA_COLLECTION}${MESSAGE_ENTRY_SEPARATOR}${txn.totalOrder}`;
    txn.totalOrder++;
    const n = (txn.perTable.get(coll) ?? 0) + 1;
    txn.perTable.set(coll, n);
    return { id: String(txn.xid), totalOrder: txn.totalOrder, dataCollectionOrder: n };
  }

  async #transactionEvent(status: 'BEGIN' | 'END', txn: Txn, offset?: SourceOffset): Promise<void> {
    const value = new Struct(this.#txValueSchema)
      .put('status', status)
      .put('id', String(txn.xid))
      .put('ts_ms', Number(txn.commitTimeUnixMicros / 1000n));
    if (status === 'END') {
      value.put('event_count', txn.totalOrder);
      const collSchema = this.#txValueSchema.field('data_collections')!.schema.valueSchema!;
      // Debezium's TransactionContext counts in a HashMap: its END lists the collections in that map's order.
      value.put(
        'data_collections',
        Object.entries(javaHashMapOrder(Object.fromEntries(txn.perTable))).map(([c, n]) =>
          new Struct(collSchema).put('data_collection', c.split(MESSAGE_ENTRY_SEPARATOR)[0]).put('event_count', n),
        ),
      );
    }
    await this.#push(
      new SourceRecord({
        topic: `${this.#prefix}${this.#delim}${this.#deps.config['topic.transaction']}`,
        keySchema: this.#txKeySchema,
        key: new Struct(this.#txKeySchema).put('id', String(txn.xid)),
        valueSchema: this.#txValueSchema,
        value,
        sourcePartition: this.#deps.partition,
        sourceOffset: offset ?? this.#offset(this.#lastLsn, null, 'COMMIT', txn.commitTimeUnixMicros),
      }),
    );
  }

  #record(
    table: TableModel,
    key: Struct | null,
    value: Struct | null,
    offset: SourceOffset,
    headers?: Headers,
  ): SourceRecord {
    return new SourceRecord({
      topic: table.topic,
      // A TRUNCATE has no key: Debezium writes it without a key schema too (a key schema with a null key
      // would make the JsonConverter reject the record, as the key struct is not optional).
      keySchema: key === null ? null : table.keySchema,
      key,
      valueSchema: value ? table.envelopeSchema : null,
      value,
      sourcePartition: this.#deps.partition,
      sourceOffset: offset,
      ...(this.#deps.eventContext
        ? { headers: withContextHeaders(headers, this.#deps.eventContext) }
        : headers
          ? { headers }
          : {}),
    });
  }

  async #emitChange(
    table: TableModel,
    op: Op,
    before: Struct | null,
    after: Struct | null,
    key: Struct | null,
    lsn: Lsn,
    txn: Txn,
    type: MessageType,
    headers?: Headers,
  ): Promise<void> {
    const offset = this.#offset(lsn, txn, type);
    const tx = await this.#txBlock(table, txn, offset);
    const envelope = envelopeStruct(table.envelopeSchema, op, before, after, this.#source(table, lsn, txn), tx);
    // The tombstone carries the delete's headers (__debezium.newkey after a key change), as Debezium's does.
    // A copy of its own, so that whatever changes one record's headers later leaves the other's alone.
    const tombstoneHeaders = headers?.duplicate();
    await this.#push(this.#record(table, key, envelope, offset, headers));
    if (op === 'd' && this.#tombstones) await this.#push(this.#record(table, key, null, offset, tombstoneHeaders));
    if (op !== 't') this.#deps.incremental?.onChange(table, key, txn.xid);
  }

  /** Emits the rows of an incremental snapshot chunk whose window the stream just closed. */
  async #emitChunk(chunk: ClosedChunk, lsn: Lsn, txn: Txn, type: MessageType): Promise<void> {
    const { table, rows } = chunk;
    for (let i = 0; i < rows.length; i++) {
      const offset = this.#offset(lsn, txn, type, undefined, i === rows.length - 1 ? chunk.after : chunk.during);
      const source = this.#source(table, lsn, txn, BigInt(Date.now()) * 1000n, 'incremental');
      const envelope = envelopeStruct(table.envelopeSchema, 'r', null, table.value(rows[i]!), source, null);
      await this.#push(this.#record(table, table.key(rows[i]!), envelope, offset));
    }
    await this.#deps.incremental?.ensureRunning();
  }

  /** Starts (or resumes) a pending incremental snapshot's next chunk; called once streaming runs. */
  async startIncremental(): Promise<void> {
    await this.#deps.incremental?.ensureRunning();
  }

  #text(v: TupleValue | undefined): string | null {
    return v === null || v === undefined || v === UNCHANGED_TOAST ? null : v.toString('utf8');
  }

  async #onInsert(msg: InsertMessage, lsn: Lsn, txn: Txn): Promise<void> {
    const table = this.#table(msg.relationOid);
    const inc = this.#deps.incremental;
    if (inc?.isSignalTable(table.id)) {
      const v = msg.newTuple.values;
      const id = this.#text(v[0]);
      const type = this.#text(v[1]);
      if (id !== null && type !== null) {
        const closed = await inc.onSignal({ id, type, data: this.#text(v[2]) });
        if (closed) await this.#emitChunk(closed, lsn, txn, 'INSERT');
        else if (type === 'execute-snapshot' || type === 'resume-snapshot' || type === 'stop-snapshot')
          await inc.ensureRunning();
      }
    }
    if (!this.#deps.filters.includesTable(table.id) || this.#skipped.has('c')) return;
    const row = table.convertTuple(msg.newTuple.values);
    await this.#emitChange(table, 'c', null, table.value(row), table.key(row), lsn, txn, 'INSERT');
  }

  async #onUpdate(msg: UpdateMessage, lsn: Lsn, txn: Txn): Promise<void> {
    const table = this.#table(msg.relationOid);
    if (!this.#deps.filters.includesTable(table.id)) return;
    const old = msg.oldTuple;
    const newRow = table.convertTuple(msg.newTuple.values, msg.oldKind === 'O' && old ? old.values : null);
    const oldRow = old ? table.convertTuple(old.values) : null;
    const newKey = table.key(newRow);
    const oldKey = oldRow ? table.key(oldRow) : null;
    const after = table.value(newRow);
    const before = oldRow ? table.value(oldRow) : null;
    if (oldKey && newKey && !oldKey.equals(newKey)) {
      // The key changed: consumers keyed by it see a delete of the old key and a create of the new one.
      if (!this.#skipped.has('d')) {
        const h = new Headers().add('__debezium.newkey', newKey, table.keySchema);
        await this.#emitChange(table, 'd', before, null, oldKey, lsn, txn, 'UPDATE', h);
      }
      if (!this.#skipped.has('c')) {
        const h = new Headers().add('__debezium.oldkey', oldKey, table.keySchema);
        await this.#emitChange(table, 'c', null, after, newKey, lsn, txn, 'UPDATE', h);
      }
      return;
    }
    if (this.#skipped.has('u')) return;
    if (this.#skipUnchanged && before?.equals(after)) return;
    await this.#emitChange(table, 'u', before, after, newKey, lsn, txn, 'UPDATE');
  }

  async #onDelete(msg: DeleteMessage, lsn: Lsn, txn: Txn): Promise<void> {
    const table = this.#table(msg.relationOid);
    const inc = this.#deps.incremental;
    if (inc?.isSignalTable(table.id)) {
      const id = this.#text(msg.oldTuple.values[0]);
      const closed = id !== null ? inc.onSignalDelete(id) : null;
      if (closed) await this.#emitChunk(closed, lsn, txn, 'DELETE');
    }
    if (!this.#deps.filters.includesTable(table.id) || this.#skipped.has('d')) return;
    const row = table.convertTuple(msg.oldTuple.values);
    await this.#emitChange(table, 'd', table.value(row), null, table.key(row), lsn, txn, 'DELETE');
  }

  async #onTruncate(msg: TruncateMessage, lsn: Lsn, txn: Txn): Promise<void> {
    if (this.#skipped.has('t')) return;
    for (const oid of msg.relationOids) {
      const table = this.#table(oid);
      if (!this.#deps.filters.includesTable(table.id)) continue;
      await this.#emitChange(table, 't', null, null, null, lsn, txn, 'TRUNCATE');
    }
  }

  #messageContent(content: Buffer): unknown {
    switch (this.#binaryMode) {
      case 'bytes':
        return Uint8Array.from(content);
      case 'base64':
        return content.toString('base64');
      case 'base64-url-safe':
        return content.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
      case 'hex':
        return content.toString('hex');
    }
  }

  async #messageEvent(msg: LogicalMessage, lsn: Lsn, txn: Txn | null, offset: SourceOffset): Promise<void> {
    const blockSchema = this.#messageValueSchema.field('message')!.schema;
    // A transactional message is one of its transaction's events (BEGIN/END, total_order), as in Debezium.
    const tx = txn ? await this.#txBlock(null, txn, offset) : null;
    const value = new Struct(this.#messageValueSchema)
      .put('op', 'm')
      .put('transaction', tx ? transactionBlockStruct(tx) : null)
      .put('ts_ms', Date.now())
      .put('source', this.#source(null, lsn, txn, txn ? undefined : BigInt(Date.now()) * 1000n))
      .put(
        'message',
        new Struct(blockSchema).put('prefix', msg.prefix).put('content', this.#messageContent(msg.content)),
      );
    await this.#push(
      new SourceRecord({
        topic: `${this.#prefix}${this.#delim}message`,
        keySchema: this.#messageKeySchema,
        key: new Struct(this.#messageKeySchema).put('prefix', msg.prefix),
        valueSchema: this.#messageValueSchema,
        value,
        sourcePartition: this.#deps.partition,
        sourceOffset: offset,
      }),
    );
  }

  async #transactionalMessage(msg: LogicalMessage, lsn: Lsn, txn: Txn): Promise<void> {
    if (!this.#deps.filters.includesMessagePrefix(msg.prefix)) return;
    await this.#messageEvent(msg, lsn, txn, this.#offset(lsn, txn, 'MESSAGE'));
  }

  async #nonTransactionalMessage(msg: LogicalMessage, lsn: Lsn): Promise<void> {
    // A message outside any transaction is complete on its own: like Debezium, the position
    // moves to it, and a restart skips messages up to it.
    const r = this.#resume;
    if (r && r.txId === null && lsn <= r.lsnCommit) return;
    this.#lastCommitEnd = maxLsn(this.#lastCommitEnd, lsn);
    this.#lastLsn = lsn;
    if (!this.#deps.filters.includesMessagePrefix(msg.prefix)) return;
    await this.#messageEvent(msg, lsn, null, this.#offset(lsn, null, 'MESSAGE'));
  }

  /** Emits a heartbeat record when heartbeat.interval.ms has passed (and runs heartbeat.action.query). */
  async maybeHeartbeat(): Promise<void> {
    const interval = this.#deps.config['heartbeat.interval.ms'];
    if (interval <= 0 || this.#txn) return;
    const now = Date.now();
    if (now - this.#lastHeartbeat < interval) return;
    this.#lastHeartbeat = now;
    const action = this.#deps.config['heartbeat.action.query'];
    if (action) {
      try {
        await this.#deps.catalog.heartbeatAction(action);
      } catch (err) {
        this.#deps.logger.warn({ err: (err as Error).message }, 'heartbeat.action.query failed');
      }
    }
    const position = this.idlePosition();
    const offset = this.#withIncremental(
      streamingOffset({
        tsUsec: BigInt(now) * 1000n,
        txId: null,
        lsn: position,
        lsnProc: position,
        lsnCommit: position,
        messageType: this.#messageType,
        serial: null,
      }),
    );
    await this.#push(
      new SourceRecord({
        topic: `${this.#deps.config['topic.heartbeat.prefix']}${this.#delim}${this.#prefix}`,
        keySchema: this.#heartbeatKeySchema,
        key: new Struct(this.#heartbeatKeySchema).put('serverName', this.#prefix),
        valueSchema: this.#heartbeatValueSchema,
        value: new Struct(this.#heartbeatValueSchema).put('ts_ms', now),
        sourcePartition: this.#deps.partition,
        sourceOffset: offset,
      }),
    );
  }
}
