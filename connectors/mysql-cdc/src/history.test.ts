import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type HistoryStore, historyRecord, isPositionAtOrBefore, SchemaHistory } from './history.js';
import { Tables } from './table-def.js';

/** An in-memory store (our own interface; the Kafka one is exercised by test/mysql-cdc/schema-history.test.ts). */
class MemoryStore implements HistoryStore {
  values: string[] = [];
  async read(): Promise<string[]> {
    return [...this.values];
  }
  async append(values: readonly string[]): Promise<void> {
    this.values.push(...values);
  }
  async close(): Promise<void> {}
}

const DEBEZIUM = readFileSync(new URL('../testdata/debezium-3.4.0-mariadb-history.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n');

describe('isPositionAtOrBefore', () => {
  it('orders by MariaDB GTID position per domain, then events and rows when the sets are equal', () => {
    expect(isPositionAtOrBefore({ gtids: '0-1-4' }, { gtids: '0-1-5' })).toBe(true);
    expect(isPositionAtOrBefore({ gtids: '0-1-6' }, { gtids: '0-1-5' })).toBe(false);
    expect(isPositionAtOrBefore({ gtids: '0-1-4,1-2-9' }, { gtids: '0-1-5,1-2-8' })).toBe(false);
    expect(isPositionAtOrBefore({ gtids: '0-1-4', event: 1 }, { gtids: '0-1-4', event: 1 })).toBe(true);
    expect(isPositionAtOrBefore({ gtids: '0-1-4', event: 2 }, { gtids: '0-1-4', event: 1, row: 5 })).toBe(false);
    expect(isPositionAtOrBefore({ gtids: '0-1-4', event: 1, row: 2 }, { gtids: '0-1-4', event: 1, row: 3 })).toBe(true);
  });

  it('orders by MySQL GTID set containment', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    expect(isPositionAtOrBefore({ gtids: `${u}:1-5` }, { gtids: `${u}:1-7` })).toBe(true);
    expect(isPositionAtOrBefore({ gtids: `${u}:1-8` }, { gtids: `${u}:1-7` })).toBe(false);
  });

  it('without GTIDs: by binlog file number, position, events, rows', () => {
    const at = (file: string, pos: number, event = 0, row = 0) => ({ file, pos, event, row });
    expect(isPositionAtOrBefore(at('b.000009', 900), at('b.000010', 4))).toBe(true);
    expect(isPositionAtOrBefore(at('b.000010', 4), at('b.000009', 900))).toBe(false);
    expect(isPositionAtOrBefore(at('b.000010', 100), at('b.000010', 120))).toBe(true);
    expect(isPositionAtOrBefore(at('b.000010', 100, 2), at('b.000010', 100, 1))).toBe(false);
    expect(isPositionAtOrBefore(at('b.000010', 100, 1, 1), at('b.000010', 100, 1, 1))).toBe(true);
  });
});

describe('SchemaHistory', () => {
  it("replays Debezium's records up to an offset: the tables as they were there", async () => {
    const store = new MemoryStore();
    store.values = DEBEZIUM.map((l) => l.replace('"server":"probe"', '"server":"p"'));
    const history = new SchemaHistory(store, 'p');
    // The offset of the first ALTER (still being handled): it is included, as Debezium includes it.
    const atAlter = JSON.parse(store.values[6]!).position as Record<string, unknown>;
    const tables = new Tables();
    expect(await history.recover(tables, atAlter)).toEqual({ records: 11, applied: 7, unreadable: 0 });
    expect(tables.get({ db: 'cmp', table: 'a' })!.columns.map((c) => c.name)).toEqual([
      'id',
      'n',
      'z',
      'd',
      'ee',
      'u',
      't',
      'b',
    ]);
    // Just before the ALTER: the snapshot's structure.
    const before = new Tables();
    await history.recover(before, { ...atAlter, event: 0 });
    expect(before.get({ db: 'cmp', table: 'a' })!.columns.map((c) => c.name)).toEqual([
      'id',
      'n',
      'd',
      'e',
      'u',
      't',
      'b',
    ]);
    // Everything: b created, renamed to c, altered and dropped; a remains.
    const all = new Tables();
    await history.recover(all, null);
    expect(all.all().map((t) => t.id.table)).toEqual(['a']);
  });

  it("skips another server's records and unreadable ones, and appends what it records", async () => {
    const store = new MemoryStore();
    store.values = [DEBEZIUM[5]!, 'not json', '{"ddl":"x"}'];
    const history = new SchemaHistory(store, 'other');
    const tables = new Tables();
    expect(await history.recover(tables, null)).toEqual({ records: 3, applied: 0, unreadable: 2 });
    expect(tables.all()).toEqual([]);
    await history.record([historyRecord('other', { file: 'f.000001', pos: 4 }, 'cmp', 'DROP TABLE `cmp`.`a`', [])]);
    expect(JSON.parse(store.values[3]!)).toMatchObject({
      source: { server: 'other' },
      position: { file: 'f.000001', pos: 4 },
      databaseName: 'cmp',
      ddl: 'DROP TABLE `cmp`.`a`',
      tableChanges: [],
    });
    expect(history.size).toBe(4);
  });
});
