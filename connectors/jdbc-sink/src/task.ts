// The JDBC sink task: maps each put() batch to table operations, writes each table in one transaction, commits offsets only past written batches.
import {
  ConnectException,
  DataException,
  type Logger,
  type SinkRecord,
  SinkTask,
  type TopicPartitionOffset,
} from '@tributary/api';
import { type JdbcSinkConfig, parseJdbcSinkConfig } from './config.js';
import type { DbSession, Dialect } from './dialect.js';
import { dialectFor } from './dialects/index.js';
import { type Operation, RecordMapper, tableKey, type TableId } from './records.js';
import { type RejectedRecord, TableWriter, TransientWriteError } from './writer.js';

export const VERSION = '0.1.0';

type TableOp = Exclude<Operation, { kind: 'skip' }>;

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class JdbcSinkTask extends SinkTask {
  #config: JdbcSinkConfig | null = null;
  #dialect: Dialect | null = null;
  #mapper: RecordMapper | null = null;
  #writer: TableWriter | null = null;
  #session: DbSession | null = null;
  #log: Logger | null = null;
  #stopped = false;
  /** One past the last record of each partition whose batch is committed in the database. */
  readonly #written = new Map<string, TopicPartitionOffset>();

  version(): string {
    return VERSION;
  }

  async start(props: Readonly<Record<string, string>>): Promise<void> {
    const c = parseJdbcSinkConfig(props);
    this.#config = c;
    this.#log = this.context.logger;
    this.#dialect = dialectFor(c);
    this.#mapper = new RecordMapper(c);
    this.#writer = new TableWriter(this.#dialect, c, this.#log);
    this.#session = await this.#connect();
    this.#log.info(
      {
        dialect: this.#dialect.name,
        host: c.url.host,
        database: c.url.database,
        insertMode: c.insertMode,
        pkMode: c.pkMode,
      },
      'JDBC sink task started',
    );
  }

  async #connect(): Promise<DbSession> {
    const c = this.#config!;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#dialect!.connect(c);
      } catch (e) {
        if (attempt >= c.connectionAttempts || this.#stopped)
          throw new ConnectException(
            `Cannot connect to ${c.url.dialect}://${c.url.host}:${c.url.port}/${c.url.database} after ${attempt} attempt(s): ${this.#dialect!.describeError(e)}`,
            { cause: e },
          );
        this.#log!.warn({ attempt, err: this.#dialect!.describeError(e) }, 'connection attempt failed; retrying');
        await sleep(c.connectionBackoffMs);
      }
    }
  }

  async put(records: SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    const mapper = this.#mapper!;
    const byTable = new Map<string, { table: TableId; ops: TableOp[] }>();
    const refused: RejectedRecord[] = [];
    let skipped = 0;
    for (const record of records) {
      let op: Operation;
      try {
        op = mapper.map(record);
      } catch (e) {
        if (!(e instanceof DataException)) throw e;
        refused.push({
          record,
          error: new DataException(
            `Record ${record.topic}-${record.kafkaPartition}@${record.kafkaOffset}: ${e.message}`,
            { cause: e },
          ),
        });
        continue;
      }
      if (op.kind === 'skip') {
        skipped++;
        continue;
      }
      const k = tableKey(op.table);
      const entry = byTable.get(k);
      if (entry) entry.ops.push(op);
      else byTable.set(k, { table: op.table, ops: [op] });
    }
    if (skipped > 0)
      this.#log!.debug({ skipped }, 'records with nothing to write (tombstones, deletes or truncates not enabled)');
    for (const { table, ops } of byTable.values()) refused.push(...(await this.#writeTable(table, ops)));
    // Refused records are reported only once their table's transaction committed, so a retried batch never
    // reports one twice; with errors.tolerance=none the report throws and the task fails with the record's error.
    const reporter = this.context.errantRecordReporter;
    for (const r of refused) {
      if (!reporter) throw r.error;
      await reporter.report(r.record, r.error);
    }
    // Offsets are the consumer's: the original topic and partition, whatever transforms renamed.
    for (const r of records) {
      const k = tpKey(r.originalTopic, r.originalKafkaPartition);
      const prev = this.#written.get(k);
      if (!prev || prev.offset <= r.originalKafkaOffset)
        this.#written.set(k, {
          topic: r.originalTopic,
          partition: r.originalKafkaPartition,
          offset: r.originalKafkaOffset + 1,
        });
    }
  }

  /** One table's transaction, retried (on a fresh connection) after transient failures up to max.retries. */
  async #writeTable(table: TableId, ops: TableOp[]): Promise<RejectedRecord[]> {
    const c = this.#config!;
    for (let attempt = 0; ; attempt++) {
      try {
        this.#session ??= await this.#connect();
        return await this.#writer!.write(this.#session, table, ops);
      } catch (e) {
        const transient = e instanceof TransientWriteError || this.#dialect!.classify(e) === 'transient';
        if (!transient || attempt >= c.maxRetries || this.#stopped) {
          if (e instanceof ConnectException) throw e;
          throw new ConnectException(
            `Writing ${ops.length} record(s) to ${tableKey(table)} failed (first record ${ops[0]!.record.topic}-${ops[0]!.record.kafkaPartition}@${ops[0]!.record.kafkaOffset}): ${this.#dialect!.describeError(e)}`,
            { cause: e },
          );
        }
        this.#log!.warn(
          {
            table: tableKey(table),
            attempt: attempt + 1,
            maxRetries: c.maxRetries,
            err: e instanceof Error ? e.message : String(e),
          },
          'transient database error; retrying the table batch',
        );
        await this.#session?.close();
        this.#session = null;
        this.#writer!.reset();
        await sleep(c.retryBackoffMs);
      }
    }
  }

  /** Everything put() returned from is committed in the database; offsets beyond it are not offered. */
  override async preCommit(offsets: readonly TopicPartitionOffset[]): Promise<readonly TopicPartitionOffset[]> {
    const out: TopicPartitionOffset[] = [];
    for (const o of offsets) {
      const w = this.#written.get(tpKey(o.topic, o.partition));
      if (w) out.push({ topic: o.topic, partition: o.partition, offset: Math.min(w.offset, o.offset) });
    }
    return out;
  }

  override close(partitions: readonly { topic: string; partition: number }[]): void {
    for (const p of partitions) this.#written.delete(tpKey(p.topic, p.partition));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#session?.close();
    this.#session = null;
  }
}
