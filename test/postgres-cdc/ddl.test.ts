import type { SourceRecord, Struct } from '@tributary/api';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorProps, rowOf, TaskHarness, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const fieldsOf = (r: SourceRecord) =>
  ((r.value as Struct).schema.field('after')!.schema.fields ?? []).map(
    (f) => `${f.name}:${f.schema.type}${f.schema.optional ? '?' : ''}`,
  );

describe('mid-stream DDL', () => {
  it('follows added, dropped and retyped columns from the Relation messages', async () => {
    const db = await testDatabase('pgcdc_ddl');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE p (id int PRIMARY KEY, a text)');
    await db.sql("INSERT INTO p VALUES (1, 'snap')");
    const h = new TaskHarness(connectorProps(db));
    cleanup.push(() => h.stop());
    await h.start();
    await h.waitFor(() => h.changes().length === 1, 'snapshot');
    await db.sql("INSERT INTO p VALUES (2, 'before ddl')");
    await db.sql('ALTER TABLE p ADD COLUMN b int NOT NULL DEFAULT 7, ADD COLUMN c timestamptz');
    await db.sql("INSERT INTO p VALUES (3, 'added', 8, '2024-01-02 03:04:05+00')");
    await db.sql('UPDATE p SET a = $1 WHERE id = 2', ['old row, new schema']);
    await db.sql('ALTER TABLE p DROP COLUMN a');
    await db.sql('INSERT INTO p VALUES (4, 9, null)');
    await db.sql('ALTER TABLE p ALTER COLUMN b TYPE bigint');
    await db.sql('INSERT INTO p VALUES (5, 10, null)');
    await h.waitFor(() => h.changes().length === 6, 'six events');
    const ev = h.changes();
    expect(fieldsOf(ev[0]!)).toEqual(['id:int32', 'a:string?']);
    expect(fieldsOf(ev[1]!)).toEqual(['id:int32', 'a:string?']);
    expect(fieldsOf(ev[2]!)).toEqual(['id:int32', 'a:string?', 'b:int32', 'c:string?']);
    expect((ev[2]!.value as Struct).schema.field('after')!.schema.field('b')!.schema.defaultValue).toBe(7);
    // Debezium writes a timestamptz with as many fraction digits as its precision (6 when undeclared).
    expect(rowOf(ev[2]!, 'after')).toEqual({ id: 3, a: 'added', b: 8, c: '2024-01-02T03:04:05.000000Z' });
    expect(rowOf(ev[3]!, 'after')).toEqual({ id: 2, a: 'old row, new schema', b: 7, c: null });
    expect(fieldsOf(ev[4]!)).toEqual(['id:int32', 'b:int32', 'c:string?']);
    expect(rowOf(ev[4]!, 'after')).toEqual({ id: 4, b: 9, c: null });
    expect(fieldsOf(ev[5]!)).toEqual(['id:int32', 'b:int64', 'c:string?']);
    expect(rowOf(ev[5]!, 'after')).toEqual({ id: 5, b: 10, c: null });
  });

  it('captures tables created after the connector started', async () => {
    const db = await testDatabase('pgcdc_ddl_new');
    cleanup.push(() => db.close());
    const h = new TaskHarness(connectorProps(db, { 'snapshot.mode': 'no_data' }));
    cleanup.push(() => h.stop());
    await h.start();
    await db.sql("CREATE TYPE mood AS ENUM ('sad', 'ok')");
    await db.sql('CREATE TABLE late (id int PRIMARY KEY, m mood)');
    await db.sql("INSERT INTO late VALUES (1, 'ok')");
    // Enum labels come from the catalog when the Relation message is handled (as in Debezium), so
    // let the first event through before the type changes.
    await h.waitFor(() => h.changes().length === 1, 'first event');
    await db.sql("ALTER TYPE mood ADD VALUE 'happy'");
    await db.sql('ALTER TABLE late ADD COLUMN n int');
    await db.sql("INSERT INTO late VALUES (2, 'happy', 1)");
    await h.waitFor(() => h.changes().length === 2, 'two events');
    expect(h.changes()[0]!.topic).toBe('srv.public.late');
    const moodSchema = (r: SourceRecord) => (r.value as Struct).schema.field('after')!.schema.field('m')!.schema;
    expect(moodSchema(h.changes()[0]!).parameters).toEqual({ allowed: 'sad,ok' });
    expect(moodSchema(h.changes()[1]!).parameters).toEqual({ allowed: 'sad,ok,happy' });
    expect(rowOf(h.changes()[1]!, 'after')).toEqual({ id: 2, m: 'happy', n: 1 });
  });
});
