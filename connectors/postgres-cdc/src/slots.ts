/** Catalog queries about replication slots, tables and publications, including creating the publication as publication.autocreate.mode asks. */
import type { Logger } from '@tributary/api';
import type pg from 'pg';
import { quoteIdent } from './connection.js';
import { type Filters, type TableId, tableIdString } from './filters.js';
import { type Lsn, parseLsn } from './lsn.js';

export interface SlotInfo {
  slotName: string;
  plugin: string | null;
  slotType: string;
  database: string | null;
  active: boolean;
  activePid: number | null;
  restartLsn: Lsn | null;
  confirmedFlushLsn: Lsn | null;
  /** reserved / extended / unreserved / lost (Postgres 13+). */
  walStatus: string | null;
}

export async function readSlot(client: pg.Client, slot: string): Promise<SlotInfo | null> {
  const res = await client.query<{
    slot_name: string;
    plugin: string | null;
    slot_type: string;
    database: string | null;
    active: boolean;
    active_pid: number | null;
    restart_lsn: string | null;
    confirmed_flush_lsn: string | null;
    wal_status: string | null;
  }>(
    `SELECT slot_name, plugin, slot_type, database, active, active_pid, restart_lsn::text, confirmed_flush_lsn::text, wal_status
       FROM pg_catalog.pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const r = res.rows[0];
  if (!r) return null;
  return {
    slotName: r.slot_name,
    plugin: r.plugin,
    slotType: r.slot_type,
    database: r.database,
    active: r.active,
    activePid: r.active_pid,
    restartLsn: r.restart_lsn ? parseLsn(r.restart_lsn) : null,
    confirmedFlushLsn: r.confirmed_flush_lsn ? parseLsn(r.confirmed_flush_lsn) : null,
    walStatus: r.wal_status,
  };
}

/** Who holds an active slot, for the "slot in use" error message. */
export async function describeBackend(client: pg.Client, pid: number): Promise<string> {
  const res = await client.query<{ application_name: string; client_addr: string | null; backend_start: Date }>(
    'SELECT application_name, client_addr::text, backend_start FROM pg_catalog.pg_stat_activity WHERE pid = $1',
    [pid],
  );
  const r = res.rows[0];
  if (!r) return `PID ${pid}`;
  return `PID ${pid} (application_name '${r.application_name}', client ${r.client_addr ?? 'local'}, since ${r.backend_start.toISOString()})`;
}

/** Drops an inactive slot (no-op when it does not exist). */
export async function dropSlot(client: pg.Client, slot: string): Promise<void> {
  await client.query(
    'SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 AND NOT active',
    [slot],
  );
}

/** Ordinary and partitioned tables outside system schemas. */
export async function listTables(client: pg.Client): Promise<TableId[]> {
  const res = await client.query<{ nspname: string; relname: string }>(
    `SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
      ORDER BY n.nspname, c.relname`,
  );
  return res.rows.map((r) => ({ schema: r.nspname, table: r.relname }));
}

export type PublicationMode = 'all_tables' | 'disabled' | 'filtered';

/**
 * Makes sure the publication exists as publication.autocreate.mode asks, like Debezium:
 * all_tables creates FOR ALL TABLES when missing; filtered creates (or re-targets with
 * SET TABLE) a publication of the tables the filters capture; disabled only checks.
 */
export async function ensurePublication(
  client: pg.Client,
  name: string,
  mode: PublicationMode,
  filters: Filters,
  logger: Logger,
  /** Tables the publication needs besides the captured ones (the signal table). */
  extra: readonly TableId[] = [],
): Promise<void> {
  const existing = await client.query<{ puballtables: boolean }>(
    'SELECT puballtables FROM pg_catalog.pg_publication WHERE pubname = $1',
    [name],
  );
  const exists = existing.rows.length > 0;
  if (mode === 'disabled') {
    if (!exists) {
      throw new Error(
        `Publication "${name}" does not exist and publication.autocreate.mode=disabled; create it (CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES) or change the mode.`,
      );
    }
    return;
  }
  if (mode === 'all_tables') {
    if (!exists) {
      logger.info({ publication: name }, 'creating publication for all tables');
      await client.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES`);
    }
    return;
  }
  const tables = (await listTables(client)).filter(
    (t) => filters.includesTable(t) || extra.some((e) => e.schema === t.schema && e.table === t.table),
  );
  const list = tables.map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`).join(', ');
  if (!exists) {
    logger.info(
      { publication: name, tables: tables.map(tableIdString) },
      'creating publication for the captured tables',
    );
    await client.query(
      tables.length > 0
        ? `CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${list}`
        : `CREATE PUBLICATION ${quoteIdent(name)}`,
    );
    return;
  }
  if (existing.rows[0]!.puballtables) {
    logger.warn(
      { publication: name },
      'publication.autocreate.mode=filtered but the publication is FOR ALL TABLES; leaving it as it is',
    );
    return;
  }
  if (tables.length > 0) {
    logger.info(
      { publication: name, tables: tables.map(tableIdString) },
      'updating publication to the captured tables',
    );
    await client.query(`ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${list}`);
  }
}
