import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers.js';
import { connectorProps, type TestDb, TaskHarness, testDatabase } from './harness.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** The connector's sessions on the test database, by application_name (the test's own session excluded). */
async function sessions(db: TestDb): Promise<string[]> {
  const res = await db.sql(
    'SELECT application_name FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() ORDER BY 1',
    [db.name],
  );
  return res.rows.map((r) => String(r.application_name));
}

describe('database.initial.statements', () => {
  it('runs each statement on the connector’s SQL connections (a doubled ;; is a literal semicolon)', async () => {
    const db = await testDatabase('pgcdc_initstmt');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE t (id int PRIMARY KEY, note text)');
    await db.sql('INSERT INTO t VALUES (1, $1)', ['a']);
    const probe = `init;probe_${db.name}`.slice(0, 60);
    const h = new TaskHarness(
      connectorProps(db, {
        'database.initial.statements': `SET application_name = '${probe.replace(';', ';;')}';SET statement_timeout = 0`,
      }),
    );
    cleanup.push(() => h.stop());
    await h.start();
    await h.waitFor(() => h.changes().length === 1, 'the snapshot row');
    await db.sql('INSERT INTO t VALUES (2, $1)', ['b']);
    await h.waitFor(() => h.changes().length === 2, 'the streamed row');
    // The catalog connection stays open while streaming and carries the name the statement set.
    expect(await sessions(db)).toContain(probe);
  });

  it('closes the connection a failing statement was run on, and fails the task naming the error', async () => {
    const db = await testDatabase('pgcdc_initfail');
    cleanup.push(() => db.close());
    await db.sql('CREATE TABLE t (id int PRIMARY KEY)');
    const h = new TaskHarness(
      connectorProps(db, { 'database.initial.statements': 'SELECT 1;SELECT tributary_no_such_function()' }),
    );
    cleanup.push(() => h.stop().catch(() => undefined));
    let error: Error | null = null;
    try {
      await h.start();
      await h.waitFor(() => false, 'the failure', 15_000);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(/tributary_no_such_function/);
    // Before the fix the connection stayed open on the server (idle) until the worker exited.
    await eventually(async () => (await sessions(db)).length === 0, {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: 'no session of the connector left',
    });
  });
});
