/** The file source connector and task: tails a file or stdin into one topic with byte-position offsets (Kafka Connect's FileStreamSourceConnector). */
import { type FileHandle, open } from 'node:fs/promises';
import { type FSWatcher, watch } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  ConnectException,
  type ConfigDef,
  type ConnectorValidation,
  type ExactlyOnceSupport,
  type RawConfig,
  Schema,
  SourceConnector,
  type SourceOffset,
  type SourcePartition,
  SourceRecord,
  SourceTask,
  type TaskConfig,
} from '@tributary/api';
import {
  FILE_CONFIG,
  FILENAME_FIELD,
  POSITION_FIELD,
  parseSource,
  type SourceSettings,
  sourceConfigDef,
  validateSource,
} from './config.js';
import { LineSplitter } from './lines.js';
import { VERSION } from './version.js';

/** How long poll() waits for new data (or for the file to appear) before returning nothing. */
const IDLE_WAIT_MS = 1000;
const READ_CHUNK = 64 * 1024;
/** Stop reading stdin ahead of the task once this much is buffered. */
const STDIN_HIGH_WATER = 1024 * 1024;

/**
 * Reads lines from a file (or stdin) into a single topic, as Kafka Connect's
 * FileStreamSourceConnector: one task, offset `{position: <byte offset>}` under partition
 * `{filename: <file>}`, resuming after the last committed line and tailing the file for
 * appended lines.
 */
export class FileStreamSourceConnector extends SourceConnector {
  #props: Readonly<Record<string, string>> = {};
  #settings: SourceSettings | null = null;

  version(): string {
    return VERSION;
  }

  override config(): ConfigDef {
    return sourceConfigDef;
  }

  override validate(props: RawConfig): ConnectorValidation {
    return { configs: validateSource(props) };
  }

  start(props: Readonly<Record<string, string>>): void {
    this.#settings = parseSource(props);
    this.#props = props;
  }

  taskClass(): new () => FileStreamSourceTask {
    return FileStreamSourceTask;
  }

  /**
   * Only one task can read one stream, so tasks.max beyond 1 changes nothing. The task config is the
   * connector's config as given, as Kafka Connect's FileStreamSourceConnector hands it on, so a Kafka
   * Connect worker taking over the config topic runs the same task.
   */
  taskConfigs(_maxTasks: number): TaskConfig[] {
    if (!this.#settings) throw new ConnectException('FileStreamSourceConnector used before start()');
    return [{ ...this.#props }];
  }

  stop(): void {}

  /** Lines are written once per committed position, so it can give exactly-once delivery. */
  override exactlyOnceSupport(): ExactlyOnceSupport {
    return 'SUPPORTED';
  }

  /**
   * Accepts offset changes that the task can act on: a non-negative integer `position` under a
   * partition naming a `filename` (or null to reset). Stdin has no offsets to change.
   */
  override alterOffsets(
    props: Readonly<Record<string, string>>,
    offsets: ReadonlyArray<{ partition: SourcePartition; offset: SourceOffset | null }>,
  ): boolean {
    const file = props[FILE_CONFIG];
    if (file === undefined || file.trim() === '') {
      throw new ConnectException(
        `Offsets cannot be modified if the '${FILE_CONFIG}' configuration is unspecified, because stdin is used for input and offsets are not tracked.`,
      );
    }
    for (const { partition, offset } of offsets) {
      // Resetting is always allowed, so leftovers from older configurations can be cleaned up.
      if (offset === null) continue;
      if (!(POSITION_FIELD in offset)) {
        throw new ConnectException(`Offset objects should either be null or contain the key '${POSITION_FIELD}'`);
      }
      const position = offset[POSITION_FIELD];
      if (typeof position !== 'number' || !Number.isInteger(position)) {
        throw new ConnectException(
          `The value for the '${POSITION_FIELD}' key in the offset is expected to be an integer`,
        );
      }
      if (position < 0) {
        throw new ConnectException(
          `The value for the '${POSITION_FIELD}' key in the offset should be a non-negative value`,
        );
      }
      if (partition === null || typeof partition !== 'object')
        throw new ConnectException('Partition objects cannot be null');
      if (!(FILENAME_FIELD in partition)) {
        throw new ConnectException(`Partition objects should contain the key '${FILENAME_FIELD}'`);
      }
    }
    return true;
  }
}

/** Where lines come from: a file read by position, or a stream (stdin) read as it arrives. */
interface LineInput {
  /** Reads more bytes into the splitter; resolves false when nothing new is available right now. */
  fill(splitter: LineSplitter): Promise<boolean>;
  /** True once the input can never produce more bytes (stdin ended). */
  readonly ended: boolean;
  /** Resolves when more data may be available, after at most `ms`. */
  waitForData(ms: number): Promise<void>;
  close(): Promise<void>;
}

export class FileStreamSourceTask extends SourceTask {
  #settings: SourceSettings | null = null;
  #input: LineInput | null = null;
  #splitter: LineSplitter | null = null;
  #partition: SourcePartition | null = null;
  #stopped = false;
  #missingLogged = false;
  #wake: (() => void) | null = null;

  version(): string {
    return VERSION;
  }

  start(props: Readonly<Record<string, string>>): void {
    this.#settings = parseSource(props);
    this.#stopped = false;
  }

  async poll(): Promise<SourceRecord[] | null> {
    const s = this.#settings;
    if (!s || this.#stopped) return null;
    if (!this.#input) {
      const opened = await this.#open(s);
      if (!opened) {
        await this.#sleep(IDLE_WAIT_MS);
        return null;
      }
    }
    const input = this.#input!;
    const splitter = this.#splitter!;
    const deadline = Date.now() + IDLE_WAIT_MS;
    const records: SourceRecord[] = [];
    while (!this.#stopped && records.length < s.batchSize) {
      const line = splitter.next(input.ended);
      if (line) {
        records.push(
          new SourceRecord({
            sourcePartition: this.#partition,
            sourceOffset: this.#partition ? { [POSITION_FIELD]: line.next } : null,
            topic: s.topic,
            valueSchema: Schema.STRING_SCHEMA,
            value: line.text,
            timestamp: Date.now(),
          }),
        );
        continue;
      }
      if (records.length > 0) break;
      if (await input.fill(splitter)) continue;
      const left = deadline - Date.now();
      if (left <= 0) break;
      if (input.ended) {
        // Stdin is done: nothing will come, but the worker keeps polling until it stops the task.
        await this.#sleep(left);
        break;
      }
      await Promise.race([input.waitForData(left), new Promise<void>((r) => (this.#wake = r))]);
      this.#wake = null;
    }
    return records.length > 0 ? records : null;
  }

  /** Makes a pending poll() return at once; the worker calls it from outside the poll loop. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    const input = this.#input;
    this.#input = null;
    await input?.close();
  }

  /** The stream read when `file` is not set; a seam for tests. */
  protected stdin(): Readable {
    return process.stdin;
  }

  async #open(s: SourceSettings): Promise<boolean> {
    if (s.file === null) {
      this.#input = new StreamInput(this.stdin());
      this.#splitter = new LineSplitter(0);
      this.#partition = null;
      this.context.logger.info('reading from standard input');
      return true;
    }
    const partition = { [FILENAME_FIELD]: s.file };
    const committed = await this.context.offsetStorageReader.offset(partition);
    let position = 0;
    if (committed) {
      const p = committed[POSITION_FIELD];
      if (p !== null && p !== undefined) {
        if (typeof p !== 'number' || !Number.isInteger(p) || p < 0)
          throw new ConnectException('Offset position is the incorrect type');
        position = p;
      }
    }
    let handle: FileHandle;
    try {
      handle = await open(s.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      if (!this.#missingLogged) {
        this.context.logger.warn({ file: s.file }, `Couldn't find file ${s.file}, waiting for it to be created`);
        this.#missingLogged = true;
      }
      return false;
    }
    if (this.#stopped) {
      await handle.close();
      return false;
    }
    const size = (await handle.stat()).size;
    if (position > size) {
      this.context.logger.warn(
        { file: s.file, position, size },
        'committed position is past the end of the file; waiting for the file to grow that far',
      );
    }
    this.context.logger.info(
      { file: s.file, position },
      position > 0 ? 'resuming after committed position' : 'reading file from the start',
    );
    this.#input = new FileInput(handle, s.file, position);
    this.#splitter = new LineSplitter(position);
    this.#partition = partition;
    return true;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    }).finally(() => {
      this.#wake = null;
    });
  }
}

/** Reads a file by position, so appended data is picked up by reading on from where it stopped. */
class FileInput implements LineInput {
  readonly ended = false;
  readonly #handle: FileHandle;
  #position: number;
  #watcher: FSWatcher | null = null;
  #changed: (() => void) | null = null;
  #dirty = false;

  constructor(handle: FileHandle, file: string, position: number) {
    this.#handle = handle;
    this.#position = position;
    try {
      // A change notification lets appended lines through at once instead of after the idle wait.
      this.#watcher = watch(file, { persistent: false }, () => {
        this.#dirty = true;
        this.#changed?.();
      });
      this.#watcher.on('error', () => this.#watcher?.close());
    } catch {
      this.#watcher = null;
    }
  }

  async fill(splitter: LineSplitter): Promise<boolean> {
    this.#dirty = false;
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    const { bytesRead } = await this.#handle.read(buffer, 0, READ_CHUNK, this.#position);
    if (bytesRead === 0) return false;
    this.#position += bytesRead;
    splitter.push(buffer.subarray(0, bytesRead));
    return true;
  }

  waitForData(ms: number): Promise<void> {
    if (this.#dirty) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#changed = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#changed = done;
    });
  }

  async close(): Promise<void> {
    this.#watcher?.close();
    this.#changed?.();
    await this.#handle.close();
  }
}

/** Buffers a stream (stdin) as it arrives, pausing it while the task has not caught up. */
class StreamInput implements LineInput {
  readonly #stream: Readable;
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  #ended = false;
  #arrived: (() => void) | null = null;
  readonly #onData = (chunk: Buffer | string): void => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.#chunks.push(b);
    this.#buffered += b.length;
    if (this.#buffered >= STDIN_HIGH_WATER) this.#stream.pause();
    this.#arrived?.();
  };
  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#arrived?.();
  };

  constructor(stream: Readable) {
    this.#stream = stream;
    stream.on('data', this.#onData);
    stream.once('end', this.#onEnd);
    stream.once('close', this.#onEnd);
    stream.resume();
  }

  get ended(): boolean {
    return this.#ended && this.#chunks.length === 0;
  }

  async fill(splitter: LineSplitter): Promise<boolean> {
    if (this.#chunks.length === 0) return false;
    for (const c of this.#chunks.splice(0)) splitter.push(c);
    this.#buffered = 0;
    if (!this.#ended) this.#stream.resume();
    return true;
  }

  waitForData(ms: number): Promise<void> {
    if (this.#chunks.length > 0 || this.#ended) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#arrived = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#arrived = done;
    });
  }

  async close(): Promise<void> {
    this.#stream.off('data', this.#onData);
    this.#stream.off('end', this.#onEnd);
    this.#stream.off('close', this.#onEnd);
    this.#stream.pause();
    this.#arrived?.();
  }
}
