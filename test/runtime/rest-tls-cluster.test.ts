// Three worker processes on https with mTLS and the BasicAuth extension's files: writes forwarded to the leader with the
// caller's credentials, task configs over the signed internal endpoint, replays refused; bad TLS keys stop a worker.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REQUEST_TIMESTAMP_HEADER, signRequest } from '@tributary/runtime';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, type TestCerts } from '@tributary/testkit';
import { eventually, kafkaBootstrap, unique } from '../helpers.js';
import { WorkerProcess, clusterSpec, freePort, httpCall } from '../worker-process.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/dist/bin.js');
const EXTENSION = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';
const XRW = { 'x-requested-with': 'rest-tls-cluster-test' };
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let dir: string;
let certs: TestCerts;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-tls-cluster-'));
  certs = makeTestCerts(path.join(dir, 'certs'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `tributary distributed` with these props until it exits; its exit code and output. */
async function runUntilExit(props: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const file = path.join(dir, `${unique('w')}.properties`);
  writeFileSync(
    file,
    Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  const child = spawn(process.execPath, [BIN, 'distributed', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 60_000);
    child.once('exit', (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
  return { code, out };
}

describe('an https listener the worker cannot serve', () => {
  const base = async (): Promise<Record<string, string>> => {
    const group = unique('tls-fail');
    return {
      'bootstrap.servers': kafkaBootstrap().join(','),
      'group.id': group,
      'config.storage.topic': `${group}-configs`,
      'offset.storage.topic': `${group}-offsets`,
      'status.storage.topic': `${group}-status`,
      'config.storage.replication.factor': '1',
      'offset.storage.replication.factor': '1',
      'status.storage.replication.factor': '1',
      listeners: `https://127.0.0.1:${await freePort()}`,
    };
  };

  it('exits non-zero naming ssl.keystore.location when there is no keystore', async () => {
    const { code, out } = await runUntilExit(await base());
    expect(code, out.slice(-2000)).not.toBeNull();
    expect(code).not.toBe(0);
    expect(out).toMatch(/an https listener needs a keystore: set ssl\.keystore\.location/);
  }, 90_000);

  it('exits non-zero naming the key when the keystore is JKS (which Node cannot read)', async () => {
    const { code, out } = await runUntilExit({
      ...(await base()),
      'ssl.keystore.location': certs.jksKeystore,
      'ssl.keystore.password': certs.serverKeystorePassword,
    });
    expect(code, out.slice(-2000)).not.toBeNull();
    expect(code).not.toBe(0);
    expect(out).toMatch(/ssl\.keystore\.location: \S*server\.jks is a JKS keystore, which Node cannot read/);
    // The secret is not in what the worker printed.
    expect(out).not.toContain(certs.serverKeystorePassword);
  }, 90_000);
});

describe('three https workers with mTLS and basic auth', () => {
  const name = unique('tls-cluster');
  const workers: WorkerProcess[] = [];
  const admin = { authorization: basic('admin', 'admin-secret') };
  let input: string;

  beforeAll(async () => {
    const credentials = path.join(dir, 'connect.password');
    writeFileSync(credentials, 'admin: admin-secret\n');
    const jaas = path.join(dir, 'connect-jaas.conf');
    writeFileSync(
      jaas,
      `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${credentials}";\n};\n`,
    );
    input = path.join(dir, 'in.txt');
    writeFileSync(input, 'a\nb\nc\n');
    const tls = {
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': certs.serverKeystoreP12,
      'ssl.keystore.password': certs.serverKeystorePassword,
      'ssl.truststore.type': 'PKCS12',
      'ssl.truststore.location': certs.truststoreP12,
      'ssl.truststore.password': certs.truststorePassword,
      'ssl.client.auth': 'required',
      'rest.extension.classes': EXTENSION,
    };
    const https = { ca: certs.caPem, key: certs.clientKey, cert: certs.clientCert };
    // Three workers: two name the JAAS file in their config, one in KAFKA_OPTS, as Kafka Connect's scripts do.
    workers.push(
      await WorkerProcess.start(clusterSpec(name, { ...tls, 'java.security.auth.login.config': jaas }), {
        dir,
        https,
        headers: admin,
      }),
    );
    workers.push(
      await WorkerProcess.start(clusterSpec(name, tls), {
        dir,
        https,
        headers: admin,
        env: { KAFKA_OPTS: `-Xmx512m -Djava.security.auth.login.config=${jaas}` },
      }),
    );
    workers.push(
      await WorkerProcess.start(clusterSpec(name, { ...tls, 'java.security.auth.login.config': jaas }), {
        dir,
        https,
        headers: admin,
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });

  it('refuses callers without the right credentials or without a client certificate', async () => {
    const [a] = workers;
    const none = await httpCall(`${a!.url}/connectors`, {
      ca: certs.caPem,
      key: certs.clientKey,
      cert: certs.clientCert,
    });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="KafkaConnect"');
    const wrong = await a!.request('GET', '/connectors', undefined, { authorization: basic('admin', 'nope') });
    expect(wrong.status).toBe(401);
    await expect(httpCall(`${a!.url}/`, { ca: certs.caPem, headers: admin })).rejects.toThrow();
  });

  it('forwards writes to the leader over https with the caller credentials, and runs every connector', async () => {
    const names = [0, 1, 2, 3, 4, 5].map((i) => `${name}-c${i}`);
    for (const [i, c] of names.entries()) {
      const w = workers[i % workers.length]!;
      const config = { 'connector.class': 'FileStreamSource', file: input, topic: `${c}-out`, 'tasks.max': '1' };
      await eventually(async () => (await w.request('POST', '/connectors', { name: c, config })).status === 201, {
        timeoutMs: 60_000,
        what: `${c} created through worker ${w.port}`,
      });
    }
    // Each connector's tasks reach RUNNING: the followers' task configs went to the leader over the signed endpoint.
    for (const c of names) {
      await eventually(
        async () => {
          const s = await workers[0]!.request<{ tasks: Array<{ state: string }> }>('GET', `/connectors/${c}/status`);
          return s.status === 200 && s.body.tasks.length === 1 && s.body.tasks[0]!.state === 'RUNNING';
        },
        { timeoutMs: 60_000, what: `${c} running` },
      );
    }
    const owners = new Set<string>();
    for (const c of names) {
      const s = await workers[1]!.request<{ connector: { worker_id: string } }>('GET', `/connectors/${c}/status`);
      owners.add(s.body.connector.worker_id);
    }
    expect(owners.size).toBe(workers.length);
    // Body-less writes through each worker (one of them forwards to the leader): pause two, delete one. Without
    // JSON, a write needs X-Requested-With once authentication is on; the forwarded one carries its own.
    const bare = await workers[0]!.request('PUT', `/connectors/${names[0]}/pause`);
    expect(bare.status).toBe(415);
    for (const [i, c] of names.slice(0, 2).entries()) {
      const r = await workers[i]!.request('PUT', `/connectors/${c}/pause`, undefined, XRW);
      expect(r.status, JSON.stringify(r.body)).toBe(202);
    }
    for (const w of workers) {
      const r = await w.request('DELETE', `/connectors/${names[3]}`, undefined, XRW);
      if (r.status !== 404) expect(r.status, JSON.stringify(r.body)).toBe(204);
    }
    await eventually(
      async () => (await workers[1]!.request<string[]>('GET', '/connectors')).body.length === names.length - 1,
      {
        timeoutMs: 30_000,
        what: 'the deleted connector gone',
      },
    );
    for (const c of names.slice(0, 2)) {
      await eventually(
        async () =>
          (await workers[0]!.request<{ connector: { state: string } }>('GET', `/connectors/${c}/status`)).body.connector
            .state === 'PAUSED',
        { timeoutMs: 30_000, what: `${c} paused` },
      );
    }
    // A write through each worker with wrong credentials is refused before anything is forwarded.
    for (const w of workers) {
      const r = await w.request('DELETE', `/connectors/${names[0]}`, undefined, { authorization: basic('admin', 'x') });
      expect(r.status).toBe(401);
    }
    // No password of the worker config or the credentials file is in the workers' logs.
    for (const w of workers) {
      const log = readFileSync(w.logFile, 'utf8');
      expect(log).toContain('REST server listening');
      for (const secret of ['admin-secret', certs.serverKeystorePassword, certs.truststorePassword])
        expect(log).not.toContain(secret);
    }
  }, 180_000);

  it('accepts a signed task-config request once, refusing its replay, an old one and unknown connectors', async () => {
    const connector = `${name}-c0`;
    const kafka = new Kafka({ clientId: 'tls-cluster-session-key', brokers: kafkaBootstrap(), logLevel: 0 });
    const consumer = kafka.consumer({ groupId: unique('session-key-reader') });
    let key = '';
    await consumer.connect();
    await consumer.subscribe({ topic: `${name}-configs`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key?.toString() === 'session-key' && message.value) {
          key = (JSON.parse(message.value.toString()) as { key: string }).key;
        }
      },
    });
    await eventually(() => key !== '', { timeoutMs: 30_000, what: 'the session key' });
    await consumer.disconnect();

    const tasks = await workers[0]!.request<Array<{ config: Record<string, string> }>>(
      'GET',
      `/connectors/${connector}/tasks`,
    );
    const body = JSON.stringify(tasks.body.map((t) => t.config));
    const post = (w: WorkerProcess, target: string, signedFor: string, timestamp: string) =>
      httpCall(`${w.url}/connectors/${encodeURIComponent(target)}/tasks`, {
        method: 'POST',
        ca: certs.caPem,
        key: certs.clientKey,
        cert: certs.clientCert,
        headers: {
          'content-type': 'application/json',
          'X-Connect-Authorization': signRequest(key, body, timestamp, signedFor),
          'X-Connect-Request-Signature-Algorithm': 'HmacSHA256',
          [REQUEST_TIMESTAMP_HEADER]: timestamp,
        },
        body,
      });
    // The follower answers 409 (not the leader) to a valid request; the leader 204.
    const now = String(Date.now());
    let leader: WorkerProcess | null = null;
    for (const w of workers) {
      const r = await post(w, connector, connector, now);
      if (r.status === 204) leader = w;
      else expect(r.status, r.text).toBe(409);
    }
    expect(leader).not.toBeNull();
    const replay = await post(leader!, connector, connector, now);
    expect(replay.status).toBe(403);
    expect(replay.text).toMatch(/replay/);
    const old = await post(leader!, connector, connector, String(Date.now() - 10 * 60_000));
    expect(old.status).toBe(403);
    const elsewhere = await post(leader!, `${name}-c1`, connector, String(Date.now()));
    expect(elsewhere.status).toBe(403);
    const unknown = await post(leader!, `${name}-nope`, `${name}-nope`, String(Date.now()));
    expect(unknown.status).toBe(404);
    const unsigned = await httpCall(`${leader!.url}/connectors/${connector}/tasks`, {
      method: 'POST',
      ca: certs.caPem,
      key: certs.clientKey,
      cert: certs.clientCert,
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(400);
  }, 120_000);
});
