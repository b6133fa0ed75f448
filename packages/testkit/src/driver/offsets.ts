/** An in-memory committed source offset store, the OffsetStorageReader a source task under test reads. */
import { type OffsetStorageReader, type SourceOffset, type SourcePartition, sourcePartitionKey } from '@tributary/api';

/**
 * A canonical string for a source partition: the same map with keys in another order gives the
 * same key, as the runtime's offset store treats them (it keys the offset topic by JSON content).
 */
export function partitionKey(partition: SourcePartition): string {
  return sourcePartitionKey(partition);
}

/** One committed source offset. */
export interface SourceOffsetEntry {
  readonly partition: SourcePartition;
  readonly offset: SourceOffset;
}

/**
 * Committed source offsets kept in memory: the OffsetStorageReader a task under test reads, and
 * the store the driver's simulated offset commits write to. Seed it to test how a task resumes.
 *
 * Offsets go through a JSON round trip on the way in, as they do through the offset topic, so a
 * task that stores a bigint or a Date finds out in its unit tests rather than in production.
 */
export class InMemoryOffsetStore implements OffsetStorageReader {
  readonly #offsets = new Map<string, SourceOffsetEntry>();

  /** Sets (or, with null, deletes) the committed offset of one source partition. */
  put(partition: SourcePartition, offset: SourceOffset | null): this {
    const key = partitionKey(partition);
    if (offset === null) this.#offsets.delete(key);
    else this.#offsets.set(key, { partition: roundTrip(partition, 'partition'), offset: roundTrip(offset, 'offset') });
    return this;
  }

  /** Seeds several committed offsets at once (as if a previous run had committed them). */
  seed(entries: Iterable<{ partition: SourcePartition; offset: SourceOffset | null }>): this {
    for (const e of entries) this.put(e.partition, e.offset);
    return this;
  }

  get(partition: SourcePartition): SourceOffset | null {
    return this.#offsets.get(partitionKey(partition))?.offset ?? null;
  }

  /** Every committed offset, in the order partitions were first committed. */
  entries(): SourceOffsetEntry[] {
    return [...this.#offsets.values()];
  }

  get size(): number {
    return this.#offsets.size;
  }

  clear(): void {
    this.#offsets.clear();
  }

  async offset(partition: SourcePartition): Promise<SourceOffset | null> {
    return this.get(partition);
  }

  async offsets(
    partitions: readonly SourcePartition[],
  ): Promise<Array<{ partition: SourcePartition; offset: SourceOffset | null }>> {
    return partitions.map((partition) => ({ partition, offset: this.get(partition) }));
  }
}

function roundTrip<T>(value: T, what: string): T {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new TypeError(`source ${what} ${String(value)} is not JSON-serializable: ${(e as Error).message}`);
  }
  if (text === undefined) throw new TypeError(`source ${what} is not JSON-serializable`);
  return JSON.parse(text) as T;
}
