// Self-healing against a real broker: a sink whose target is unwritable and then writable recovers alone,
// auto.restart.enable=false keeps Kafka Connect's behaviour, and the watchdog reports a put() that hangs.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConnectRuntime } from '@tributary/runtime';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  kafkaBootstrap,
  startTestWorker,
  stopTestWorkers,
  testWorkerProps,
  unique,
  createTopic,
} from '../helpers.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/plugins');

async function produce(topic: string, values: string[]): Promise<void> {
  await createTopic(topic);
  const kafka = new Kafka({ clientId: 'self-healing-test', brokers: kafkaBootstrap(), logLevel: 0 });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

describe('self-healing', () => {
  let rt: ConnectRuntime;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-healing-'));

  beforeAll(async () => {
    rt = await startTestWorker(
      testWorkerProps(unique('healing'), {
        'plugin.path': fixtures,
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      }),
    );
  }, 90_000);
  afterAll(async () => {
    await stopTestWorkers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restarts a sink whose target was unwritable once it is writable again; with auto restart off it stays FAILED', async () => {
    const topic = unique('healing-in');
    await produce(topic, ['a', 'b', 'c']);
    const healed = path.join(dir, 'healed.txt');
    const kept = path.join(dir, 'kept.txt');
    // A directory where the sink's file should be: opening it for append fails (EISDIR), as an unwritable target.
    mkdirSync(healed);
    mkdirSync(kept);
    const h = rt.herder;
    const on = unique('healing-on');
    const off = unique('healing-off');
    const common = { 'connector.class': 'FileStreamSink', topics: topic, 'tasks.max': '1' };
    await h.putConnectorConfig(
      on,
      { ...common, file: healed, 'auto.restart.initial.delay.ms': '200', 'auto.restart.max.delay.ms': '1000' },
      { allowReplace: false },
    );
    await h.putConnectorConfig(off, { ...common, file: kept, 'auto.restart.enable': 'false' }, { allowReplace: false });

    const failed = await eventually(
      async () => {
        const t = (await h.connectorStatus(on)).tasks[0];
        return t?.state === 'FAILED' && (t.auto_restart?.restarts ?? 0) >= 1 ? t : null;
      },
      { what: 'the sink failing and being restarted', timeoutMs: 60_000 },
    );
    expect(failed.trace).toMatch(/Couldn't find or create file/);
    expect(failed.auto_restart?.last_failure).toMatch(/Couldn't find or create file/);
    const offFailed = await eventually(
      async () => {
        const t = (await h.connectorStatus(off)).tasks[0];
        return t?.state === 'FAILED' ? t : null;
      },
      { what: 'the sink without auto restart failing', timeoutMs: 60_000 },
    );
    expect(offFailed.auto_restart).toBeUndefined();

    rmSync(healed, { recursive: true });
    rmSync(kept, { recursive: true });
    await eventually(() => existsSync(healed) && readFileSync(healed, 'utf8') === 'a\nb\nc\n', {
      what: 'the healed sink writing every record',
      timeoutMs: 60_000,
    });
    const running = await eventually(
      async () => {
        const t = (await h.connectorStatus(on)).tasks[0];
        return t?.state === 'RUNNING' ? t : null;
      },
      { what: 'RUNNING after the automatic restart' },
    );
    // The last failure stays visible after the restart; no further restart is scheduled.
    expect(running.auto_restart?.last_failure).toMatch(/Couldn't find or create file/);
    expect(running.auto_restart?.next_attempt_at).toBeNull();
    expect(running.auto_restart?.restarts).toBeGreaterThanOrEqual(1);
    // Kafka Connect's behaviour: nothing restarted the other one, and it wrote nothing.
    const offNow = (await h.connectorStatus(off)).tasks[0];
    expect(offNow?.state).toBe('FAILED');
    expect(existsSync(kept)).toBe(false);

    const metrics = await rt.metrics.render();
    const line = metrics
      .split('\n')
      .find((l) => l.startsWith('tributary_auto_restart_restarts_total{') && l.includes(`connector="${on}"`));
    expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(1);
    expect(metrics).not.toMatch(new RegExp(`tributary_auto_restart_restarts_total\\{[^}]*connector="${off}"`));
  }, 120_000);

  it('reports a task whose put() has not returned for task.watchdog.timeout.ms, and clears it when it returns', async () => {
    const topic = unique('stall-in');
    await produce(topic, ['x']);
    const stall = path.join(dir, 'stall');
    writeFileSync(stall, '');
    const name = unique('stall');
    const h = rt.herder;
    await h.putConnectorConfig(
      name,
      {
        'connector.class': 'StallSinkConnector',
        topics: topic,
        'stall.file': stall,
        'task.watchdog.timeout.ms': '1000',
      },
      { allowReplace: false },
    );
    const stuck = await eventually(
      async () => {
        const t = (await h.connectorStatus(name)).tasks[0];
        return t?.state === 'RUNNING' && t.stuck ? t : null;
      },
      { what: 'the watchdog reporting the stuck put()', timeoutMs: 60_000 },
    );
    expect(stuck.stuck?.call).toBe('put');
    expect(await rt.metrics.render()).toMatch(
      new RegExp(`tributary_task_stuck_seconds\\{connector="${name}",task="0",call="put"\\} [0-9.]+`),
    );
    rmSync(stall);
    await eventually(
      async () => {
        const t = (await h.connectorStatus(name)).tasks[0];
        return t?.state === 'RUNNING' && !t.stuck;
      },
      { what: 'the report cleared once put() returned', timeoutMs: 30_000 },
    );
    expect(await rt.metrics.render()).not.toMatch(new RegExp(`tributary_task_stuck_seconds\\{connector="${name}"`));
  }, 120_000);

  it('restarts a connector that failed to start once the cause is gone, and shows it on the connector status', async () => {
    const topic = unique('conn-in');
    await produce(topic, ['z']);
    const fail = path.join(dir, 'fail');
    writeFileSync(fail, '');
    const name = unique('conn-fail');
    const h = rt.herder;
    await h.putConnectorConfig(
      name,
      {
        'connector.class': 'StallSinkConnector',
        topics: topic,
        'stall.file': path.join(dir, 'never'),
        'fail.file': fail,
        'auto.restart.initial.delay.ms': '200',
        'auto.restart.max.delay.ms': '1000',
      },
      { allowReplace: false },
    );
    const failed = await eventually(
      async () => {
        const c = (await h.connectorStatus(name)).connector;
        return c.state === 'FAILED' && (c.auto_restart?.restarts ?? 0) >= 1 ? c : null;
      },
      { what: 'the connector failing and being restarted', timeoutMs: 30_000 },
    );
    expect(failed.trace).toMatch(/failing while/);
    rmSync(fail);
    const s = await eventually(
      async () => {
        const st = await h.connectorStatus(name);
        return st.connector.state === 'RUNNING' && st.tasks[0]?.state === 'RUNNING' ? st : null;
      },
      { what: 'connector and task RUNNING after the automatic restart', timeoutMs: 30_000 },
    );
    expect(s.connector.auto_restart?.last_failure).toMatch(/failing while/);
    expect(s.connector.auto_restart?.next_attempt_at).toBeNull();
  }, 60_000);
});
