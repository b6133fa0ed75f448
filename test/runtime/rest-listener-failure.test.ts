// A worker whose REST listener cannot start leaves the group and exits non-zero instead of lingering as a zombie.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaBootstrap, unique } from '../helpers.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/dist/bin.js');

describe('REST listener that cannot start', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-zombie-'));
  let blocker: Server | null = null;
  afterAll(async () => {
    await new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the worker leave its group and exit with a non-zero code', async () => {
    // Something else holds the port.
    const server = createServer();
    blocker = server;
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    const group = unique('zombie');
    const file = path.join(dir, 'worker.properties');
    writeFileSync(
      file,
      Object.entries({
        'bootstrap.servers': kafkaBootstrap().join(','),
        'group.id': group,
        'config.storage.topic': `${group}-configs`,
        'offset.storage.topic': `${group}-offsets`,
        'status.storage.topic': `${group}-status`,
        'config.storage.replication.factor': '1',
        'offset.storage.replication.factor': '1',
        'status.storage.replication.factor': '1',
        'offset.storage.partitions': '2',
        'status.storage.partitions': '2',
        listeners: `http://127.0.0.1:${port}`,
        'session.timeout.ms': '30000',
      })
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const log = path.join(dir, 'worker.log');
    const child = spawn(process.execPath, [BIN, 'distributed', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 90_000);
      child.once('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    writeFileSync(log, out);
    expect(code, readFileSync(log, 'utf8').slice(-2000)).not.toBeNull();
    expect(code).not.toBe(0);
    expect(out).toMatch(/REST server could not start; leaving the group and exiting/);
    expect(out).toMatch(/EADDRINUSE/);
    // It left: the group has no members (a worker that only died would stay a member until its 30 s session ends).
    const admin = new Kafka({ clientId: 'zombie-check', brokers: kafkaBootstrap(), logLevel: 0 }).admin();
    await admin.connect();
    const { groups } = await admin.describeGroups([group]);
    await admin.disconnect();
    expect(groups[0]?.members ?? []).toEqual([]);
  }, 120_000);
});
