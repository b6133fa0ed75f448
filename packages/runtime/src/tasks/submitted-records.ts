// Source offsets that may be committed: per source partition, records in submission order, as
// Kafka Connect's SubmittedRecords.
import type { SourceOffset, SourcePartition } from '@tributary/api';
import { canonical } from '../storage/offset-store.js';

/** One record handed to the producer (or dropped), until Kafka acknowledges it. */
export interface SubmittedRecord {
  readonly partitionKey: string | null;
  readonly offset: SourceOffset | null;
  acked: boolean;
  /** Bytes of its key, value and headers once converted (what the producer holds for it). */
  bytes: number;
}

interface PartitionQueue {
  readonly partition: SourcePartition;
  /** Unacknowledged records from `head` on; acknowledged ones before it are gone. */
  readonly queue: SubmittedRecord[];
  head: number;
  /** Offset of the last record of the acknowledged prefix, not yet handed out by committable(). */
  committable: SourceOffset | null;
}

/**
 * The committable offset of a source partition is that of the latest record before which every
 * record is acknowledged: out-of-order acks never commit past an unacknowledged record. The
 * acknowledged prefix is dropped as soon as it forms, so memory follows the records in flight,
 * not the records since the last offset flush (a fast source sends millions between two flushes).
 */
export class SubmittedRecords {
  readonly #byPartition = new Map<string, PartitionQueue>();
  #pending = 0;
  #pendingBytes = 0;
  #lastPartition: SourcePartition | null = null;
  #lastKey: string | null = null;

  /** Records submitted and not acknowledged yet. */
  get pending(): number {
    return this.#pending;
  }

  /** Converted bytes of the records not acknowledged yet. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Records still held: unacknowledged ones and those acknowledged behind one of them. */
  get held(): number {
    let n = 0;
    for (const e of this.#byPartition.values()) n += e.queue.length - e.head;
    return n;
  }

  submit(partition: SourcePartition | null, offset: SourceOffset | null): SubmittedRecord {
    // A connector hands the same partition object to record after record; its key is computed once.
    let partitionKey: string | null = null;
    if (partition) {
      if (partition !== this.#lastPartition) {
        this.#lastPartition = partition;
        this.#lastKey = canonical(partition);
      }
      partitionKey = this.#lastKey;
    }
    const s: SubmittedRecord = { partitionKey, offset, acked: false, bytes: 0 };
    this.#pending++;
    if (partitionKey !== null && partition) {
      let e = this.#byPartition.get(partitionKey);
      if (!e) {
        e = { partition, queue: [], head: 0, committable: null };
        this.#byPartition.set(partitionKey, e);
      }
      e.queue.push(s);
    }
    return s;
  }

  /** Counts the record's converted size while it waits for the broker. */
  setBytes(s: SubmittedRecord, bytes: number): void {
    if (s.acked) return;
    this.#pendingBytes += bytes - s.bytes;
    s.bytes = bytes;
  }

  ack(s: SubmittedRecord): void {
    if (s.acked) return;
    s.acked = true;
    this.#pending--;
    this.#pendingBytes -= s.bytes;
    if (s.partitionKey === null) return;
    const e = this.#byPartition.get(s.partitionKey);
    if (!e || e.queue[e.head] !== s) return;
    while (e.head < e.queue.length && e.queue[e.head]!.acked) {
      const done = e.queue[e.head]!;
      if (done.offset) e.committable = done.offset;
      e.head++;
    }
    // Compact once the dropped prefix is most of the array, so each record is moved O(1) times.
    if (e.head === e.queue.length) {
      e.queue.length = 0;
      e.head = 0;
    } else if (e.head > 1024 && e.head * 2 > e.queue.length) {
      e.queue.splice(0, e.head);
      e.head = 0;
    }
  }

  /** The offsets reached since the last call, one per source partition. */
  committable(): Array<{ partition: SourcePartition; offset: SourceOffset }> {
    const out: Array<{ partition: SourcePartition; offset: SourceOffset }> = [];
    for (const [k, e] of this.#byPartition) {
      if (e.committable) out.push({ partition: e.partition, offset: e.committable });
      e.committable = null;
      if (e.head === e.queue.length) this.#byPartition.delete(k);
    }
    return out;
  }
}
