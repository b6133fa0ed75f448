/** The Postgres change event source coordinator: snapshot or not, the snapshot, the hand-over to streaming, reconnects, and what the slot may confirm. */
import { randomUUID } from 'node:crypto';
import {
  ConnectException,
  type Logger,
  type SourceOffset,
  type SourcePartition,
  type SourceRecord,
} from '@tributary/api';
import { connectOptions, initialStatements, mappingConfig, type PostgresConfig, snapshotMode } from './config.js';
import {
  checkServer,
  ConnectionLost,
  columnTypes,
  isConnectionError,
  type PgConnectOptions,
  PostgresConnection,
  quoteIdent,
  textRows,
} from './connection.js';
import type { EventContext } from './events.js';
import { Filters, type TableId } from './filters.js';
import {
  type IncrementalSql,
  IncrementalSnapshotter,
  type IncrementalState,
  loadIncrementalState,
  parseTableId,
} from './incremental.js';
import { formatLsn, type Lsn, maxLsn } from './lsn.js';
import { flushableLsn, type LoadedOffset, loadOffset, offsetIdentity } from './offsets.js';
import { QueueClosedError, type RecordQueue } from './queue.js';
import { ReplicationConnection, ReplicationSlotError, type ReplicationStream } from './replication.js';
import type { MappingConfig } from './schema/mapping.js';
import { TypeRegistry } from './schema/types.js';
import { describeBackend, dropSlot, ensurePublication, listTables, readSlot, type SlotInfo } from './slots.js';
import { runSnapshot } from './snapshot.js';
import { needsSnapshot } from './snapshot-mode.js';
import { SpillStore } from './spill.js';
import { type CatalogAccess, ChangeEventProcessor, type ResumePoint } from './streaming.js';
import { catalogTableModel, modelContext, readCatalogTable, type TableModel } from './tables.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the task hands the coordinator: its config and the two ends it shares with poll() and commit(). */
export interface CoordinatorDeps {
  config: PostgresConfig;
  /** The task's properties as given (the snapshot reads snapshot.select.statement.overrides.<table> from them). */
  props: Readonly<Record<string, string>>;
  logger: Logger;
  partition: SourcePartition;
  /** Where the snapshot and the stream put records for poll(); a failed capture fails it. */
  queue: RecordQueue;
}

/**
 * Runs change capture for one task, as Debezium's ChangeEventSourceCoordinator with the Postgres
 * snapshot and streaming sources: checks the server, decides from the stored offset and
 * snapshot.mode whether to snapshot, takes the snapshot from a new slot's exported snapshot, then
 * streams from the slot's consistent point (or from the offset), reconnecting after a lost
 * connection. It also owns what the slot may confirm: commitOffset() moves it to what Kafka has.
 */
export class ChangeEventSourceCoordinator {
  readonly #config: PostgresConfig;
  readonly #raw: Readonly<Record<string, string>>;
  readonly #logger: Logger;
  readonly #connect: PgConnectOptions;
  readonly #mapping: MappingConfig;
  readonly #filters: Filters;
  readonly #partition: SourcePartition;
  readonly #queue: RecordQueue;
  readonly #sql: PostgresConnection;
  /** Debezium's context headers for this run (null when extended.headers.enabled=false). */
  readonly #eventContext: EventContext | null;
  readonly #tables = new Map<number, TableModel>();
  #types!: TypeRegistry;
  #spill: SpillStore | null = null;
  #processor: ChangeEventProcessor | null = null;
  #stream: ReplicationStream | null = null;
  #replication: ReplicationConnection | null = null;
  #run: Promise<void> | null = null;
  #stopping = false;
  /** Highest LSN commit() found covered by committed offsets. */
  #confirmed: Lsn = 0n;
  #lastQueued: SourceOffset | null = null;
  #identityOf: { offset: SourceOffset; identity: string } | null = null;
  #committedIdentity: string | null = null;
  #snapshotDone = false;
  /** An incremental snapshot the stored offset says is in progress. */
  #restoredIncremental: IncrementalState | null = null;

  constructor(deps: CoordinatorDeps) {
    const c = deps.config;
    this.#config = c;
    this.#raw = deps.props;
    this.#logger = deps.logger;
    this.#connect = connectOptions(c, `tributary-postgres-cdc-${c['topic.prefix']}`);
    this.#mapping = mappingConfig(c);
    this.#filters = new Filters(c, deps.props);
    this.#partition = deps.partition;
    this.#eventContext = c['extended.headers.enabled'] ? { logicalName: c['topic.prefix'], runId: randomUUID() } : null;
    this.#queue = deps.queue;
    this.#sql = new PostgresConnection(this.#connect, initialStatements(c), (err) =>
      this.#logger.debug({ err: err.message }, 'sql connection error'),
    );
  }

  /**
   * Checks the server, the publication and the slot, then starts capture in the background (its
   * failure fails the queue). Streaming without a snapshot has its slot before this returns.
   */
  async start(stored: SourceOffset | null): Promise<void> {
    const c = this.#config;
    const offset = stored ? loadOffset(stored) : null;
    const incremental = stored ? loadIncrementalState(stored) : null;
    this.#restoredIncremental = incremental?.state ?? null;
    if (incremental) {
      this.#logger.info(
        {
          tables: incremental.state.collections.map((t) => t.id),
          position: incremental.state.lastKey,
        },
        incremental.restartedTable
          ? 'resuming an incremental snapshot; its key position was written by Debezium (Java-serialized) and cannot be read, so the current table starts again from its first row'
          : 'resuming an incremental snapshot',
      );
    }
    const sql = await this.#sql.open();
    await checkServer(sql);
    this.#types = await TypeRegistry.load(sql);
    this.#spill = await SpillStore.create(`tributary-pgcdc-${c['slot.name']}`);
    const signalTable = c['signal.data.collection'] ? parseTableId(c['signal.data.collection']) : null;
    await ensurePublication(
      sql,
      c['publication.name'],
      c['publication.autocreate.mode'],
      this.#filters,
      this.#logger,
      signalTable ? [signalTable] : [],
    );

    const slot = await readSlot(sql, c['slot.name']);
    this.#checkSlot(slot);
    const snapshot = await this.#needsSnapshot(offset, slot);
    this.#logger.info(
      {
        snapshotMode: snapshotMode(c),
        snapshot,
        offset: stored ?? null,
        slot: slot
          ? {
              confirmedFlush: slot.confirmedFlushLsn ? formatLsn(slot.confirmedFlushLsn) : null,
              walStatus: slot.walStatus,
            }
          : null,
      },
      'starting',
    );
    if (snapshot) {
      this.#run = this.#snapshotThenStream(slot);
    } else {
      if (slot?.walStatus === 'lost') {
        throw new ReplicationSlotError(
          `Replication slot "${c['slot.name']}" was invalidated (wal_status=lost): the WAL it needs was removed. Drop the slot and use snapshot.mode=when_needed or always to re-snapshot.`,
          null,
        );
      }
      this.#snapshotDone = true;
      const stream = await this.#prepareStreamOnly(offset, slot);
      this.#run = stream();
    }
    this.#run = this.#run.catch((err: unknown) => {
      if (this.#stopping && (err instanceof QueueClosedError || isConnectionError(err))) return;
      this.#logger.error({ err: (err as Error).message }, 'change capture failed');
      this.#queue.fail(err instanceof Error ? err : new Error(String(err)));
    });
  }

  /**
   * Offsets up to the last flush are durable in Kafka: confirm the LSN they cover to the slot
   * (never further — the changes after it may still be only in memory).
   */
  commitOffset(committed: SourceOffset): void {
    this.#committedIdentity = offsetIdentity(committed);
    let lsn = flushableLsn(committed);
    if (lsn === null) return;
    if (
      this.#processor &&
      this.#lastQueued !== null &&
      this.#lastQueuedIdentity() === this.#committedIdentity &&
      this.#queue.isEmpty
    ) {
      lsn = maxLsn(lsn, this.#processor.idlePosition());
    }
    this.#confirm(lsn);
  }

  /** Ends capture (the task has closed the queue), then drops the slot if slot.drop.on.stop asks. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#stream?.close().catch(() => undefined);
    await this.#replication?.close().catch(() => undefined);
    if (this.#run) {
      await Promise.race([this.#run, sleep(10_000)]);
    }
    const sql = this.#sql.current;
    if (this.#config['slot.drop.on.stop'] && sql) {
      for (let i = 0; i < 50; i++) {
        const slot = await readSlot(sql, this.#config['slot.name']).catch(() => null);
        if (!slot) break;
        if (!slot.active) {
          await dropSlot(sql, this.#config['slot.name']).catch(() => undefined);
          this.#logger.info({ slot: this.#config['slot.name'] }, 'dropped the replication slot (slot.drop.on.stop)');
          break;
        }
        await sleep(100);
      }
    }
    await this.#spill?.close().catch(() => undefined);
    await this.#sql.close();
  }

  /** Closes what a failed start() opened. */
  async release(): Promise<void> {
    await this.#spill?.close().catch(() => undefined);
    await this.#replication?.close().catch(() => undefined);
    await this.#sql.close();
  }

  #checkSlot(slot: SlotInfo | null): void {
    if (!slot) return;
    const c = this.#config;
    if (slot.slotType !== 'logical' || slot.plugin !== 'pgoutput') {
      throw new ReplicationSlotError(
        `Replication slot "${slot.slotName}" is a ${slot.slotType} slot of plugin ${slot.plugin}; this connector needs a logical pgoutput slot`,
        null,
      );
    }
    if (slot.database !== c['database.dbname']) {
      throw new ReplicationSlotError(
        `Replication slot "${slot.slotName}" belongs to database "${slot.database}", not "${c['database.dbname']}"`,
        null,
      );
    }
  }

  async #needsSnapshot(offset: LoadedOffset | null, slot: SlotInfo | null): Promise<boolean> {
    // The log no longer holds what the offset needs when the slot is gone or invalidated. (A slot
    // confirmed past the offset is not such a case here: the connector itself confirms past the
    // last event when everything after it was filtered or idle.)
    const decision = await needsSnapshot(
      snapshotMode(this.#config),
      offset,
      () => slot !== null && slot.walStatus !== 'lost',
    );
    // resumesUnfinishedSnapshot goes unlogged: this connector has never warned about it, and no_data
    // streams from the slot, not from the snapshot's offset as MySQL's task does.
    return decision.snapshot;
  }

  #catalog(): CatalogAccess {
    const sql = this.#sql;
    return {
      table: (oid) => sql.run((c) => readCatalogTable(c, oid)),
      refreshTypes: () => sql.run((c) => this.#types.refresh(c)),
      heartbeatAction: (q) => sql.run(async (c) => void (await c.query(q))),
    };
  }

  #incrementalSql(): IncrementalSql {
    const sql = this.#sql;
    return {
      textRows: (text, values) => sql.run((c) => textRows(c, text, values)),
      execute: (text, values) =>
        sql.run(async (c) => {
          await c.query(text, [...values]);
        }),
      tables: () => sql.run((c) => listTables(c)),
      columnTypes: (t) => sql.run((c) => columnTypes(c, t)),
    };
  }

  /** The model of a table for an incremental snapshot chunk: the stream's when it has one, else from the catalog. */
  async #modelFor(id: TableId): Promise<TableModel | null> {
    let found: TableModel | null = null;
    for (const m of this.#tables.values()) if (m.id.schema === id.schema && m.id.table === id.table) found = m;
    if (found) return found;
    const catalog = await this.#sql.run((c) => readCatalogTable(c, id));
    if (!catalog) return null;
    const model = catalogTableModel(
      catalog,
      modelContext(this.#config, {
        filters: this.#filters,
        types: this.#types,
        mapping: this.#mapping,
        logger: this.#logger,
      }),
    );
    this.#tables.set(catalog.oid, model);
    return model;
  }

  #onQueued = (record: SourceRecord): void => {
    this.#lastQueued = record.sourceOffset;
  };

  /** offsetIdentity of the last queued offset, computed once per offset (it is compared on every frame). */
  #lastQueuedIdentity(): string | null {
    const o = this.#lastQueued;
    if (o === null) return null;
    if (this.#identityOf?.offset !== o) this.#identityOf = { offset: o, identity: offsetIdentity(o) };
    return this.#identityOf.identity;
  }

  async #snapshotThenStream(slot: SlotInfo | null): Promise<void> {
    const c = this.#config;
    const conn = await ReplicationConnection.connect(this.#connect, this.#logger);
    this.#replication = conn;
    if (slot) {
      if (slot.active) throw await this.#slotInUse(slot);
      // A snapshot needs the slot's own exported snapshot: recreate it so the snapshot and the
      // stream meet exactly at the new slot's consistent point.
      this.#logger.info(
        { slot: c['slot.name'] },
        'dropping the existing slot to take a consistent snapshot from a new one',
      );
      await dropSlot(await this.#sql.client(), c['slot.name']);
    }
    const created = await conn.createSlot(c['slot.name'], {
      exportSnapshot: true,
      serverVersionNum: conn.serverVersionNum,
    });
    this.#logger.info(
      {
        slot: created.slotName,
        consistentPoint: formatLsn(created.consistentPoint),
        exportedSnapshot: created.snapshotName,
      },
      'created replication slot',
    );
    if (c['snapshot.delay.ms'] > 0) await sleep(c['snapshot.delay.ms']);
    await runSnapshot(
      {
        connect: this.#connect,
        initialStatements: initialStatements(c),
        config: c,
        filters: this.#filters,
        mapping: this.#mapping,
        types: this.#types,
        queue: this.#queue,
        logger: this.#logger,
        partition: this.#partition,
        db: c['database.dbname'],
        tables: this.#tables,
        onQueued: this.#onQueued,
        stopped: () => this.#stopping,
        eventContext: this.#eventContext,
      },
      this.#raw,
      created.snapshotName!,
      created.consistentPoint,
    );
    this.#snapshotDone = true;
    if (snapshotMode(c) === 'initial_only') {
      this.#logger.info('snapshot.mode=initial_only: snapshot done, not streaming');
      await conn.close();
      this.#replication = null;
      return;
    }
    if (c['streaming.delay.ms'] > 0) await sleep(c['streaming.delay.ms']);
    await this.#streamLoop(created.consistentPoint, { lastCommitEnd: created.consistentPoint, resume: null }, conn);
  }

  /**
   * Streaming without a snapshot. A missing slot is created here, before start() returns (as
   * Debezium does), so changes made once the task has started are never before the slot.
   */
  async #prepareStreamOnly(offset: LoadedOffset | null, slot: SlotInfo | null): Promise<() => Promise<void>> {
    const c = this.#config;
    if (snapshotMode(c) === 'initial_only') {
      return async () => this.#logger.info('snapshot.mode=initial_only and the snapshot is complete: nothing to do');
    }
    let conn: ReplicationConnection | null = null;
    let start: Lsn;
    if (!slot) {
      conn = await ReplicationConnection.connect(this.#connect, this.#logger);
      this.#replication = conn;
      const created = await conn.createSlot(c['slot.name'], {
        exportSnapshot: false,
        serverVersionNum: conn.serverVersionNum,
      });
      this.#logger.info(
        { slot: created.slotName, consistentPoint: formatLsn(created.consistentPoint) },
        'created replication slot',
      );
      if (offset) {
        this.#logger.warn(
          { slot: created.slotName, consistentPoint: formatLsn(created.consistentPoint) },
          'the replication slot was missing and has been created; changes between the stored offset and now are not in the log (use snapshot.mode=when_needed to re-snapshot in this case)',
        );
      }
      start = created.consistentPoint;
    } else {
      start = slot.confirmedFlushLsn ?? 0n;
    }
    let resume: ResumePoint | null = null;
    let lastCommitEnd = start;
    if (offset) {
      const pos = offset.lsnCommit ?? offset.lsn ?? 0n;
      // Starting at the offset's commit position lets the server skip what Kafka already has even
      // if the slot was not confirmed that far (a crash between offset commit and LSN flush).
      start = maxLsn(start, pos);
      lastCommitEnd = pos;
      resume = { lsnCommit: pos, txId: offset.txId, serial: offset.serial, lsnProc: offset.lsnProc };
    }
    return () => this.#streamLoop(start, { lastCommitEnd, resume }, conn);
  }

  async #slotInUse(slot: SlotInfo): Promise<ReplicationSlotError> {
    const who =
      slot.activePid !== null
        ? ` by ${await describeBackend(await this.#sql.client(), slot.activePid).catch(() => `PID ${slot.activePid}`)}`
        : '';
    return new ReplicationSlotError(
      `Replication slot "${slot.slotName}" is in use${who}: another connector or client is streaming from it. Stop that consumer, or give this connector its own slot.name.`,
      '55006',
    );
  }

  #pluginOptions(): Record<string, string> {
    const c = this.#config;
    const opts: Record<string, string> = {
      proto_version: '2',
      publication_names: quoteIdent(c['publication.name']),
      messages: 'true',
      streaming: 'on',
    };
    for (const p of (c['slot.stream.params'] ?? '').split(';')) {
      const i = p.indexOf('=');
      if (i > 0) opts[p.slice(0, i).trim()] = p.slice(i + 1).trim();
    }
    return opts;
  }

  /** START_REPLICATION, retrying while the slot is in use (slot.max.retries × slot.retry.delay.ms). */
  async #startStream(conn: ReplicationConnection | null, start: Lsn): Promise<ReplicationStream> {
    const c = this.#config;
    let connection = conn;
    for (let attempt = 1; ; attempt++) {
      connection ??= await ReplicationConnection.connect(this.#connect, this.#logger);
      const slot = await readSlot(await this.#sql.client(), c['slot.name']);
      if (!slot)
        throw new ReplicationSlotError(
          `Replication slot "${c['slot.name']}" disappeared (dropped by someone else?)`,
          '42704',
        );
      if (slot.walStatus === 'lost') {
        await connection.close();
        throw new ReplicationSlotError(
          `Replication slot "${c['slot.name']}" was invalidated (wal_status=lost): the WAL it needs was removed. Drop the slot and restart with snapshot.mode=when_needed or always.`,
          null,
        );
      }
      const confirmed = maxLsn(slot.confirmedFlushLsn ?? 0n, this.#confirmed);
      try {
        const stream = await connection.startReplication(c['slot.name'], start, this.#pluginOptions(), {
          statusIntervalMs: c['status.update.interval.ms'],
          confirmedFlush: c['flush.lsn.source'] ? confirmed : 0n,
        });
        this.#replication = connection;
        this.#logger.info(
          { slot: c['slot.name'], start: formatLsn(start), confirmedFlush: formatLsn(confirmed) },
          'streaming started',
        );
        return stream;
      } catch (err) {
        connection = null;
        if (err instanceof ReplicationSlotError && err.sqlState === '55006') {
          const active = await readSlot(await this.#sql.client(), c['slot.name']);
          if (attempt >= c['slot.max.retries'] || this.#stopping) {
            throw active?.activePid ? await this.#slotInUse(active) : err;
          }
          this.#logger.warn({ attempt, retryInMs: c['slot.retry.delay.ms'] }, err.message);
          await sleep(c['slot.retry.delay.ms']);
          continue;
        }
        throw err;
      }
    }
  }

  async #streamLoop(
    start: Lsn,
    position: { lastCommitEnd: Lsn; resume: ResumePoint | null },
    conn: ReplicationConnection | null,
  ): Promise<void> {
    const c = this.#config;
    const processor = new ChangeEventProcessor(
      {
        config: c,
        filters: this.#filters,
        mapping: this.#mapping,
        types: this.#types,
        catalog: this.#catalog(),
        queue: this.#queue,
        spill: this.#spill!,
        logger: this.#logger,
        partition: this.#partition,
        db: c['database.dbname'],
        tables: this.#tables,
        onQueued: this.#onQueued,
        eventContext: this.#eventContext,
        incremental: new IncrementalSnapshotter(
          {
            config: c,
            filters: this.#filters,
            logger: this.#logger,
            sql: this.#incrementalSql(),
            modelFor: (id) => this.#modelFor(id),
          },
          this.#restoredIncremental,
        ),
      },
      position,
    );
    this.#processor = processor;
    let startLsn = start;
    let connection = conn;
    let failures = 0;
    const maxRetries = c['errors.max.retries'];
    while (!this.#stopping) {
      try {
        const stream = await this.#startStream(connection, startLsn);
        connection = null;
        this.#stream = stream;
        failures = 0;
        await processor.startIncremental();
        await this.#consume(stream, processor);
        return;
      } catch (err) {
        connection = null;
        if (this.#stopping) return;
        if (!isConnectionError(err)) throw err;
        failures++;
        if (maxRetries >= 0 && failures > maxRetries)
          throw new ConnectException(`Lost the connection to Postgres and gave up after ${maxRetries} retries`, {
            cause: err,
          });
        await this.#stream?.close().catch(() => undefined);
        this.#stream = null;
        await this.#replication?.close().catch(() => undefined);
        this.#replication = null;
        await this.#sql.close();
        await processor.resetForReconnect();
        startLsn = processor.lastCommitEnd;
        const backoff = Math.min(c['retriable.restart.connector.wait.ms'], 250 * 2 ** Math.min(failures, 10));
        this.#logger.warn(
          { err: (err as Error).message, attempt: failures, retryInMs: backoff, resumeFrom: formatLsn(startLsn) },
          'lost the connection to Postgres; reconnecting',
        );
        await sleep(backoff);
      }
    }
  }

  async #consume(stream: ReplicationStream, processor: ChangeEventProcessor): Promise<void> {
    const c = this.#config;
    const tick = Math.max(50, Math.min(1000, c['heartbeat.interval.ms'] > 0 ? c['heartbeat.interval.ms'] : 1000));
    let pending: Promise<unknown> | null = null;
    const TIMEOUT = Symbol('timeout');
    // One timer per tick, not per frame: the wake-up only matters when no frame comes.
    let ticker: Promise<typeof TIMEOUT> | null = null;
    let timer: NodeJS.Timeout | undefined;
    try {
      while (!this.#stopping) {
        if (!pending) {
          pending = stream.next().catch((err: unknown) => {
            throw new ConnectionLost(`replication stream failed: ${(err as Error)?.message ?? String(err)}`, err);
          });
          pending.catch(() => undefined);
        }
        ticker ??= new Promise((res) => {
          timer = setTimeout(() => res(TIMEOUT), tick);
        });
        const r = await Promise.race([pending, ticker]);
        if (r === TIMEOUT) {
          ticker = null;
        } else {
          pending = null;
          if (r === null) throw new ConnectionLost('the server ended the replication stream');
          await processor.handleFrame(r as Parameters<ChangeEventProcessor['handleFrame']>[0]);
          stream.markWritten(processor.idlePosition());
        }
        await processor.maybeHeartbeat();
        this.#idleFlush();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Nothing queued is uncommitted: confirm what was received since (filtered or empty transactions, keepalives). */
  #idleFlush(): void {
    const p = this.#processor;
    if (
      !p ||
      !this.#stream ||
      !this.#config['flush.lsn.source'] ||
      !this.#snapshotDone ||
      p.inTransaction ||
      !this.#queue.isEmpty
    )
      return;
    if (this.#lastQueued !== null && this.#lastQueuedIdentity() !== this.#committedIdentity) return;
    this.#confirm(p.idlePosition());
  }

  #confirm(lsn: Lsn): void {
    if (!this.#config['flush.lsn.source'] || lsn <= this.#confirmed) return;
    this.#confirmed = lsn;
    this.#stream?.confirmFlushed(lsn);
  }
}
