/** errors.* handling of record-level failures: retries with backoff, then skip and report or fail (Kafka Connect's RetryWithToleranceOperator). */
import { ConnectException, type Logger, NotReadyException, RetriableException } from '@tributary/api';

/** Where in the pipeline an operation failed (Kafka Connect's Stage). */
export type Stage =
  | 'TASK_POLL'
  | 'TASK_PUT'
  | 'KEY_CONVERTER'
  | 'VALUE_CONVERTER'
  | 'HEADER_CONVERTER'
  | 'TRANSFORMATION'
  | 'KAFKA_PRODUCE'
  | 'KAFKA_CONSUME';

/** The record being processed when an error happened: the raw consumer record for sinks, the source record for sources. */
export interface ProcessingContext {
  stage: Stage;
  /** Plugin class that was executing (converter, transform or task). */
  className: string;
  /** Sink side: the original record as consumed. */
  consumed?: {
    topic: string;
    partition: number;
    offset: number;
    timestamp: number;
    key: Buffer | null;
    value: Buffer | null;
    headers: ReadonlyArray<readonly [string, Buffer | null]>;
  };
  /** Source side: a printable view of the record. */
  sourceRecord?: { topic: string; partition: number | null; key: unknown; value: unknown };
  error: Error;
  attempts: number;
}

/** What a stage knows of the record it runs on: the context minus what the failure itself adds. */
export type RecordContext = Omit<ProcessingContext, 'stage' | 'className' | 'error' | 'attempts'>;

export interface ErrorReporter {
  report(ctx: ProcessingContext): Promise<void>;
  close?(): Promise<void>;
}

export interface ToleranceConfig {
  'errors.retry.timeout': number;
  'errors.retry.delay.max.ms': number;
  'errors.tolerance': 'none' | 'all';
  'errors.log.enable': boolean;
  'errors.log.include.messages': boolean;
}

export type ExecResult<T> = { ok: true; value: T } | { ok: false };

export class ToleranceExceededError extends ConnectException {
  constructor(cause: Error) {
    super('Tolerance exceeded in error handler', { cause });
  }
}

/** Counts kept for task-error-metrics. */
export interface ErrorCounters {
  totalRecordFailures: number;
  totalRecordErrors: number;
  totalRecordsSkipped: number;
  totalRetries: number;
  totalErrorsLogged: number;
  deadletterqueueProduceRequests: number;
  deadletterqueueProduceFailures: number;
  lastErrorTimestamp: number;
}

/** Counters of a task that has seen no error yet. */
export function newErrorCounters(): ErrorCounters {
  return {
    totalRecordFailures: 0,
    totalRecordErrors: 0,
    totalRecordsSkipped: 0,
    totalRetries: 0,
    totalErrorsLogged: 0,
    deadletterqueueProduceRequests: 0,
    deadletterqueueProduceFailures: 0,
    lastErrorTimestamp: 0,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs record-level operations (convert, transform) under errors.* (Kafka Connect's
 * RetryWithToleranceOperator): retriable failures are retried with exponential backoff and
 * jitter until errors.retry.timeout; then, with tolerance all, the record is reported (log, DLQ)
 * and skipped; with tolerance none the task fails.
 */
export class RetryWithToleranceOperator {
  readonly counters: ErrorCounters = newErrorCounters();
  readonly #cfg: ToleranceConfig;
  readonly #reporters: ErrorReporter[];
  readonly #isStopping: () => boolean;

  constructor(cfg: ToleranceConfig, reporters: ErrorReporter[], isStopping: () => boolean = () => false) {
    this.#cfg = cfg;
    this.#reporters = reporters;
    this.#isStopping = isStopping;
  }

  get toleratesAll(): boolean {
    return this.#cfg['errors.tolerance'] === 'all';
  }

  /**
   * Synchronous fast path: runs op once; only on failure does it go async for retries and reports.
   * Returns {ok:false} when the record should be skipped; throws when tolerance is exceeded.
   */
  execute<T>(
    stage: Stage,
    className: string,
    op: () => T,
    context: RecordContext = {},
  ): ExecResult<T> | Promise<ExecResult<T>> {
    // Synchronous on success: the record path pays for a promise only when something failed.
    try {
      return { ok: true, value: op() };
    } catch (first) {
      return this.#recover(stage, className, op, first as Error, context);
    }
  }

  /**
   * Runs op, first awaiting whatever it said it was waiting for (NotReadyException: a converter's
   * registry lookup). Waiting is not a failure; a failed wait is op's error.
   */
  async #attempt<T>(op: () => T): Promise<T> {
    for (let waits = 0; ; waits++) {
      try {
        return op();
      } catch (e) {
        if (!(e instanceof NotReadyException) || waits >= 100) throw e;
        await e.ready;
      }
    }
  }

  async #recover<T>(
    stage: Stage,
    className: string,
    op: () => T,
    first: Error,
    context: RecordContext,
  ): Promise<{ ok: true; value: T } | { ok: false }> {
    let error = first;
    let attempts = 1;
    const start = Date.now();
    if (error instanceof NotReadyException) {
      try {
        await error.ready;
        return { ok: true, value: await this.#attempt(op) };
      } catch (e) {
        error = e as Error;
      }
    }
    const timeout = this.#cfg['errors.retry.timeout'];
    let delay = 300;
    while (
      error instanceof RetriableException &&
      !this.#isStopping() &&
      (timeout < 0 || Date.now() - start < timeout)
    ) {
      const jittered = Math.min(delay, this.#cfg['errors.retry.delay.max.ms']) * (0.5 + Math.random() / 2);
      await sleep(timeout < 0 ? jittered : Math.min(jittered, Math.max(0, timeout - (Date.now() - start))));
      this.counters.totalRetries++;
      attempts++;
      delay *= 2;
      try {
        return { ok: true, value: await this.#attempt(op) };
      } catch (e) {
        error = e as Error;
      }
    }
    return this.fail({ ...context, stage, className, error, attempts });
  }

  /** Records a failure that has no retry (e.g. an errant record reported by a sink task). */
  async fail(ctx: ProcessingContext): Promise<{ ok: false }> {
    this.counters.totalRecordFailures++;
    this.counters.totalRecordErrors++;
    this.counters.lastErrorTimestamp = Date.now();
    if (!this.toleratesAll) throw new ToleranceExceededError(ctx.error);
    this.counters.totalRecordsSkipped++;
    for (const r of this.#reporters) await r.report(ctx);
    return { ok: false };
  }

  async close(): Promise<void> {
    for (const r of this.#reporters) await r.close?.();
  }
}

/** errors.log.enable: logs each failed record with its context; the message only with include.messages. */
export class LogReporter implements ErrorReporter {
  readonly #logger: Logger;
  readonly #includeMessages: boolean;
  readonly #counters: () => ErrorCounters;

  constructor(logger: Logger, includeMessages: boolean, counters: () => ErrorCounters) {
    this.#logger = logger;
    this.#includeMessages = includeMessages;
    this.#counters = counters;
  }

  async report(ctx: ProcessingContext): Promise<void> {
    this.#counters().totalErrorsLogged++;
    const where: Record<string, unknown> = {
      stage: ctx.stage,
      class: ctx.className,
      attempts: ctx.attempts,
      err: ctx.error.message,
    };
    if (ctx.consumed) {
      Object.assign(where, {
        topic: ctx.consumed.topic,
        partition: ctx.consumed.partition,
        offset: ctx.consumed.offset,
      });
      if (this.#includeMessages) {
        where.key = ctx.consumed.key?.toString('utf8') ?? null;
        where.value = ctx.consumed.value?.toString('utf8') ?? null;
      }
    } else if (ctx.sourceRecord) {
      Object.assign(where, { topic: ctx.sourceRecord.topic, partition: ctx.sourceRecord.partition });
      if (this.#includeMessages) {
        where.key = safeText(ctx.sourceRecord.key);
        where.value = safeText(ctx.sourceRecord.value);
      }
    }
    this.#logger.error(
      where,
      `Error encountered in task. Executing stage '${ctx.stage}' with class '${ctx.className}'.`,
    );
  }
}

function safeText(v: unknown): string {
  try {
    return typeof v === 'string' ? v : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return String(v);
  }
}

/** Builds the text Kafka Connect puts in exception.stacktrace: the Java-like class name, message and stack. */
export function stackTrace(err: Error): string {
  return err.stack ?? `${err.name}: ${err.message}`;
}
