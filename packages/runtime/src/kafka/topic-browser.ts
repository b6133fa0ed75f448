// Reads records of any topic for the console: the last N of a topic, or single records by offset (DLQ replay).
import { KafkaReader, type RawRecord } from './reader.js';

export interface TopicBrowserOptions {
  bootstrapServers: string[];
  clientId: string;
  /** How long one read may take before it answers with what it has. */
  timeoutMs?: number;
}

export interface PartitionRange {
  partition: number;
  /** Log start offset. */
  start: number;
  /** Log end offset (the next offset to be written). */
  end: number;
}

export interface LastRecords {
  partitions: PartitionRange[];
  /** Oldest first (by timestamp, then partition and offset). */
  records: RawRecord[];
}

/** The most records one read returns, so a console page can never ask a worker for a whole topic. */
export const MAX_BROWSE_RECORDS = 500;

/**
 * Reads with a throw-away, never-joined consumer (KafkaReader), so browsing a topic does not
 * commit offsets or disturb any consumer group.
 */
export class TopicBrowser {
  readonly #opts: Required<TopicBrowserOptions>;
  #seq = 0;

  constructor(opts: TopicBrowserOptions) {
    this.#opts = { timeoutMs: 5_000, ...opts };
  }

  #reader(): KafkaReader {
    return new KafkaReader({
      bootstrapServers: this.#opts.bootstrapServers,
      clientId: `${this.#opts.clientId}-browse-${++this.#seq}`,
      maxWaitMs: 100,
    });
  }

  /** The last `limit` records of the topic (of one partition when given), over all its partitions. */
  async last(topic: string, options: { limit: number; partition?: number }): Promise<LastRecords> {
    const limit = Math.max(1, Math.min(MAX_BROWSE_RECORDS, Math.floor(options.limit)));
    const reader = this.#reader();
    try {
      const count = await reader.partitionsFor(topic);
      const ids =
        options.partition === undefined ? [...Array(count).keys()] : [options.partition].filter((p) => p < count);
      const tps = ids.map((partition) => ({ topic, partition }));
      const [begin, end] = await Promise.all([reader.beginningOffsets(tps), reader.endOffsets(tps)]);
      const ranges = ids.map((partition) => ({
        partition,
        start: begin.get(KafkaReader.key(topic, partition)) ?? 0,
        end: end.get(KafkaReader.key(topic, partition)) ?? 0,
      }));
      // Each partition can hold at most `limit` of the newest records; read that tail of each and merge.
      const pending = ranges.filter((r) => r.end > r.start);
      reader.assign(pending.map((r) => ({ topic, partition: r.partition, offset: Math.max(r.start, r.end - limit) })));
      const records = await this.#readUntil(reader, topic, pending);
      records.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
      return { partitions: ranges, records: records.slice(-limit) };
    } finally {
      await reader.close();
    }
  }

  /** The records at the given offsets (missing ones, e.g. compacted away, are left out). */
  async at(topic: string, wanted: ReadonlyArray<{ partition: number; offset: number }>): Promise<RawRecord[]> {
    if (wanted.length === 0) return [];
    const reader = this.#reader();
    try {
      const byPartition = new Map<number, Set<number>>();
      for (const w of wanted) {
        const set = byPartition.get(w.partition) ?? new Set<number>();
        set.add(w.offset);
        byPartition.set(w.partition, set);
      }
      const targets = [...byPartition].map(([partition, offsets]) => ({
        partition,
        start: Math.min(...offsets),
        end: Math.max(...offsets) + 1,
      }));
      reader.assign(targets.map((t) => ({ topic, partition: t.partition, offset: t.start })));
      const records = await this.#readUntil(reader, topic, targets);
      return records.filter((r) => byPartition.get(r.partition)?.has(r.offset));
    } finally {
      await reader.close();
    }
  }

  /** Polls until every range is read to its end (control records and compaction gaps included) or the time is up. */
  async #readUntil(
    reader: KafkaReader,
    topic: string,
    ranges: ReadonlyArray<{ partition: number; end: number }>,
  ): Promise<RawRecord[]> {
    const out: RawRecord[] = [];
    const deadline = Date.now() + this.#opts.timeoutMs;
    const open = new Map(ranges.map((r) => [r.partition, r.end]));
    while (open.size > 0 && Date.now() < deadline) {
      for (const r of await reader.poll(100)) {
        const end = open.get(r.partition);
        if (end !== undefined && r.offset < end) out.push(r);
      }
      for (const [partition, end] of [...open]) {
        const pos = reader.position(topic, partition);
        if (pos !== null && pos >= end) {
          open.delete(partition);
          reader.pause([{ topic, partition }]);
        }
      }
    }
    return out;
  }
}
