// A broker outage longer than the source task's send retry: status never lies, and everything comes back alone.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ConnectRuntime, type DistributedHerder, startDistributed } from '@tributary/runtime';
import {
  createTestDatabase,
  distributedWorkerProps,
  dropTestDatabase,
  type PrivateKafka,
  startPrivateKafka,
} from '@tributary/testkit';
import { Kafka } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, unique } from '../helpers.js';

const lines = (from: number, to: number): string => {
  let out = '';
  for (let i = from; i < to; i++) out += `line-${i}\n`;
  return out;
};
const outputLines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

describe('broker outage longer than the send retry', () => {
  let kafka: PrivateKafka;
  let rt: ConnectRuntime | null = null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-outage-'));

  beforeAll(async () => {
    kafka = await startPrivateKafka();
  }, 180_000);
  afterAll(async () => {
    await rt?.stop().catch(() => undefined);
    await kafka?.destroy();
  }, 120_000);

  it('shows the dead source task FAILED, not RUNNING, and restarts everything alone when the broker returns', async () => {
    const name = unique('outage');
    const input = path.join(dir, 'in.txt');
    const output = path.join(dir, 'out.txt');
    writeFileSync(input, lines(0, 50));
    rt = await startDistributed({
      ...distributedWorkerProps(name, [kafka.bootstrap]),
      'offset.storage.partitions': '2',
      'offset.flush.interval.ms': '500',
      'session.timeout.ms': '6000',
      'heartbeat.interval.ms': '1000',
      listeners: 'http://127.0.0.1:18099',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      // The send retry the outage outlasts (Kafka Connect's default is 120 s; short here to keep the test short).
      'producer.delivery.timeout.ms': '4000',
    });
    const herder = rt.herder as DistributedHerder;
    await eventually(() => !herder.rebalancing, { what: 'first assignment', timeoutMs: 60_000 });
    const healing = { 'auto.restart.initial.delay.ms': '500', 'auto.restart.max.delay.ms': '3000' };
    await herder.putConnectorConfig(
      `${name}-src`,
      { 'connector.class': 'FileStreamSource', file: input, topic: `${name}-lines`, 'tasks.max': '1', ...healing },
      { allowReplace: false },
    );
    await herder.putConnectorConfig(
      `${name}-sink`,
      { 'connector.class': 'FileStreamSink', file: output, topics: `${name}-lines`, 'tasks.max': '1', ...healing },
      { allowReplace: false },
    );
    await eventually(() => outputLines(output).length === 50, {
      what: 'the first 50 lines in the sink',
      timeoutMs: 60_000,
    });

    await kafka.stop();
    appendFileSync(input, lines(50, 100));
    const src = { connector: `${name}-src`, task: 0 };
    // While the broker is away: once the source task has died, its status must say so.
    // It dies once its sends have been retried for producer.delivery.timeout.ms; sampling goes on until
    // the broker has been away for a while after that (automatic restarts fail meanwhile).
    let diedAt: number | null = null;
    const giveUp = Date.now() + 120_000;
    while (Date.now() < giveUp && (diedAt === null || Date.now() - diedAt < 15_000)) {
      const task = herder.worker.task(src);
      const dead = task?.failure !== null && task?.failure !== undefined;
      const state = (await herder.connectorStatus(src.connector)).tasks[0]?.state;
      if (dead) {
        diedAt ??= Date.now();
        expect(state).not.toBe('RUNNING');
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(diedAt).not.toBeNull();
    // The FAILED that could not be written yet is waiting to be retried, and the metrics say so.
    expect(await rt.metrics.render()).toMatch(/^tributary_status_writes_pending [1-9]/m);
    const during = (await herder.connectorStatus(src.connector)).tasks[0];
    expect(during?.auto_restart?.last_failure).toMatch(/./);

    await kafka.start();
    // No restart call: the failed task restarts by itself, and nothing written during the outage is lost.
    await eventually(
      () => {
        const out = outputLines(output);
        return out.length >= 100 && new Set(out).size === 100;
      },
      { what: 'all 100 lines in the sink after the outage', timeoutMs: 120_000 },
    );
    const status = await eventually(
      async () => {
        const s = await herder.connectorStatus(src.connector);
        return s.connector.state === 'RUNNING' && s.tasks[0]?.state === 'RUNNING' ? s : null;
      },
      { what: 'source RUNNING again', timeoutMs: 60_000 },
    );
    expect(status.tasks[0]?.auto_restart?.restarts).toBeGreaterThanOrEqual(1);
    expect(status.tasks[0]?.auto_restart?.next_attempt_at).toBeNull();
    const sink = await herder.connectorStatus(`${name}-sink`);
    expect(sink.tasks[0]?.state).toBe('RUNNING');
    await eventually(async () => /^tributary_status_writes_pending 0$/m.test(await rt!.metrics.render()), {
      what: 'every status write landed',
    });

    // What landed in the status topic (read by an independent client) agrees: RUNNING, not a stale FAILED.
    const client = new Kafka({ clientId: 'outage-check', brokers: [kafka.bootstrap], logLevel: 0 });
    const consumer = client.consumer({ groupId: unique('outage-check') });
    await consumer.connect();
    await consumer.subscribe({ topic: `${name}-status`, fromBeginning: true });
    const last = new Map<string, string>();
    const key = `status-task-${src.connector}-0`;
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key && message.value) last.set(message.key.toString(), message.value.toString());
      },
    });
    await eventually(() => (JSON.parse(last.get(key) ?? '{}') as { state?: string }).state === 'RUNNING', {
      what: 'RUNNING in the status topic',
      timeoutMs: 30_000,
    });
    await consumer.disconnect();
  }, 400_000);

  it('a 150 s outage under a Postgres CDC load, with the default 120 s send retry: nothing lost, no restart call', async () => {
    await rt?.stop().catch(() => undefined);
    rt = null;
    const name = unique('cdcoutage');
    const dbUrl = await createTestDatabase('cdc_outage');
    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    try {
      await db.query('CREATE TABLE events (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
      rt = await startDistributed({
        ...distributedWorkerProps(name, [kafka.bootstrap]),
        'offset.flush.interval.ms': '1000',
        'session.timeout.ms': '6000',
        'heartbeat.interval.ms': '1000',
        listeners: 'http://127.0.0.1:18098',
        'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'false',
      });
      const herder = rt.herder as DistributedHerder;
      await eventually(() => !herder.rebalancing, { what: 'first assignment', timeoutMs: 60_000 });
      const u = new URL(dbUrl);
      const connector = `${name}-cdc`;
      await herder.putConnectorConfig(
        connector,
        {
          'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
          'database.hostname': u.hostname,
          'database.port': u.port || '5432',
          'database.user': decodeURIComponent(u.username || 'postgres'),
          'database.dbname': decodeURIComponent(u.pathname.slice(1)),
          'topic.prefix': name,
          'slot.name': `${name.replace(/-/g, '_')}_slot`,
          // The slot stays when the task stops (a restart resumes from it); dropping the database drops it.
          'snapshot.mode': 'no_data',
          'auto.restart.initial.delay.ms': '1000',
          'auto.restart.max.delay.ms': '10000',
        },
        { allowReplace: false },
      );
      await eventually(async () => (await herder.connectorStatus(connector)).tasks[0]?.state === 'RUNNING', {
        what: 'the CDC task RUNNING',
        timeoutMs: 60_000,
      });
      // The load: inserts that keep coming, before, during and after the outage.
      let next = 1;
      let stopped = false;
      const writing = (async () => {
        while (!stopped) {
          await db.query('INSERT INTO events (id) VALUES ($1)', [next]);
          next++;
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      // Awaited below; when an earlier step fails first, the closed database must not add an unhandled rejection.
      writing.catch(() => undefined);
      const topic = `${name}.public.events`;
      const reader = new Kafka({ clientId: 'cdc-outage', brokers: [kafka.bootstrap], logLevel: 0 });
      const ids = new Set<number>();
      const readAll = async (): Promise<void> => {
        const consumer = reader.consumer({ groupId: unique('cdc-outage-read') });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            const v = message.value ? (JSON.parse(message.value.toString()) as { after?: { id?: number } }) : null;
            if (v?.after?.id !== undefined) ids.add(v.after.id);
          },
        });
        readers.push(consumer);
      };
      const readers: Array<{ disconnect(): Promise<void> }> = [];
      const kadmin = reader.admin();
      await kadmin.connect();
      await eventually(async () => (await kadmin.listTopics()).includes(topic), { what: `topic ${topic}` });
      await kadmin.disconnect();
      await readAll();
      await eventually(() => ids.size >= 100, { what: 'the first 100 changes in Kafka', timeoutMs: 60_000 });
      for (const r of readers.splice(0)) await r.disconnect();

      await kafka.stop();
      const outageEnds = Date.now() + 150_000;
      let diedAt: number | null = null;
      while (Date.now() < outageEnds) {
        const task = herder.worker.task({ connector, task: 0 });
        if (task?.failure) {
          diedAt ??= Date.now();
          expect((await herder.connectorStatus(connector)).tasks[0]?.state).not.toBe('RUNNING');
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      // The send retry (120 s) ran out during the outage: the task died and said so.
      expect(diedAt).not.toBeNull();
      await kafka.start();
      // Inserts go on for a while after the broker is back, then stop; every one of them must arrive.
      await new Promise((r) => setTimeout(r, 5000));
      stopped = true;
      await writing;
      const inserted = next - 1;
      await readAll();
      await eventually(() => ids.size >= inserted, {
        what: `all ${inserted} inserted rows in Kafka after the outage`,
        timeoutMs: 180_000,
      });
      for (const r of readers.splice(0)) await r.disconnect();
      expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: inserted }, (_, i) => i + 1));
      const status = await eventually(
        async () => {
          const st = await herder.connectorStatus(connector);
          return st.tasks[0]?.state === 'RUNNING' ? st : null;
        },
        { what: 'the CDC task RUNNING again', timeoutMs: 60_000 },
      );
      expect(status.tasks[0]?.auto_restart?.restarts).toBeGreaterThanOrEqual(1);
      process.stderr.write(
        `[cdc outage] 150 s broker outage: ${inserted} rows inserted, all in Kafka; the task died ${Math.round((diedAt! - (outageEnds - 150_000)) / 1000)} s in and restarted ${status.tasks[0]?.auto_restart?.restarts} time(s) by itself\n`,
      );
    } finally {
      await rt?.stop().catch(() => undefined);
      rt = null;
      await db.end().catch(() => undefined);
      await dropTestDatabase(dbUrl).catch(() => undefined);
    }
  }, 600_000);
});
