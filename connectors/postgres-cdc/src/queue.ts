/** A bounded record queue between the database readers and poll(): a full queue makes the reader wait, so memory stays bounded. */
import type { ConfigCheck, SourceRecord } from '@tributary/api';

/** Debezium's rule for every connector's queue: it must hold more than one poll's batch, or poll() could never fill one. */
export const queueSizeCheck: ConfigCheck<{ 'max.queue.size': number; 'max.batch.size': number }> = (c, report) => {
  if (c['max.queue.size'] <= c['max.batch.size'])
    report('max.queue.size', 'max.queue.size must be larger than max.batch.size.');
};

/**
 * The hand-off between the database readers and poll(): bounded by records and (optionally)
 * bytes. A full queue makes push() wait, which stops the reader from pulling frames off the
 * replication stream — memory stays bounded however far Kafka falls behind.
 */
export class RecordQueue {
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  #items: Array<{ record: SourceRecord; bytes: number }> = [];
  #head = 0;
  #bytes = 0;
  #error: Error | null = null;
  #closed = false;
  #spaceWaiters: Array<() => void> = [];
  #dataWaiters: Array<() => void> = [];

  constructor(maxRecords: number, maxBytes = 0) {
    this.#maxRecords = maxRecords;
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  #full(): boolean {
    return this.size >= this.#maxRecords || (this.#maxBytes > 0 && this.size > 0 && this.#bytes >= this.#maxBytes);
  }

  /** Adds one record, waiting while the queue is full. Rejects once the queue is closed. */
  async push(record: SourceRecord, bytes = 0): Promise<void> {
    while (this.#full()) {
      if (this.#closed) throw new QueueClosedError();
      await new Promise<void>((r) => this.#spaceWaiters.push(r));
    }
    if (this.#closed) throw new QueueClosedError();
    this.#items.push({ record, bytes });
    this.#bytes += bytes;
    this.#wake(this.#dataWaiters);
  }

  /** Up to `max` records; waits up to `timeoutMs` for the first one. Throws the reader's failure. */
  async poll(max: number, timeoutMs: number): Promise<SourceRecord[]> {
    if (this.isEmpty && !this.#error && !this.#closed && timeoutMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          if (timer) clearTimeout(timer);
          resolve();
        };
        this.#dataWaiters.push(done);
        timer = setTimeout(() => {
          this.#dataWaiters = this.#dataWaiters.filter((w) => w !== done);
          resolve();
        }, timeoutMs);
      });
    }
    if (this.isEmpty && this.#error) throw this.#error;
    const n = Math.min(max, this.size);
    const out: SourceRecord[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const it = this.#items[this.#head + i]!;
      out[i] = it.record;
      this.#bytes -= it.bytes;
    }
    this.#head += n;
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    if (n > 0) this.#wake(this.#spaceWaiters);
    return out;
  }

  /** Makes the next poll() (after the queued records) throw this error. */
  fail(err: Error): void {
    this.#error ??= err;
    this.#wake(this.#dataWaiters);
  }

  get error(): Error | null {
    return this.#error;
  }

  /** Wakes everyone; pending and later push() calls reject with QueueClosedError. */
  close(): void {
    this.#closed = true;
    this.#wake(this.#spaceWaiters);
    this.#wake(this.#dataWaiters);
  }

  #wake(list: Array<() => void>): void {
    const ws = list.splice(0, list.length);
    for (const w of ws) w();
  }
}

/** Raised to a reader whose queue was closed (the task is stopping). */
export class QueueClosedError extends Error {
  constructor() {
    super('record queue closed');
    this.name = 'QueueClosedError';
  }
}
