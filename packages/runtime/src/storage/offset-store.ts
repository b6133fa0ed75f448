/** Source offset stores: the offset topic, memory, and standalone's local file (Kafka Connect's Kafka/Memory/FileOffsetBackingStore). */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Admin } from '@platformatic/kafka';
import { type Logger, type SourceOffset, type SourcePartition, sourcePartitionKey } from '@tributary/api';
import type { KafkaBasedLog } from '../kafka/log.js';
import { compactedJsonLog } from './compacted-log.js';

/**
 * Source offsets keyed as Kafka Connect keys them: the JSON of ["<connector>", {partition}].
 * Values are offset maps; null deletes (a tombstone on the topic).
 */
export interface OffsetBackingStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  get(connector: string, partition: SourcePartition): SourceOffset | null;
  /** Every partition with a stored offset for the connector. */
  connectorOffsets(connector: string): Array<{ partition: SourcePartition; offset: SourceOffset }>;
  /** Durably writes the offsets (all or nothing is not promised across partitions, as in Kafka Connect). */
  set(
    connector: string,
    entries: ReadonlyArray<{ partition: SourcePartition; offset: SourceOffset | null }>,
  ): Promise<void>;
  refresh(): Promise<void>;
}

/** Kafka Connect's key: JSON of [connector, partition] with the partition's keys in insertion order. */
export function offsetKey(connector: string, partition: SourcePartition): string {
  return JSON.stringify([connector, partition]);
}

function parseKey(text: string): { connector: string; partition: SourcePartition } | null {
  try {
    const k = JSON.parse(text) as unknown;
    if (Array.isArray(k) && k.length === 2 && typeof k[0] === 'string' && k[1] && typeof k[1] === 'object') {
      return { connector: k[0], partition: k[1] as SourcePartition };
    }
  } catch {
    // not one of ours
  }
  return null;
}

/** {"a":1,"b":2} and {"b":2,"a":1} name the same partition: the SDK's one canonical key. */
export const canonical = sourcePartitionKey;

class OffsetTable {
  readonly #byConnector = new Map<string, Map<string, { partition: SourcePartition; offset: SourceOffset }>>();

  apply(connector: string, partition: SourcePartition, offset: SourceOffset | null): void {
    let m = this.#byConnector.get(connector);
    if (!m) {
      m = new Map();
      this.#byConnector.set(connector, m);
    }
    const k = canonical(partition);
    if (offset === null) m.delete(k);
    else m.set(k, { partition, offset });
  }
  get(connector: string, partition: SourcePartition): SourceOffset | null {
    return this.#byConnector.get(connector)?.get(canonical(partition))?.offset ?? null;
  }
  all(connector: string): Array<{ partition: SourcePartition; offset: SourceOffset }> {
    return [...(this.#byConnector.get(connector)?.values() ?? [])];
  }
  entries(): Array<[string, SourcePartition, SourceOffset]> {
    const out: Array<[string, SourcePartition, SourceOffset]> = [];
    for (const [c, m] of this.#byConnector)
      for (const { partition, offset } of m.values()) out.push([c, partition, offset]);
    return out;
  }
}

/** The offset topic (25 partitions, compacted), as KafkaOffsetBackingStore. */
export class KafkaOffsetBackingStore implements OffsetBackingStore {
  readonly #table = new OffsetTable();
  readonly #log: KafkaBasedLog;
  readonly #admin: Admin;

  constructor(opts: {
    bootstrapServers: string[];
    clientId: string;
    topic: string;
    partitions: number;
    replicationFactor: number;
    admin: Admin;
    logger: Logger;
    /** Exactly-once source: offsets of aborted transactions must never be read back. */
    readCommitted?: boolean;
  }) {
    this.#admin = opts.admin;
    this.#log = compactedJsonLog({
      bootstrapServers: opts.bootstrapServers,
      clientId: opts.clientId,
      logger: opts.logger,
      ...(opts.readCommitted ? { isolation: 'read_committed' as const } : {}),
      topic: opts.topic,
      partitions: opts.partitions,
      replicationFactor: opts.replicationFactor,
      onEntry: (key, value) => {
        const k = parseKey(key);
        if (k) this.#table.apply(k.connector, k.partition, value as SourceOffset | null);
      },
    });
  }

  async start(): Promise<void> {
    await this.#log.start(this.#admin);
  }
  async stop(): Promise<void> {
    await this.#log.stop();
  }
  get(connector: string, partition: SourcePartition): SourceOffset | null {
    return this.#table.get(connector, partition);
  }
  connectorOffsets(connector: string): Array<{ partition: SourcePartition; offset: SourceOffset }> {
    return this.#table.all(connector);
  }
  async set(
    connector: string,
    entries: ReadonlyArray<{ partition: SourcePartition; offset: SourceOffset | null }>,
  ): Promise<void> {
    await this.#log.sendMany(KafkaOffsetBackingStore.records(connector, entries));
    for (const e of entries) this.#table.apply(connector, e.partition, e.offset);
  }
  async refresh(): Promise<void> {
    await this.#log.readToEnd();
  }
  /** Updates the local view after offsets were written by a source task's own transaction. */
  applyCommitted(
    connector: string,
    entries: ReadonlyArray<{ partition: SourcePartition; offset: SourceOffset | null }>,
  ): void {
    for (const e of entries) this.#table.apply(connector, e.partition, e.offset);
  }

  get partitionCount(): number {
    return this.#log.partitionCount;
  }

  /** The offset topic's records for these offsets: what set() sends, and what an exactly-once task's transaction carries. */
  static records(
    connector: string,
    entries: ReadonlyArray<{ partition: SourcePartition; offset: SourceOffset | null }>,
  ): Array<{ key: Buffer; value: Buffer | null }> {
    return entries.map((e) => ({
      key: Buffer.from(offsetKey(connector, e.partition)),
      value: e.offset === null ? null : Buffer.from(JSON.stringify(e.offset)),
    }));
  }
  get topic(): string {
    return this.#log.topic;
  }
}

/** Offsets in memory only (tests and tools); the file store keeps its table here too. */
export class MemoryOffsetBackingStore implements OffsetBackingStore {
  protected readonly table = new OffsetTable();
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  get(connector: string, partition: SourcePartition): SourceOffset | null {
    return this.table.get(connector, partition);
  }
  connectorOffsets(connector: string): Array<{ partition: SourcePartition; offset: SourceOffset }> {
    return this.table.all(connector);
  }
  async set(
    connector: string,
    entries: ReadonlyArray<{ partition: SourcePartition; offset: SourceOffset | null }>,
  ): Promise<void> {
    for (const e of entries) this.table.apply(connector, e.partition, e.offset);
  }
  async refresh(): Promise<void> {}
}

/**
 * Offsets in a local JSON file (standalone mode's offset.storage.file.filename). Writes go to a
 * temp file renamed over the old one, so a crash leaves either the old or the new offsets.
 */
export class FileOffsetBackingStore extends MemoryOffsetBackingStore {
  readonly #file: string;

  constructor(file: string) {
    super();
    this.#file = file;
  }
  override async start(): Promise<void> {
    try {
      const data = JSON.parse(await fs.readFile(this.#file, 'utf8')) as Array<[string, string | null]>;
      for (const [k, v] of data) {
        const key = parseKey(k);
        if (key) this.table.apply(key.connector, key.partition, v === null ? null : (JSON.parse(v) as SourceOffset));
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  override async set(
    connector: string,
    entries: ReadonlyArray<{ partition: SourcePartition; offset: SourceOffset | null }>,
  ): Promise<void> {
    await super.set(connector, entries);
    const data = this.table.entries().map(([c, p, o]) => [offsetKey(c, p), JSON.stringify(o)]);
    await fs.mkdir(path.dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.tmp-${process.pid}`;
    await fs.writeFile(tmp, JSON.stringify(data));
    await fs.rename(tmp, this.#file);
  }
}
