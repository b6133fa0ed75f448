// No event lost: kill -9 of the worker during the snapshot and during streaming, a server restart and a binlog rotation while running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, unique } from '../helpers.js';
import { type ClusterSpec, clusterSpec, WorkerProcess } from '../worker-process.js';
import { consume, type Event, inventoryServer, seedConfig, type TestServer } from './harness.js';

describe('MySqlConnector crash recovery', () => {
  let db: TestServer;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    db = await inventoryServer();
    await db.sql('CREATE TABLE inventory.orders (id INT PRIMARY KEY, qty INT NOT NULL, note VARCHAR(64))');
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await db?.close();
  });

  async function startWorker(spec: ClusterSpec): Promise<WorkerProcess> {
    const w = await WorkerProcess.start(spec);
    workers.push(w);
    return w;
  }

  async function running(w: WorkerProcess, name: string): Promise<void> {
    await eventually(
      async () => {
        const s = await w.request<{ tasks: Array<{ state: string; worker_id: string; trace?: string }> }>(
          'GET',
          `/connectors/${name}/status`,
        );
        const t = s.body.tasks?.[0];
        // The status topic still says RUNNING for the killed worker until this one takes the task.
        if (t?.worker_id !== `127.0.0.1:${w.port}`) return false;
        if (t.state === 'FAILED') throw new Error(t.trace);
        return t.state === 'RUNNING';
      },
      { what: 'task running', timeoutMs: 60_000 },
    );
  }

  const idsOf = (events: Event[], op?: string) =>
    new Set(
      events
        .filter((e) => e.value && (!op || e.value.payload.op === op))
        .map((e) => Number(e.value!.payload.after?.id)),
    );

  it('loses no row when the worker is killed during the snapshot and during streaming, the server restarts and FLUSH BINARY LOGS rotates', async () => {
    // 6 000 rows to snapshot, so the first kill lands in the middle of it.
    const values = Array.from({ length: 6_000 }, (_, i) => `(${i + 1}, ${i % 7}, 'snapshot')`);
    for (let i = 0; i < values.length; i += 3000)
      await db.sql(`INSERT INTO inventory.orders VALUES ${values.slice(i, i + 3000).join(',')}`);
    const name = unique('mysqlcdc-crash');
    const prefix = name.replace(/-/g, '_');
    const spec = clusterSpec(name, {
      'offset.flush.interval.ms': '300',
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'true',
    });
    const connector = {
      name: 'crash',
      config: {
        ...seedConfig(db.server).config,
        'database.server.name': prefix,
        'table.include.list': 'inventory.orders',
        'snapshot.fetch.size': '200',
        'max.batch.size': '200',
        'max.queue.size': '400',
      },
    };
    const topic = `${prefix}.inventory.orders`;
    let w = await startWorker(spec);
    expect((await w.request('POST', '/connectors', connector)).status).toBe(201);
    await consume(topic, 0, (e) => e.length >= 1000, 60_000);
    w.kill9();
    w = await startWorker(spec);
    await running(w, 'crash');
    await consume(topic, 0, (e) => idsOf(e, 'r').size >= 6_000, 120_000);

    // Streaming: transactions of several rows while the worker is killed, the binlog rotates and the server restarts.
    let next = 6_001;
    const write = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const ids = [next, next + 1, next + 2];
        next += 3;
        await db.sql(
          `START TRANSACTION; INSERT INTO inventory.orders VALUES ${ids.map((id) => `(${id}, 1, 'stream')`).join(',')}; UPDATE inventory.orders SET qty = qty + 1 WHERE id = ${ids[0]}; COMMIT`,
        );
      }
    };
    await write(60);
    w.kill9();
    await write(40);
    await db.sql('FLUSH BINARY LOGS');
    await write(40);
    w = await startWorker(spec);
    await running(w, 'crash');
    await write(40);
    await db.server.restart();
    await write(40);
    await db.sql('FLUSH BINARY LOGS');
    await write(40);
    const last = next - 1;
    // Each transaction's update comes after its inserts: wait for the last update too.
    const events = await consume(
      topic,
      0,
      (e) => idsOf(e, 'c').size >= last - 6_000 && idsOf(e, 'u').has(last - 2),
      180_000,
    );
    const created = idsOf(events, 'c');
    const missing: number[] = [];
    for (let id = 6_001; id <= last; id++) if (!created.has(id)) missing.push(id);
    expect(missing).toEqual([]);
    // Every streamed transaction's update arrived after its inserts.
    const updates = events.filter((e) => e.value?.payload.op === 'u').map((e) => Number(e.value!.payload.after!.id));
    expect(new Set(updates).size).toBe((last - 6_000) / 3);
    const duplicates = events.filter((e) => e.value?.payload.op === 'c').length - created.size;
    process.stderr.write(
      `[mysql crash] ${last - 6_000} streamed rows, ${duplicates} duplicate creates after kill -9\n`,
    );
  }, 400_000);
});
