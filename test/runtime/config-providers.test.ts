import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Kafka } from 'kafkajs';
import { eventually, kafkaBootstrap, unique } from '../helpers.js';
import { WorkerProcess, clusterSpec } from '../worker-process.js';

const workers: WorkerProcess[] = [];
afterAll(async () => {
  for (const w of workers) await w.stop();
});

describe('config providers', () => {
  it('resolves file-provider secrets for the connector while REST, the config topic and logs keep the placeholder', async () => {
    const name = unique('secrets');
    const dir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    const secret = `s3cr3t-${name}`;
    const secrets = path.join(dir, 'secrets.properties');
    writeFileSync(secrets, `api.token=${secret}\n`);
    const input = path.join(dir, 'in.txt');
    writeFileSync(input, 'one\ntwo\n');
    const w = await WorkerProcess.start(
      clusterSpec(name, {
        'config.providers': 'file,env',
        'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
        'config.providers.file.param.allowed.paths': dir,
        'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      }),
      { dir },
    );
    workers.push(w);
    const topic = `${name}-t`;
    const placeholder = `\${file:${secrets}:api.token}`;
    // The secret travels as a header value: if records carry it, the connector saw it resolved.
    const config = {
      'connector.class': 'FileStreamSource',
      file: input,
      topic,
      transforms: 'token',
      'transforms.token.type': 'org.apache.kafka.connect.transforms.InsertHeader',
      'transforms.token.header': 'token',
      'transforms.token.value.literal': placeholder,
    };
    const created = await eventually(
      async () => {
        const r = await w.request('POST', '/connectors', { name: `${name}-src`, config });
        return r.status === 201 ? r : null;
      },
      { what: 'connector created' },
    );
    expect(JSON.stringify(created.body)).not.toContain(secret);

    const kafka = new Kafka({ clientId: 'secrets-check', brokers: kafkaBootstrap(), logLevel: 0 });
    const consumer = kafka.consumer({ groupId: unique('secrets-check') });
    await consumer.connect();
    await eventually(
      async () => {
        await consumer.subscribe({ topic, fromBeginning: true });
        return true;
      },
      { what: 'topic to exist' },
    );
    const headers: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`got ${headers.length} records`)), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          headers.push(String(message.headers?.token));
          if (headers.length >= 2) {
            clearTimeout(t);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(headers).toEqual([secret, secret]);

    const got = await w.request<Record<string, string>>('GET', `/connectors/${name}-src/config`);
    expect(got.body['transforms.token.value.literal']).toBe(placeholder);
    for (const p of [
      `/connectors/${name}-src`,
      `/connectors/${name}-src/tasks`,
      '/connectors?expand=info&expand=status',
    ]) {
      expect(JSON.stringify((await w.request('GET', p)).body)).not.toContain(secret);
    }
    const log = readFileSync(w.logFile, 'utf8');
    expect(log).toContain('config provider configured');
    expect(log).not.toContain(secret);
  });
});
