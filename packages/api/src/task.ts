/** The task SDK: SourceTask and SinkTask base classes, their contexts, the offset reader and the errant record reporter (Kafka Connect's Task). */
import type { Logger } from './logger.js';
import type {
  RecordMetadata,
  SinkRecord,
  SourceOffset,
  SourcePartition,
  SourceRecord,
  TopicPartition,
  TopicPartitionOffset,
} from './record.js';
import { brand } from './brand.js';

/** Reads committed source offsets (Kafka Connect's OffsetStorageReader). */
export interface OffsetStorageReader {
  offset(partition: SourcePartition): Promise<SourceOffset | null>;
  offsets(
    partitions: readonly SourcePartition[],
  ): Promise<Array<{ partition: SourcePartition; offset: SourceOffset | null }>>;
}

/** Lets a source task define transaction boundaries when transaction.boundary=connector (KIP-618). */
export interface TransactionContext {
  commitTransaction(record?: SourceRecord): void;
  abortTransaction(record?: SourceRecord): void;
}

export interface SourceTaskContext {
  configs(): Readonly<Record<string, string>>;
  readonly offsetStorageReader: OffsetStorageReader;
  /** Non-null only when exactly-once source is on and the connector defines boundaries. */
  readonly transactionContext: TransactionContext | null;
  readonly logger: Logger;
}

/** Reports a record the sink could not handle, per errors.tolerance (DLQ, log) — Kafka Connect's ErrantRecordReporter. */
export interface ErrantRecordReporter {
  report(record: SinkRecord, error: Error): Promise<void>;
}

export interface SinkTaskContext {
  configs(): Readonly<Record<string, string>>;
  /** Rewinds (or skips) consumption of these partitions to the given offsets. */
  offset(offsets: readonly TopicPartitionOffset[]): void;
  /** After a RetriableException from put(), wait this long before redelivering the batch. */
  timeout(ms: number): void;
  assignment(): readonly TopicPartition[];
  pause(...partitions: TopicPartition[]): void;
  resume(...partitions: TopicPartition[]): void;
  /** Asks the runtime to commit offsets soon (it calls preCommit first). */
  requestCommit(): void;
  readonly errantRecordReporter: ErrantRecordReporter | null;
  readonly logger: Logger;
}

abstract class TaskBase<Ctx> {
  #context: Ctx | null = null;
  initialize(context: Ctx): void {
    this.#context = context;
  }
  get context(): Ctx {
    if (!this.#context) throw new Error('Task used before initialize()');
    return this.#context;
  }
  abstract version(): string;
  abstract start(props: Readonly<Record<string, string>>): Promise<void> | void;
  abstract stop(): Promise<void> | void;
}

/**
 * Reads from an external system. poll() returns the next batch, or null/[] when nothing is ready
 * (it should wait briefly rather than spin). stop() may be called while poll() is pending.
 */
export abstract class SourceTask extends TaskBase<SourceTaskContext> {
  abstract poll(): Promise<SourceRecord[] | null>;
  /** Called after offsets up to the last flush are durably committed in Kafka. */
  commit(): Promise<void> | void {}
  /** Called for each record once Kafka acknowledged it (metadata null when a transform dropped it). */
  commitRecord(_record: SourceRecord, _metadata: RecordMetadata | null): Promise<void> | void {}
}

/** Writes to an external system. Offsets are committed only as preCommit() allows. */
export abstract class SinkTask extends TaskBase<SinkTaskContext> {
  abstract put(records: SinkRecord[]): Promise<void> | void;
  /** Make everything put so far durable (default: nothing buffered). */
  flush(_offsets: readonly TopicPartitionOffset[]): Promise<void> | void {}
  /** Returns the offsets safe to commit; the default flushes and returns them all. */
  async preCommit(offsets: readonly TopicPartitionOffset[]): Promise<readonly TopicPartitionOffset[]> {
    await this.flush(offsets);
    return offsets;
  }
  open(_partitions: readonly TopicPartition[]): Promise<void> | void {}
  close(_partitions: readonly TopicPartition[]): Promise<void> | void {}
}

brand(SourceTask, 'SourceTask');
brand(SinkTask, 'SinkTask');
