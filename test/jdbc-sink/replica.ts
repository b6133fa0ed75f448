// The CDC replica workload: a Postgres source table changed by inserts, updates, deletes and key changes, and row-for-row comparison with a replica.
import type { TestDb } from '../postgres-cdc/harness.js';

/** The source table; auto.create makes the replica's from the change events' schemas. */
export const SOURCE_DDL = `CREATE TABLE items (
  id int PRIMARY KEY,
  name text NOT NULL,
  qty int,
  price numeric(10,2),
  updated timestamptz NOT NULL,
  doc jsonb,
  tags text[]
)`;

/** Ids of moved rows (key changes) start here, so a moved row never collides with a new one. */
const MOVED = 10_000_000;

export interface WorkloadShape {
  rounds: number;
  inserts: number;
  updates: number;
  deletes: number;
  keyChanges: number;
}

/** 100 rounds of 500 inserts, 300 updates, 100 deletes and 100 key changes: 100,000 row changes. */
export const FULL_WORKLOAD: WorkloadShape = { rounds: 100, inserts: 500, updates: 300, deletes: 100, keyChanges: 100 };

export const changesOf = (w: WorkloadShape): number => w.rounds * (w.inserts + w.updates + w.deletes + w.keyChanges);

/** Rows `from`..`to-1` as the workload inserts them (microsecond timestamps, JSON, arrays, NULLs). */
export function insertSql(from: number, to: number, round: number): string {
  return `INSERT INTO items
    SELECT g, 'name-' || g, CASE WHEN g % 7 = 0 THEN NULL ELSE g % 1000 END, (g % 100000) / 100.0,
           timestamptz '2024-01-01 00:00:00Z' + (g::bigint * 1000003) * interval '1 microsecond',
           CASE WHEN g % 11 = 0 THEN NULL ELSE jsonb_build_object('g', g, 'round', ${round}, 'nested', jsonb_build_array(g % 3, 'x')) END,
           CASE WHEN g % 13 = 0 THEN NULL ELSE ARRAY['t' || (g % 5), 'r${round}'] END
      FROM generate_series(${from}, ${to - 1}) g`;
}

/** One round of the workload in one source transaction. */
export async function runRound(db: TestDb, w: WorkloadShape, round: number, nextId: number): Promise<number> {
  const end = nextId + w.inserts;
  await db.sql('BEGIN');
  await db.sql(insertSql(nextId, end, round));
  await db.sql(
    `UPDATE items SET qty = COALESCE(qty, 0) + 1, name = name || '+', price = price + 0.01,
            updated = updated + interval '1.000001 second', doc = jsonb_set(COALESCE(doc, '{}'), '{u}', to_jsonb(${round}))
      WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT ${w.updates})`,
  );
  await db.sql(`DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT ${w.deletes})`);
  await db.sql(
    `UPDATE items SET id = id + ${MOVED} WHERE id IN (SELECT id FROM items WHERE id < ${MOVED} ORDER BY random() LIMIT ${w.keyChanges})`,
  );
  await db.sql('COMMIT');
  return end;
}

/** JSON with sorted keys, so jsonb's and MariaDB's spellings of one document compare equal. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}

const json = (v: unknown): string | null =>
  v === null || v === undefined ? null : JSON.stringify(canonical(typeof v === 'string' ? JSON.parse(v) : v));

/** One row as comparable text: id, name, qty, price, updated (µs since the epoch), doc, tags. */
export function rowKey(r: {
  id: unknown;
  name: unknown;
  qty: unknown;
  price: unknown;
  updated_us: unknown;
  doc: unknown;
  tags: unknown;
}): string {
  return JSON.stringify([
    Number(r.id),
    r.name,
    r.qty === null ? null : Number(r.qty),
    r.price === null ? null : Number(r.price).toFixed(2),
    String(r.updated_us),
    json(r.doc),
    json(r.tags),
  ]);
}

/** The source's rows in comparable form, ordered by id. */
export async function sourceRows(db: TestDb): Promise<string[]> {
  const r = await db.sql(
    `SELECT id, name, qty, price::text AS price, (extract(epoch FROM updated) * 1000000)::bigint::text AS updated_us,
            doc::text AS doc, to_json(tags)::text AS tags FROM items ORDER BY id`,
  );
  return r.rows.map(rowKey);
}

/** What differs between two ordered row lists, briefly: counts and a few examples. */
export function diff(expected: readonly string[], actual: readonly string[]): string | null {
  const e = new Set(expected);
  const a = new Set(actual);
  const missing = expected.filter((x) => !a.has(x));
  const extra = actual.filter((x) => !e.has(x));
  if (missing.length === 0 && extra.length === 0 && expected.length === actual.length) return null;
  return `expected ${expected.length} rows, got ${actual.length}; missing ${missing.length} (e.g. ${missing.slice(0, 3).join(' ')}), unexpected ${extra.length} (e.g. ${extra.slice(0, 3).join(' ')})`;
}
