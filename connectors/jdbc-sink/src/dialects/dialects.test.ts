import { BigDecimal } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { type Column, type ColumnType, Micros } from '../columns.js';
import { MySqlDialect } from './mysql.js';
import { PostgresDialect } from './postgres.js';

const col = (name: string, type: ColumnType, value: unknown = null, optional = true): Column => ({
  name,
  type,
  optional,
  value,
});
const T = (kind: ColumnType['kind'], extra: Omit<ColumnType, 'kind'> = {}): ColumnType => ({ kind, ...extra });
const table = { schema: null, table: 'user-events' };
const pg = new PostgresDialect();
const my = new MySqlDialect();

describe('type mapping', () => {
  const cases: Array<[ColumnType, string, string, string]> = [
    // type, Postgres, MariaDB value column, MariaDB key column
    [T('int16'), 'smallint', 'SMALLINT', 'SMALLINT'],
    [T('int32'), 'integer', 'INT', 'INT'],
    [T('int64'), 'bigint', 'BIGINT', 'BIGINT'],
    [T('float32'), 'real', 'FLOAT', 'FLOAT'],
    [T('float64'), 'double precision', 'DOUBLE', 'DOUBLE'],
    [T('boolean'), 'boolean', 'BOOLEAN', 'BOOLEAN'],
    [T('string'), 'text', 'LONGTEXT', 'VARCHAR(255)'],
    [T('bytes'), 'bytea', 'LONGBLOB', 'VARBINARY(255)'],
    [T('decimal', { scale: 2, precision: 10 }), 'numeric(10,2)', 'DECIMAL(10,2)', 'DECIMAL(10,2)'],
    [T('decimal'), 'numeric', 'DECIMAL(65,10)', 'DECIMAL(65,10)'],
    [T('date'), 'date', 'DATE', 'DATE'],
    [T('time'), 'time', 'TIME(6)', 'TIME(6)'],
    [T('timestamp'), 'timestamp', 'DATETIME(6)', 'DATETIME(6)'],
    [T('timestamptz'), 'timestamptz', 'DATETIME(6)', 'DATETIME(6)'],
    [T('json'), 'jsonb', 'JSON', 'VARCHAR(255)'],
    [T('uuid'), 'uuid', 'CHAR(36)', 'CHAR(36)'],
    [T('array', { element: T('int32') }), 'integer[]', 'JSON', 'VARCHAR(255)'],
  ];
  it.each(cases)('%j → %s / %s / %s', (type, pgType, myType, myKey) => {
    expect(pg.sqlType(type, false)).toBe(pgType);
    expect(my.sqlType(type, false)).toBe(myType);
    expect(my.sqlType(type, true)).toBe(myKey);
  });
});

describe('Postgres statements', () => {
  it('creates a table with the key as primary key and NOT NULL where the schema says so', () => {
    expect(
      pg.createTable(
        table,
        [col('id', T('int32'), 1, false)],
        [col('name', T('string')), col('n', T('int64'), 1, false)],
      ),
    ).toBe(
      'CREATE TABLE IF NOT EXISTS "user-events" ("id" integer NOT NULL, "name" text, "n" bigint NOT NULL, PRIMARY KEY ("id"))',
    );
    expect(pg.addColumn({ schema: 'public', table: 't' }, col('x', T('json')))).toMatch(
      /^ALTER TABLE "public"."t" ADD COLUMN IF NOT EXISTS "x"/,
    );
  });

  it('upserts many rows in one statement', () => {
    expect(pg.insert(table, ['id', 'name'], 2, ['id'])).toBe(
      'INSERT INTO "user-events" ("id","name") VALUES ($1,$2),($3,$4) ON CONFLICT ("id") DO UPDATE SET "name"=EXCLUDED."name"',
    );
    expect(pg.insert(table, ['id'], 1, ['id'])).toBe(
      'INSERT INTO "user-events" ("id") VALUES ($1) ON CONFLICT ("id") DO NOTHING',
    );
    expect(pg.insert(table, ['a'], 1, null)).toBe('INSERT INTO "user-events" ("a") VALUES ($1)');
  });

  it('updates and deletes by key', () => {
    expect(pg.update(table, ['id'], ['a', 'b'])).toBe('UPDATE "user-events" SET "a"=$1,"b"=$2 WHERE "id"=$3');
    expect(pg.delete(table, ['id'], 3)).toBe('DELETE FROM "user-events" WHERE "id" IN ($1,$2,$3)');
    expect(pg.delete(table, ['a', 'b'], 2)).toBe('DELETE FROM "user-events" WHERE ("a","b") IN (($1,$2),($3,$4))');
  });

  it('folds unquoted names as Postgres does when identifiers are not quoted', () => {
    expect(new PostgresDialect(false).table({ schema: null, table: 'Orders' })).toBe('"orders"');
    expect(pg.quote('we"ird')).toBe('"we""ird"');
  });

  it('binds values exactly: text for decimals, times and instants', () => {
    const at = new Micros(1_704_164_645_123_456n);
    expect(pg.bind(col('p', T('decimal'), new BigDecimal(-5n, 3)), null, 'UTC')).toBe('-0.005');
    expect(pg.bind(col('t', T('timestamptz'), at), null, 'UTC')).toBe('2024-01-02 03:04:05.123456Z');
    expect(
      pg.bind(
        col('t', T('timestamptz'), at),
        { name: 't', sqlType: 'timestamp without time zone', nullable: true },
        'Europe/Oslo',
      ),
    ).toBe('2024-01-02 04:04:05.123456');
    expect(pg.bind(col('t', T('timestamp'), at), null, 'UTC')).toBe('2024-01-02 03:04:05.123456');
    expect(pg.bind(col('d', T('date'), new Micros(19_724n * 86_400_000_000n)), null, 'UTC')).toBe('2024-01-02');
    expect(pg.bind(col('t', T('time'), new Micros(3_723_000_001n)), null, 'UTC')).toBe('01:02:03.000001');
    expect(pg.bind(col('n', T('int64'), 2n ** 62n), null, 'UTC')).toBe('4611686018427387904');
    expect(pg.bind(col('b', T('bytes'), Uint8Array.of(1, 2)), null, 'UTC')).toEqual(Buffer.from([1, 2]));
    expect(pg.bind(col('a', T('array', { element: T('int32') }), [1, 2]), null, 'UTC')).toEqual([1, 2]);
    expect(
      pg.bind(
        col('a', T('array', { element: T('int32') }), [1, 2]),
        { name: 'a', sqlType: 'jsonb', nullable: true },
        'UTC',
      ),
    ).toBe('[1,2]');
  });

  it('tells row errors from transient and fatal ones', () => {
    expect(pg.classify({ code: '23505' })).toBe('record');
    expect(pg.classify({ code: '22P02' })).toBe('record');
    expect(pg.classify({ code: '40P01' })).toBe('transient');
    expect(pg.classify({ code: 'ECONNREFUSED' })).toBe('transient');
    expect(pg.classify(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(pg.classify({ code: '42P01' })).toBe('fatal');
    expect(pg.describeError({ code: '23505', message: 'duplicate key', detail: 'Key (id)=(1) already exists.' })).toBe(
      'SQLSTATE 23505: duplicate key. Detail: Key (id)=(1) already exists.',
    );
    expect(pg.isAuthError({ code: '28P01' })).toBe(true);
  });
});

describe('MariaDB/MySQL statements', () => {
  it('upserts with ON DUPLICATE KEY UPDATE and keeps truncates inside the transaction', () => {
    expect(my.insert(table, ['id', 'name'], 2, ['id'])).toBe(
      'INSERT INTO `user-events` (`id`,`name`) VALUES (?,?),(?,?) ON DUPLICATE KEY UPDATE `name`=VALUES(`name`)',
    );
    expect(my.insert(table, ['id'], 1, ['id'])).toBe(
      'INSERT INTO `user-events` (`id`) VALUES (?) ON DUPLICATE KEY UPDATE `id`=`id`',
    );
    expect(my.delete(table, ['a', 'b'], 2)).toBe('DELETE FROM `user-events` WHERE (`a`,`b`) IN ((?,?),(?,?))');
    expect(my.truncate(table)).toBe('DELETE FROM `user-events`');
    expect(my.createTable(table, [col('id', T('string'), 'a', false)], [col('v', T('json'))])).toBe(
      'CREATE TABLE IF NOT EXISTS `user-events` (`id` VARCHAR(255) NOT NULL, `v` JSON NULL, PRIMARY KEY (`id`))',
    );
  });

  it('binds instants as db.timezone wall-clock DATETIME text, and JSON as text', () => {
    const at = new Micros(1_704_164_645_123_456n);
    expect(my.bind(col('t', T('timestamptz'), at), null, 'UTC')).toBe('2024-01-02 03:04:05.123456');
    expect(my.bind(col('t', T('timestamptz'), at), null, 'America/New_York')).toBe('2024-01-01 22:04:05.123456');
    expect(my.bind(col('a', T('array', { element: T('string') }), ['x']), null, 'UTC')).toBe('["x"]');
  });

  it('tells row errors from transient and fatal ones', () => {
    expect(my.classify({ errno: 1062, sqlState: '23000' })).toBe('record');
    expect(my.classify({ errno: 1366, sqlState: 'HY000' })).toBe('record');
    expect(my.classify({ errno: 1213, sqlState: '40001' })).toBe('transient');
    expect(my.classify({ code: 'PROTOCOL_CONNECTION_LOST' })).toBe('transient');
    expect(my.classify({ errno: 1146, sqlState: '42S02' })).toBe('fatal');
    expect(my.isAuthError({ errno: 1045 })).toBe(true);
  });
});
