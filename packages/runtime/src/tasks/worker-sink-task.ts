import { Admin, Consumer } from '@platformatic/kafka';
import {
  type ConnectRecord,
  type ErrantRecordReporter,
  Headers,
  RetriableException,
  SinkRecord,
  type SinkTask,
  type TopicPartition,
  type TopicPartitionOffset,
} from '@tributary/api';
import { TransformationChain } from '../connector-config.js';
import type { ProcessingContext } from '../errors/tolerance.js';
import { KafkaReader, type RawRecord, errorText } from '../kafka/reader.js';
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
 */
export class WorkerSinkTask extends WorkerTask {
  readonly #d: WorkerSinkTaskDeps;
  #group: Consumer | null = null;
  #reader: KafkaReader | null = null;
  /** Assigned partitions. */
  #assigned = new Map<string, TopicPartition>();
  /** Next offset after the last record handed to put() (or skipped), per partition. */
  readonly #current = new Map<string, TopicPartitionOffset>();
  /** Last offsets committed to the group. */
  readonly #committed = new Map<string, number>();
  #assignmentDirty = false;
  #commitRequested = false;
  #lastCommit = Date.now();
  #seekRequests: TopicPartitionOffset[] = [];
  #timeoutMs = 0;
  readonly #pausedByTask = new Set<string>();
  readonly #topicsSeen = new Set<string>();
  /** Raw records of the batch being processed, for the errant record reporter's DLQ copy. */
  #rawByOrigin = new Map<string, RawRecord>();
  #groupError: Error | null = null;
  #regexTimer: NodeJS.Timeout | null = null;
  #admin: Admin | null = null;

  constructor(deps: WorkerSinkTaskDeps) {
    super(deps);
    this.#d = deps;
  }

  protected async initializeAndStart(): Promise<void> {
    const d = this.#d;
    this.#reader = new KafkaReader({
      bootstrapServers: d.bootstrapServers,
      clientId: d.clientId,
      maxWaitMs: 500,
      autoOffsetReset: 'earliest',
    });
    this.#group = new Consumer({
      clientId: d.clientId,
      bootstrapBrokers: d.bootstrapServers,
      groupId: `connect-${d.connectorName}`,
      autocommit: false,
      sessionTimeout: d.sessionTimeoutMs,
      heartbeatInterval: d.heartbeatIntervalMs,
      rebalanceTimeout: d.rebalanceTimeoutMs,
      retries: 5,
      retryDelay: 300,
    });
    this.#group.on('consumer:group:join', () => {
      this.#assignmentDirty = true;
      this.wake();
    });
    this.#group.on('error', (err: Error) => {
      this.#groupError = err;
    });
    const reporter: ErrantRecordReporter = {
      report: async (record, error) => {
        const raw = this.#rawByOrigin.get(
          `${record.originalTopic}:${record.originalKafkaPartition}:${record.originalKafkaOffset}`,
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
    if (d.topicsRegex || d.topics.some((t) => !this.#group!.topics.current.includes(t))) {
      this.#regexTimer = setInterval(
        () => {
          void this.#subscribe()
            .then(() => {
              // Waiting only for named topics to appear: stop looking once they all have.
              if (!d.topicsRegex && d.topics.every((t) => this.#group!.topics.current.includes(t)) && this.#regexTimer)
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
    const d = this.#d;
    // Only topics that exist can be subscribed; the rest are picked up when they appear.
    const existing = await this.#listTopics();
    let topics = d.topics.filter((t) => existing.includes(t));
    if (d.topicsRegex) topics = [...new Set([...topics, ...existing.filter((t) => d.topicsRegex!.test(t))])];
    const current = new Set(this.#group!.topics.current);
    const changed = topics.length !== current.size || topics.some((t) => !current.has(t));
    if (!changed && this.#group!.memberId) return;
    for (const t of current) if (!topics.includes(t)) this.#group!.topics.untrack(t);
    this.#group!.topics.trackAll(...topics);
    if (topics.length === 0) return;
    await this.#group!.joinGroup({
      sessionTimeout: d.sessionTimeoutMs,
      heartbeatInterval: d.heartbeatIntervalMs,
      rebalanceTimeout: d.rebalanceTimeoutMs,
    });
    this.#assignmentDirty = true;
  }

  async #listTopics(): Promise<string[]> {
    this.#admin ??= new Admin({ clientId: `${this.#d.clientId}-admin`, bootstrapBrokers: this.#d.bootstrapServers });
    return (await this.#admin.listTopics({ includeInternals: false })).filter((t) => !t.startsWith('__'));
  }

  protected onStopRequested(): void {
    this.wake();
  }

  /** Brings the reader in line with the group's assignment: close revoked, open assigned. */
  async #reconcileAssignment(): Promise<void> {
    this.#assignmentDirty = false;
    const next = new Map<string, TopicPartition>();
    for (const a of this.#group!.assignments ?? [])
      for (const p of a.partitions) next.set(tpKey(a.topic, p), { topic: a.topic, partition: p });
    const revoked = [...this.#assigned].filter(([k]) => !next.has(k)).map(([, v]) => v);
    const added = [...next].filter(([k]) => !this.#assigned.has(k)).map(([, v]) => v);
    if (revoked.length > 0) {
      await this.#commit(true).catch((e: unknown) =>
        this.logger.warn({ err: errorText(e) }, 'commit before revocation failed'),
      );
      await this.#d.task.close(revoked);
      this.#reader!.unassign(revoked);
      for (const tp of revoked) {
        const k = tpKey(tp.topic, tp.partition);
        this.#assigned.delete(k);
        this.#current.delete(k);
        this.#committed.delete(k);
      }
    }
    if (added.length > 0) {
      const byTopic = new Map<string, number[]>();
      for (const tp of added) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
      const committed = await this.#group!.listCommittedOffsets({
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      });
      const assign: Array<{ topic: string; partition: number; offset: number | 'earliest' }> = [];
      for (const tp of added) {
        const off = committed.get(tp.topic)?.[tp.partition];
        const start = off !== undefined && off >= 0n ? Number(off) : 'earliest';
        assign.push({ ...tp, offset: start });
        if (typeof start === 'number') this.#committed.set(tpKey(tp.topic, tp.partition), start);
        this.#assigned.set(tpKey(tp.topic, tp.partition), tp);
      }
      this.#reader!.assign(assign);
      await this.#d.task.open(added);
      for (const tp of added) {
        if (!this.#topicsSeen.has(tp.topic)) {
          this.#topicsSeen.add(tp.topic);
          this.#d.onTopicUsed(tp.topic);
        }
      }
    }
    if (revoked.length > 0 || added.length > 0) {
      this.logger.info(
        { assigned: added.length, revoked: revoked.length, total: this.#assigned.size },
        'partition assignment changed',
      );
    }
  }

  protected async execute(): Promise<void> {
    while (!this.stopping) {
      if (this.#groupError) {
        const e = this.#groupError;
        this.#groupError = null;
        this.logger.warn({ err: errorText(e) }, 'consumer group error; rejoining');
        await this.#subscribe().catch(() => undefined);
      }
      if (this.#assignmentDirty) await this.#reconcileAssignment();
      this.#applySeeks();
      if (this.paused) {
        // Stay in the group (heartbeats continue) but fetch nothing.
        await this.awaitUnpaused();
        continue;
      }
      if (this.#commitRequested || Date.now() - this.#lastCommit >= this.#d.offsetFlushIntervalMs)
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
      for (let i = 0; i < raw.length && !this.stopping; i += this.#d.maxPollRecords) {
        await this.#deliver(raw.slice(i, i + this.#d.maxPollRecords));
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
    this.#rawByOrigin = new Map(raw.map((r) => [`${r.topic}:${r.partition}:${r.offset}`, r]));
    const records: SinkRecord[] = [];
    for (const r of raw) {
      // Fast path without the error handler's bookkeeping; on any failure the record is processed
      // again from the start under errors.* (converters and transforms are pure functions of it).
      let rec: SinkRecord | null;
      try {
        rec = this.#convertAndTransformFast(r);
      } catch {
        rec = await this.#convertAndTransform(r);
      }
      if (rec) records.push(rec);
    }
    for (;;) {
      try {
        await this.#d.task.put(records);
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
    for (const r of raw) {
      const k = tpKey(r.topic, r.partition);
      if (this.#assigned.has(k)) this.#current.set(k, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    }
    this.#rawByOrigin = new Map();
  }

  #convertAndTransformFast(r: RawRecord): SinkRecord | null {
    const c = this.deps.converters;
    const headers = new Headers();
    for (const [k, v] of r.headers) {
      const sv = c.header.toConnectHeader(r.topic, k, v);
      headers.add(k, sv.value, sv.schema);
    }
    const key = c.key.toConnectData(r.topic, headers, r.key);
    const value = c.value.toConnectData(r.topic, headers, r.value);
    let record: ConnectRecord | null = new SinkRecord({
      topic: r.topic,
      kafkaPartition: r.partition,
      kafkaOffset: r.offset,
      keySchema: key.schema,
      key: key.value,
      valueSchema: value.schema,
      value: value.value,
      timestamp: r.timestamp >= 0 ? r.timestamp : null,
      timestampType: r.timestamp >= 0 ? 'CreateTime' : 'NoTimestampType',
      headers,
    });
    for (const stage of this.deps.transforms.stages) {
      record = TransformationChain.applyStage(stage, record);
      if (!record) return null;
    }
    return record as SinkRecord;
  }

  async #convertAndTransform(r: RawRecord): Promise<SinkRecord | null> {
    const tol = this.deps.tolerance;
    const c = this.deps.converters;
    const ctx: Omit<ProcessingContext, 'stage' | 'className' | 'error' | 'attempts'> = { consumed: r };
    const headers = await tol.execute(
      'HEADER_CONVERTER',
      c.headerClass,
      () => {
        const h = new Headers();
        for (const [k, v] of r.headers) {
          const sv = c.header.toConnectHeader(r.topic, k, v);
          h.add(k, sv.value, sv.schema);
        }
        return h;
      },
      ctx,
    );
    if (!headers.ok) return null;
    const key = await tol.execute(
      'KEY_CONVERTER',
      c.keyClass,
      () => c.key.toConnectData(r.topic, headers.value, r.key),
      ctx,
    );
    if (!key.ok) return null;
    const value = await tol.execute(
      'VALUE_CONVERTER',
      c.valueClass,
      () => c.value.toConnectData(r.topic, headers.value, r.value),
      ctx,
    );
    if (!value.ok) return null;
    let record: ConnectRecord | null = new SinkRecord({
      topic: r.topic,
      kafkaPartition: r.partition,
      kafkaOffset: r.offset,
      keySchema: key.value.schema,
      key: key.value.value,
      valueSchema: value.value.schema,
      value: value.value.value,
      timestamp: r.timestamp >= 0 ? r.timestamp : null,
      timestampType: r.timestamp >= 0 ? 'CreateTime' : 'NoTimestampType',
      headers: headers.value,
    });
    for (const stage of this.deps.transforms.stages) {
      const out = await tol.execute(
        'TRANSFORMATION',
        stage.className,
        () => TransformationChain.applyStage(stage, record!),
        ctx,
      );
      record = out.ok ? out.value : null;
      if (!record) return null;
    }
    return record as SinkRecord;
  }

  /** preCommit() decides; we commit exactly what it returns, for partitions still assigned. */
  async #commit(closing: boolean): Promise<void> {
    this.#commitRequested = false;
    this.#lastCommit = Date.now();
    const current = [...this.#current.values()];
    if (current.length === 0 && !closing) return;
    let toCommit: readonly TopicPartitionOffset[];
    try {
      toCommit = await this.#d.task.preCommit(current);
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
    const start = Date.now();
    try {
      await this.#group!.commit({
        offsets: changed.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: BigInt(o.offset),
          leaderEpoch: -1,
        })),
      });
      for (const o of changed) this.#committed.set(tpKey(o.topic, o.partition), o.offset);
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
      if (this.#assigned.size > 0) await this.#d.task.close([...this.#assigned.values()]);
    } catch (e) {
      this.logger.warn({ err: String(e) }, 'SinkTask.close() failed');
    }
    try {
      await this.#d.task.stop();
    } catch (e) {
      this.logger.warn({ err: String(e) }, 'SinkTask.stop() failed');
    }
    if (this.#group) {
      await this.#group.close().catch(() => undefined);
    }
    await this.#reader?.close();
    await this.#admin?.close().catch(() => undefined);
    this.deps.transforms.close();
    await this.deps.tolerance.close();
  }
}
