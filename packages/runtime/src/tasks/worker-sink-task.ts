/** Runs a SinkTask: consumer group, converters, transforms, put() and commits of what preCommit() returns (Kafka Connect's WorkerSinkTask). */
import { Admin } from '@platformatic/kafka';
import {
  type ErrantRecordReporter,
  RetriableException,
  type SinkTask,
  type TopicPartition,
  type TopicPartitionOffset,
} from '@tributary/api';
import { consumerGroupProtocol, decodeAssignment } from '../kafka/consumer-protocol.js';
import { GroupMembership } from '../kafka/group-membership.js';
import { KafkaReader, type RawRecord } from '../kafka/reader.js';
import { convertAndTransform } from './sink-conversion.js';
import { errorText } from '../util/error-text.js';
import { sinkConsumerGroup } from '../sink-offsets.js';
import { WorkerTask, type WorkerTaskDeps } from './worker-task.js';

export interface WorkerSinkTaskDeps extends WorkerTaskDeps {
  task: SinkTask;
  connectorName: string;
  bootstrapServers: string[];
  clientId: string;
  topics: string[];
  topicsRegex: RegExp | null;
  offsetFlushIntervalMs: number;
  maxPollRecords: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  onTopicUsed: (topic: string) => void;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * Runs a SinkTask: consumer group connect-<connector> → converters → transforms → put() →
 * preCommit() → commit exactly the offsets preCommit returned. Records are fetched only when the
 * previous put() has returned, so a slow sink slows consumption instead of growing memory.
 *
 * The group is eager, as a Java sink consumer with the range assignor: when a rebalance starts,
 * the loop finishes the batch in hand, commits and closes every partition, and only then is the
 * member allowed to rejoin, so the members that take partitions over start where this one ended.
 */
export class WorkerSinkTask extends WorkerTask {
  readonly #sinkDeps: WorkerSinkTaskDeps;
  #group: GroupMembership | null = null;
  #groupStarted = false;
  #reader: KafkaReader | null = null;
  /** The topics the group subscription holds now. */
  #subscribed: string[] = [];
  /** Assigned partitions. */
  #assigned = new Map<string, TopicPartition>();
  /** The last SyncGroup's partitions, until the loop takes them up. */
  #pendingAssignment: TopicPartition[] | null = null;
  /** Rejoins waiting for the loop to commit and give up its partitions (beforeJoin). */
  #revokeWaiters: Array<() => void> = [];
  /** Next offset after the last record handed to put() (or skipped), per partition. */
  readonly #current = new Map<string, TopicPartitionOffset>();
  /** Last offsets committed to the group. */
  readonly #committed = new Map<string, number>();
  #commitRequested = false;
  #lastCommit = Date.now();
  /** The interval commit sent to the group and not answered yet (one at a time, as commitAsync). */
  #commitInFlight: Promise<void> | null = null;
  #seekRequests: TopicPartitionOffset[] = [];
  #timeoutMs = 0;
  readonly #pausedByTask = new Set<string>();
  readonly #topicsSeen = new Set<string>();
  /** Raw records of the batch being processed, for the errant record reporter's DLQ copy. */
  /** The batch put() has now, for the errant record reporter to find a record's consumed bytes (DLQ). */
  #delivering: readonly RawRecord[] = [];
  #regexTimer: NodeJS.Timeout | null = null;
  #admin: Admin | null = null;

  constructor(deps: WorkerSinkTaskDeps) {
    super(deps);
    this.#sinkDeps = deps;
  }

  protected async initializeAndStart(): Promise<void> {
    const d = this.#sinkDeps;
    this.#reader = new KafkaReader({
      bootstrapServers: d.bootstrapServers,
      clientId: d.clientId,
      maxWaitMs: 500,
      autoOffsetReset: 'earliest',
      // The next fetch travels while put() works on this one (Kafka Connect's consumer fetches ahead too).
      prefetch: true,
      logger: this.logger,
    });
    const reader = this.#reader;
    this.#group = new GroupMembership({
      bootstrapServers: d.bootstrapServers,
      clientId: d.clientId,
      groupId: sinkConsumerGroup(d.connectorName),
      sessionTimeoutMs: d.sessionTimeoutMs,
      heartbeatIntervalMs: d.heartbeatIntervalMs,
      rebalanceTimeoutMs: d.rebalanceTimeoutMs,
      logger: this.logger,
      protocol: consumerGroupProtocol({
        topics: () => this.#subscribed,
        generation: () => this.#group?.generation ?? -1,
        partitionCounts: async (topics) =>
          new Map(await Promise.all(topics.map(async (t) => [t, await reader.partitionsFor(t)] as [string, number]))),
      }),
      beforeJoin: () => this.#beforeJoin(),
      onAssigned: async (assignment) => {
        this.#pendingAssignment = decodeAssignment(assignment);
        this.wake();
      },
    });
    const reporter: ErrantRecordReporter = {
      report: async (record, error) => {
        // Looked up only when a record is reported: a map of every record of every batch would cost each one.
        const raw = this.#delivering.find(
          (r) =>
            r.offset === record.originalKafkaOffset &&
            r.partition === record.originalKafkaPartition &&
            r.topic === record.originalTopic,
        );
        await this.deps.tolerance.fail({
          stage: 'TASK_PUT',
          className: d.task.constructor.name,
          error,
          attempts: 1,
          ...(raw ? { consumed: raw } : {}),
        });
      },
    };
    d.task.initialize({
      configs: () => d.taskConfig,
      offset: (offsets) => {
        this.#seekRequests.push(...offsets);
      },
      timeout: (ms) => {
        this.#timeoutMs = ms;
      },
      assignment: () => [...this.#assigned.values()],
      pause: (...tps) => {
        for (const tp of tps) this.#pausedByTask.add(tpKey(tp.topic, tp.partition));
        this.#reader?.pause(tps);
      },
      resume: (...tps) => {
        for (const tp of tps) this.#pausedByTask.delete(tpKey(tp.topic, tp.partition));
        this.#reader?.resume(tps);
      },
      requestCommit: () => {
        this.#commitRequested = true;
      },
      errantRecordReporter: reporter,
      logger: this.logger,
    });
    await d.task.start(d.taskConfig);
    await this.#subscribe();
    if (d.topicsRegex || d.topics.some((t) => !this.#subscribed.includes(t))) {
      this.#regexTimer = setInterval(
        () => {
          void this.#subscribe()
            .then(() => {
              // Waiting only for named topics to appear: stop looking once they all have.
              if (!d.topicsRegex && d.topics.every((t) => this.#subscribed.includes(t)) && this.#regexTimer)
                clearInterval(this.#regexTimer);
            })
            .catch((e: unknown) => this.logger.warn({ err: String(e) }, 'topic subscription refresh failed'));
        },
        d.topicsRegex ? 30_000 : 2_000,
      );
      this.#regexTimer.unref();
    }
  }

  async #subscribe(): Promise<void> {
    const d = this.#sinkDeps;
    // Only topics that exist can be subscribed; the rest are picked up when they appear.
    const existing = await this.#listTopics();
    let topics = d.topics.filter((t) => existing.includes(t));
    if (d.topicsRegex) topics = [...new Set([...topics, ...existing.filter((t) => d.topicsRegex!.test(t))])];
    const current = new Set(this.#subscribed);
    const changed = topics.length !== current.size || topics.some((t) => !current.has(t));
    if (!changed) return;
    this.#subscribed = topics;
    // A member joins once it has a topic; a changed subscription needs a new generation.
    if (!this.#groupStarted) {
      if (topics.length === 0) return;
      this.#groupStarted = true;
      this.#group!.start();
    } else this.#group!.requestRejoin();
  }

  /** The group is about to rebalance: hand the partitions back through the loop, which owns them. */
  #beforeJoin(): Promise<void> | void {
    if (this.#assigned.size === 0 && this.#pendingAssignment === null) return;
    return new Promise<void>((resolve) => {
      this.#revokeWaiters.push(resolve);
      this.wake();
    });
  }

  /** As onPartitionsRevoked with the eager protocol: commit what was delivered, close every partition. */
  async #revokeAll(): Promise<void> {
    const waiters = this.#revokeWaiters;
    this.#revokeWaiters = [];
    this.#pendingAssignment = null;
    const revoked = [...this.#assigned.values()];
    if (revoked.length > 0) {
      await this.#commit(true).catch((e: unknown) =>
        this.logger.warn({ err: errorText(e) }, 'commit before revocation failed'),
      );
      await this.#sinkDeps.task.close(revoked);
      this.#reader!.unassign(revoked);
      this.#assigned.clear();
      this.#current.clear();
      this.#committed.clear();
      this.logger.info({ revoked: revoked.length }, 'partitions revoked for a rebalance');
    }
    for (const w of waiters) w();
  }

  async #listTopics(): Promise<string[]> {
    this.#admin ??= new Admin({
      clientId: `${this.#sinkDeps.clientId}-admin`,
      bootstrapBrokers: this.#sinkDeps.bootstrapServers,
    });
    return (await this.#admin.listTopics({ includeInternals: false })).filter((t) => !t.startsWith('__'));
  }

  protected onStopRequested(): void {
    this.wake();
  }

  /** Brings the reader in line with the group's assignment: close revoked, open assigned. */
  async #reconcileAssignment(): Promise<void> {
    const next = new Map<string, TopicPartition>();
    for (const tp of this.#pendingAssignment ?? []) next.set(tpKey(tp.topic, tp.partition), tp);
    const revoked = [...this.#assigned].filter(([k]) => !next.has(k)).map(([, v]) => v);
    const added = [...next].filter(([k]) => !this.#assigned.has(k)).map(([, v]) => v);
    if (revoked.length > 0) {
      await this.#commit(true).catch((e: unknown) =>
        this.logger.warn({ err: errorText(e) }, 'commit before revocation failed'),
      );
      await this.#sinkDeps.task.close(revoked);
      this.#reader!.unassign(revoked);
      for (const tp of revoked) {
        const k = tpKey(tp.topic, tp.partition);
        this.#assigned.delete(k);
        this.#current.delete(k);
        this.#committed.delete(k);
      }
    }
    if (added.length > 0) {
      let committed: Map<string, Map<number, number>>;
      try {
        committed = await this.#group!.committedOffsets(added);
      } catch (err) {
        // Taken up again on the next turn of the loop (the coordinator moved or is reconnecting).
        this.logger.warn({ err: errorText(err) }, 'reading committed offsets failed; retrying');
        await new Promise((r) => setTimeout(r, 200));
        return;
      }
      const assign: Array<{ topic: string; partition: number; offset: number | 'earliest' }> = [];
      for (const tp of added) {
        const off = committed.get(tp.topic)?.get(tp.partition);
        const start = off ?? 'earliest';
        assign.push({ ...tp, offset: start });
        if (typeof start === 'number') this.#committed.set(tpKey(tp.topic, tp.partition), start);
        this.#assigned.set(tpKey(tp.topic, tp.partition), tp);
      }
      this.#reader!.assign(assign);
      await this.#sinkDeps.task.open(added);
      for (const tp of added) {
        if (!this.#topicsSeen.has(tp.topic)) {
          this.#topicsSeen.add(tp.topic);
          this.#sinkDeps.onTopicUsed(tp.topic);
        }
      }
    }
    this.#pendingAssignment = null;
    if (revoked.length > 0 || added.length > 0) {
      this.logger.info(
        { assigned: added.length, revoked: revoked.length, total: this.#assigned.size },
        'partition assignment changed',
      );
    }
  }

  protected async execute(): Promise<void> {
    while (!this.stopping) {
      if (this.#revokeWaiters.length > 0) await this.#revokeAll();
      if (this.#pendingAssignment !== null) await this.#reconcileAssignment();
      this.#applySeeks();
      if (this.paused) {
        // Stay in the group (heartbeats go on, rebalances are answered) but fetch nothing.
        await this.sleepUntilWoken(1000);
        continue;
      }
      if (
        !this.#commitInFlight &&
        (this.#commitRequested || Date.now() - this.#lastCommit >= this.#sinkDeps.offsetFlushIntervalMs)
      )
        await this.#commit(false);
      const raw = await this.#reader!.poll(500);
      if (this.stopping) continue;
      // As Kafka Connect: put() is called after every poll, with no records when none arrived, so
      // a sink can act on time (rotate, flush) without a timer of its own. A large fetch is handed
      // over in slices of consumer.max.poll.records.
      if (raw.length === 0) {
        if (this.#assigned.size > 0 && !this.paused) await this.#deliver([]);
        continue;
      }
      for (let i = 0; i < raw.length && !this.stopping; i += this.#sinkDeps.maxPollRecords) {
        await this.#deliver(raw.slice(i, i + this.#sinkDeps.maxPollRecords));
      }
    }
    await this.#commit(true).catch((e: unknown) =>
      this.logger.warn({ err: errorText(e) }, 'final offset commit failed'),
    );
  }

  #applySeeks(): void {
    if (this.#seekRequests.length === 0) return;
    for (const s of this.#seekRequests) {
      const k = tpKey(s.topic, s.partition);
      if (!this.#assigned.has(k)) continue;
      this.#reader!.seek(s.topic, s.partition, s.offset);
      this.#current.set(k, { topic: s.topic, partition: s.partition, offset: s.offset });
    }
    this.#seekRequests = [];
  }

  async #deliver(raw: RawRecord[]): Promise<void> {
    this.counters.recordsRead += raw.length;
    this.#delivering = raw;
    const records = await convertAndTransform(raw, this.deps.converters, this.deps.transforms, this.deps.tolerance);
    for (;;) {
      try {
        await this.watch('put', () => this.#sinkDeps.task.put(records));
        break;
      } catch (err) {
        if (err instanceof RetriableException && !this.stopping) {
          // Kafka Connect pauses consumption and redelivers the same batch after context.timeout().
          const wait = this.#timeoutMs > 0 ? this.#timeoutMs : 1000;
          this.logger.warn(
            { err: err.message, retryInMs: wait },
            'RetriableException from put(); redelivering the batch',
          );
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
        throw err;
      }
    }
    this.counters.recordsPut += records.length;

    // The position of each partition is its last record's: set once per run of records of one partition
    // (a fetch returns them partition by partition), not once per record.
    let last: RawRecord | null = null;
    for (const r of raw) {
      if (last && (r.partition !== last.partition || r.topic !== last.topic)) this.#advance(last);
      last = r;
    }
    if (last) this.#advance(last);
    this.#delivering = [];
  }

  #advance(r: RawRecord): void {
    const k = tpKey(r.topic, r.partition);
    if (this.#assigned.has(k)) this.#current.set(k, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  }

  /** preCommit() decides; we commit exactly what it returns, for partitions still assigned. */
  async #commit(closing: boolean): Promise<void> {
    this.#commitRequested = false;
    this.#lastCommit = Date.now();
    const current = [...this.#current.values()];
    if (current.length === 0 && !closing) return;
    let toCommit: readonly TopicPartitionOffset[];
    try {
      toCommit = await this.#sinkDeps.task.preCommit(current);
    } catch (err) {
      this.counters.offsetCommitFailures++;
      this.logger.error({ err: String(err) }, 'preCommit failed; rewinding to the last committed offsets');
      for (const [k, off] of this.#committed) {
        const tp = this.#assigned.get(k);
        if (tp) this.#seekRequests.push({ ...tp, offset: off });
      }
      return;
    }
    const changed = toCommit.filter((o) => {
      const k = tpKey(o.topic, o.partition);
      return this.#assigned.has(k) && this.#committed.get(k) !== o.offset;
    });
    if (changed.length === 0) return;
    // As WorkerSinkTask: the interval commit is asynchronous (commitAsync), so a group that is slow to
    // answer — a rebalance waiting for dead members — never stops the loop from polling; commits on
    // revocation and close are waited for (commitSync).
    if (closing) {
      // After the one in flight, so an older commit never lands last.
      await this.#commitInFlight;
      await this.#sendCommit(changed);
      return;
    }
    this.#commitInFlight = this.#sendCommit(changed).finally(() => {
      this.#commitInFlight = null;
    });
  }

  async #sendCommit(changed: readonly TopicPartitionOffset[]): Promise<void> {
    const start = Date.now();
    try {
      await this.#group!.commitOffsets(changed);
      for (const o of changed) {
        const k = tpKey(o.topic, o.partition);
        if (this.#assigned.has(k)) this.#committed.set(k, o.offset);
      }
      this.counters.offsetCommits++;
      this.counters.lastOffsetCommitMs = Date.now() - start;
    } catch (err) {
      this.counters.offsetCommitFailures++;
      this.logger.warn({ err: errorText(err) }, 'offset commit failed; will retry');
    }
  }

  /** Consumer lag per assigned partition (log end − next offset to process). */
  async lag(): Promise<Array<{ topic: string; partition: number; lag: number }>> {
    if (!this.#reader) return [];
    const tps = [...this.#assigned.values()];
    const ends = await this.#reader.endOffsets(tps);
    return tps.map((tp) => {
      const end = ends.get(KafkaReader.key(tp.topic, tp.partition)) ?? 0;
      const pos =
        this.#current.get(tpKey(tp.topic, tp.partition))?.offset ??
        this.#committed.get(tpKey(tp.topic, tp.partition)) ??
        0;
      return { ...tp, lag: Math.max(0, end - pos) };
    });
  }

  protected async close(): Promise<void> {
    if (this.#regexTimer) clearInterval(this.#regexTimer);
    try {
      if (this.#assigned.size > 0) await this.#sinkDeps.task.close([...this.#assigned.values()]);
    } catch (e) {
      this.logger.warn({ err: String(e) }, 'SinkTask.close() failed');
    }
    try {
      await this.#sinkDeps.task.stop();
    } catch (e) {
      this.logger.warn({ err: String(e) }, 'SinkTask.stop() failed');
    }
    if (this.#group) {
      // Stopped first, so a rejoin waiting for this loop ends instead of joining again.
      const left = this.#group.stop('sink task stopping');
      for (const w of this.#revokeWaiters.splice(0)) w();
      await left;
    }
    await this.#reader?.close();
    await this.#admin?.close().catch(() => undefined);
    this.deps.transforms.close();
    await this.deps.tolerance.close();
  }
}
