/** The file sink connector and task: appends each record's value as a line to a file or stdout (Kafka Connect's FileStreamSinkConnector). */
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
import { sinkConfigDef } from './config.js';
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
  /** Every task gets the connector's config as given, as Kafka Connect's FileStreamSinkConnector does. */
  taskConfigs(maxTasks: number): TaskConfig[] {
    return Array.from({ length: maxTasks }, (): TaskConfig => ({ ...this.#props }));
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

/**
 * Truncates the file after its last newline. The sink writes whole lines only, so text after the last
 * newline is a write that was cut short (ENOSPC, a crash) and whose record was not committed: it is
 * written again after the restart, and must not follow the torn half. Returns the bytes dropped.
 */
export async function dropTornLine(file: string): Promise<number> {
  let h: FileHandle;
  try {
    h = await open(file, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  try {
    const size = (await h.stat()).size;
    if (size === 0) return 0;
    const buf = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - buf.length);
      const { bytesRead } = await h.read(buf, 0, end - start, start);
      const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl >= 0) {
        const keep = start + nl + 1;
        if (keep < size) await h.truncate(keep);
        return size - keep;
      }
      end = start;
    }
    await h.truncate(0);
    return size;
  } finally {
    await h.close();
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
        const dropped = await dropTornLine(this.#file);
        if (dropped > 0)
          this.context.logger.warn(
            { file: this.#file, bytes: dropped },
            'dropped an incomplete last line (a write cut short by a full disk or a crash); its record is written again',
          );
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
    // An empty put() means the poll found nothing: the stream is idle, so the tail goes out now
    // instead of waiting for the next offset flush (Kafka Connect's PrintStream writes every line).
    if (this.#pendingChars >= WRITE_THRESHOLD || records.length === 0) await this.#write();
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
