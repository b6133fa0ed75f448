import { ConfigException } from '@tributary/api';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestWorker, stopTestWorkers, testWorkerProps, unique } from '../helpers.js';
import { connectorProps, rowOf, TaskHarness, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
  await stopTestWorkers();
});

describe('column mappers (column.truncate.*, column.mask.*, column.mask.hash.*)', () => {
  it('masks, hashes and truncates in snapshot and streamed events, and marks the schemas', async () => {
    const db = await testDatabase('pgcdc_colmap');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE people (id int PRIMARY KEY, name varchar(12), email text, notes text, card char(4))');
    await db.sql("INSERT INTO people VALUES (1, 'Ada', 'ada@example.com', 'first programmer', '1234')");
    const h = new TaskHarness(
      connectorProps(db, {
        'column.mask.with.6.chars': 'public.people.email',
        'column.mask.hash.SHA-256.with.salt.pepper': 'public\\.people\\.name',
        'column.mask.hash.v2.MD5.with.salt.pepper': 'public.people.card',
        'column.truncate.to.5.chars': 'public.people.notes',
      }),
    );
    cleanup.push(() => h.stop());
    await h.start();
    await h.waitFor(() => h.changes().length === 1, 'the snapshot row');
    await db.sql("INSERT INTO people VALUES (2, 'Grace', NULL, 'navy', NULL)");
    await h.waitFor(() => h.changes().length === 2, 'the streamed row');
    const [snap, streamed] = h.changes().map((r) => rowOf(r, 'after')!);
    expect(snap).toEqual({
      id: 1,
      // SHA-256 of 'pepper' + Java-serialized 'Ada', shortened to varchar(12).
      name: expect.stringMatching(/^[0-9a-f]{12}$/),
      email: '******',
      notes: 'first',
      // MD5 of 'pepper1234', shortened to char(4).
      card: expect.stringMatching(/^[0-9a-f]{4}$/),
    });
    expect(streamed).toEqual({
      id: 2,
      name: expect.stringMatching(/^[0-9a-f]{12}$/),
      email: '******',
      notes: 'navy',
      card: null,
    });
    expect(snap!.name).not.toBe(streamed!.name);
    const value = h.changes()[0]!.valueSchema!.field('after')!.schema;
    expect(value.field('email')!.schema.parameters).toEqual({ masked: 'true' });
    expect(value.field('name')!.schema.parameters).toEqual({ masked: 'true' });
    expect(value.field('notes')!.schema.parameters).toEqual({ truncateLength: '5' });
    expect(value.field('id')!.schema.parameters).toBeNull();
  });

  it('refuses a malformed mapper key, naming it (a 400 over REST)', async () => {
    const db = await testDatabase('pgcdc_colmap_bad');
    cleanup.push(() => db.close());
    const rt = await startTestWorker(testWorkerProps(unique('colmap')));
    const err = await rt.herder
      .putConnectorConfig(
        'pg-bad',
        { ...connectorProps(db), 'column.mask.hash.SHA-999.with.salt.x': 'public.t.c' },
        { allowReplace: false },
      )
      .catch((e: unknown) => e);
    // The REST layer answers a ConfigException with 400 and its errors by key.
    expect(err).toBeInstanceOf(ConfigException);
    expect((err as ConfigException).errors['column.mask.hash.SHA-999.with.salt.x']).toEqual([
      expect.stringMatching(/Unknown hash algorithm 'SHA-999'/),
    ]);
  });
});
