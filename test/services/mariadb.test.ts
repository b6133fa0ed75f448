// The private MariaDB server of the testkit: binlog settings, a crash and a restart keep committed data.
import { type PrivateMariaDb, startPrivateMariaDb } from '@tributary/testkit';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('private MariaDB (testkit)', () => {
  let server: PrivateMariaDb;
  beforeAll(async () => {
    server = await startPrivateMariaDb({ binlog: true, serverId: 7 });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const connect = () => mysql.createConnection({ host: server.host, port: server.port, user: server.user });

  it('runs with the binlog settings CDC needs and keeps committed rows through kill -9 and a restart', async () => {
    let c = await connect();
    const [vars] = await c.query<mysql.RowDataPacket[]>(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_metadata', 'server_id')",
    );
    expect(Object.fromEntries(vars.map((v) => [v.Variable_name, v.Value]))).toEqual({
      log_bin: 'ON',
      binlog_format: 'ROW',
      binlog_row_metadata: 'FULL',
      server_id: '7',
    });
    await c.query('CREATE DATABASE t');
    await c.query('CREATE TABLE t.a (id int PRIMARY KEY)');
    await c.query('INSERT INTO t.a VALUES (1), (2)');
    await c.end();
    await server.kill();
    await expect(connect()).rejects.toThrow();
    await server.restart();
    c = await connect();
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT id FROM t.a ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([1, 2]);
    await c.end();
  });
});
