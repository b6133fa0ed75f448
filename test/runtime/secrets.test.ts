// Literal secrets posted to a worker process never come back: not over REST, the console API, /metrics or the log.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kafkaBootstrap, startTestWorker, stopTestWorkers, testWorkerProps, unique } from '../helpers.js';
import { clusterSpec, WorkerProcess } from '../worker-process.js';

const secret = (label: string): string => `${label}-${randomUUID()}`;

describe('secrets are masked', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-secrets-'));
  const spec = clusterSpec(unique('secrets'), {
    'config.providers': 'file',
    'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
    'config.providers.file.param.allowed.paths': dir,
  });
  let w: WorkerProcess;

  beforeAll(async () => {
    w = await WorkerProcess.start(spec, { dir });
  }, 90_000);
  afterAll(async () => {
    await w?.stop();
    await stopTestWorkers();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('hides literal secrets in every REST and console answer, /metrics and the log; placeholders stay; tasks get the real values', async () => {
    const secrets = {
      'database.password': secret('dbpw'),
      'connection.password': secret('connpw'),
      'aws.secret.access.key': secret('awskey'),
      'producer.override.ssl.keystore.password': secret('kspw'),
      'ssl.key.password': secret('keypw'),
      'database.history.consumer.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="${secret('jaas')}";`,
      'value.converter.basic.auth.user.info': `user:${secret('sr')}`,
    };
    const fromFile = secret('filepw');
    writeFileSync(path.join(dir, 'creds.properties'), `pw=${fromFile}\n`);
    const placeholder = `\${file:${path.join(dir, 'creds.properties')}:pw}`;
    const name = unique('masked');
    const topic = unique('masked-in');
    const config = {
      'connector.class': 'FileStreamSink',
      topics: topic,
      file: path.join(dir, 'out.txt'),
      'tasks.max': '1',
      ...secrets,
      'db.password': placeholder,
    };
    const literal = Object.values(secrets);
    const answers: Array<{ what: string; text: string }> = [];
    const call = async (method: string, p: string, body?: unknown): Promise<unknown> => {
      const res = await fetch(`${w.url}${p}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      answers.push({ what: `${method} ${p} → ${res.status}`, text });
      return text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    };

    const created = (await call('POST', '/connectors', { name, config })) as { config: Record<string, string> };
    for (const k of Object.keys(secrets)) expect(created.config[k], k).toBe('[hidden]');
    expect(created.config['db.password']).toBe(placeholder);
    expect(created.config.topics).toBe(topic);
    await eventually(
      async () =>
        ((await call('GET', `/connectors/${name}/status`)) as { tasks: Array<{ state: string }> }).tasks[0]?.state ===
        'RUNNING',
      { what: 'task RUNNING' },
    );
    await call('GET', `/connectors/${name}`);
    await call('GET', `/connectors/${name}/config`);
    await call('GET', '/connectors?expand=info&expand=status');
    const tasks = (await call('GET', `/connectors/${name}/tasks`)) as Array<{ config: Record<string, string> }>;
    expect(tasks[0]?.config['database.password']).toBe('[hidden]');
    // A config read back (with [hidden]) and written again keeps the stored secrets.
    const roundTrip = (await call('GET', `/connectors/${name}/config`)) as Record<string, string>;
    await call('PUT', `/connectors/${name}/config`, { ...roundTrip, 'tasks.max': '1', 'batch.note': 'x' });
    await call('PATCH', `/connectors/${name}/config`, { 'batch.note': 'y' });
    await call('PUT', '/connector-plugins/FileStreamSink/config/validate', { ...config, name });
    await call('GET', '/tributary/cluster');
    await call('GET', `/tributary/topics/${encodeURIComponent(spec.configTopic)}/records?limit=100`);
    await call('GET', '/metrics');

    for (const a of answers) {
      for (const s of [...literal, fromFile]) expect(a.text.includes(s), `${a.what} shows a secret`).toBe(false);
    }
    expect(answers.some((a) => a.text.includes('[hidden]'))).toBe(true);

    // The config topic keeps the real values (tasks need them), placeholders unresolved.
    const kafka = new Kafka({ clientId: 'secrets-check', brokers: kafkaBootstrap(), logLevel: 0 });
    const consumer = kafka.consumer({ groupId: unique('secrets-check') });
    await consumer.connect();
    await consumer.subscribe({ topic: spec.configTopic, fromBeginning: true });
    const records = new Map<string, string>();
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key && message.value) records.set(message.key.toString(), message.value.toString());
      },
    });
    await eventually(() => records.has(`task-${name}-0`) && records.get(`connector-${name}`)?.includes('"y"'), {
      what: 'config records',
    });
    await consumer.disconnect();
    const task = JSON.parse(records.get(`task-${name}-0`)!) as { properties: Record<string, string> };
    expect(task.properties['database.password']).toBe(secrets['database.password']);
    expect(task.properties['db.password']).toBe(placeholder);
    const stored = JSON.parse(records.get(`connector-${name}`)!) as { properties: Record<string, string> };
    expect(stored.properties['aws.secret.access.key']).toBe(secrets['aws.secret.access.key']);

    await w.stop();
    const log = readFileSync(w.logFile, 'utf8');
    expect(log.length).toBeGreaterThan(0);
    for (const s of [...literal, fromFile]) expect(log.includes(s), `the log shows ${s}`).toBe(false);
  }, 120_000);

  it('rest.secrets.mask=false shows them literally, as Kafka Connect', async () => {
    const rt = await startTestWorker(testWorkerProps(unique('unmasked'), { 'rest.secrets.mask': 'false' }));
    const name = unique('unmasked');
    const pw = secret('plain');
    const r = await rt.herder.putConnectorConfig(
      name,
      {
        'connector.class': 'FileStreamSink',
        topics: unique('t'),
        file: path.join(dir, 'u.txt'),
        'database.password': pw,
      },
      { allowReplace: false },
    );
    expect(r.info.config['database.password']).toBe(pw);
    expect((await rt.herder.connectorConfig(name))['database.password']).toBe(pw);
  }, 90_000);
});
