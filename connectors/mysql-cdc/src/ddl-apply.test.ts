import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyDdl } from './ddl.js';
import { columnInfo, tableChangeFromJson, type TableChangeJson, tableChangeJson, Tables } from './table-def.js';

/** Schema history records the real Debezium MariaDB connector 3.4.0.Final wrote for a snapshot and five DDL statements. */
const DEBEZIUM: Array<{ databaseName: string; ddl: string; tableChanges: TableChangeJson[] }> = readFileSync(
  new URL('../testdata/debezium-3.4.0-mariadb-history.jsonl', import.meta.url),
  'utf8',
)
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

describe('applyDdl', () => {
  it("works out Debezium's tableChanges for the DDL Debezium recorded, statement by statement", () => {
    const tables = new Tables();
    tables.setDatabaseCharset('cmp', 'latin1');
    for (const r of DEBEZIUM) {
      const out = applyDdl(tables, r.ddl, r.databaseName);
      expect(out.unresolved, r.ddl).toEqual([]);
      expect(out.changes.map(tableChangeJson), r.ddl).toEqual(r.tableChanges);
    }
  });

  it("reads Debezium's records back into the same structures", () => {
    const fromDdl = new Tables();
    fromDdl.setDatabaseCharset('cmp', 'latin1');
    const fromRecords = new Tables();
    for (const r of DEBEZIUM) {
      applyDdl(fromDdl, r.ddl, r.databaseName);
      fromRecords.apply(r.tableChanges.map((j) => tableChangeFromJson(j)!));
      expect(
        fromRecords.all().map((t) => t.columns.map(columnInfo)),
        r.ddl,
      ).toEqual(fromDdl.all().map((t) => t.columns.map(columnInfo)));
      expect(fromRecords.all().map((t) => t.primaryKey)).toEqual(fromDdl.all().map((t) => t.primaryKey));
    }
  });

  it('maps declared types to what information_schema says (the type mapping reads those)', () => {
    const tables = new Tables();
    applyDdl(
      tables,
      "CREATE TABLE d.t (a BOOLEAN, b DECIMAL(12,4) UNSIGNED NOT NULL DEFAULT 1.5, c DATETIME(6), d BIT(10), e SET('x','y') DEFAULT 'x', f SERIAL, g DOUBLE PRECISION, h NATIONAL VARCHAR(5))",
      'd',
    );
    const cols = tables.get({ db: 'd', table: 't' })!.columns.map(columnInfo);
    expect(cols.map((c) => [c.dataType, c.columnType, c.nullable, c.precision, c.scale, c.fsp, c.defaultText])).toEqual(
      [
        ['tinyint', 'tinyint(1)', true, null, null, null, null],
        ['decimal', 'decimal(12,4) unsigned', false, 12, 4, null, '1.5'],
        ['datetime', 'datetime(6)', true, null, null, 6, null],
        ['bit', 'bit(10)', true, 10, null, null, null],
        ['set', "set('x','y')", true, null, null, null, "'x'"],
        ['bigint', 'bigint unsigned', false, null, null, null, null],
        ['double', 'double', true, null, null, null, null],
        ['varchar', 'varchar(5)', true, null, null, null, null],
      ],
    );
  });

  it('handles column placement, IF [NOT] EXISTS, re-applied statements and a rename chain', () => {
    const tables = new Tables();
    applyDdl(tables, 'CREATE TABLE t (a INT PRIMARY KEY, b INT)', 'd');
    applyDdl(tables, 'ALTER TABLE t ADD COLUMN c INT FIRST, ADD COLUMN IF NOT EXISTS (e INT, f TEXT)', 'd');
    // The same statement again (read again after a restart) leaves the same structure.
    applyDdl(tables, 'ALTER TABLE t ADD COLUMN c INT FIRST, ADD COLUMN IF NOT EXISTS (e INT, f TEXT)', 'd');
    expect(tables.get({ db: 'd', table: 't' })!.columns.map((c) => c.name)).toEqual(['c', 'a', 'b', 'e', 'f']);
    const change = 'ALTER TABLE d.t DROP COLUMN IF EXISTS b, DROP x, CHANGE COLUMN a aa BIGINT NOT NULL AFTER f';
    applyDdl(tables, change, 'd');
    expect(tables.get({ db: 'd', table: 't' })!.columns.map((c) => c.name)).toEqual(['c', 'e', 'f', 'aa']);
    expect(tables.get({ db: 'd', table: 't' })!.primaryKey).toEqual(['aa']);
    // Read again after a restart whose history already had them (the offset was the statement's own).
    applyDdl(tables, change, 'd');
    applyDdl(tables, 'ALTER TABLE t RENAME COLUMN zz TO c', 'd');
    expect(tables.get({ db: 'd', table: 't' })!.columns.map((c) => c.name)).toEqual(['c', 'e', 'f', 'aa']);
    expect(tables.get({ db: 'd', table: 't' })!.primaryKey).toEqual(['aa']);
    applyDdl(tables, 'CREATE TABLE u LIKE t', 'd');
    const out = applyDdl(tables, 'RENAME TABLE t TO tmp, u TO t, tmp TO u', 'd');
    expect(out.changes.map((c) => [c.previousId?.table, c.id.table])).toEqual([
      ['t', 'tmp'],
      ['u', 't'],
      ['tmp', 'u'],
    ]);
    expect(
      tables
        .all()
        .map((t) => t.id.table)
        .sort(),
    ).toEqual(['t', 'u']);
    expect(applyDdl(tables, 'TRUNCATE d.u', 'x').truncated).toEqual([{ db: 'd', table: 'u' }]);
    expect(applyDdl(tables, 'CREATE TABLE v AS SELECT * FROM u', 'd').unresolved).toEqual([{ db: 'd', table: 'v' }]);
    expect(applyDdl(tables, 'ALTER TABLE unknown ADD z INT', 'd').unresolved).toEqual([{ db: 'd', table: 'unknown' }]);
    applyDdl(tables, 'DROP DATABASE d', '');
    expect(tables.all()).toEqual([]);
  });

  it('reads past PARTITION BY, and follows CREATE … SELECT as a ROW binlog has it', () => {
    const tables = new Tables();
    const cols = (id: string) =>
      tables.get({ db: 'd', table: id })?.columns.map((c) => `${c.name} ${c.type}${c.nullable ? '' : ' NOT NULL'}`);
    for (const ddl of [
      'CREATE TABLE p (id INT NOT NULL, y INT NOT NULL, PRIMARY KEY (id, y)) PARTITION BY RANGE (y) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE)',
      'CREATE TABLE h (id INT PRIMARY KEY, s VARCHAR(3)) ENGINE=InnoDB PARTITION BY HASH (id) PARTITIONS 4',
      "CREATE TABLE k (a DATE NOT NULL, b CHAR(2)) DEFAULT CHARSET=latin1 COMMENT='c' PARTITION BY RANGE COLUMNS(a) SUBPARTITION BY KEY(b) SUBPARTITIONS 2 (PARTITION q VALUES LESS THAN ('2024-01-01'), PARTITION r VALUES LESS THAN (MAXVALUE))",
      // CREATE TABLE d.w (extra INT NULL, PRIMARY KEY (id)) SELECT id, v FROM d.u, as MariaDB 11 logs it in ROW format.
      "CREATE TABLE `d`.`w` (\n  `extra` int(11) DEFAULT NULL,\n  `id` int(11) NOT NULL,\n  `v` varchar(5) NOT NULL DEFAULT 'x',\n  PRIMARY KEY (`id`)\n)",
    ]) {
      const out = applyDdl(tables, ddl, 'd');
      expect({ unresolved: out.unresolved, changes: out.changes.length }, ddl).toEqual({ unresolved: [], changes: 1 });
    }
    expect(cols('p')).toEqual(['id INT NOT NULL', 'y INT NOT NULL']);
    expect(tables.get({ db: 'd', table: 'p' })?.primaryKey).toEqual(['id', 'y']);
    expect(cols('h')).toEqual(['id INT NOT NULL', 's VARCHAR']);
    expect(cols('k')).toEqual(['a DATE NOT NULL', 'b CHAR']);
    expect(tables.get({ db: 'd', table: 'k' })).toMatchObject({ defaultCharset: 'latin1', comment: 'c' });
    expect(cols('w')).toEqual(['extra INT', 'id INT NOT NULL', 'v VARCHAR NOT NULL']);
    // ALTER … PARTITION clauses leave the columns alone too.
    for (const ddl of [
      'ALTER TABLE h ADD PARTITION PARTITIONS 2',
      'ALTER TABLE p DROP PARTITION p0',
      'ALTER TABLE p REORGANIZE PARTITION p1 INTO (PARTITION p1 VALUES LESS THAN (20), PARTITION p2 VALUES LESS THAN MAXVALUE)',
      'ALTER TABLE p ADD COLUMN z INT NULL',
      'ALTER TABLE h PARTITION BY KEY (id) PARTITIONS 2',
    ])
      expect(applyDdl(tables, ddl, 'd').unresolved, ddl).toEqual([]);
    expect(cols('p')).toEqual(['id INT NOT NULL', 'y INT NOT NULL', 'z INT']);
    expect(cols('h')).toEqual(['id INT NOT NULL', 's VARCHAR']);
    // The query's result types are not in the statement: the catalog answers (with or without partitions).
    for (const ddl of [
      'CREATE TABLE v AS SELECT * FROM u',
      'CREATE TABLE v2 (a INT) PARTITION BY HASH (a) PARTITIONS 2 AS SELECT 1 AS a',
      'CREATE TABLE v3 (a INT) IGNORE SELECT 1 AS a',
    ])
      expect(applyDdl(tables, ddl, 'd').unresolved, ddl).toEqual([{ db: 'd', table: ddl.split(' ')[2] }]);
  });
});
