/** Runs a SourceTask exactly once: each transaction carries a boundary's records and their offsets (Kafka Connect's ExactlyOnceWorkerSourceTask, KIP-618). */
import type { Producer } from '@platformatic/kafka';
import type { SourceOffset, SourcePartition, TransactionContext } from '@tributary/api';
import { javaPartition } from '../kafka/producer.js';
import { canonical, KafkaOffsetBackingStore } from '../storage/offset-store.js';
import { errorText } from '../util/error-text.js';
import {
  AbstractWorkerSourceTask,
  chunkByBytes,
  MAX_REQUEST_BYTES,
  type PreparedBatch,
  type SourceTaskDeps,
} from './abstract-worker-source-task.js';
import { NO_HEADERS } from './source-conversion.js';

export interface ExactlyOnceOptions {
  transactionalId: string;
  boundary: 'poll' | 'interval' | 'connector';
  intervalMs: number;
  offsetTopic: string;
  offsetPartitions: number;
  /** Called with the offsets a committed transaction carried, to update the local offset view. */
  onCommitted: (entries: Array<{ partition: SourcePartition; offset: SourceOffset }>) => void;
}

export interface ExactlyOnceSourceTaskDeps extends SourceTaskDeps {
  exactlyOnce: ExactlyOnceOptions;
}

/**
 * Offsets are written inside each transaction, never by a timer. Starting the producer
 * (InitProducerId with the task's transactional.id) fences any zombie instance of this task.
 */
export class ExactlyOnceWorkerSourceTask extends AbstractWorkerSourceTask {
  readonly #eos: ExactlyOnceOptions;
  #txRequest: 'commit' | 'abort' | null = null;

  constructor(deps: ExactlyOnceSourceTaskDeps) {
    super(deps);
    this.#eos = deps.exactlyOnce;
  }

  protected producerOptions(): { transactionalId: string; producerId: bigint; producerEpoch: number } {
    // A new task instance must present no producer id (-1/-1) so InitProducerId bumps the epoch
    // and fences its predecessor; the client's default (0/0) is refused once the id has a history.
    return { transactionalId: this.#eos.transactionalId, producerId: -1n, producerEpoch: -1 };
  }

  protected transactionContext(): TransactionContext | null {
    if (this.#eos.boundary !== 'connector') return null;
    return {
      commitTransaction: () => {
        this.#txRequest = 'commit';
      },
      abortTransaction: () => {
        this.#txRequest = 'abort';
      },
    };
  }

  protected onTaskStarted(): void {}

  /**
   * Exactly-once loop: each transaction holds the batches of one boundary (a poll, an interval, or
   * what the connector delimits) plus the offset records for them, so a crash either commits both
   * or neither. Starting the producer (InitProducerId with the task's transactional.id) fences any
   * zombie instance of this task.
   */
  protected async execute(): Promise<void> {
    const eos = this.#eos;
    const task = this.sourceDeps.task;
    type Tx = Awaited<ReturnType<Producer['beginTransaction']>>;
    let tx: Tx | null = null;
    let txStarted = 0;
    let pending: PreparedBatch = [];
    const offsetsInTx = new Map<string, { partition: SourcePartition; offset: SourceOffset }>();
    const commit = async (): Promise<void> => {
      if (!tx) return;
      // The offset store's own record format, so a transaction's offsets read back as the timer's do.
      const offsetRecords = KafkaOffsetBackingStore.records(this.sourceDeps.connectorName, [
        ...offsetsInTx.values(),
      ]).map((r) => ({
        topic: eos.offsetTopic,
        partition: javaPartition(r.key, eos.offsetPartitions),
        key: r.key,
        // Never a tombstone here: a transaction carries the offsets of records it sent.
        ...(r.value ? { value: r.value } : {}),
        headers: NO_HEADERS,
      }));
      if (offsetRecords.length > 0) await tx.send({ messages: offsetRecords });
      await tx.commit();
      const committed = [...offsetsInTx.values()];
      tx = null;
      offsetsInTx.clear();
      eos.onCommitted(committed);
      this.counters.offsetCommits++;
      const now = Date.now();
      for (const b of pending) {
        this.submitted.ack(b.sub);
        if (b.record)
          await task.commitRecord(b.record, {
            topic: b.msg.topic,
            partition: b.msg.partition,
            offset: -1,
            timestamp: b.msg.timestamp !== undefined ? Number(b.msg.timestamp) : now,
          });
      }
      this.counters.recordsWritten += pending.length;
      pending = [];
      this.submitted.committable();
      await Promise.resolve(task.commit()).catch((e: unknown) =>
        this.logger.warn({ err: String(e) }, 'SourceTask.commit() failed'),
      );
    };
    const abort = async (): Promise<void> => {
      if (!tx) return;
      await tx.abort();
      tx = null;
      offsetsInTx.clear();
      for (const b of pending) this.submitted.ack(b.sub);
      this.submitted.committable();
      pending = [];
    };
    try {
      while (!this.stopping) {
        if (this.paused) {
          await commit();
          await this.awaitUnpaused();
          continue;
        }
        const records = await this.poll();
        if (records && records.length > 0) {
          const batch = await this.prepare(records);
          if (!tx) {
            tx = await this.#beginTransaction();
            txStarted = Date.now();
          }
          if (batch.length > 0) {
            this.noteTopicsUsed(batch);
            for (const chunk of chunkByBytes(batch, MAX_REQUEST_BYTES))
              await tx.send({ messages: chunk.map((b) => b.msg) });
            pending.push(...batch);
          }
          for (const r of records) {
            if (r.sourcePartition && r.sourceOffset)
              offsetsInTx.set(canonical(r.sourcePartition), { partition: r.sourcePartition, offset: r.sourceOffset });
          }
        }
        const request = this.#txRequest;
        this.#txRequest = null;
        if (request === 'abort') await abort();
        else if (
          tx &&
          (eos.boundary === 'poll' ||
            request === 'commit' ||
            (eos.boundary === 'interval' && Date.now() - txStarted >= eos.intervalMs))
        ) {
          await commit();
        }
      }
      // On a clean stop, what was polled is committed (Kafka Connect commits the open transaction).
      await commit();
    } catch (err) {
      await abort().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Starts a transaction, retrying what the broker asks to retry: the first one runs
   * InitProducerId, which answers CONCURRENT_TRANSACTIONS while a fenced predecessor's open
   * transaction is still being aborted (as the Java producer, we wait rather than fail).
   */
  async #beginTransaction(): Promise<Awaited<ReturnType<Producer['beginTransaction']>>> {
    const deadline = Date.now() + 120_000;
    let delay = 100;
    for (;;) {
      try {
        return await this.producer.beginTransaction();
      } catch (err) {
        const text = errorText(err);
        const retriable =
          /CONCURRENT_TRANSACTIONS|COORDINATOR_LOAD_IN_PROGRESS|COORDINATOR_NOT_AVAILABLE|NOT_COORDINATOR|already an active transaction/.test(
            text,
          );
        if (!retriable || Date.now() > deadline || this.stopping) throw err;
        this.logger.info({ err: text, retryInMs: delay }, 'transaction coordinator busy; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }
}
