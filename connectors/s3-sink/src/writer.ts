/** Writes one Kafka partition's records into rotating S3 files whose cuts line up with committed offsets (Confluent's TopicPartitionWriter). */
import {
  DataException,
  type Header,
  type Logger,
  type Schema,
  type SinkRecord,
  SchemaBuilder,
  type TopicPartition,
} from '@tributary/api';
import { type Compatibility, project, shouldChangeSchema } from './compat.js';
import { estimateSize, type FormatWriter, type RecordFormat } from './formats/format.js';
import { inferSchema } from './formats/infer.js';
import { zoneOffsetMinutes } from './joda.js';
import { describe, type Partitioner, type TimestampExtractor } from './partitioner.js';
import type { ObjectInfo, ObjectStore, ObjectUpload } from './storage.js';

/** Object metadata that identifies a file's content: a replay that cuts the same records matches it. */
export const META_START = 'tributary-start-offset';
export const META_END = 'tributary-end-offset';
export const META_COUNT = 'tributary-record-count';

export interface WriterSettings {
  topicsDir: string;
  dirDelim: string;
  fileDelim: string;
  zeroPadWidth: number;
  flushSize: number;
  rotateIntervalMs: number;
  rotateScheduleIntervalMs: number;
  rotateSizeBytes: number;
  rotateIdleMs: number;
  /** Time-based partitioners also cut when a record's time bucket differs from the previous record's. */
  timePartitioned: boolean;
  timezone: string;
  compatibility: Compatibility;
  inferSchemas: boolean;
  nullValues: 'fail' | 'ignore' | 'write';
  tombstonePartition: string;
  valueFormat: RecordFormat;
  keysFormat: RecordFormat | null;
  headersFormat: RecordFormat | null;
}

export type RotationReason =
  | 'flush.size'
  | 'rotate.interval.ms'
  | 'rotate.size.bytes'
  | 'schema'
  | 'rotate.schedule.interval.ms'
  | 'idle'
  | 'memory'
  | 'close';

/** One output (value, keys or headers file) of an open file set. */
class Output {
  upload: ObjectUpload | null = null;
  pending: Uint8Array[] = [];
  pendingBytes = 0;
  constructor(
    readonly key: string,
    readonly writer: FormatWriter,
  ) {}

  collect(): void {
    for (const c of this.writer.take()) {
      this.pending.push(c);
      this.pendingBytes += c.byteLength;
    }
  }

  get bufferedBytes(): number {
    return this.writer.bufferedBytes + this.pendingBytes + (this.upload?.bufferedBytes ?? 0);
  }
}

/** The files of one encoded partition within the current cut of a Kafka partition. */
class OpenFile {
  lastOffset: number;
  recordCount = 0;
  readonly outputs: Output[] = [];
  constructor(
    readonly encodedPartition: string,
    readonly dir: string,
    readonly startOffset: number,
    readonly value: Output | null,
    readonly keys: Output | null,
    readonly headers: Output | null,
  ) {
    this.lastOffset = startOffset;
    for (const o of [keys, headers, value]) if (o) this.outputs.push(o);
  }
  get bufferedBytes(): number {
    let n = 0;
    for (const o of this.outputs) n += o.bufferedBytes;
    return n;
  }
}

/** A sealed set of files: every record of the partition before `endOffset` not in an earlier cut. */
interface Cut {
  files: OpenFile[];
  endOffset: number;
  reason: RotationReason;
}

const HEADERS_SCHEMA = SchemaBuilder.array(
  SchemaBuilder.struct()
    .name('io.confluent.connect.s3.Header')
    .field('key', SchemaBuilder.string().build())
    .field('value', SchemaBuilder.string().optional().build())
    .build(),
).build();

function headerText(h: Header): string | null {
  const v = h.value;
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return String(v.getTime());
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

/**
 * Writes one Kafka partition's records into files, as Confluent's TopicPartitionWriter: all open
 * files of the partition rotate together, so every committed offset is a clean cut — files hold
 * only records before it, and a replay from it rebuilds the same files with the same keys.
 * Cuts are sealed synchronously while records are appended; their uploads run in `upload()`.
 */
export class TopicPartitionWriter {
  readonly tp: TopicPartition;
  readonly #settings: WriterSettings;
  readonly #partitioner: Partitioner;
  readonly #extractor: TimestampExtractor | null;
  readonly #store: ObjectStore;
  readonly #log: Logger;
  #files = new Map<string, OpenFile>();
  #schemas = new Map<string, Schema | null>();
  #recordCount = 0;
  #recordBytes = 0;
  #baseTimestamp: number | null = null;
  #currentTimestamp: number | null = null;
  #currentEncodedPartition: string | null = null;
  #lastOffset = -1;
  #sealed: Cut[] = [];
  /** Offset up to which all records are in uploaded files (or were skipped). */
  #committable: number | null = null;
  #nextScheduledRotation = Number.POSITIVE_INFINITY;
  #lastAppendAt = 0;
  /** Directories known to hold no files of this partition beyond what we wrote since open. */
  readonly #cleanDirs = new Set<string>();
  /** Upload outcomes, for tests and metrics. */
  readonly stats = {
    filesWritten: 0,
    filesKept: 0,
    filesReplaced: 0,
    orphansDeleted: 0,
    rotations: new Map<RotationReason, number>(),
  };

  constructor(
    tp: TopicPartition,
    settings: WriterSettings,
    partitioner: Partitioner,
    extractor: TimestampExtractor | null,
    store: ObjectStore,
    log: Logger,
    nowMs: number,
  ) {
    this.tp = tp;
    this.#settings = settings;
    this.#partitioner = partitioner;
    this.#extractor = extractor;
    this.#store = store;
    this.#log = log;
    this.#lastAppendAt = nowMs;
    this.#setNextScheduledRotation(nowMs);
  }

  get recordCount(): number {
    return this.#recordCount;
  }

  /** Memory held by open and sealed files. */
  get bufferedBytes(): number {
    let n = 0;
    for (const f of this.#files.values()) n += f.bufferedBytes;
    for (const c of this.#sealed) for (const f of c.files) n += f.bufferedBytes;
    return n;
  }

  /** The offset the consumer may commit: the end of the last uploaded cut, or null if none yet. */
  committableOffset(consumed: number | null): number | null {
    if (this.#files.size === 0 && this.#sealed.length === 0 && consumed !== null) {
      // Nothing buffered: every consumed record is in an uploaded file or was skipped.
      return Math.max(this.#committable ?? consumed, consumed);
    }
    return this.#committable;
  }

  #setNextScheduledRotation(nowMs: number): void {
    const interval = this.#settings.rotateScheduleIntervalMs;
    if (interval <= 0) return;
    // Confluent's DateTimeUtils.getNextTimeAdjustedByDay: the next multiple of the interval after
    // local midnight of the current day.
    const offset = zoneOffsetMinutes(this.#settings.timezone || 'UTC', nowMs) * 60_000;
    const local = nowMs + offset;
    const midnight = Math.floor(local / 86_400_000) * 86_400_000;
    const next = midnight + (Math.floor((local - midnight) / interval) + 1) * interval;
    this.#nextScheduledRotation = next - offset;
  }

  #filePrefix(): string {
    return `${this.tp.topic}${this.#settings.fileDelim}${this.tp.partition}${this.#settings.fileDelim}`;
  }

  #dirOf(encodedPartition: string): string {
    const path = this.#partitioner.generatePartitionedPath(this.tp.topic, encodedPartition);
    return this.#settings.topicsDir ? `${this.#settings.topicsDir}${this.#settings.dirDelim}${path}` : path;
  }

  #fileKey(dir: string, startOffset: number, extension: string): string {
    return `${dir}${this.#settings.dirDelim}${this.#filePrefix()}${String(startOffset).padStart(this.#settings.zeroPadWidth, '0')}${extension}`;
  }

  /** The schema a value is written with: its own, or one inferred for schemaless data. */
  #schemaFor(
    format: RecordFormat,
    schema: Schema | null,
    value: unknown,
    what: string,
    record: SinkRecord,
  ): Schema | null {
    if (schema || !format.needsSchema) return schema;
    if (!this.#settings.inferSchemas) {
      throw new DataException(
        `Record ${describe(record)} has no ${what} schema; this format needs one (or set schemaless.inference=infer)`,
      );
    }
    return inferSchema(value, what);
  }

  /**
   * Appends one record, sealing the current cut first or after as the rotation rules say. Throws
   * DataException for a record that cannot be written; nothing of it is written then. Returns
   * the record's estimated size in memory (0 when it was skipped).
   */
  append(record: SinkRecord, nowMs: number): number {
    const s = this.#settings;
    const tombstone = record.value === null || record.value === undefined;
    if (tombstone) {
      if (s.nullValues === 'fail') {
        throw new DataException(`Record ${describe(record)} has a null value; behavior.on.null.values=fail`);
      }
      if (s.nullValues === 'ignore') {
        this.#skip(record);
        return 0;
      }
    }
    if (s.keysFormat && (record.key === null || record.key === undefined)) {
      throw new DataException(`Record ${describe(record)} has a null key; store.kafka.keys=true needs keys`);
    }
    const encodedPartition = tombstone ? s.tombstonePartition : this.#partitioner.encodePartition(record, nowMs);
    const valueSchema = tombstone
      ? null
      : this.#schemaFor(s.valueFormat, record.valueSchema, record.value, 'value', record);
    if (this.#extractor && s.rotateIntervalMs > 0) {
      this.#currentTimestamp = this.#extractor.extract(record, nowMs);
      if (this.#baseTimestamp === null) this.#baseTimestamp = this.#currentTimestamp;
    }

    let current = this.#schemas.get(encodedPartition);
    if (current === undefined) {
      current = valueSchema;
      if (!tombstone) this.#schemas.set(encodedPartition, valueSchema);
    }
    if (!tombstone && this.#recordCount > 0 && shouldChangeSchema(s.compatibility, valueSchema, current ?? null)) {
      this.#seal('schema', nowMs);
      this.#schemas.set(encodedPartition, valueSchema);
      current = valueSchema;
    } else if (this.#rotateOnTime(encodedPartition, nowMs)) {
      this.#seal(this.#scheduledDue(nowMs) ? 'rotate.schedule.interval.ms' : 'rotate.interval.ms', nowMs);
      if (this.#extractor && s.rotateIntervalMs > 0) this.#baseTimestamp = this.#currentTimestamp;
      current = tombstone ? null : valueSchema;
      if (!tombstone) this.#schemas.set(encodedPartition, valueSchema);
    }

    let value = record.value;
    if (!tombstone && valueSchema && current && valueSchema !== current && s.compatibility !== 'NONE') {
      value = project(valueSchema, value, current);
    }
    const fileSchema = tombstone ? null : (current ?? valueSchema);

    let file = this.#files.get(encodedPartition);
    if (!file) file = this.#openFile(encodedPartition, record, fileSchema, tombstone);
    if (file.value && !(tombstone && s.valueFormat.needsSchema)) file.value.writer.write(value);
    if (file.keys) file.keys.writer.write(record.key);
    if (file.headers) file.headers.writer.write([...record.headers].map((h) => ({ key: h.key, value: headerText(h) })));
    for (const o of file.outputs) o.collect();
    file.lastOffset = record.kafkaOffset;
    file.recordCount++;
    this.#currentEncodedPartition = encodedPartition;
    this.#lastOffset = record.kafkaOffset;
    this.#lastAppendAt = nowMs;
    this.#recordCount++;
    const size = estimateSize(record.value) + (s.keysFormat ? estimateSize(record.key) : 0);
    this.#recordBytes += size;

    if (this.#recordCount >= s.flushSize) this.#seal('flush.size', nowMs);
    else if (s.rotateSizeBytes > 0 && this.#recordBytes >= s.rotateSizeBytes) this.#seal('rotate.size.bytes', nowMs);
    return size;
  }

  #skip(record: SinkRecord): void {
    this.#lastOffset = record.kafkaOffset;
    if (this.#files.size === 0 && this.#sealed.length === 0) this.#committable = record.kafkaOffset + 1;
  }

  /** A record the task could not write and reported to the DLQ: it counts as skipped. */
  skipErrant(record: SinkRecord): void {
    this.#skip(record);
  }

  #scheduledDue(nowMs: number): boolean {
    return this.#settings.rotateScheduleIntervalMs > 0 && nowMs >= this.#nextScheduledRotation;
  }

  #rotateOnTime(encodedPartition: string, nowMs: number): boolean {
    if (this.#recordCount <= 0) return false;
    const s = this.#settings;
    const periodic =
      s.rotateIntervalMs > 0 &&
      this.#extractor !== null &&
      this.#currentTimestamp !== null &&
      this.#baseTimestamp !== null &&
      (this.#currentTimestamp - this.#baseTimestamp >= s.rotateIntervalMs ||
        (s.timePartitioned && encodedPartition !== this.#currentEncodedPartition));
    return periodic || this.#scheduledDue(nowMs);
  }

  #openFile(encodedPartition: string, record: SinkRecord, schema: Schema | null, tombstone: boolean): OpenFile {
    const s = this.#settings;
    const dir = this.#dirOf(encodedPartition);
    const start = record.kafkaOffset;
    const valueKey = this.#fileKey(dir, start, s.valueFormat.extension);
    const value =
      tombstone && s.valueFormat.needsSchema ? null : new Output(valueKey, s.valueFormat.newWriter(schema, valueKey));
    let keys: Output | null = null;
    if (s.keysFormat) {
      const keySchema = this.#schemaFor(s.keysFormat, record.keySchema, record.key, 'key', record);
      const k = this.#fileKey(dir, start, `.keys${s.keysFormat.extension}`);
      keys = new Output(k, s.keysFormat.newWriter(keySchema, k));
    }
    let headers: Output | null = null;
    if (s.headersFormat) {
      const k = this.#fileKey(dir, start, `.headers${s.headersFormat.extension}`);
      headers = new Output(k, s.headersFormat.newWriter(s.headersFormat.needsSchema ? HEADERS_SCHEMA : null, k));
    }
    const file = new OpenFile(encodedPartition, dir, start, value, keys, headers);
    this.#files.set(encodedPartition, file);
    return file;
  }

  /** Closes the current cut: its files are finished now and uploaded by the next upload(). */
  #seal(reason: RotationReason, nowMs: number): void {
    if (this.#files.size === 0) return;
    const files = [...this.#files.values()];
    for (const f of files) {
      for (const o of f.outputs) {
        o.writer.finish();
        o.collect();
      }
    }
    this.#sealed.push({ files, endOffset: this.#lastOffset + 1, reason });
    this.stats.rotations.set(reason, (this.stats.rotations.get(reason) ?? 0) + 1);
    this.#log.debug(
      {
        topic: this.tp.topic,
        partition: this.tp.partition,
        files: files.length,
        endOffset: this.#lastOffset + 1,
        reason,
      },
      'rotating files',
    );
    this.#files = new Map();
    this.#schemas = new Map();
    this.#recordCount = 0;
    this.#recordBytes = 0;
    this.#baseTimestamp = null;
    this.#currentEncodedPartition = null;
    if (reason === 'rotate.schedule.interval.ms' || this.#settings.rotateScheduleIntervalMs > 0)
      this.#setNextScheduledRotation(nowMs);
  }

  /** Seals the current cut if the schedule, the idle timer or `force` says so; returns whether it did. */
  rotateIfDue(nowMs: number, force?: RotationReason): boolean {
    if (this.#recordCount === 0) {
      if (this.#scheduledDue(nowMs)) this.#setNextScheduledRotation(nowMs);
      return false;
    }
    if (force) {
      this.#seal(force, nowMs);
      return true;
    }
    if (this.#scheduledDue(nowMs)) {
      this.#seal('rotate.schedule.interval.ms', nowMs);
      return true;
    }
    if (this.#settings.rotateIdleMs > 0 && nowMs - this.#lastAppendAt >= this.#settings.rotateIdleMs) {
      this.#seal('idle', nowMs);
      return true;
    }
    return false;
  }

  /** Encodes buffered rows of the open files (relieves memory without rotating). */
  compact(): void {
    for (const f of this.#files.values()) {
      for (const o of f.outputs) {
        o.writer.compact();
        o.collect();
      }
    }
  }

  /** Bytes of the open files that compact() could shrink. */
  get compactableBytes(): number {
    let n = 0;
    for (const f of this.#files.values()) for (const o of f.outputs) n += o.writer.bufferedBytes;
    return n;
  }

  /**
   * Uploads what is ready: every sealed cut (in order; its offsets become committable) and the
   * full parts of open files. Returns the number of cuts committed.
   */
  async upload(): Promise<number> {
    let committed = 0;
    while (this.#sealed.length > 0) {
      const cut = this.#sealed[0]!;
      await Promise.all(cut.files.map((f) => this.#commitFile(f)));
      this.#sealed.shift();
      this.#committable = cut.endOffset;
      committed++;
      this.#log.info(
        {
          topic: this.tp.topic,
          partition: this.tp.partition,
          files: cut.files.map((f) => f.value?.key ?? f.outputs[0]?.key),
          offset: cut.endOffset,
          reason: cut.reason,
        },
        'files committed',
      );
    }
    for (const f of this.#files.values()) {
      for (const o of f.outputs) {
        if (o.pendingBytes === 0) continue;
        o.upload ??= this.#store.startUpload(o.key, this.#metadata(f, null));
        const chunks = o.pending;
        o.pending = [];
        o.pendingBytes = 0;
        await o.upload.write(chunks);
      }
    }
    return committed;
  }

  #metadata(f: OpenFile, complete: OpenFile | null): Record<string, string> {
    const m: Record<string, string> = { [META_START]: String(f.startOffset) };
    if (complete) {
      m[META_END] = String(complete.lastOffset);
      m[META_COUNT] = String(complete.recordCount);
    }
    return m;
  }

  async #commitFile(f: OpenFile): Promise<void> {
    for (const o of f.outputs) {
      // End offset and count are known only now, so they label single-PUT files; a file that
      // went multipart carries its start offset only and is replaced rather than kept on replay.
      const upload = o.upload ?? this.#store.startUpload(o.key, this.#metadata(f, f));
      o.upload = upload;
      const chunks = o.pending;
      o.pending = [];
      o.pendingBytes = 0;
      await upload.write(chunks);
      const outcome = await upload.complete((existing) => !sameContent(existing, f));
      o.upload = null;
      if (outcome === 'exists') this.stats.filesKept++;
      else if (outcome === 'overwritten') {
        this.stats.filesReplaced++;
        this.#log.warn({ key: o.key }, 'replaced an object left by an earlier, uncommitted attempt');
      } else this.stats.filesWritten++;
    }
    await this.#deleteOrphans(f);
  }

  /**
   * After a restart, an earlier attempt may have uploaded files past the committed offset whose
   * cuts differ from this attempt's (a timer or the memory budget cut them). Files of this
   * partition in the same directory that start inside the range just written are such leftovers.
   */
  async #deleteOrphans(f: OpenFile): Promise<void> {
    if (this.#cleanDirs.has(f.dir)) return;
    const prefix = `${f.dir}${this.#settings.dirDelim}${this.#filePrefix()}`;
    const keys = await this.#store.list(
      prefix,
      `${prefix}${String(f.startOffset).padStart(this.#settings.zeroPadWidth, '0')}`,
    );
    let beyond = 0;
    for (const key of keys) {
      const m = /^(\d+)/.exec(key.slice(prefix.length));
      if (!m) continue;
      const start = Number(m[1]);
      if (start === f.startOffset) continue;
      if (start <= f.lastOffset) {
        await this.#store.delete(key);
        this.stats.orphansDeleted++;
        this.#log.warn({ key }, 'deleted an object left by an earlier, uncommitted attempt');
      } else {
        beyond++;
      }
    }
    if (beyond === 0) this.#cleanDirs.add(f.dir);
  }

  /** Drops everything not yet committed (partition revoked or task stopping). */
  async abort(): Promise<void> {
    const files = [...this.#files.values(), ...this.#sealed.flatMap((c) => c.files)];
    this.#files = new Map();
    this.#sealed = [];
    this.#recordCount = 0;
    for (const f of files) for (const o of f.outputs) await o.upload?.abort().catch(() => undefined);
  }
}

function sameContent(existing: ObjectInfo, f: OpenFile): boolean {
  return (
    existing.metadata[META_END] === String(f.lastOffset) && existing.metadata[META_COUNT] === String(f.recordCount)
  );
}
