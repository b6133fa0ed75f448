// Bad input answered as the client's mistake: placeholders validated as what they resolve to, configs over the
// config topic's message size refused up front (413), malformed offset changes refused (400).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type RunningRestServer, startRestServer } from '@tributary/rest';
import type { ConnectRuntime } from '@tributary/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestWorker, stopTestWorkers, testWorkerProps, unique } from '../helpers.js';

describe('bad input', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-bad-input-'));
  let rt: ConnectRuntime;
  let rest: RunningRestServer;
  const http = async (method: string, p: string, body: unknown): Promise<{ status: number; message: string }> => {
    const res = await fetch(`${rest.urls[0]}${p}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, message: ((await res.json()) as { message: string }).message };
  };

  beforeAll(async () => {
    rt = await startTestWorker(
      testWorkerProps(unique('bad-input'), {
        'config.providers': 'file',
        'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
        'config.providers.file.param.allowed.paths': dir,
      }),
    );
    rest = await startRestServer({ herder: rt.herder, listeners: 'http://127.0.0.1:0' });
  }, 90_000);
  afterAll(async () => {
    await rest?.close();
    await stopTestWorkers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates a file provider placeholder as the value it resolves to, and shows the placeholder', async () => {
    const creds = path.join(dir, 'settings.properties');
    writeFileSync(creds, 'batch=250\nword=manyfold-q7\n');
    const good = `\${file:${creds}:batch}`;
    const input = path.join(dir, 'in.txt');
    writeFileSync(input, '');
    const base = { 'connector.class': 'FileStreamSource', file: input, topic: unique('t') };
    const ok = await rt.herder.validateConnectorConfig('FileStreamSource', { ...base, 'batch.size': good });
    const batch = ok.configs.find((c) => c.value.name === 'batch.size')!.value;
    expect(batch.errors).toEqual([]);
    expect(batch.value).toBe(good);
    const name = unique('placeholder');
    const created = await rt.herder.putConnectorConfig(name, { ...base, 'batch.size': good }, { allowReplace: false });
    expect(created.info.config['batch.size']).toBe(good);

    // What it resolves to is still checked, and a placeholder that cannot be resolved is its key's error.
    const bad = await rt.herder.validateConnectorConfig('FileStreamSource', {
      ...base,
      'batch.size': `\${file:${creds}:word}`,
      topic: `\${file:/etc/passwd:root}`,
    });
    const errors = Object.fromEntries(
      bad.configs.filter((c) => c.value.errors.length).map((c) => [c.value.name, c.value.errors]),
    );
    expect(errors['batch.size']?.join(' ')).toMatch(/Not a number/);
    expect(errors.topic?.join(' ')).toMatch(/Could not resolve .*not allowed/);
    expect(JSON.stringify(bad)).not.toContain('manyfold-q7');
  });

  it('refuses a config larger than the config topic takes with 413 naming the limit, before writing it', async () => {
    const name = unique('huge');
    const before = rt.herder.worker.opts.statusStore.connector(name);
    await expect(
      rt.herder.putConnectorConfig(
        name,
        {
          'connector.class': 'FileStreamSink',
          topics: unique('t'),
          file: path.join(dir, 'o.txt'),
          blob: 'x'.repeat(2_000_000),
        },
        { allowReplace: false },
      ),
    ).rejects.toMatchObject({ statusCode: 413, message: expect.stringMatching(/max\.message\.bytes of \d+ bytes/) });
    expect(before).toBeNull();
    expect(await rt.herder.connectors()).not.toContain(name);
    // Over HTTP too: a client error naming the limit, not a 500 from the broker's MESSAGE_TOO_LARGE.
    const r = await http('POST', '/connectors', {
      name,
      config: {
        'connector.class': 'FileStreamSink',
        topics: 't',
        file: path.join(dir, 'o.txt'),
        blob: 'x'.repeat(2_000_000),
      },
    });
    expect(r.status).toBe(413);
    expect(r.message).toMatch(/max\.message\.bytes of \d+ bytes/);
  });

  it('stores a large config whose task configs together exceed the message size, one batch at a time', async () => {
    const name = unique('large');
    await rt.herder.putConnectorConfig(
      name,
      {
        'connector.class': 'FileStreamSink',
        topics: unique('t'),
        file: path.join(dir, 'large.txt'),
        'tasks.max': '3',
        blob: 'y'.repeat(600_000),
      },
      { allowReplace: false },
    );
    const tasks = await eventually(async () => ((await rt.herder.taskConfigs(name)).length === 3 ? true : null), {
      what: 'three task configs of 600 kB each',
      timeoutMs: 30_000,
    });
    expect(tasks).toBe(true);
    await rt.herder.deleteConnector(name);
  });

  it('answers a malformed sink offsets change with 400', async () => {
    const name = unique('offsets');
    const topic = unique('t');
    await rt.herder.putConnectorConfig(
      name,
      { 'connector.class': 'FileStreamSink', topics: topic, file: path.join(dir, 'offsets.txt') },
      { allowReplace: false, initialState: 'STOPPED' },
    );
    await eventually(async () => (await rt.herder.connectorStatus(name)).connector.state === 'STOPPED', {
      what: 'STOPPED',
    });
    for (const offsets of [
      [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 1.5 } }],
      [{ partition: { kafka_topic: topic, kafka_partition: 0.5 }, offset: { kafka_offset: 1 } }],
      [{ partition: { kafka_topic: 'no spaces allowed', kafka_partition: 0 }, offset: { kafka_offset: 1 } }],
      [{ partition: { kafka_topic: topic, kafka_partition: -1 }, offset: { kafka_offset: 1 } }],
      [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 1e300 } }],
    ]) {
      await expect(rt.herder.alterConnectorOffsets(name, offsets), JSON.stringify(offsets)).rejects.toMatchObject({
        statusCode: 400,
      });
      expect((await http('PATCH', `/connectors/${name}/offsets`, { offsets })).status).toBe(400);
    }
    for (const body of [
      '{"offsets": "x"}',
      '{"offsets": [{"partition": null, "offset": null}]}',
      '[1]',
      '{"offsets":',
    ]) {
      expect((await http('PATCH', `/connectors/${name}/offsets`, body)).status, body).toBe(400);
    }
  });
});
