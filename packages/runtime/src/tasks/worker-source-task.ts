/** Runs a SourceTask at least once: records go out on the idempotent producer, offsets of acknowledged ones on a timer and on stop (Kafka Connect's WorkerSourceTask). */
import type { RecordMetadata, SourceOffset, SourcePartition, TransactionContext } from '@tributary/api';
import type { Producer } from '@platformatic/kafka';
import { canonical } from '../storage/offset-store.js';
import { errorText } from '../util/error-text.js';
import {
  AbstractWorkerSourceTask,
  chunkByBytes,
  MAX_REQUEST_BYTES,
  type OutMessage,
  type PreparedBatch,
} from './abstract-worker-source-task.js';

export { offsetStorageReader, type SourceTaskDeps } from './abstract-worker-source-task.js';

/** Upper bound of records accumulated from polls while a request is in flight. */
const MAX_BATCH_RECORDS = 20_000;

/**
 * poll → transforms → converters → idempotent producer (acks=all). Offsets of acknowledged records
 * are committed every offset.flush.interval.ms and on stop, then the task's commit() is called.
 */
export class WorkerSourceTask extends AbstractWorkerSourceTask {
  #inFlight: Promise<void> | null = null;
  #flushTimer: NodeJS.Timeout | null = null;
  #committing: Promise<void> | null = null;
  #sendError: Error | null = null;
  #sending = false;
  /** Offsets taken from SubmittedRecords but not yet durably written (kept across failed flushes). */
  readonly #toCommit = new Map<string, { partition: SourcePartition; offset: SourceOffset }>();

  /** The send in flight, if any (resolves when it completed, failed or not). */
  protected get sendInFlight(): Promise<void> | null {
    return this.#inFlight;
  }

  protected producerOptions(): Record<string, never> {
    return {};
  }

  protected transactionContext(): TransactionContext | null {
    return null;
  }

  protected onTaskStarted(): void {
    this.#flushTimer = setInterval(() => {
      void this.commitOffsets().catch(() => undefined);
    }, this.sourceDeps.offsetFlushIntervalMs);
    this.#flushTimer.unref();
  }

  protected async execute(): Promise<void> {
    // Batches prepared while the previous send is in flight: they go out together as soon as it
    // completes, so a fast source sends few large requests (as the Java producer's linger does)
    // while a slow one still sends each poll at once. One request in flight keeps the order.
    let pending: PreparedBatch = [];
    const flush = async (): Promise<void> => {
      await this.#inFlight;
      if (this.#sendError) throw this.#sendError;
      if (pending.length > 0) {
        this.#inFlight = this.#send(pending);
        pending = [];
      }
    };
    while (!this.stopping) {
      if (this.#sendError) throw this.#sendError;
      if (this.paused) {
        await flush();
        await this.awaitUnpaused();
        continue;
      }
      if (
        this.submitted.pending >= this.sourceDeps.maxBufferedRecords ||
        this.submitted.pendingBytes >= this.sourceDeps.maxBufferedBytes
      ) {
        await flush();
        await this.#inFlight;
        continue;
      }
      const prepared = await this.nextBatch(pending.length > 0);
      if (prepared) for (const p of prepared) pending.push(p);
      if (this.stopping) break;
      const idle = prepared === null;
      if (pending.length > 0 && (!this.#sending || idle || pending.length >= MAX_BATCH_RECORDS)) await flush();
    }
    await flush();
    await this.#inFlight;
    if (this.#sendError) throw this.#sendError;
    await this.commitOffsets();
  }

  async #send(batch: PreparedBatch): Promise<void> {
    this.#sending = true;
    this.noteTopicsUsed(batch);
    try {
      // One request at a time, each under the broker's default message.max.bytes, in order.
      for (const chunk of chunkByBytes(batch, MAX_REQUEST_BYTES)) {
        const res = await this.#sendWithRetry(chunk.map((b) => b.msg));
        const base = new Map<string, number>();
        for (const o of res.offsets ?? []) base.set(`${o.topic}:${o.partition}`, Number(o.offset));
        const seen = new Map<string, number>();
        const now = Date.now();
        for (const b of chunk) {
          const k = `${b.msg.topic}:${b.msg.partition}`;
          const idx = seen.get(k) ?? 0;
          seen.set(k, idx + 1);
          this.submitted.ack(b.sub);
          const meta: RecordMetadata = {
            topic: b.msg.topic,
            partition: b.msg.partition,
            offset: (base.get(k) ?? -1) + idx,
            timestamp: b.msg.timestamp !== undefined ? Number(b.msg.timestamp) : now,
          };
          const done = this.recordSent(b.record, meta);
          if (done instanceof Promise) await done;
        }
        this.counters.recordsWritten += chunk.length;
      }
    } catch (err) {
      this.#sendError = err instanceof Error ? err : new Error(String(err));
      this.logger.error({ err: errorText(err) }, 'failed to send records to Kafka');
    } finally {
      this.#sending = false;
    }
  }

  /**
   * Sends a batch, retrying for up to two minutes (the Java producer's delivery.timeout.ms) on
   * errors that clear by themselves: a topic created a moment ago, a leader moving, a broker restart.
   */
  async #sendWithRetry(messages: OutMessage[]): Promise<Awaited<ReturnType<Producer['send']>>> {
    const deadline = Date.now() + (this.sourceDeps.deliveryTimeoutMs ?? 120_000);
    let delay = 100;
    for (;;) {
      try {
        return await this.producer.send({ messages });
      } catch (err) {
        const text = errorText(err);
        const transient =
          /UNKNOWN_TOPIC_OR_PARTITION|LEADER_NOT_AVAILABLE|NOT_LEADER|NETWORK|ECONNREFUSED|ECONNRESET|TIMEOUT|NOT_ENOUGH_REPLICAS|REQUEST_TIMED_OUT|Connection closed/i.test(
            text,
          );
        if (!transient || Date.now() > deadline || this.stopping) throw err;
        this.logger.warn({ err: text, retryInMs: delay }, 'send failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  /** Writes the committable offsets, then lets the task confirm upstream (commit()). */
  async commitOffsets(): Promise<void> {
    if (this.#committing) return this.#committing;
    this.#committing = (async () => {
      for (const o of this.submitted.committable()) this.#toCommit.set(canonical(o.partition), o);
      if (this.#toCommit.size === 0) return;
      const offsets = [...this.#toCommit.values()];
      const start = Date.now();
      try {
        await this.sourceDeps.offsetStore.set(this.sourceDeps.connectorName, offsets);
        for (const o of offsets)
          if (this.#toCommit.get(canonical(o.partition)) === o) this.#toCommit.delete(canonical(o.partition));
        this.counters.offsetCommits++;
        this.counters.lastOffsetCommitMs = Date.now() - start;
      } catch (err) {
        this.counters.offsetCommitFailures++;
        this.logger.error(
          { err: String(err) },
          'failed to commit source offsets; they will be retried at the next flush',
        );
        return;
      }
      try {
        await this.commitSourceTask();
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'SourceTask.commit() failed');
      }
    })().finally(() => {
      this.#committing = null;
    });
    return this.#committing;
  }

  protected override async close(): Promise<void> {
    if (this.#flushTimer) clearInterval(this.#flushTimer);
    await this.#committing;
    await super.close();
  }
}
