// The binlog connection: @vlasky/zongji as a replica, its events handed one at a time to an async handler.
import type mysql from 'mysql2';
import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';

/** The event kinds the connector reads (everything else is left out by the reader). */
const EVENTS = [
  'rotate',
  'format',
  'gtid',
  'mariadbgtid',
  'query',
  'tablemap',
  'writerows',
  'updaterows',
  'deleterows',
  'xid',
  'annotaterows',
  'rowsquery',
];

export interface BinlogReaderOptions {
  connection: mysql.ConnectionOptions;
  serverId: number;
  file: string;
  pos: number;
  /** MariaDB: ask for ANNOTATE_ROWS events (source.query with include.query). */
  annotateRows: boolean;
  /** Rows buffered before the socket is paused (backpressure while the handler waits on a full queue). */
  highWaterMark?: number;
}

/**
 * Reads the binlog from a position and calls `handle` for each event in order, awaiting it before
 * the next one. zongji emits synchronously as packets arrive, so events are buffered and the socket
 * is paused when the buffer is full: memory stays bounded when Kafka is slower than the server.
 */
export class BinlogReader {
  readonly #opts: BinlogReaderOptions;
  #zongji: ZongJi | null = null;
  #buffer: AnyBinlogEvent[] = [];
  #head = 0;
  #paused = false;
  /** Rows (or events, for events without rows) in the buffer: what the high-water mark bounds. */
  #weight = 0;
  #wake: (() => void) | null = null;
  #error: Error | null = null;
  #stopped = false;

  constructor(opts: BinlogReaderOptions) {
    this.#opts = opts;
  }

  /** Streams until stop() or an error (which it rejects with). */
  async run(handle: (e: AnyBinlogEvent, start: number) => Promise<void>): Promise<void> {
    const high = this.#opts.highWaterMark ?? 2000;
    const z = new ZongJi({ ...this.#opts.connection, dateStrings: true, timezone: 'Z' });
    this.#zongji = z;
    const ready = new Promise<void>((resolve, reject) => {
      z.once('ready', () => resolve());
      z.once('error', (err: Error) => reject(err));
    });
    z.on('binlog', (e: AnyBinlogEvent) => {
      this.#buffer.push(e);
      this.#weight += weight(e);
      if (!this.#paused && this.#weight >= high && z.connection) {
        this.#paused = true;
        z.connection.pause();
      }
      this.#signal();
    });
    z.on('error', (err: Error) => {
      this.#error ??= err;
      this.#signal();
    });
    z.start({
      serverId: this.#opts.serverId,
      filename: this.#opts.file,
      position: this.#opts.pos,
      includeEvents: EVENTS,
      requestAnnotateRows: this.#opts.annotateRows,
    });
    await ready;
    for (;;) {
      if (this.#stopped) return;
      if (this.#head < this.#buffer.length) {
        const e = this.#buffer[this.#head]!;
        this.#head++;
        if (this.#head > 4096 && this.#head * 2 > this.#buffer.length) {
          this.#buffer = this.#buffer.slice(this.#head);
          this.#head = 0;
        }
        this.#weight -= weight(e);
        if (this.#paused && this.#weight < high / 2) {
          this.#paused = false;
          z.connection?.resume();
        }
        await handle(e, eventStart(e, z.useChecksum));
        continue;
      }
      if (this.#error) throw this.#error;
      await new Promise<void>((r) => {
        this.#wake = r;
      });
    }
  }

  #signal(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  stop(): void {
    this.#stopped = true;
    try {
      this.#zongji?.stop();
    } catch {
      // already closed
    }
    this.#signal();
  }
}

/** A rows event holds many rows: it weighs as many as it has, so the buffer is bounded in rows. */
function weight(e: AnyBinlogEvent): number {
  const rows = (e as { rows?: unknown[] }).rows;
  return Array.isArray(rows) ? Math.max(1, rows.length) : 1;
}

/** Length of a v4 binlog event header. */
const HEADER_LENGTH = 19;

/**
 * Start of an event in its file. zongji gives the position after it and `size`, the event length
 * less the header and, when the server writes binlog checksums, less the 4-byte CRC32 as well.
 */
export function eventStart(e: AnyBinlogEvent, checksum: boolean): number {
  return e.nextPosition - e.size - HEADER_LENGTH - (checksum ? 4 : 0);
}
