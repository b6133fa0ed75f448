import { type FileHandle, open } from 'node:fs/promises';
import {
  type ConfigDef,
  ConnectException,
  SinkConnector,
  type SinkRecord,
  SinkTask,
  type TaskConfig,
  type TopicPartition,
  type TopicPartitionOffset,
} from '@tributary/api';
import { FILE_CONFIG, sinkConfigDef } from './config.js';
import { formatValue } from './format.js';
import { VERSION } from './version.js';

/** Write buffered lines out once this much text is waiting, so put() never holds much in memory. */
const WRITE_THRESHOLD = 64 * 1024;

/**
 * Appends each record's value to a file (or stdout), one per line, as Kafka Connect's
 * FileStreamSinkConnector. The file is made durable on flush(), so the offsets the runtime
 * commits never run ahead of what is on disk.
 */
export class FileStreamSinkConnector extends SinkConnector {
  #props: Readonly<Record<string, string>> = {};

  version(): string {
    return VERSION;
  }

  override config(): ConfigDef {
    return sinkConfigDef;
  }

  start(props: Readonly<Record<string, string>>): void {
    sinkConfigDef.parse(props);
    this.#props = props;
  }

  taskClass(): new () => FileStreamSinkTask {
    return FileStreamSinkTask;
  }

  /** One config per task, as Kafka Connect: tasks append whole lines to the same file. */
  taskConfigs(maxTasks: number): TaskConfig[] {
    const file = this.#props[FILE_CONFIG];
    return Array.from({ length: maxTasks }, (): TaskConfig => (file !== undefined ? { [FILE_CONFIG]: file } : {}));
  }

  stop(): void {}

  /** The file holds no offsets of its own, so any change to consumer offsets is fine. */
  override alterOffsets(
    _props: Readonly<Record<string, string>>,
    _offsets: ReadonlyArray<{ partition: TopicPartition; offset: number | null }>,
  ): boolean {
    return true;
  }
}

export class FileStreamSinkTask extends SinkTask {
  #file: string | null = null;
  #handle: FileHandle | null = null;
  #pending: string[] = [];
  #pendingChars = 0;

  version(): string {
    return VERSION;
  }

  async start(props: Readonly<Record<string, string>>): Promise<void> {
    const c = sinkConfigDef.parse(props);
    this.#file = c.file === null || c.file === '' ? null : c.file;
    if (this.#file !== null) {
      try {
        // Append mode: every write lands at the end even when other tasks write the same file.
        this.#handle = await open(this.#file, 'a');
      } catch (e) {
        throw new ConnectException(`Couldn't find or create file '${this.#file}' for FileStreamSinkTask`, { cause: e });
      }
    }
    this.context.logger.info({ file: this.#file ?? 'stdout' }, 'writing records');
  }

  async put(records: SinkRecord[]): Promise<void> {
    for (const r of records) {
      const line = `${formatValue(r.value)}\n`;
      this.#pending.push(line);
      this.#pendingChars += line.length;
    }
    if (this.#pendingChars >= WRITE_THRESHOLD) await this.#write();
  }

  override async flush(_offsets: readonly TopicPartitionOffset[]): Promise<void> {
    await this.#write();
    // What the runtime commits after flush() must survive a machine crash, not just ours.
    await this.#handle?.datasync();
  }

  async stop(): Promise<void> {
    try {
      await this.#write();
    } finally {
      const h = this.#handle;
      this.#handle = null;
      await h?.close();
    }
  }

  async #write(): Promise<void> {
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    this.#pendingChars = 0;
    if (this.#handle) {
      await this.#handle.appendFile(text, 'utf8');
    } else if (!process.stdout.write(text)) {
      await new Promise<void>((r) => process.stdout.once('drain', () => r()));
    }
  }
}
