/** The Postgres CDC source task: snapshot then pgoutput streaming as Debezium events; the slot is confirmed only up to committed offsets. */
import {
  ConnectException,
  RetriableException,
  SourceTask,
  type SourcePartition,
  type SourceRecord,
} from '@tributary/api';
import { parseConfig, type PostgresConfig } from './config.js';
import { isConnectionError } from './connection.js';
import { ChangeEventSourceCoordinator } from './coordinator.js';
import { CONNECTOR_VERSION } from './events.js';
import { RecordQueue } from './queue.js';

/**
 * Streams a Postgres database's changes as Debezium change events (pgoutput logical
 * replication), after a consistent snapshot when the snapshot mode asks for one.
 *
 * Delivery: every event carries a Debezium offset; the slot's confirmed position moves only in
 * commit(), to what the committed offsets cover — a crash replays from there and the already
 * delivered part of a transaction is skipped by position (at-least-once, duplicates bounded by
 * the uncommitted tail).
 *
 * As Debezium's PostgresConnectorTask, the task only wires: the coordinator checks the server,
 * snapshots, streams and reconnects; poll() drains the queue it fills; commit() hands it what
 * Kafka has.
 */
export class PostgresSourceTask extends SourceTask {
  #config!: PostgresConfig;
  #partition!: SourcePartition;
  #queue!: RecordQueue;
  #coordinator: ChangeEventSourceCoordinator | null = null;
  #stopping = false;

  version(): string {
    return CONNECTOR_VERSION;
  }

  async start(props: Readonly<Record<string, string>>): Promise<void> {
    try {
      await this.#start(props);
    } catch (err) {
      // The worker does not call stop() after a failed start(): release what was opened.
      await this.#coordinator?.release();
      if (isConnectionError(err) && !(err instanceof ConnectException)) {
        throw new RetriableException(`Cannot reach Postgres: ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
  }

  async #start(props: Readonly<Record<string, string>>): Promise<void> {
    this.#config = parseConfig(props);
    const c = this.#config;
    const logger = this.context.logger.child({ server: c['topic.prefix'] });
    const partition = { server: c['topic.prefix'] };
    const queue = new RecordQueue(c['max.queue.size'], c['max.queue.size.in.bytes']);
    this.#coordinator = new ChangeEventSourceCoordinator({ config: c, props, logger, partition, queue });
    this.#partition = partition;
    this.#queue = queue;
    this.#stopping = false;
    await this.#coordinator.start(await this.context.offsetStorageReader.offset(partition));
  }

  async poll(): Promise<SourceRecord[] | null> {
    const c = this.#config;
    const records = await this.#queue.poll(c['max.batch.size'], c['poll.interval.ms']);
    return records.length > 0 ? records : null;
  }

  /** The offsets Kafka has durably are what the slot may confirm (see ChangeEventSourceCoordinator.commitOffset). */
  override async commit(): Promise<void> {
    if (!this.#partition) return;
    const committed = await this.context.offsetStorageReader.offset(this.#partition);
    if (!committed) return;
    this.#coordinator?.commitOffset(committed);
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#queue?.close();
    await this.#coordinator?.stop();
  }
}
