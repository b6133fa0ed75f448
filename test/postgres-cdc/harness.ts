import type { Logger, SourceOffset, SourcePartition, SourceRecord } from '@tributary/api';
import { PostgresSourceTask } from '@tributary/connector-postgres-cdc';
import { createTestDatabase, dropTestDatabase } from '@tributary/testkit';
import pg from 'pg';
import { inject } from 'vitest';

/** The Postgres the global setup provides (or PG_URL when run by hand). */
export function pgBaseUrl(): string {
  return process.env.PG_URL ?? inject('services').postgres.url;
}

export interface TestDb {
  url: string;
  name: string;
  host: string;
  port: string;
  user: string;
  sql(text: string, params?: unknown[]): Promise<pg.QueryResult>;
  client: pg.Client;
  close(): Promise<void>;
}

/** A fresh database for one test (on `baseUrl`'s server, the shared one by default); close() drops it with its replication slots. */
export async function testDatabase(prefix: string, baseUrl = pgBaseUrl()): Promise<TestDb> {
  const url = await createTestDatabase(prefix, baseUrl);
  const u = new URL(url);
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return {
    url,
    name: decodeURIComponent(u.pathname.slice(1)),
    host: u.hostname,
    port: u.port || '5432',
    user: decodeURIComponent(u.username || 'postgres'),
    client,
    sql: (text, params) => client.query(text, params as unknown[]),
    async close() {
      await client.end().catch(() => undefined);
      await dropTestDatabase(url);
    },
  };
}

/** Debezium connector props for a test database. */
export function connectorProps(db: TestDb, overrides: Record<string, string> = {}): Record<string, string> {
  const slot = `s_${db.name.replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': db.host,
    'database.port': db.port,
    'database.user': db.user,
    'database.dbname': db.name,
    'topic.prefix': 'srv',
    'plugin.name': 'pgoutput',
    'slot.name': slot,
    'publication.name': 'dbz_publication',
    'poll.interval.ms': '50',
    'status.update.interval.ms': '1000',
    'slot.retry.delay.ms': '200',
    'slot.max.retries': '2',
    'retriable.restart.connector.wait.ms': '1000',
    ...overrides,
  };
}

function testLogger(bindings: Record<string, unknown> = {}): Logger {
  const verbose = process.env.PGCDC_TEST_LOG === '1';
  const log =
    (level: string, always: boolean) =>
    (a: unknown, b?: unknown): void => {
      if (!always && !verbose) return;
      const [obj, msg] = typeof a === 'string' ? [{}, a] : [a, b];
      process.stderr.write(
        `[${level}] ${String(msg ?? '')} ${JSON.stringify({ ...bindings, ...(obj as object) }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
      );
    };
  const l: Logger = {
    trace: log('trace', false),
    debug: log('debug', false),
    info: log('info', false),
    warn: log('warn', verbose),
    error: log('error', true),
    fatal: log('fatal', true),
    child: (b) => testLogger({ ...bindings, ...b }),
  };
  return l;
}

/**
 * Runs the SourceTask as a worker would, without Kafka: polls into memory, and "commits"
 * (records offsets in an in-memory store, then calls task.commit()) on demand — so tests
 * decide exactly what was durable when a crash happens.
 */
export class TaskHarness {
  readonly props: Record<string, string>;
  task: PostgresSourceTask;
  readonly records: SourceRecord[] = [];
  /** The offset store: what commit() wrote last, shared across restarts. */
  committed: SourceOffset | null;
  #polling: Promise<void> | null = null;
  #stop = false;
  error: Error | null = null;

  /** When false, records are counted and handed to onRecord but not kept (large volumes). */
  keep = true;
  count = 0;
  lastRecord: SourceRecord | null = null;
  onRecord: ((r: SourceRecord) => void) | null = null;

  constructor(props: Record<string, string>, committed: SourceOffset | null = null) {
    this.props = props;
    this.committed = committed;
    this.task = new PostgresSourceTask();
  }

  get partition(): SourcePartition {
    return { server: this.props['topic.prefix'] };
  }

  async start(): Promise<void> {
    this.task.initialize({
      configs: () => this.props,
      offsetStorageReader: {
        offset: async () => this.committed,
        offsets: async (ps) => ps.map((partition) => ({ partition, offset: this.committed })),
      },
      transactionContext: null,
      logger: testLogger(),
    });
    await this.task.start(this.props);
    this.#stop = false;
    this.#polling = (async () => {
      while (!this.#stop) {
        try {
          const batch = await this.task.poll();
          if (batch) {
            this.count += batch.length;
            this.lastRecord = batch.at(-1) ?? this.lastRecord;
            if (this.onRecord) for (const r of batch) this.onRecord(r);
            if (this.keep) this.records.push(...batch);
          }
        } catch (err) {
          this.error = err as Error;
          return;
        }
      }
    })();
  }

  /** Records whose value is a change event (not tombstones, heartbeats or transaction events) on a topic. */
  changes(topic?: string): SourceRecord[] {
    return this.records.filter(
      (r) => r.value !== null && (!topic || r.topic === topic) && r.valueSchema?.name?.endsWith('.Envelope'),
    );
  }

  async waitFor(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (this.error) throw this.error;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what} (have ${this.count} records)`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Marks everything polled so far as committed in Kafka and lets the task confirm it. */
  async commitAll(): Promise<void> {
    const last = this.keep ? this.records.at(-1) : this.lastRecord;
    if (last?.sourceOffset) this.committed = last.sourceOffset;
    await this.task.commit();
  }

  /** Commits through the n-th polled record (1-based). */
  async commitThrough(n: number): Promise<void> {
    const r = this.records[n - 1];
    if (r?.sourceOffset) this.committed = r.sourceOffset;
    await this.task.commit();
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.task.stop();
    await this.#polling;
  }
}

export async function slotPosition(
  db: TestDb,
  slot: string,
): Promise<{ confirmed: string | null; active: boolean } | null> {
  const r = await db.sql(
    'SELECT confirmed_flush_lsn::text AS c, active FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const row = r.rows[0] as { c: string | null; active: boolean } | undefined;
  return row ? { confirmed: row.c, active: row.active } : null;
}

export function lsnValue(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

/** Field of a change event's value (op, before, after, source …). */
export function field(r: SourceRecord, name: string): unknown {
  return (r.value as { get(n: string): unknown }).get(name);
}

export function rowOf(r: SourceRecord, which: 'before' | 'after'): Record<string, unknown> | null {
  const s = field(r, which) as { toJSON(): Record<string, unknown> } | null;
  return s ? s.toJSON() : null;
}

/** Polls the slot's confirmed_flush_lsn until `pred` holds (status updates reach the server asynchronously). */
export async function waitForSlot(
  db: TestDb,
  slot: string,
  pred: (confirmed: bigint) => boolean,
  timeoutMs = 15_000,
): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await slotPosition(db, slot);
    const c = p?.confirmed ? lsnValue(p.confirmed) : null;
    if (c !== null && pred(c)) return c;
    if (Date.now() > deadline) throw new Error(`slot ${slot} stayed at ${p?.confirmed ?? 'nothing'}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
