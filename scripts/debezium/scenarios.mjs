/**
 * Scenarios that compare.mjs runs through BOTH the real Debezium connector and ours (in-process), each in a
 * database of its own, beyond the golden type script. A scenario is:
 *   name      short id (used in database, slot and topic names; lower case, digits, _)
 *   config    connector config overrides on top of the common ones (same keys for both connectors)
 *   setup     SQL run before either connector starts (a snapshot sees its rows)
 *   snapshot  how many events the initial snapshot produces (0 with snapshot.mode=no_data)
 *   script    SQL run once both connectors are streaming; { sleep: ms } pauses
 *   onlyFirst topics (by suffix after the prefix) where only the first N events are compared — for
 *             clock-driven events such as heartbeats, whose count depends on timing
 */

/** A text value above the TOAST threshold, stored out of line uncompressed (STORAGE EXTERNAL). */
const BIG = "repeat('0123456789abcdef', 800)"; // 12,800 characters

/** Columns for the handling-mode scenarios: every type whose representation a mode changes. */
const MODES_TABLE = `CREATE TABLE modes (
  id serial PRIMARY KEY,
  c_numeric numeric(10,2), c_numeric_var numeric, c_money money, c_real real, c_double double precision,
  c_numeric_array numeric(5,1)[], c_bytea bytea, c_bit4 bit(4), c_varbit varbit(16),
  c_date date, c_time time, c_time3 time(3), c_timetz timetz, c_timestamp timestamp, c_timestamp3 timestamp(3),
  c_timestamptz timestamptz, c_interval interval, c_hstore hstore
)`;
const MODES_ROW = `INSERT INTO modes (c_numeric, c_numeric_var, c_money, c_real, c_double, c_numeric_array, c_bytea, c_bit4,
  c_varbit, c_date, c_time, c_time3, c_timetz, c_timestamp, c_timestamp3, c_timestamptz, c_interval, c_hstore)
  VALUES (12345678.91, 3.14159265358979323846, 1234.56, 1.5, 2.25, '{1.5,NULL}', '\\x00ff7f', B'1010', B'101',
  '2024-02-29', '13:45:30.123456', '13:45:30.123', '10:15:30+02', '2018-06-20 15:13:16.945104',
  '2018-06-20 15:13:16.945', '2018-06-20 15:13:16.945104+02', '1 year 2 months 3 days 04:05:06.78', '"k"=>"v", "a"=>NULL')`;
const MODES_SCRIPT = [
  `INSERT INTO modes (c_numeric, c_numeric_var, c_bytea, c_date, c_time, c_timestamp, c_timestamptz, c_interval, c_hstore)
     VALUES (-0.5, -0.000001, '', '1969-12-31', '00:00:00', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00',
     '-1 day -00:00:00.5', '')`,
  "UPDATE modes SET c_numeric = 1, c_money = -0.01, c_bytea = '\\x0102' WHERE id = 1",
  'DELETE FROM modes WHERE id = 2',
];

/** The columns the mappers apply to: varchar(12), text and char(4), one set per mapper. */
const MAPPED = ['a', 'b', 'c', 'd'];
const mapped = (p) => `public.m.${p}_v,public.m.${p}_t,public.m.${p}_c`;

export const SCENARIOS = [
  {
    name: 'txmeta',
    config: {
      'provide.transaction.metadata': 'true',
      'skipped.operations': 'none',
    },
    setup: [
      'CREATE TABLE tx_t (id int PRIMARY KEY, v text)',
      "INSERT INTO tx_t VALUES (1, 'snap')",
      'CREATE TABLE pk_t (id int PRIMARY KEY, v text)',
      'CREATE TABLE full_t (id int PRIMARY KEY, v text, n int)',
      'ALTER TABLE full_t REPLICA IDENTITY FULL',
      "INSERT INTO full_t VALUES (1, 'one', 1)",
      'CREATE TABLE toast_d (id int PRIMARY KEY, big text, n int)',
      'ALTER TABLE toast_d ALTER COLUMN big SET STORAGE EXTERNAL',
      `INSERT INTO toast_d VALUES (1, ${BIG}, 1)`,
      'CREATE TABLE toast_f (id int PRIMARY KEY, big text, n int)',
      'ALTER TABLE toast_f ALTER COLUMN big SET STORAGE EXTERNAL',
      'ALTER TABLE toast_f REPLICA IDENTITY FULL',
      `INSERT INTO toast_f VALUES (1, ${BIG}, 1)`,
    ],
    snapshot: 4,
    script: [
      "BEGIN; INSERT INTO tx_t VALUES (2, 'a'); INSERT INTO pk_t VALUES (1, 'x'); INSERT INTO tx_t VALUES (3, 'b'); COMMIT",
      "UPDATE pk_t SET id = 2, v = 'y' WHERE id = 1",
      "UPDATE full_t SET v = 'uno', n = 2 WHERE id = 1",
      'DELETE FROM full_t WHERE id = 1',
      'UPDATE toast_d SET n = 2 WHERE id = 1',
      'UPDATE toast_f SET n = 2 WHERE id = 1',
      "SELECT pg_logical_emit_message(true, 'pfx', 'transactional')",
      "SELECT pg_logical_emit_message(false, 'pfx', 'not transactional')",
      "BEGIN; INSERT INTO tx_t VALUES (4, 'c'); SELECT pg_logical_emit_message(true, 'pfx', 'in a transaction'); COMMIT",
      'TRUNCATE tx_t',
    ],
  },
  {
    name: 'modes_string',
    config: {
      'decimal.handling.mode': 'string',
      'binary.handling.mode': 'base64',
      'time.precision.mode': 'connect',
      'interval.handling.mode': 'string',
      'hstore.handling.mode': 'map',
      'tombstones.on.delete': 'false',
    },
    setup: ['CREATE EXTENSION hstore', MODES_TABLE, MODES_ROW],
    snapshot: 1,
    script: MODES_SCRIPT,
  },
  {
    name: 'modes_double',
    config: { 'decimal.handling.mode': 'double', 'binary.handling.mode': 'hex' },
    setup: ['CREATE EXTENSION hstore', MODES_TABLE, MODES_ROW],
    snapshot: 1,
    script: MODES_SCRIPT,
  },
  {
    name: 'mappers',
    config: {
      'column.mask.with.6.chars': mapped('a'),
      'column.mask.hash.SHA-256.with.salt.pepper': mapped('b'),
      'column.mask.hash.v2.MD5.with.salt.pepper': mapped('c'),
      'column.truncate.to.5.chars': mapped('d'),
    },
    setup: [
      `CREATE TABLE m (id int PRIMARY KEY, ${MAPPED.map((p) => `${p}_v varchar(12), ${p}_t text, ${p}_c char(4)`).join(', ')})`,
      `INSERT INTO m VALUES (1, ${MAPPED.map(() => "'hello world!', 'some longer text ✓', 'abcd'").join(', ')})`,
    ],
    snapshot: 1,
    script: [
      `INSERT INTO m VALUES (2, ${MAPPED.map(() => "'hi', '', 'ab'").join(', ')})`,
      'INSERT INTO m (id) VALUES (3)',
      `UPDATE m SET ${MAPPED.map((p) => `${p}_v = 'changed', ${p}_t = 'ünïcode text'`).join(', ')} WHERE id = 1`,
    ],
  },
  {
    name: 'incremental',
    config: { 'signal.data.collection': 'public.dbz_signal', 'snapshot.mode': 'no_data' },
    setup: [
      'CREATE TABLE dbz_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))',
      'CREATE TABLE inc (id int PRIMARY KEY, v text, n numeric(6,2))',
      "INSERT INTO inc SELECT i, 'row ' || i, i * 1.5 FROM generate_series(1, 10) i",
    ],
    snapshot: 0,
    script: [
      `INSERT INTO dbz_signal VALUES ('sig-1', 'execute-snapshot', '{"data-collections": ["public.inc"], "type": "incremental"}')`,
    ],
  },
  {
    name: 'heartbeat',
    config: { 'heartbeat.interval.ms': '1000' },
    setup: ['CREATE TABLE hb (id int PRIMARY KEY)'],
    snapshot: 0,
    script: ['INSERT INTO hb VALUES (1)', { sleep: 4000 }],
    onlyFirst: { '__debezium-heartbeat': 1 },
  },
];
