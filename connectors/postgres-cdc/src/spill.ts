/** Spills changes of transactions streamed before they commit (pgoutput streaming) to one file per transaction, read back in order on commit. */
import { createReadStream, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Changes of transactions the server streams before they commit (pgoutput `streaming 'on'`)
 * are written to a file per transaction instead of memory, then read back in order when the
 * transaction commits, or thrown away when it aborts — the apply worker's approach, so a
 * transaction of any size needs constant memory.
 *
 * File records: u32 length, u64 LSN, message bytes.
 */
export class SpillStore {
  readonly #dir: string;
  readonly #open = new Map<number, SpillFile>();

  private constructor(dir: string) {
    this.#dir = dir;
  }

  static async create(prefix: string): Promise<SpillStore> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `${prefix.replace(/[^a-zA-Z0-9_-]/g, '_')}-`));
    return new SpillStore(dir);
  }

  get directory(): string {
    return this.#dir;
  }

  async fileFor(xid: number): Promise<SpillFile> {
    let f = this.#open.get(xid);
    if (!f) {
      const p = path.join(this.#dir, `xid-${xid}.spill`);
      f = new SpillFile(p, await fs.open(p, 'w+'));
      this.#open.set(xid, f);
    }
    return f;
  }

  get(xid: number): SpillFile | undefined {
    return this.#open.get(xid);
  }

  /** Forgets and deletes a transaction's file. */
  async discard(xid: number): Promise<void> {
    const f = this.#open.get(xid);
    if (!f) return;
    this.#open.delete(xid);
    await f.delete();
  }

  /** Deletes every open file (the stream restarts: the server sends in-progress transactions again). */
  async discardAll(): Promise<void> {
    for (const xid of [...this.#open.keys()]) await this.discard(xid);
  }

  async close(): Promise<void> {
    await this.discardAll();
    await fs.rm(this.#dir, { recursive: true, force: true });
  }
}

export class SpillFile {
  readonly path: string;
  #fh: FileHandle | null;
  #size = 0;
  #count = 0;
  /** Offsets where each subtransaction's first change begins, for Stream Abort of a subtransaction. */
  readonly #subxactStart = new Map<number, { offset: number; count: number }>();
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(p: string, fh: FileHandle) {
    this.path = p;
    this.#fh = fh;
  }

  get messages(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#size + this.#pendingBytes;
  }

  async append(xid: number, lsn: bigint, message: Buffer): Promise<void> {
    if (!this.#subxactStart.has(xid))
      this.#subxactStart.set(xid, { offset: this.#size + this.#pendingBytes, count: this.#count });
    const head = Buffer.allocUnsafe(12);
    head.writeUInt32BE(message.length, 0);
    head.writeBigUInt64BE(lsn, 4);
    this.#pending.push(head, Buffer.from(message));
    this.#pendingBytes += 12 + message.length;
    this.#count++;
    if (this.#pendingBytes >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pendingBytes === 0 || !this.#fh) return;
    const data = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#fh.write(data, 0, data.length, this.#size);
    this.#size += data.length;
  }

  /** Drops a subtransaction's changes (and everything after them, which belongs to it or its children). */
  async abortSubtransaction(subXid: number): Promise<void> {
    const start = this.#subxactStart.get(subXid);
    if (!start) return;
    await this.flush();
    await this.#fh!.truncate(start.offset);
    this.#size = start.offset;
    this.#count = start.count;
    for (const [x, s] of this.#subxactStart) if (s.offset >= start.offset) this.#subxactStart.delete(x);
  }

  /** The spilled messages in order, read in chunks (constant memory). */
  async *read(): AsyncGenerator<{ lsn: bigint; message: Buffer }> {
    await this.flush();
    const stream = createReadStream(this.path, { highWaterMark: 1 << 20 });
    let buf: Buffer = Buffer.alloc(0);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      let off = 0;
      while (buf.length - off >= 12) {
        const len = buf.readUInt32BE(off);
        if (buf.length - off < 12 + len) break;
        const lsn = buf.readBigUInt64BE(off + 4);
        yield { lsn, message: buf.subarray(off + 12, off + 12 + len) };
        off += 12 + len;
      }
      buf = buf.subarray(off);
    }
    if (buf.length > 0) throw new Error(`Spill file ${this.path} ends inside a record`);
  }

  async delete(): Promise<void> {
    const fh = this.#fh;
    this.#fh = null;
    await fh?.close().catch(() => undefined);
    await fs.rm(this.path, { force: true });
  }
}
