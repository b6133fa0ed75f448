/** The walsender connection: replication slot commands and the START_REPLICATION stream with back-pressure and standby status updates. */
import type { Duplex } from 'node:stream';
import type { Logger } from '@tributary/api';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { clientConfig, type PgConnectOptions, quoteIdent, quoteLiteral, sqlState } from './connection.js';
import { formatLsn, type Lsn, maxLsn, parseLsn, unixMicrosToPgMicros } from './lsn.js';
import { parseReplicationFrame, type ReplicationFrame, standbyStatusUpdate } from './pgoutput/framing.js';

/** pg-copy-streams' CopyBoth query; its published typings only cover COPY TO/FROM. */
type CopyBothQuery = Duplex & pg.Submittable;
const copyBoth = (
  copyStreams as unknown as {
    both(
      text: string,
      options: { alignOnCopyDataFrame: boolean; readableObjectMode: boolean; readableHighWaterMark: number },
    ): CopyBothQuery;
  }
).both;

export interface CreatedSlot {
  slotName: string;
  consistentPoint: Lsn;
  /** The exported snapshot, valid while this connection stays idle. */
  snapshotName: string | null;
}

export interface SystemIdentity {
  systemId: string;
  timeline: number;
  xlogpos: string;
  dbname: string | null;
}

/** Raised when the slot cannot be streamed from; the message says why and what to do. */
export class ReplicationSlotError extends Error {
  readonly sqlState: string | null;
  constructor(message: string, sqlState: string | null, cause?: unknown) {
    super(message, { cause });
    this.name = 'ReplicationSlotError';
    this.sqlState = sqlState;
  }
}

/** A walsender connection (`replication=database`) that speaks the replication command language. */
export class ReplicationConnection {
  readonly #client: pg.Client;
  readonly #logger: Logger;
  #closed = false;
  #lastError: Error | null = null;

  private constructor(client: pg.Client, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  static async connect(options: PgConnectOptions, logger: Logger): Promise<ReplicationConnection> {
    const client = new pg.Client(clientConfig(options, true));
    const conn = new ReplicationConnection(client, logger);
    client.on('error', (err) => {
      conn.#lastError = err;
      logger.debug({ err: err.message }, 'replication connection error');
    });
    await client.connect();
    const v = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    conn.#serverVersionNum = Number(v.rows[0]!.server_version_num);
    return conn;
  }

  #serverVersionNum = 0;

  get serverVersionNum(): number {
    return this.#serverVersionNum;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get lastError(): Error | null {
    return this.#lastError;
  }

  async identifySystem(): Promise<SystemIdentity> {
    const res = await this.#client.query<{
      systemid: string;
      timeline: string;
      xlogpos: string;
      dbname: string | null;
    }>('IDENTIFY_SYSTEM');
    const row = res.rows[0]!;
    return { systemId: row.systemid, timeline: Number(row.timeline), xlogpos: row.xlogpos, dbname: row.dbname };
  }

  /**
   * Creates a logical slot for pgoutput; with exportSnapshot the slot's consistent point comes
   * with a snapshot other sessions can import (SET TRANSACTION SNAPSHOT) for a gap-free handoff.
   */
  async createSlot(slot: string, opts: { exportSnapshot: boolean; serverVersionNum: number }): Promise<CreatedSlot> {
    const snapshot = opts.exportSnapshot ? 'export' : 'nothing';
    // Postgres 15 introduced the parenthesized option list; 14 only knows the keyword form.
    const sql =
      opts.serverVersionNum >= 150000
        ? `CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput (SNAPSHOT ${quoteLiteral(snapshot)})`
        : `CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput ${opts.exportSnapshot ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT'}`;
    try {
      const res = await this.#client.query<{
        slot_name: string;
        consistent_point: string;
        snapshot_name: string | null;
      }>(sql);
      const row = res.rows[0]!;
      return {
        slotName: row.slot_name,
        consistentPoint: parseLsn(row.consistent_point),
        snapshotName: row.snapshot_name,
      };
    } catch (err) {
      if (sqlState(err) === '42710') {
        throw new ReplicationSlotError(`Replication slot "${slot}" already exists`, '42710', err);
      }
      throw err;
    }
  }

  async dropSlot(slot: string): Promise<void> {
    await this.#client.query(`DROP_REPLICATION_SLOT ${quoteIdent(slot)} WAIT`);
  }

  /**
   * START_REPLICATION on the slot from `startLsn` (the server starts from the slot's
   * confirmed_flush_lsn when that is later). `confirmedFlush` is the slot's current confirmed
   * flush position: status updates never report less, since Postgres before 17 would move the
   * slot backwards.
   */
  async startReplication(
    slot: string,
    startLsn: Lsn,
    pluginOptions: Record<string, string>,
    opts: { statusIntervalMs: number; confirmedFlush: Lsn },
  ): Promise<ReplicationStream> {
    const args = Object.entries(pluginOptions)
      .map(([k, v]) => `${quoteIdent(k)} ${quoteLiteral(v)}`)
      .join(', ');
    const sql = `START_REPLICATION SLOT ${quoteIdent(slot)} LOGICAL ${formatLsn(startLsn)} (${args})`;
    // Object mode keeps each CopyData payload a separate chunk (a byte-mode stream would concatenate
    // buffered frames on read); the high-water mark bounds how many frames wait unread.
    const duplex = this.#client.query(
      copyBoth(sql, { alignOnCopyDataFrame: true, readableObjectMode: true, readableHighWaterMark: 256 }),
    );
    const stream = new ReplicationStream(
      this,
      duplex,
      this.#logger,
      opts.statusIntervalMs,
      opts.confirmedFlush,
      startLsn,
    );
    try {
      await stream.started();
    } catch (err) {
      await this.close();
      throw translateStartError(err, slot);
    }
    return stream;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.end().catch(() => undefined);
  }
}

/** The error START_REPLICATION failed with, restated so it says what happened to the slot and what to do. */
export function translateStartError(err: unknown, slot: string): Error {
  const state = sqlState(err);
  const msg = (err as Error)?.message ?? String(err);
  if (state === '55006') {
    const pid = /PID (\d+)/i.exec(msg)?.[1];
    return new ReplicationSlotError(
      `Replication slot "${slot}" is in use${pid ? ` by the walsender with PID ${pid}` : ''}: another connector or client is streaming from it. ` +
        `Stop that consumer, or give this connector its own slot.name.`,
      state,
      err,
    );
  }
  if (state === '42704') {
    return new ReplicationSlotError(`Replication slot "${slot}" does not exist`, state, err);
  }
  if (/can no longer get changes|has been invalidated|requested WAL segment .* has already been removed/i.test(msg)) {
    return new ReplicationSlotError(
      `Replication slot "${slot}" was invalidated: the WAL it needs has been removed (${msg}). ` +
        `Changes since the last confirmed position are lost from the log; drop the slot and restart with snapshot.mode=when_needed (or always) to re-snapshot.`,
      state,
      err,
    );
  }
  return err instanceof Error ? err : new Error(msg);
}

/**
 * The CopyBoth stream of one START_REPLICATION. Frames are pulled one at a time, so a consumer
 * that stops pulling stops reading the socket (TCP back-pressure reaches the walsender). Status
 * updates go out on a timer regardless, so a paused consumer is not timed out by the server.
 *
 * Reported positions: written = how far frames have been received and handled; flushed/applied =
 * only what the owner confirmed with confirmFlushed() — the slot never advances past data that
 * is not durable downstream.
 */
export class ReplicationStream {
  readonly #conn: ReplicationConnection;
  readonly #duplex: Duplex;
  readonly #logger: Logger;
  readonly #iterator: AsyncIterator<Buffer>;
  #timer: NodeJS.Timeout | null = null;
  #written: Lsn;
  #flushed: Lsn;
  #lastSentFlushed: Lsn = -1n;
  #error: Error | null = null;
  #ended = false;
  #startedPromise: Promise<void>;
  #lastServerWalEnd: Lsn = 0n;

  constructor(
    conn: ReplicationConnection,
    duplex: Duplex,
    logger: Logger,
    statusIntervalMs: number,
    confirmedFlush: Lsn,
    startLsn: Lsn,
  ) {
    this.#conn = conn;
    this.#duplex = duplex;
    this.#logger = logger;
    this.#flushed = confirmedFlush;
    this.#written = maxLsn(confirmedFlush, startLsn);
    duplex.on('error', (err: Error) => {
      this.#error ??= err;
    });
    duplex.on('end', () => {
      this.#ended = true;
    });
    // The first write completes when the server answered CopyBothResponse (pg-copy-streams holds
    // writes until then), or fails with the server's error (slot in use, slot missing, …).
    this.#startedPromise = new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      duplex.once('error', onError);
      duplex.write(this.#statusBuffer(false), (err) => {
        duplex.off('error', onError);
        if (err) reject(err);
        else resolve();
      });
    });
    // The CopyBothResponse is only parsed when the readable side is read: start it (data read
    // before the consumer pulls waits in the readable buffer, within its high-water mark).
    duplex.read(0);
    this.#iterator = duplex[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.#timer = setInterval(() => this.sendStatus(false), statusIntervalMs);
    this.#timer.unref();
  }

  started(): Promise<void> {
    return this.#startedPromise;
  }

  /** The highest WAL end the server reported (keepalive or XLogData header). */
  get serverWalEnd(): Lsn {
    return this.#lastServerWalEnd;
  }

  get flushed(): Lsn {
    return this.#flushed;
  }

  /**
   * The next frame, or null once the server ended the stream. Keepalives that ask for a reply
   * are answered before they are returned.
   */
  async next(): Promise<ReplicationFrame | null> {
    if (this.#error) throw this.#error;
    let r: IteratorResult<Buffer>;
    try {
      r = await this.#iterator.next();
    } catch (err) {
      this.#error ??= err as Error;
      throw this.#error;
    }
    if (r.done) {
      if (this.#error) throw this.#error;
      return null;
    }
    const frame = parseReplicationFrame(r.value);
    if (frame.walEnd > this.#lastServerWalEnd) this.#lastServerWalEnd = frame.walEnd;
    if (frame.kind === 'keepalive' && frame.replyRequested) this.sendStatus(false);
    return frame;
  }

  /** Records how far received WAL has been handled (the "written" position in status updates). */
  markWritten(lsn: Lsn): void {
    if (lsn > this.#written) this.#written = lsn;
  }

  /**
   * Lets the slot advance to `lsn`: only call with positions whose changes are durably committed
   * downstream (Kafka offsets), or that carried nothing to deliver.
   */
  confirmFlushed(lsn: Lsn): void {
    if (lsn <= this.#flushed) return;
    this.#flushed = lsn;
    if (lsn > this.#written) this.#written = lsn;
    this.sendStatus(false);
  }

  #statusBuffer(replyRequested: boolean): Buffer {
    const now = unixMicrosToPgMicros(BigInt(Date.now()) * 1000n);
    const written = maxLsn(this.#written, this.#flushed);
    return standbyStatusUpdate(written, this.#flushed, this.#flushed, now, replyRequested);
  }

  sendStatus(replyRequested: boolean): void {
    if (this.#ended || this.#error || this.#conn.closed || this.#duplex.destroyed || this.#duplex.writableEnded) return;
    try {
      this.#duplex.write(this.#statusBuffer(replyRequested));
      if (this.#flushed !== this.#lastSentFlushed) {
        this.#lastSentFlushed = this.#flushed;
        this.#logger.debug({ flushed: formatLsn(this.#flushed) }, 'confirmed flushed LSN to the server');
      }
    } catch (err) {
      this.#error ??= err as Error;
    }
  }

  /** Sends a last status update and closes the connection. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.sendStatus(false);
    // Give the socket a moment to carry the final status update before the connection goes.
    await new Promise((r) => setImmediate(r));
    this.#duplex.destroy();
    await this.#conn.close();
  }
}
