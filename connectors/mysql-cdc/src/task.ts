// The source task: snapshot (when the mode asks) then binlog streaming from exactly the snapshot's position.
import {
  ConnectException,
  type Logger,
  RetriableException,
  SourceRecord,
  SourceTask,
  type SourceOffset,
  Struct,
} from '@tributary/api';
import {
  heartbeatKeySchema,
  heartbeatValueSchema,
  needsSnapshot,
  QueueClosedError,
  RecordQueue,
  type SnapshotMode,
} from '@tributary/connector-postgres-cdc';
import { BinlogReader } from './binlog.js';
import { type MySqlConfig, parseConfig, serverId, snapshotMode } from './config.js';
import {
  binlogFiles,
  type CharsetInfo,
  connect,
  connectionOptions,
  currentPosition,
  databaseCharsets,
  listTables,
  quoteIdent,
  readTable,
  type ServerInfo,
  type SqlConnection,
  serverCharset,
  serverInfo,
  serverProblems,
  showCreateTable,
} from './connection.js';
import { applyDdl } from './ddl.js';
import { CONNECTOR_VERSION, type Flavor, flavorOf, type SourceValues, sourceStruct } from './events.js';
import { Filters } from './filters.js';
import { type HistoryRecord, historyRecord, SchemaHistory } from './history.js';
import { KafkaHistoryStore } from './history-kafka.js';
import { type LoadedOffset, loadOffset, type RestartPoint, streamingOffset } from './offsets.js';
import { type SchemaChangeSchemas, schemaChangeEvent, schemaChangeSchemas } from './schema-change.js';
import { type MappingConfig, type TableId, TableModel, tableIdString } from './schema.js';
import { beginSnapshot, readSnapshot } from './snapshot.js';
import { type SchemaChange, StreamingProcessor } from './streaming.js';
import { columnInfo, tableDefFromCatalog, type TableChange, type TableDef, Tables } from './table-def.js';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
]);

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return /Connection lost|closed state|server has gone away|ECONNREFUSED|ECONNRESET|shutdown in progress/i.test(
    (err as Error | null)?.message ?? '',
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Streams a MySQL / MariaDB server's row changes as Debezium change events. Every record carries a
 * Debezium offset (binlog file, position of its transaction, events and rows done in it), so a
 * restart resumes at the first row not yet committed to Kafka — at-least-once, duplicates bounded by
 * what was sent after the last offset flush.
 */
export class MySqlSourceTask extends SourceTask {
  #config!: MySqlConfig;
  #logger!: Logger;
  #flavor!: Flavor;
  #filters!: Filters;
  #mapping!: MappingConfig;
  #partition!: Record<string, string>;
  #queue!: RecordQueue;
  #sql: SqlConnection | null = null;
  #server!: ServerInfo;
  #serverId = 0;
  #models = new Map<string, TableModel | null>();
  /** Table structures at the position being read (replayed from the schema history at start). */
  #tables = new Tables();
  #history: SchemaHistory | null = null;
  #schemaChange!: SchemaChangeSchemas;
  #reader: BinlogReader | null = null;
  #processor: StreamingProcessor | null = null;
  #run: Promise<void> | null = null;
  #stopping = false;
  #heartbeat: NodeJS.Timeout | null = null;
  #stopAfterSnapshot = false;

  version(): string {
    return CONNECTOR_VERSION;
  }

  async start(props: Readonly<Record<string, string>>): Promise<void> {
    try {
      await this.#start(props);
    } catch (err) {
      await this.#sql?.end().catch(() => undefined);
      this.#sql = null;
      if (isConnectionError(err) && !(err instanceof ConnectException))
        throw new RetriableException(`Cannot reach the server: ${(err as Error).message}`, { cause: err });
      throw err;
    }
  }

  async #start(props: Readonly<Record<string, string>>): Promise<void> {
    this.#config = parseConfig(props);
    const c = this.#config;
    this.#flavor = flavorOf(props['connector.class']);
    this.#logger = this.context.logger.child({ server: c['topic.prefix'] });
    // Old key names were warned about once, by the connector's start().
    this.#filters = new Filters(c);
    this.#mapping = {
      decimalMode: c['decimal.handling.mode'],
      timePrecisionMode: c['time.precision.mode'],
      bigintUnsignedMode: c['bigint.unsigned.handling.mode'],
      binaryMode: c['binary.handling.mode'],
      nameAdjustment: c['schema.name.adjustment.mode'],
    };
    this.#partition = { server: c['topic.prefix'] };
    this.#serverId = serverId(c);
    this.#queue = new RecordQueue(c['max.queue.size']);
    this.#stopping = false;

    this.#schemaChange = schemaChangeSchemas(this.#flavor, c['schema.name.adjustment.mode']);
    this.#tables = new Tables();
    this.#models.clear();

    const stored = await this.context.offsetStorageReader.offset(this.#partition);
    const offset = stored ? loadOffset(stored) : null;
    this.#sql = await this.#connectWithRetries();
    this.#server = await serverInfo(this.#sql);
    const problems = serverProblems(this.#server);
    if (Object.keys(problems).length > 0) throw new ConnectException(Object.values(problems).join(' '));
    for (const [db, cs] of await databaseCharsets(this.#sql)) this.#tables.setDatabaseCharset(db, cs.charset);
    await this.#openHistory();
    const mode = snapshotMode(c);
    const snapshot = await this.#needsSnapshot(mode, offset);
    this.#logger.info(
      { snapshotMode: mode, snapshot, offset: stored ?? null, server: this.#server.version, serverId: this.#serverId },
      'starting',
    );
    if (snapshot) this.#run = this.#snapshotThenStream(mode === 'initial_only');
    else {
      const point = offset?.point ?? (await this.#startPoint(mode));
      await this.#prepareSchema(mode, offset, stored ?? null, point);
      this.#run = this.#stream(point);
    }
    this.#run = this.#run.catch((err: unknown) => {
      if (this.#stopping && (err instanceof QueueClosedError || isConnectionError(err))) return;
      this.#logger.error({ err: (err as Error).message }, 'change capture failed');
      this.#queue.fail(err instanceof Error ? err : new Error(String(err)));
    });
    if (c['heartbeat.interval.ms'] > 0) {
      this.#heartbeat = setInterval(() => void this.#emitHeartbeat(), c['heartbeat.interval.ms']);
    }
  }

  /** The schema history topic, when configured (Debezium requires one; without it structures come from the catalog). */
  async #openHistory(): Promise<void> {
    const c = this.#config;
    const topic = c['schema.history.internal.kafka.topic'];
    const servers = c['schema.history.internal.kafka.bootstrap.servers'];
    await this.#history?.close().catch(() => undefined);
    this.#history = null;
    if (!topic || !servers) {
      this.#logger.warn(
        'schema.history.internal.kafka.topic is not set: table structures are read from the server catalog when a table is first seen, so after a restart events older than a DDL are decoded with the structure of now',
      );
      return;
    }
    const store = new KafkaHistoryStore({
      bootstrapServers: servers
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      topic,
      clientId: `${c['topic.prefix']}-schemahistory`,
    });
    try {
      await store.ensureTopic();
    } catch (err) {
      throw new ConnectException(
        `Cannot create or find the schema history topic ${topic} on ${servers}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.#history = new SchemaHistory(store, c['topic.prefix']);
  }

  /**
   * The tables as they were at the streaming start point: replayed from the history up to the stored offset;
   * a schema snapshot from the catalog when there is no history yet (no_data mode, a first start after an
   * upgrade) or when snapshot.mode=recovery asks for it.
   */
  async #prepareSchema(
    mode: SnapshotMode,
    offset: LoadedOffset | null,
    stored: SourceOffset | null,
    point: RestartPoint,
  ): Promise<void> {
    if (mode === 'recovery' || (mode === 'no_data' && !offset)) {
      await this.#schemaSnapshot(this.#sql!, point, mode === 'no_data');
      return;
    }
    if (!this.#history) return;
    const r = await this.#history.recover(this.#tables, offset ? stored : null).catch((err: unknown) => {
      throw new ConnectException(
        `Cannot read the schema history topic ${this.#config['schema.history.internal.kafka.topic']}: ${(err as Error).message}`,
        { cause: err },
      );
    });
    this.#logger.info(
      { records: r.records, applied: r.applied, tables: this.#tables.all().length },
      'schema history recovered',
    );
    if (r.unreadable > 0)
      this.#logger.warn({ unreadable: r.unreadable }, 'schema history records that could not be read were skipped');
    if (r.records === 0 && mode !== 'never') {
      this.#logger.warn(
        { topic: this.#config['schema.history.internal.kafka.topic'] },
        'the schema history topic is empty: recording the structures of now (set snapshot.mode=recovery to rebuild it on purpose)',
      );
      await this.#schemaSnapshot(this.#sql!, point, false);
    }
  }

  /**
   * The first connection, retried while the server is unreachable (restarting, failing over): a task
   * whose start() fails stays FAILED, so a server that is back within a couple of minutes must not fail it.
   */
  async #connectWithRetries(): Promise<SqlConnection> {
    const deadline = Date.now() + 120_000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await connect(this.#config);
      } catch (err) {
        const max = this.#config['errors.max.retries'];
        if (!isConnectionError(err) || Date.now() > deadline || (max >= 0 && attempt > max)) throw err;
        const delay = Math.min(5_000, 250 * 2 ** attempt);
        this.#logger.warn({ err: (err as Error).message, attempt, delayMs: delay }, 'server unreachable; retrying');
        await sleep(delay);
      }
    }
  }

  async #needsSnapshot(mode: SnapshotMode, offset: LoadedOffset | null): Promise<boolean> {
    // The log still holds the offset while the binlog file it names exists on the server.
    const decision = await needsSnapshot(mode, offset, async (o) =>
      (await binlogFiles(this.#sql!)).includes(o.point.file),
    );
    if (decision.resumesUnfinishedSnapshot)
      this.#logger.warn('the stored offset is of an unfinished snapshot; streaming from its binlog position');
    return decision.snapshot;
  }

  /** Where streaming starts without an offset: now (no_data) or the oldest binlog (never). */
  async #startPoint(mode: SnapshotMode): Promise<RestartPoint> {
    if (mode === 'never') {
      const files = await binlogFiles(this.#sql!);
      return { file: files[0]!, pos: 4, gtids: null, events: 0, rows: 0, serverId: 0, tsSec: 0 };
    }
    const p = await currentPosition(this.#sql!, this.#server.isMariaDb);
    return {
      file: p.file,
      pos: p.pos,
      gtids: p.gtids,
      events: 0,
      rows: 0,
      serverId: 0,
      tsSec: Math.floor(Date.now() / 1000),
    };
  }

  async #model(t: TableId): Promise<TableModel | null> {
    const key = tableIdString(t);
    if (this.#models.has(key)) return this.#models.get(key)!;
    let model: TableModel | null = null;
    if (this.#filters.includeTable(t)) {
      const def = this.#tables.get(t) ?? (await this.#learnTable(t));
      if (def) {
        model = this.#newModel(def);
        if (model.skipped.length > 0)
          this.#logger.warn({ table: key, columns: model.skipped }, 'columns of unmapped types are left out of events');
      }
    }
    this.#models.set(key, model);
    return model;
  }

  #newModel(def: TableDef): TableModel {
    return new TableModel({
      id: def.id,
      prefix: this.#config['topic.prefix'],
      flavor: this.#flavor,
      columns: def.columns.map(columnInfo),
      keyColumns: def.primaryKey,
      mapping: this.#mapping,
      includeColumn: (col) => this.#filters.includeColumn(def.id, col),
    });
  }

  /** A table's structure now, from SHOW CREATE TABLE (the catalog when the statement cannot be parsed); null when gone. */
  async #catalogTable(conn: SqlConnection, t: TableId): Promise<{ def: TableDef; ddl: string } | null> {
    const ddl = await showCreateTable(conn, t);
    if (ddl === null) return null;
    const scratch = new Tables();
    scratch.setDatabaseCharset(t.db, this.#tables.databaseCharset(t.db) ?? '');
    const out = applyDdl(scratch, ddl, t.db);
    const parsed = scratch.get(t);
    if (parsed && out.unresolved.length === 0) return { def: parsed, ddl };
    const cat = await readTable(conn, t);
    if (!cat) return null;
    this.#logger.warn(
      { table: tableIdString(t) },
      'SHOW CREATE TABLE could not be parsed; the structure is read from information_schema',
    );
    return { def: tableDefFromCatalog(t, cat.columns, cat.keyColumns, this.#tables.databaseCharset(t.db)), ddl };
  }

  /**
   * A captured table seen in the binlog that neither the snapshot nor the history knows (snapshot.mode=never,
   * no history): its structure of now, recorded in the history so a restart knows it too.
   */
  async #learnTable(t: TableId): Promise<TableDef | null> {
    const found = await this.#catalogTable(await this.#sqlConn(), t);
    if (!found) return null;
    this.#tables.put(found.def);
    const p = this.#processor?.restartPoint;
    if (this.#history && p)
      await this.#history.record([
        historyRecord(this.#config['topic.prefix'], streamingOffset(p), t.db, found.ddl, [
          { type: 'CREATE', id: t, table: found.def },
        ]),
      ]);
    return found.def;
  }

  /**
   * Whether the schema history keeps this table's DDL and structure, as Debezium's
   * schema.history.internal.store.only.captured.tables.ddl / .databases.ddl decide. Both are false by default, and
   * Debezium then keeps every table outside the system databases (RelationalTableFilters' schema snapshot filter,
   * BinlogDatabaseSchema.parseDdl/applySchemaChange in 3.4), so that a table added to the include list later is
   * decoded with the structure the history knows.
   */
  #historyKeeps(t: TableId): boolean {
    const c = this.#config;
    if (c['schema.history.internal.store.only.captured.tables.ddl']) return this.#filters.includeTable(t);
    if (c['schema.history.internal.store.only.captured.databases.ddl']) return this.#filters.includeDatabase(t.db);
    return !this.#filters.builtIn(t.db);
  }

  /**
   * Debezium's schema snapshot: the statements that recreate every table the history keeps (SET character_set_server,
   * DROP TABLE IF EXISTS …, DROP/CREATE DATABASE, USE, SHOW CREATE TABLE's statements), each recorded in the
   * history at the snapshot's position and, when `events`, emitted as a schema change event. Returns the
   * structures of the captured tables among them.
   */
  async #schemaSnapshot(conn: SqlConnection, point: RestartPoint, events: boolean): Promise<TableDef[]> {
    const c = this.#config;
    const prefix = c['topic.prefix'];
    const kept = (await listTables(conn)).filter((t) => this.#historyKeeps(t));
    const charsets = await databaseCharsets(conn);
    const server = await serverCharset(conn);
    const position = { ...streamingOffset({ ...point, events: 0, rows: 0, serverId: 0 }), snapshot: 'INITIAL' };
    const records: HistoryRecord[] = [];
    const emitted: Array<{ db: string; table: string | null; ddl: string; changes: TableChange[] }> = [];
    const onlyTables = c['schema.history.internal.store.only.captured.tables.ddl'];
    const add = (db: string, table: string | null, ddl: string, changes: TableChange[]): void => {
      // Debezium's applySchemaChange: with only captured tables stored, statements without a table (DROP/CREATE
      // DATABASE, USE) go to the schema change topic only; the server's SET stays in the history.
      if (!onlyTables || changes.length > 0 || db === '')
        records.push(historyRecord(prefix, position, db, ddl, changes));
      emitted.push({ db, table, ddl, changes });
    };
    add('', null, `SET character_set_server=${server.charset}, collation_server=${server.collation}`, []);
    for (const t of kept) {
      const gone = this.#tables.remove(t);
      add(t.db, t.table, `DROP TABLE IF EXISTS ${quoteIdent(t.db)}.${quoteIdent(t.table)}`, [
        {
          type: 'DROP',
          id: t,
          table: gone ?? { id: t, columns: [], primaryKey: [], defaultCharset: null, comment: null },
        },
      ]);
    }
    const defs: TableDef[] = [];
    for (const db of [...new Set(kept.map((t) => t.db))]) {
      const cs: CharsetInfo | undefined = charsets.get(db);
      add(db, null, `DROP DATABASE IF EXISTS ${quoteIdent(db)}`, []);
      add(
        db,
        null,
        `CREATE DATABASE ${quoteIdent(db)}${cs ? ` CHARSET ${cs.charset} COLLATE ${cs.collation}` : ''}`,
        [],
      );
      add(db, null, `USE ${quoteIdent(db)}`, []);
      if (cs) this.#tables.setDatabaseCharset(db, cs.charset);
      for (const t of kept.filter((x) => x.db === db)) {
        const found = await this.#catalogTable(conn, t);
        if (!found) continue;
        this.#tables.put(found.def);
        this.#models.delete(tableIdString(t));
        if (this.#filters.includeTable(t)) defs.push(found.def);
        add(db, t.table, found.ddl, [{ type: 'CREATE', id: t, table: found.def }]);
      }
    }
    await this.#history?.record(records);
    if (events && c['include.schema.changes'])
      for (const e of emitted)
        await this.#emitSchemaChange(
          {
            flavor: this.#flavor,
            serverName: prefix,
            tsMs: Date.now(),
            snapshot: 'true',
            serverId: 0,
            gtid: null,
            file: point.file,
            pos: point.pos,
            row: 0,
            thread: null,
            query: null,
          },
          e.db,
          e.table,
          e.ddl,
          e.changes,
          { ...position, snapshot_completed: false },
        );
    return defs;
  }

  async #emitSchemaChange(
    source: Omit<SourceValues, 'db' | 'table'>,
    db: string,
    table: string | null,
    ddl: string,
    changes: readonly TableChange[],
    offset: SourceOffset,
  ): Promise<void> {
    const { key, value } = schemaChangeEvent(
      this.#schemaChange,
      sourceStruct({ ...source, db, table }),
      db,
      ddl,
      changes,
    );
    await this.#queue.push(
      new SourceRecord({
        topic: this.#config['topic.prefix'],
        keySchema: this.#schemaChange.key,
        key,
        valueSchema: this.#schemaChange.value,
        value,
        sourcePartition: this.#partition,
        sourceOffset: offset,
      }),
    );
  }

  /**
   * A DDL statement in the binlog: the tables change as it says (the catalog is asked only for what the
   * parser cannot work out); the history and the schema change topic get it when they keep its tables.
   */
  async #schemaChanged(change: SchemaChange): Promise<TableModel[]> {
    const out = applyDdl(this.#tables, change.ddl, change.db);
    for (const id of out.unresolved) {
      // Tables the history does not keep are not worth a catalog query (nor the grants it may need).
      if (!this.#historyKeeps(id)) continue;
      const had = this.#tables.get(id);
      const found = await this.#catalogTable(await this.#sqlConn(), id);
      if (!found) continue;
      this.#logger.warn(
        { table: tableIdString(id), ddl: change.ddl },
        'the structure after this DDL is read from the server catalog (the statement is not one the parser follows)',
      );
      this.#tables.put(found.def);
      out.changes.push({ type: had ? 'ALTER' : 'CREATE', id, table: found.def });
    }
    for (const ch of out.changes) {
      this.#models.delete(tableIdString(ch.id));
      if (ch.previousId) this.#models.delete(tableIdString(ch.previousId));
    }
    if (out.kind === 'DATABASE' && out.database)
      for (const k of [...this.#models.keys()]) if (k.startsWith(`${out.database}.`)) this.#models.delete(k);
    const touched = out.changes.map((ch) => ch.id);
    const db = touched[0]?.db ?? out.truncated[0]?.db ?? out.database ?? change.db;
    this.#logger.info({ db, ddl: change.ddl, kind: out.kind, tables: touched.map(tableIdString) }, 'schema change');
    // Debezium's BinlogDatabaseSchema and EventDispatcher: a DDL statement goes to the history and to the schema
    // change topic when the history keeps one of its tables; database DDL when its database is kept, and
    // then only to the schema change topic if only captured tables are stored (applySchemaChange records
    // statements with tables). TRUNCATE is a data event, statements the parser does not follow are skipped.
    const onlyTables = this.#config['schema.history.internal.store.only.captured.tables.ddl'];
    const narrowed = onlyTables || this.#config['schema.history.internal.store.only.captured.databases.ddl'];
    const kept = out.changes.filter(
      (ch) => this.#historyKeeps(ch.id) || (ch.previousId !== undefined && this.#historyKeeps(ch.previousId)),
    );
    const databaseKept =
      out.kind === 'DATABASE' && (narrowed ? this.#filters.includeDatabase(db) : !this.#filters.builtIn(db));
    // An ALTER of a table Debezium's model does not have (outside what the history keeps) makes its parser
    // emit nothing, and BinlogDatabaseSchema then records the statement as one of the session's database, without
    // tableChanges (SchemaChangeEvent.ofDatabase), unless only captured tables are stored.
    const unknownAlter =
      out.kind === 'ALTER' &&
      out.changes.length === 0 &&
      !onlyTables &&
      (!narrowed || change.db === '' || this.#filters.includeDatabase(change.db));
    if (unknownAlter) {
      await this.#history?.record([
        historyRecord(this.#config['topic.prefix'], change.offset, change.db, change.ddl, []),
      ]);
      if (this.#config['include.schema.changes'])
        // Its source names the table as '' where parsed database statements have none (as Debezium's does).
        await this.#emitSchemaChange(change.source, change.db, '', change.ddl, [], change.offset);
    } else {
      if (out.kind !== 'TRUNCATE' && out.kind !== 'OTHER' && (kept.length > 0 || (databaseKept && !onlyTables)))
        await this.#history?.record([
          historyRecord(this.#config['topic.prefix'], change.offset, db, change.ddl, out.changes),
        ]);
      if (this.#config['include.schema.changes'] && (kept.length > 0 || databaseKept))
        await this.#emitSchemaChange(change.source, db, kept[0]?.id.table ?? null, change.ddl, kept, change.offset);
    }
    const truncated: TableModel[] = [];
    for (const id of out.truncated) {
      const m = await this.#model(id);
      if (m) truncated.push(m);
    }
    return truncated;
  }

  async #sqlConn(): Promise<SqlConnection> {
    if (this.#sql) return this.#sql;
    this.#sql = await connect(this.#config);
    return this.#sql;
  }

  async #snapshotThenStream(only: boolean): Promise<void> {
    const c = this.#config;
    const conn = await connect(c);
    let point: RestartPoint;
    try {
      const pos = await beginSnapshot(conn, {
        isMariaDb: this.#server.isMariaDb,
        lockingMode: c['snapshot.locking.mode'],
        logger: this.#logger,
      });
      point = {
        file: pos.file,
        pos: pos.pos,
        gtids: pos.gtids,
        events: 0,
        rows: 0,
        serverId: 0,
        tsSec: Math.floor(Date.now() / 1000),
      };
      const defs = await this.#schemaSnapshot(conn, point, true);
      const models: TableModel[] = [];
      for (const def of defs) {
        if (!this.#filters.snapshotTable(def.id)) continue;
        const model = this.#newModel(def);
        this.#models.set(tableIdString(def.id), model);
        models.push(model);
      }
      this.#logger.info({ tables: models.map((m) => tableIdString(m.id)) }, 'snapshot started');
      const started = Date.now();
      const rows = await readSnapshot(conn, models, point, {
        flavor: this.#flavor,
        serverName: c['topic.prefix'],
        partition: this.#partition,
        isMariaDb: this.#server.isMariaDb,
        serverId: this.#serverId,
        lockingMode: c['snapshot.locking.mode'],
        fetchSize: c['snapshot.fetch.size'],
        logger: this.#logger,
        emit: (r) => this.#queue.push(r),
      });
      await conn.query('COMMIT');
      this.#logger.info({ rows, ms: Date.now() - started }, 'snapshot completed');
    } finally {
      await conn.end().catch(() => undefined);
    }
    if (only) {
      this.#stopAfterSnapshot = true;
      this.#logger.info('snapshot.mode=initial_only: not streaming');
      return;
    }
    await this.#stream(point);
  }

  /** Streams from a restart point, reconnecting (from the last handled position) when the server goes away. */
  async #stream(start: RestartPoint): Promise<void> {
    const c = this.#config;
    const processor = new StreamingProcessor(
      {
        flavor: this.#flavor,
        serverName: c['topic.prefix'],
        partition: this.#partition,
        tombstonesOnDelete: c['tombstones.on.delete'],
        skipped: new Set(c['skipped.operations'].filter((s) => s !== 'none')),
        includeQuery: c['include.query'],
        transactionMetadata: c['provide.transaction.metadata'],
        failureMode: c['event.processing.failure.handling.mode'],
        serverIdOfServer: this.#server.serverId,
        logger: this.#logger,
        model: (t) => this.#model(t),
        schemaChanged: (change) => this.#schemaChanged(change),
        transactionTopic: `${c['topic.prefix']}.${c['topic.transaction']}`,
        nameAdjustment: c['schema.name.adjustment.mode'],
        emit: (r) => this.#queue.push(r),
      },
      start,
    );
    this.#processor = processor;
    let attempts = 0;
    let point = start;
    for (;;) {
      const reader = new BinlogReader({
        connection: connectionOptions(c),
        serverId: this.#serverId,
        file: point.file,
        pos: point.pos,
        annotateRows: c['include.query'],
        highWaterMark: Math.max(256, Math.floor(c['max.queue.size'] / 4)),
      });
      this.#reader = reader;
      this.#logger.info(
        { file: point.file, pos: point.pos, event: point.events, row: point.rows },
        'streaming from binlog position',
      );
      try {
        await reader.run((e, start) => processor.handle(e, start));
        return;
      } catch (err) {
        if (this.#stopping) return;
        const max = c['errors.max.retries'];
        if (!isConnectionError(err) || (max >= 0 && attempts >= max)) throw err;
        attempts++;
        reader.stop();
        await this.#sql?.end().catch(() => undefined);
        this.#sql = null;
        point = processor.restartPoint;
        // The transaction in progress is read again from its start; its handled part is skipped by count.
        processor.resumeAt(point);
        const delay = Math.min(c['connect.keep.alive.interval.ms'], 500 * 2 ** Math.min(attempts, 5));
        this.#logger.warn(
          { err: (err as Error).message, attempt: attempts, delayMs: delay },
          'binlog connection lost; reconnecting',
        );
        await sleep(delay);
      }
    }
  }

  async #emitHeartbeat(): Promise<void> {
    const p = this.#processor?.restartPoint;
    if (!p || this.#stopping) return;
    const mode = this.#config['schema.name.adjustment.mode'];
    const prefix = this.#config['topic.prefix'];
    const key = new Struct(heartbeatKeySchema(mode)).put('serverName', prefix);
    const value = new Struct(heartbeatValueSchema(mode)).put('ts_ms', Date.now());
    await this.#queue
      .push(
        new SourceRecord({
          topic: `${this.#config['topic.heartbeat.prefix']}.${prefix}`,
          keySchema: heartbeatKeySchema(mode),
          key,
          valueSchema: heartbeatValueSchema(mode),
          value,
          sourcePartition: this.#partition,
          sourceOffset: streamingOffset(p) as SourceOffset,
        }),
      )
      .catch(() => undefined);
  }

  async poll(): Promise<SourceRecord[] | null> {
    const records = await this.#queue.poll(this.#config['max.batch.size'], this.#config['poll.interval.ms']);
    if (records.length === 0 && this.#stopAfterSnapshot) await sleep(this.#config['poll.interval.ms']);
    return records;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    this.#reader?.stop();
    this.#queue?.close();
    await this.#run?.catch(() => undefined);
    await this.#sql?.end().catch(() => undefined);
    this.#sql = null;
    await this.#history?.close().catch(() => undefined);
    this.#history = null;
  }
}
