/** The entry of a source task's own thread: the connector's SourceTask, its transforms and converters, handing converted batches to the worker's producer. */
import { parentPort, workerData } from 'node:worker_threads';
import {
  type Logger,
  type LogFn,
  type RecordMetadata,
  type SourcePartition,
  type SourceRecord,
  type SourceOffset,
  SourceTask,
} from '@tributary/api';
import { type ErrorCounters, newErrorCounters } from '../errors/tolerance.js';
import { Plugins } from '../plugins.js';
import { errorText } from '../util/error-text.js';
import { NO_HEADERS, transformAndConvert } from './source-conversion.js';
import { recordStages } from './task-builders.js';
import {
  encodeBatch,
  type FromThread,
  LOG_LEVEL_VALUES,
  type LogLevel,
  type TaskThreadData,
  type ThreadRecord,
  type ToThread,
  toThreadError,
} from './task-thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('source-task-thread runs as a worker thread');
const data = workerData as TaskThreadData;
const post = (m: FromThread, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer ?? []);

const level = new Int32Array(data.logLevel);

/** A logger that hands each line enabled at the worker's level to the worker, which redacts and writes it. */
function forwardingLogger(bindings: Record<string, unknown>): Logger {
  const fn =
    (l: LogLevel): LogFn =>
    (objOrMsg: Record<string, unknown> | string, msg?: string) => {
      if (LOG_LEVEL_VALUES[l] < Atomics.load(level, 0)) return;
      const obj = typeof objOrMsg === 'string' ? { ...bindings } : { ...bindings, ...objOrMsg };
      const text = typeof objOrMsg === 'string' ? objOrMsg : msg;
      try {
        post({ t: 'log', level: l, obj, msg: text });
      } catch {
        // A field that cannot be cloned (a function, a socket) still leaves its line, as text.
        post({ t: 'log', level: l, obj: { detail: String(JSON.stringify(obj, (_k, v) => String(v))) }, msg: text });
      }
    };
  return {
    trace: fn('trace'),
    debug: fn('debug'),
    info: fn('info'),
    warn: fn('warn'),
    error: fn('error'),
    fatal: fn('fatal'),
    child: (more) => forwardingLogger({ ...bindings, ...more }),
  };
}

const logger = forwardingLogger({});
/**
 * Converted records waiting for the worker to ask for them. The worker asks when it can send: while its
 * previous request is in flight the thread goes on polling into the outbox, so each send takes what
 * accumulated, as an in-process task's next poll does (a CDC queue hands out one record per poll when it
 * is drained faster than it fills). Bounded like the Java producer's batches, then poll() waits.
 */
const outbox: ThreadRecord[] = [];
let outboxBytes = 0;
let outboxPolled = 0;
const OUTBOX_MAX_RECORDS = 4096;
const OUTBOX_MAX_BYTES = 4 * 1024 * 1024;
/** The worker asked for records and has not had them yet. */
let requested = false;
/** An idle mark went out since the last records: one per quiet spell. */
let idleSent = false;
let stages: ReturnType<typeof recordStages> | null = null;

function flushOutbox(): void {
  if (outbox.length === 0) return;
  const buf = encodeBatch(outbox);
  const polled = outboxPolled;
  outbox.length = 0;
  outboxBytes = 0;
  outboxPolled = 0;
  requested = false;
  post({ t: 'batch', buf, polled, errors: { ...(stages?.tolerance.counters ?? NO_ERRORS) } }, [buf]);
  awaken();
}
let paused = data.paused;
let stopping = false;
let wake: (() => void) | null = null;
const awaken = (): void => {
  const w = wake;
  wake = null;
  w?.();
};
let nextRpc = 0;
const rpcs = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
function rpc<T>(make: (id: number) => FromThread): Promise<T> {
  const id = ++nextRpc;
  return new Promise<T>((resolve, reject) => {
    rpcs.set(id, { resolve: resolve as (v: unknown) => void, reject });
    post(make(id));
  });
}

/** Records handed to the worker and not yet reported sent: commitRecord() receives them in this order. */
const sentQueue: SourceRecord[] = [];
let task: SourceTask | null = null;
let commitsRecords = false;

async function onMessage(m: ToThread): Promise<void> {
  switch (m.t) {
    case 'next':
      if (outbox.length > 0) flushOutbox();
      else requested = true;
      return;
    case 'pause':
      paused = m.paused;
      awaken();
      return;
    case 'sent':
      for (let i = 0; i < m.topics.length; i++) {
        const record = sentQueue.shift();
        if (!record || !task) continue;
        const meta: RecordMetadata = {
          topic: m.topics[i]!,
          partition: m.meta[i * 3]!,
          offset: m.meta[i * 3 + 1]!,
          timestamp: m.meta[i * 3 + 2]!,
        };
        await task.commitRecord(record, meta);
      }
      return;
    case 'commit': {
      let error: string | null = null;
      try {
        await task?.commit();
      } catch (err) {
        error = errorText(err);
      }
      post({ t: 'committed', id: m.id, error });
      return;
    }
    case 'stop':
      stopping = true;
      awaken();
      // SourceTask.stop() is how a blocked poll() learns to return.
      try {
        await task?.stop();
      } catch (err) {
        logger.warn({ err: errorText(err) }, 'SourceTask.stop() failed');
      }
      return;
    case 'close':
      stopping = true;
      awaken();
      await closing();
      return;
    case 'reply': {
      const r = rpcs.get(m.id);
      rpcs.delete(m.id);
      if (m.ok) r?.resolve(m.value);
      else r?.reject(new Error(m.error));
      return;
    }
  }
}

// commitRecord() and commit() calls are made one at a time, in order: the task hears of its records in the
// order they went out, and of a commit after the records it covers. Everything else is handled as it comes, so
// a commit() waiting for its own offset lookup (a reply) or for poll() to move (a request) cannot wait on itself.
let inbox: Promise<void> = Promise.resolve();
port.on('message', (m: ToThread) => {
  if (m.t === 'sent' || m.t === 'commit') inbox = inbox.then(() => onMessage(m)).catch((err: unknown) => fail(err));
  else onMessage(m).catch((err: unknown) => fail(err));
});

let closeStages: (() => Promise<void>) | null = null;
let closed: Promise<void> | null = null;
function closing(): Promise<void> {
  closed ??= (async () => {
    await closeStages?.().catch(() => undefined);
    post({ t: 'closed' });
    // Whatever the connector left open (a socket, a timer) ends with the thread.
    setImmediate(() => process.exit(0));
  })();
  return closed;
}

function fail(err: unknown): void {
  stopping = true;
  post({ t: 'failed', error: toThreadError(err) });
}

async function run(): Promise<void> {
  const plugins = await Plugins.discover({ ...data.plugins, logger });
  stages = recordStages(
    {
      plugins,
      workerProps: data.workerProps,
      keyConverter: data.keyConverter,
      valueConverter: data.valueConverter,
      headerConverter: data.headerConverter,
    },
    data.connectorConfig,
    logger,
    () => stopping,
  );
  const built = stages;
  closeStages = async () => {
    built.transforms.close();
    await built.tolerance.close();
  };
  const cls = data.connectorConfig['connector.class'];
  if (!cls) throw new Error('Missing connector.class');
  const connector = plugins.create(cls, 'source', 'sink');
  if (connector.kind !== 'source') throw new Error(`${cls} is not a source connector`);
  const TaskClass = connector.taskClass();
  const t = new TaskClass() as SourceTask;
  task = t;
  commitsRecords = overridesCommitRecord(t);
  t.initialize({
    configs: () => data.taskConfig,
    offsetStorageReader: {
      offset: async (partition) => (await offsets([partition]))[0]?.offset ?? null,
      offsets,
    },
    transactionContext: null,
    logger,
  });
  await t.start(data.taskConfig);
  post({ t: 'started', commitsRecords });
  while (!stopping) {
    if (paused || outbox.length >= OUTBOX_MAX_RECORDS || outboxBytes >= OUTBOX_MAX_BYTES) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      continue;
    }
    const records = await t.poll();
    if (stopping && (!records || records.length === 0)) break;
    if (!records || records.length === 0) {
      // Once per quiet spell: it lets the worker send what it holds without waiting for more.
      if (requested && outbox.length === 0 && !idleSent) {
        idleSent = true;
        requested = false;
        post({ t: 'idle', errors: { ...built.tolerance.counters } });
      }
      continue;
    }
    idleSent = false;
    const converted = await transformAndConvert(records, built.converters, built.transforms, built.tolerance);
    for (let i = 0; i < records.length; i++) {
      const original = records[i]!;
      const c = converted[i];
      if (!c) {
        // Dropped: the task hears of it at once, as Kafka Connect's recordDropped (commitRecord with null).
        if (commitsRecords) await t.commitRecord(original, null);
        outbox.push({
          kept: false,
          topic: '',
          kafkaPartition: null,
          timestamp: null,
          key: undefined,
          value: undefined,
          headers: NO_HEADERS,
          sourcePartition: original.sourcePartition ?? null,
          sourceOffset: original.sourceOffset ?? null,
        });
        continue;
      }
      if (commitsRecords) sentQueue.push(original);
      outboxBytes += c.bytes;
      outbox.push({
        kept: true,
        topic: c.record.topic,
        kafkaPartition: c.record.kafkaPartition ?? null,
        timestamp: c.record.timestamp ?? null,
        key: c.key,
        value: c.value,
        headers: c.headers,
        sourcePartition: original.sourcePartition ?? null,
        sourceOffset: original.sourceOffset ?? null,
      });
    }
    outboxPolled += records.length;
    if (requested) flushOutbox();
  }
  if (requested) flushOutbox();
  post({ t: 'stopped' });
}

const NO_ERRORS: ErrorCounters = newErrorCounters();

/**
 * Whether the task's class overrides commitRecord(): the SDK's own is a no-op, and a task that keeps
 * it is not worth a message per record. The SDK may be another copy than the worker's, hence the name.
 */
function overridesCommitRecord(t: SourceTask): boolean {
  for (let p = Object.getPrototypeOf(t); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (p === SourceTask.prototype || p.constructor?.name === 'SourceTask') return false;
    if (Object.hasOwn(p, 'commitRecord')) return true;
  }
  return false;
}

function offsets(
  partitions: readonly SourcePartition[],
): Promise<Array<{ partition: SourcePartition; offset: SourceOffset | null }>> {
  return rpc((id) => ({ t: 'offsets', id, partitions: [...partitions] }));
}

run().catch((err: unknown) => fail(err));
