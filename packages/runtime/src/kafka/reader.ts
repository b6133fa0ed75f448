/** A pull-based Kafka reader over manually assigned partitions, fetching only when polled (Java's KafkaConsumer assign + poll). */
import type { ClusterMetadata, Consumer } from '@platformatic/kafka';
import type { Logger } from '@tributary/api';
import { errorText } from '../util/error-text.js';
import { createConsumer } from './consumer.js';

type FetchRequestTopic = Parameters<Consumer['fetch']>[0]['topics'][number];

/** A record as read from Kafka, before any converter. Offsets are numbers (safe far beyond any real log). */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReadonlyArray<readonly [string, Buffer | null]>;
}

/** The headers of a record without any: one shared empty list instead of one per record. */
const NO_HEADERS: RawRecord['headers'] = Object.freeze([]);

export interface KafkaReaderOptions {
  bootstrapServers: string[];
  clientId: string;
  isolation?: 'read_uncommitted' | 'read_committed';
  /** How long the broker may hold a fetch open waiting for data. */
  maxWaitMs?: number;
  maxBytes?: number;
  maxBytesPerPartition?: number;
  /**
   * Start the next fetch as poll() returns, so it travels while the caller works on what it got (the Java
   * consumer's fetcher does the same). At most one fetch response waits, bounded by maxBytes.
   */
  prefetch?: boolean;
  /** Where to start when a stored offset is out of range or absent (-1 / -2 sentinels). */
  autoOffsetReset?: 'earliest' | 'latest';
  /** Where failed fetches are reported (they are retried by the next poll either way). */
  logger?: Logger;
}

const IS_CONTROL = 0x20;
const IS_TRANSACTIONAL = 0x10;

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

interface Position {
  topic: string;
  partition: number;
  /** Next offset to fetch; -2 earliest, -1 latest until resolved. */
  offset: bigint;
  leaderEpoch: number;
  paused: boolean;
  /** Changes with every seek, pause and resume: a fetch made before it is not this position's any more. */
  epoch: number;
}

/** One fetch round: the responses, and each partition's position as the request was made. */
interface FetchRound {
  results: Array<Awaited<ReturnType<Consumer['fetch']>> | null>;
  idToTopic: Map<string, string>;
  requested: Map<string, { offset: bigint; epoch: number; position: Position }>;
}

/**
 * A pull-based reader over manually assigned partitions (Java's KafkaConsumer.assign + poll).
 * Nothing is fetched until poll() is called, so a slow caller never accumulates memory: that is
 * the back-pressure of both the internal-topic logs and WorkerSinkTask.
 */
export class KafkaReader {
  readonly #consumer: Consumer;
  readonly #opts: Required<Omit<KafkaReaderOptions, 'bootstrapServers' | 'clientId' | 'logger'>>;
  readonly #logger: Logger | null;
  /** Consecutive failed fetch rounds, so a fetch that keeps failing is reported, not retried in silence. */
  #fetchFailures = 0;
  readonly #positions = new Map<string, Position>();
  #closed = false;

  constructor(opts: KafkaReaderOptions) {
    this.#opts = {
      isolation: opts.isolation ?? 'read_uncommitted',
      maxWaitMs: opts.maxWaitMs ?? 500,
      maxBytes: opts.maxBytes ?? 52_428_800,
      maxBytesPerPartition: opts.maxBytesPerPartition ?? 1_048_576,
      autoOffsetReset: opts.autoOffsetReset ?? 'earliest',
      prefetch: opts.prefetch ?? false,
    };
    this.#logger = opts.logger ?? null;
    this.#consumer = createConsumer({
      clientId: opts.clientId,
      bootstrapBrokers: opts.bootstrapServers,
      // The group id is never joined: this consumer only fetches and lists offsets.
      groupId: `${opts.clientId}-reader`,
      retries: 3,
      retryDelay: 200,
      isolationLevel: this.#isolationLevel,
    });
  }

  get #isolationLevel(): number {
    return this.#opts.isolation === 'read_committed' ? 1 : 0;
  }

  get consumer(): Consumer {
    return this.#consumer;
  }

  /** Adds partitions at the given offsets ('earliest' | 'latest' or an offset). Replaces existing positions. */
  assign(
    partitions: ReadonlyArray<{ topic: string; partition: number; offset: number | 'earliest' | 'latest' }>,
  ): void {
    for (const p of partitions) {
      const offset = p.offset === 'earliest' ? -2n : p.offset === 'latest' ? -1n : BigInt(p.offset);
      this.#positions.set(key(p.topic, p.partition), {
        topic: p.topic,
        partition: p.partition,
        offset,
        leaderEpoch: -1,
        paused: false,
        epoch: 0,
      });
    }
  }

  unassign(partitions: ReadonlyArray<{ topic: string; partition: number }>): void {
    for (const p of partitions) this.#positions.delete(key(p.topic, p.partition));
  }

  assignment(): Array<{ topic: string; partition: number }> {
    return [...this.#positions.values()].map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  seek(topic: string, partition: number, offset: number): void {
    const p = this.#positions.get(key(topic, partition));
    if (p) {
      p.offset = BigInt(offset);
      p.epoch++;
    }
  }

  /** The next offset poll() will return for the partition (after resolving earliest/latest). */
  position(topic: string, partition: number): number | null {
    const p = this.#positions.get(key(topic, partition));
    return p && p.offset >= 0n ? Number(p.offset) : null;
  }

  pause(partitions: ReadonlyArray<{ topic: string; partition: number }>): void {
    for (const tp of partitions) {
      const p = this.#positions.get(key(tp.topic, tp.partition));
      if (p) {
        p.paused = true;
        p.epoch++;
      }
    }
  }

  resume(partitions: ReadonlyArray<{ topic: string; partition: number }>): void {
    for (const tp of partitions) {
      const p = this.#positions.get(key(tp.topic, tp.partition));
      if (p) {
        p.paused = false;
        p.epoch++;
      }
    }
  }

  paused(): Array<{ topic: string; partition: number }> {
    return [...this.#positions.values()]
      .filter((p) => p.paused)
      .map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  async metadata(topics: string[], forceUpdate = false): Promise<ClusterMetadata> {
    return this.#consumer.metadata({ topics, forceUpdate, autocreateTopics: false });
  }

  /** Partition count of each topic (throws for unknown topics). */
  async partitionsFor(topic: string): Promise<number> {
    const md = await this.metadata([topic], true);
    const t = md.topics.get(topic);
    if (!t) throw new Error(`Unknown topic ${topic}`);
    return t.partitionsCount;
  }

  /** Log end offsets (high watermark, or last stable offset under read_committed). */
  async endOffsets(partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<Map<string, number>> {
    return this.#listOffsets(partitions, -1n);
  }

  async beginningOffsets(
    partitions: ReadonlyArray<{ topic: string; partition: number }>,
  ): Promise<Map<string, number>> {
    return this.#listOffsets(partitions, -2n);
  }

  async #listOffsets(
    partitions: ReadonlyArray<{ topic: string; partition: number }>,
    timestamp: bigint,
  ): Promise<Map<string, number>> {
    const byTopic: Record<string, number[]> = {};
    for (const p of partitions) {
      const list = byTopic[p.topic] ?? [];
      list.push(p.partition);
      byTopic[p.topic] = list;
    }
    const topics = Object.keys(byTopic);
    const out = new Map<string, number>();
    if (topics.length === 0) return out;
    const res = await this.#consumer.listOffsets({
      topics,
      partitions: byTopic,
      timestamp,
      isolationLevel: this.#isolationLevel,
    });
    for (const [topic, offsets] of res) {
      offsets.forEach((o, partition) => {
        if (byTopic[topic]?.includes(partition)) out.set(key(topic, partition), Number(o));
      });
    }
    return out;
  }

  static key(topic: string, partition: number): string {
    return key(topic, partition);
  }

  async #resolvePositions(): Promise<void> {
    const unresolved = [...this.#positions.values()].filter((p) => p.offset < 0n);
    if (unresolved.length === 0) return;
    const earliest = unresolved.filter((p) => p.offset === -2n);
    const latest = unresolved.filter((p) => p.offset === -1n);
    const [e, l] = await Promise.all([this.beginningOffsets(earliest), this.endOffsets(latest)]);
    for (const p of earliest) p.offset = BigInt(e.get(key(p.topic, p.partition)) ?? 0);
    for (const p of latest) p.offset = BigInt(l.get(key(p.topic, p.partition)) ?? 0);
  }

  /**
   * One fetch round over every assigned, unpaused partition. Returns what arrived (possibly
   * nothing after maxWaitMs). Offsets advance past returned records.
   */
  async poll(maxWaitMs = this.#opts.maxWaitMs): Promise<RawRecord[]> {
    if (this.#closed) return [];
    const round = await (this.#prefetched ?? this.#fetchRound(maxWaitMs));
    this.#prefetched = null;
    const out = this.#consume(round);
    if (this.#opts.prefetch && !this.#closed) {
      const next = this.#fetchRound(maxWaitMs);
      // Its failure reaches the next poll(), as a fetch made there would; none is left unhandled meanwhile.
      next.catch(() => undefined);
      this.#prefetched = next;
    }
    return out;
  }

  #prefetched: Promise<FetchRound> | null = null;

  /** Fetches from every assigned, unpaused partition (a failed fetch request is handled and left empty). */
  async #fetchRound(maxWaitMs: number): Promise<FetchRound> {
    const round: FetchRound = { results: [], idToTopic: new Map(), requested: new Map() };
    await this.#resolvePositions();
    const active = [...this.#positions.values()].filter((p) => !p.paused && p.offset >= 0n);
    if (active.length === 0) {
      await new Promise((r) => setTimeout(r, Math.min(maxWaitMs, 100)));
      return round;
    }
    const topics = [...new Set(active.map((p) => p.topic))];
    let md = await this.metadata(topics);
    if (topics.some((t) => !md.topics.has(t))) md = await this.metadata(topics, true);
    const byLeader = new Map<number, FetchRequestTopic[]>();
    const idToTopic = round.idToTopic;
    for (const p of active) {
      const t = md.topics.get(p.topic);
      const pm = t?.partitions[p.partition];
      if (!t || !pm) continue;
      idToTopic.set(t.id, p.topic);
      round.requested.set(key(p.topic, p.partition), { offset: p.offset, epoch: p.epoch, position: p });
      const reqs = byLeader.get(pm.leader) ?? [];
      byLeader.set(pm.leader, reqs);
      let tr = reqs.find((r) => r.topicId === t.id);
      if (!tr) {
        tr = { topicId: t.id, partitions: [] };
        reqs.push(tr);
      }
      tr.partitions.push({
        partition: p.partition,
        fetchOffset: p.offset,
        partitionMaxBytes: this.#opts.maxBytesPerPartition,
        currentLeaderEpoch: -1,
        lastFetchedEpoch: -1,
      });
    }
    round.results = await Promise.all(
      [...byLeader].map(async ([node, reqTopics]) => {
        try {
          return await this.#consumer.fetch({
            node,
            topics: reqTopics,
            maxWaitTime: maxWaitMs,
            minBytes: 1,
            maxBytes: this.#opts.maxBytes,
            isolationLevel: this.#isolationLevel,
          });
        } catch (err) {
          await this.#handleFetchError(err, reqTopics, idToTopic);
          return null;
        }
      }),
    );
    return round;
  }

  /**
   * The records of a round, for the partitions still where the request found them: one sought, paused,
   * resumed, reassigned or already advanced since is skipped (its next fetch starts from where it is now).
   */
  #consume(round: FetchRound): RawRecord[] {
    const out: RawRecord[] = [];
    if (round.results.length > 0 && round.results.every((r) => r !== null)) this.#fetchFailures = 0;
    for (const res of round.results) {
      if (!res) continue;
      for (const tr of res.responses) {
        const topic = round.idToTopic.get(tr.topicId);
        if (!topic) continue;
        for (const pr of tr.partitions) {
          const k = key(topic, pr.partitionIndex);
          const pos = this.#positions.get(k);
          const asked = round.requested.get(k);
          if (!pos || pos.paused || !asked || asked.position !== pos) continue;
          if (asked.epoch !== pos.epoch || asked.offset !== pos.offset) continue;
          this.#decode(topic, pr.partitionIndex, pos, pr.records ?? [], pr.abortedTransactions ?? [], out);
        }
      }
    }
    return out;
  }

  #decode(
    topic: string,
    partition: number,
    pos: Position,
    batches: NonNullable<Awaited<ReturnType<Consumer['fetch']>>['responses'][number]['partitions'][number]['records']>,
    aborted: ReadonlyArray<{ producerId: bigint; firstOffset: bigint }>,
    out: RawRecord[],
  ): void {
    // The first offset asked for: a batch may begin before it (records already delivered).
    const from = Number(pos.offset);
    const pending = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
    const abortedProducers = new Set<bigint>();
    for (const batch of batches) {
      const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      if (last + 1n > pos.offset) pos.offset = last + 1n;
      while (pending.length > 0 && pending[0]!.firstOffset <= last) abortedProducers.add(pending.shift()!.producerId);
      if (batch.attributes & IS_CONTROL) {
        // An abort or commit marker ends that producer's transaction.
        abortedProducers.delete(batch.producerId);
        continue;
      }
      if (batch.attributes & IS_TRANSACTIONAL && abortedProducers.has(batch.producerId)) continue;
      // Offsets and timestamps as doubles from here on (exact below 2^53, as every RawRecord's are):
      // two bigint additions per record were a tenth of a sink's decoding.
      const firstOffset = Number(batch.firstOffset);
      const firstTimestamp = Number(batch.firstTimestamp);
      for (const r of batch.records) {
        const offset = firstOffset + r.offsetDelta;
        if (offset < from) continue;
        out.push({
          topic,
          partition,
          offset,
          timestamp: firstTimestamp + Number(r.timestampDelta),
          key: r.key,
          value: r.value,
          headers:
            r.headers.length === 0 ? NO_HEADERS : r.headers.map(([k, v]) => [k ? k.toString('utf8') : '', v] as const),
        });
      }
    }
  }

  async #handleFetchError(err: unknown, reqTopics: FetchRequestTopic[], idToTopic: Map<string, string>): Promise<void> {
    const text = errorText(err);
    if (/OFFSET_OUT_OF_RANGE/.test(text)) {
      const reset: string[] = [];
      for (const t of reqTopics) {
        const topic = idToTopic.get(t.topicId);
        if (!topic) continue;
        for (const p of t.partitions) {
          const pos = this.#positions.get(key(topic, p.partition));
          // A position sought elsewhere since this (pre)fetch was made is not the one out of range.
          if (!pos || pos.offset !== p.fetchOffset) continue;
          pos.offset = this.#opts.autoOffsetReset === 'earliest' ? -2n : -1n;
          pos.epoch++;
          reset.push(`${topic}-${p.partition}@${p.fetchOffset}`);
        }
      }
      // As the Java consumer's "Resetting offset for partition": records between the two positions
      // are gone from the log (retention, truncation), which an operator needs to know.
      this.#logger?.warn(
        { partitions: reset, resetTo: this.#opts.autoOffsetReset },
        'fetch offset out of range (the records were deleted from the log); resetting',
      );
      return;
    }
    // Leadership moved, a topic was just created, a broker restarted: refresh and let the next poll retry.
    this.#fetchFailures++;
    if (this.#fetchFailures === 1 || this.#fetchFailures % 50 === 0)
      this.#logger?.warn(
        {
          err: text,
          failures: this.#fetchFailures,
          partitions: reqTopics.flatMap((t) =>
            t.partitions.map((p) => `${idToTopic.get(t.topicId) ?? t.topicId}-${p.partition}@${p.fetchOffset}`),
          ),
        },
        'fetch failed; retrying',
      );
    await this.metadata([...new Set(idToTopic.values())], true).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const prefetched = this.#prefetched;
    this.#prefetched = null;
    await this.#consumer.close().catch(() => undefined);
    await prefetched?.catch(() => undefined);
  }
}
