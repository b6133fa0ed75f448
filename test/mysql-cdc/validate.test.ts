// Bad servers and users are named by validate and refused with a 400: binlog off, not ROW, missing replication grants.
import { type PrivateMariaDb, startPrivateMariaDb } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../helpers.js';
import { clusterSpec, WorkerProcess } from '../worker-process.js';
import { inventoryServer, seedConfig, type TestServer } from './harness.js';

interface ConfigInfos {
  error_count: number;
  configs: Array<{ value: { name: string; errors: string[] } }>;
}

function errorsOf(infos: ConfigInfos): Record<string, string[]> {
  return Object.fromEntries(
    infos.configs.filter((c) => c.value.errors.length > 0).map((c) => [c.value.name, c.value.errors]),
  );
}

describe('MySqlConnector validation against real servers', () => {
  let db: TestServer;
  let noBinlog: PrivateMariaDb;
  let worker: WorkerProcess;
  beforeAll(async () => {
    [db, noBinlog, worker] = await Promise.all([
      inventoryServer(),
      startPrivateMariaDb({ binlog: false }),
      WorkerProcess.start(clusterSpec(unique('mysqlcdc-validate'))),
    ]);
  });
  afterAll(async () => {
    await worker?.stop();
    await db?.close();
    await noBinlog?.destroy();
  });

  const validate = (config: Record<string, string>) =>
    worker.request<ConfigInfos>('PUT', '/connector-plugins/MySqlConnector/config/validate', {
      name: 'mysql-source',
      ...config,
    });

  it('accepts the seed config against a server set up for CDC', async () => {
    const res = await validate(seedConfig(db.server).config);
    expect(res.status).toBe(200);
    expect(errorsOf(res.body)).toEqual({});
  });

  it('names log_bin when binary logging is off, and refuses the connector with a 400', async () => {
    const config = { ...seedConfig(noBinlog).config, 'database.user': 'root', 'database.password': '' };
    const res = await validate(config);
    expect(res.body.error_count).toBe(1);
    expect(errorsOf(res.body)['database.hostname']![0]).toMatch(/^log_bin: .*--log-bin/);
    const created = await worker.request<{ error_code: number; message: string }>('POST', '/connectors', {
      name: unique('nobinlog'),
      config,
    });
    expect(created.status).toBe(400);
    expect(created.body.message).toContain('log_bin');
  });

  it('names binlog_format when it is not ROW', async () => {
    await db.sql("SET GLOBAL binlog_format = 'STATEMENT'");
    try {
      const res = await validate(seedConfig(db.server).config);
      expect(errorsOf(res.body)['database.hostname']).toEqual([
        "binlog_format: binlog_format is STATEMENT; the connector needs ROW (SET GLOBAL binlog_format = 'ROW', or --binlog-format=ROW).",
      ]);
    } finally {
      await db.sql("SET GLOBAL binlog_format = 'ROW'");
    }
  });

  it('names the missing REPLICATION SLAVE and REPLICATION CLIENT grants', async () => {
    await db.sql(`CREATE USER 'reader'@'%' IDENTIFIED BY 'pw'`);
    await db.sql(`GRANT SELECT ON *.* TO 'reader'@'%'`);
    const res = await validate({
      ...seedConfig(db.server).config,
      'database.user': 'reader',
      'database.password': 'pw',
    });
    expect(errorsOf(res.body)['database.user']![0]).toMatch(/lacks REPLICATION SLAVE and REPLICATION CLIENT/);
  });

  it('names every bad key at once', async () => {
    const res = await validate({
      ...seedConfig(db.server).config,
      'snapshot.mode': 'sometimes',
      'database.server.id': '0',
      'table.include.list': 'inventory.(customers',
    });
    // A value that does not parse (snapshot.mode) no longer hides the rules on the other keys.
    expect(Object.keys(errorsOf(res.body)).sort()).toEqual([
      'database.server.id',
      'snapshot.mode',
      'table.include.list',
    ]);
    const res2 = await validate({
      ...seedConfig(db.server).config,
      'database.server.id': '0',
      'table.include.list': 'inventory.(x',
    });
    expect(Object.keys(errorsOf(res2.body)).sort()).toEqual(['database.server.id', 'table.include.list']);
  });
});
