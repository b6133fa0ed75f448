// The JDBC sink oracle's shared parts: the CDC source table and its workload, the sink config both sides run, and the
// two sinks' tables read back in comparable form (columns, primary key, rows). compare.mjs and
// test/jdbc-sink/debezium-oracle.test.ts both use them, so the script and the test compare by the same rules.
// `db` is anything with pg.Client's query(text, params) → { rows }.

/**
 * Every type the issue names — numeric (fixed and variable scale), timestamptz, jsonb, arrays, uuid, bytea — with the
 * wall-clock types beside them (date, timestamp, time), and NULLs.
 */
export const SOURCE_DDL = `CREATE TABLE items (
  id int PRIMARY KEY,
  name text NOT NULL,
  qty int,
  price numeric(10,2),
  amount numeric,
  updated timestamptz NOT NULL,
  doc jsonb,
  tags text[],
  uid uuid,
  blob bytea,
  day date,
  seen timestamp,
  at_time time
)`;

/** Ids of moved rows (key changes) start here, so a moved row never collides with a new one. */
const MOVED = 10_000_000;

/** Rows `from`..`to-1`; every column but the key and NOT NULL ones is NULL in some rows. */
export function insertSql(from, to, round) {
  return `INSERT INTO items
    SELECT g, 'name-' || g,
           CASE WHEN g % 7 = 0 THEN NULL ELSE g % 1000 END,
           CASE WHEN g % 29 = 0 THEN NULL ELSE (g % 100000) / 100.0 END,
           CASE WHEN g % 23 = 0 THEN NULL ELSE round(g / 7.0, 4 + g % 3) END,
           timestamptz '2024-01-01 00:00:00Z' + (g::bigint * 1000003) * interval '1 microsecond',
           CASE WHEN g % 11 = 0 THEN NULL ELSE jsonb_build_object('g', g, 'round', ${round}, 'nested', jsonb_build_array(g % 3, 'x')) END,
           CASE WHEN g % 13 = 0 THEN NULL ELSE ARRAY['t' || (g % 5), 'r${round}'] END,
           CASE WHEN g % 17 = 0 THEN NULL ELSE md5('u' || g)::uuid END,
           CASE WHEN g % 19 = 0 THEN NULL ELSE decode(lpad(to_hex(g), 8, '0') || '00ff', 'hex') END,
           CASE WHEN g % 31 = 0 THEN NULL ELSE date '1999-12-31' + g % 20000 END,
           CASE WHEN g % 37 = 0 THEN NULL ELSE timestamp '1969-07-20 20:17:40.5' + (g::bigint * 7000001) * interval '1 microsecond' END,
           CASE WHEN g % 41 = 0 THEN NULL ELSE time '00:00:00' + (g::bigint * 3000007 % 86400000000) * interval '1 microsecond' END
      FROM generate_series(${from}, ${to - 1}) g`;
}

/** 500 inserts, 300 updates, 100 deletes and 100 key changes a round. */
export const DEFAULT_SHAPE = { inserts: 500, updates: 300, deletes: 100, keyChanges: 100 };

/** One round of the workload in one source transaction; returns the next free id. */
export async function runRound(db, round, nextId, shape = DEFAULT_SHAPE) {
  const end = nextId + shape.inserts;
  await db.query('BEGIN');
  try {
    await db.query(insertSql(nextId, end, round));
    await db.query(
      `UPDATE items SET qty = COALESCE(qty, 0) + 1, name = name || '+', price = price + 0.01, amount = amount * 2,
              updated = updated + interval '1.000001 second', doc = jsonb_set(COALESCE(doc, '{}'), '{u}', to_jsonb(${round})),
              tags = tags || 'u${round}'::text, uid = NULL, blob = blob || '\\x01'::bytea
        WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT ${shape.updates})`,
    );
    await db.query(`DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT ${shape.deletes})`);
    await db.query(
      `UPDATE items SET id = id + ${MOVED} WHERE id IN (SELECT id FROM items WHERE id < ${MOVED} ORDER BY random() LIMIT ${shape.keyChanges})`,
    );
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return end;
}

/**
 * The Debezium JDBC sink's config for a CDC replica, as its users write it: both sides run exactly this (ours
 * accepts Debezium's keys), so any difference in the tables is a difference of the sinks.
 */
export function debeziumSinkConfig({ jdbcUrl, user, password }, topic, table, extra = {}) {
  return {
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    'connection.url': jdbcUrl,
    'connection.username': user,
    'connection.password': password ?? 'unused',
    topics: topic,
    'insert.mode': 'upsert',
    'delete.enabled': 'true',
    'primary.key.mode': 'record_key',
    'schema.evolution': 'basic',
    'collection.name.format': table,
    'tasks.max': '1',
    ...extra,
  };
}

/** A table's columns (name, type as format_type spells it, nullability) in table order, and its primary key. */
export async function describeTable(db, table) {
  const cols = await db.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
       FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [quoteIdent(table)],
  );
  const pk = await db.query(
    `SELECT a.attname AS name FROM pg_index i
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY k.ord`,
    [quoteIdent(table)],
  );
  return { columns: cols.rows, primaryKey: pk.rows.map((r) => r.name) };
}

/**
 * Column types where we create on purpose what Debezium does not, each with the reason. `comparableShapes` excuses
 * these pairs and nothing else, so any other difference of the columns fails the comparison.
 */
export const KNOWN_TYPE_DIFFERENCES = [
  {
    ours: /^jsonb$/,
    debezium: /^json$/,
    why: 'io.debezium.data.Json does not say json or jsonb: Debezium creates json unless the source propagates its column type; we create jsonb (indexable, and what the issue asks)',
  },
  {
    ours: /^numeric$/,
    debezium: /^double precision$/,
    why: 'io.debezium.data.VariableScaleDecimal carries no precision: Debezium creates double precision and rounds; we create numeric and keep every digit',
  },
  {
    ours: /^numeric$/,
    debezium: /^numeric\(38,\d+\)$/,
    why: 'a Connect Decimal without connect.decimal.precision: Debezium caps it at 38 digits; we create numeric, as Confluent does',
  },
  {
    ours: /^timestamp with time zone$/,
    debezium: /^timestamp without time zone$/,
    why: 'a Connect Timestamp is an instant: we create timestamptz, so it reads the same in any session time zone; Debezium (and Confluent) create timestamp and write its UTC wall clock',
  },
];

/** timestamp(6) and time(6) are Postgres's default precision: one type, two spellings. */
const spelled = (type) => type.replace(/^(timestamp|time)\(6\)/, '$1');

/**
 * Both tables' shapes ready for toEqual: types in one spelling, and where our column's type and Debezium's are a pair
 * of KNOWN_TYPE_DIFFERENCES, ours shown as Debezium's.
 */
export function comparableShapes(ours, debezium) {
  const theirs = new Map(debezium.columns.map((c) => [c.name, spelled(c.type)]));
  const known = (a, b) => KNOWN_TYPE_DIFFERENCES.some((d) => d.ours.test(a) && d.debezium.test(b));
  return {
    ours: {
      columns: ours.columns.map((c) => {
        const mine = spelled(c.type);
        const other = theirs.get(c.name);
        return { ...c, type: other !== undefined && known(mine, other) ? other : mine };
      }),
      primaryKey: ours.primaryKey,
    },
    debezium: {
      columns: debezium.columns.map((c) => ({ ...c, type: spelled(c.type) })),
      primaryKey: debezium.primaryKey,
    },
  };
}

/**
 * The expression a column is compared by, from its type. Each normalisation exists because the two sinks may
 * legitimately store one value in different types (KNOWN_TYPE_DIFFERENCES) or spell it differently:
 * - timestamps as µs since the epoch: a timestamptz and a timestamp holding the same UTC wall clock are one instant;
 * - JSON through jsonb: json keeps the writer's spacing and key order, jsonb does not;
 * - numbers through float8: Debezium writes a VariableScaleDecimal to double precision, we write numeric; exact
 *   types still show in the columns' comparison (numeric(10,2) against numeric(10,2));
 * - bytea as hex, everything else as Postgres's text form.
 */
function comparable(column) {
  const c = quoteIdent(column.name);
  const t = column.type;
  if (t.startsWith('timestamp')) return `(extract(epoch FROM ${c}) * 1000000)::bigint::text`;
  if (t === 'json' || t === 'jsonb') return `${c}::jsonb::text`;
  if (t.startsWith('numeric') || t === 'double precision' || t === 'real') return `${c}::float8::text`;
  if (t === 'bytea') return `encode(${c}, 'hex')`;
  return `${c}::text`;
}

/** A table's rows as comparable text, ordered by the primary key (or every column); columns in name order. */
export async function tableRows(db, table, shape) {
  const s = shape ?? (await describeTable(db, table));
  if (s.columns.length === 0) return [];
  const cols = [...s.columns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const order = (s.primaryKey.length > 0 ? s.primaryKey.map(quoteIdent) : cols.map((c) => comparable(c))).join(', ');
  const r = await db.query(
    `SELECT json_build_array(${cols.map(comparable).join(', ')})::text AS r FROM ${quoteIdent(table)} ORDER BY ${order}`,
  );
  return r.rows.map((x) => x.r);
}

/** What differs between two ordered row lists, briefly (null when equal). */
export function diffRows(expected, actual) {
  const e = new Set(expected);
  const a = new Set(actual);
  const missing = expected.filter((x) => !a.has(x));
  const extra = actual.filter((x) => !e.has(x));
  if (missing.length === 0 && extra.length === 0 && expected.length === actual.length) return null;
  return `expected ${expected.length} rows, got ${actual.length}; missing ${missing.length} (e.g. ${missing.slice(0, 2).join(' ')}), unexpected ${extra.length} (e.g. ${extra.slice(0, 2).join(' ')})`;
}

function quoteIdent(name) {
  return `"${String(name).replaceAll('"', '""')}"`;
}
