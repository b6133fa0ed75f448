// The BasicAuth extension with one JAAS and credentials file: a real Kafka Connect 4.3.1 worker and a Tributary worker
// answer the same requests with the same status codes (no credentials, wrong ones, right ones, the internal endpoint).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAST_START_JVM,
  type KafkaConnectWorker,
  ensureBasicAuthJars,
  ensureFileConnectJars,
  startKafkaConnect,
} from '../../scripts/debezium/kafka-connect.mjs';
import { kafkaBootstrap, unique } from '../helpers.js';
import { WorkerProcess, clusterSpec, httpCall } from '../worker-process.js';

const EXTENSION = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const RIGHT = basic('admin', 'admin-secret');

let dir: string;
let kc: KafkaConnectWorker;
let tr: WorkerProcess;

const common = (run: string): Record<string, string> => ({
  'group.id': run,
  'config.storage.topic': `${run}-configs`,
  'offset.storage.topic': `${run}-offsets`,
  'status.storage.topic': `${run}-status`,
  'config.storage.replication.factor': '1',
  'offset.storage.replication.factor': '1',
  'status.storage.replication.factor': '1',
  'offset.storage.partitions': '2',
  'status.storage.partitions': '2',
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'rest.extension.classes': EXTENSION,
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-basic-auth-'));
  const credentials = path.join(dir, 'connect.password');
  writeFileSync(credentials, 'admin: admin-secret\nops=ops-secret\n');
  const jaas = path.join(dir, 'connect-jaas.conf');
  writeFileSync(
    jaas,
    `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${credentials}";\n};\n`,
  );
  const libs = ensureFileConnectJars();
  const extension = ensureBasicAuthJars();
  const kcRun = unique('kc-auth');
  const trRun = unique('tr-auth');
  // Both read the JAAS file from the JVM option, the way Kafka Connect's scripts pass KAFKA_OPTS.
  [kc, tr] = await Promise.all([
    startKafkaConnect({
      libs,
      classpath: [extension],
      dir: path.join(dir, 'kc'),
      jvmOptions: [...FAST_START_JVM, `-Djava.security.auth.login.config=${jaas}`],
      worker: { 'bootstrap.servers': kafkaBootstrap().join(','), ...common(kcRun) },
      readyHeaders: { authorization: RIGHT },
    }),
    WorkerProcess.start(clusterSpec(trRun, common(trRun)), {
      dir: path.join(dir, 'tr'),
      headers: { authorization: RIGHT },
      env: { KAFKA_OPTS: `-Djava.security.auth.login.config=${jaas}` },
    }),
  ]);
}, 240_000);

afterAll(async () => {
  await Promise.all([kc?.stop(), tr?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

interface Probe {
  what: string;
  method: string;
  path: string;
  authorization?: string;
  body?: string;
}

const PROBES: Probe[] = [
  { what: 'no credentials', method: 'GET', path: '/connectors' },
  { what: 'no credentials on /', method: 'GET', path: '/' },
  { what: 'wrong password', method: 'GET', path: '/connectors', authorization: basic('admin', 'wrong') },
  { what: 'unknown user', method: 'GET', path: '/connectors', authorization: basic('nobody', 'admin-secret') },
  { what: 'another scheme', method: 'GET', path: '/connectors', authorization: 'Bearer abc' },
  {
    what: 'no colon',
    method: 'GET',
    path: '/connectors',
    authorization: `Basic ${Buffer.from('admin').toString('base64')}`,
  },
  { what: 'right credentials', method: 'GET', path: '/connectors', authorization: RIGHT },
  {
    what: 'second user (key=value line)',
    method: 'GET',
    path: '/connectors',
    authorization: basic('ops', 'ops-secret'),
  },
  { what: 'right credentials, unknown connector', method: 'GET', path: '/connectors/nope', authorization: RIGHT },
  { what: 'no credentials, a write', method: 'DELETE', path: '/connectors/nope' },
  { what: 'right credentials, admin endpoint', method: 'GET', path: '/admin/loggers', authorization: RIGHT },
  { what: 'no credentials, admin endpoint', method: 'GET', path: '/admin/loggers' },
  {
    what: 'internal endpoint without credentials (the session key protects it)',
    method: 'POST',
    path: '/connectors/nope/tasks',
    body: '[]',
  },
];

describe('BasicAuthSecurityRestExtension: Kafka Connect 4.3.1 and Tributary with the same files', () => {
  it('answer every probe with the same status code; 401s carry WWW-Authenticate on Tributary', async () => {
    const rows: string[] = [];
    for (const p of PROBES) {
      const init = {
        method: p.method,
        headers: {
          ...(p.authorization ? { authorization: p.authorization } : {}),
          ...(p.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(p.body !== undefined ? { body: p.body } : {}),
      };
      const [k, t] = await Promise.all([httpCall(`${kc.url}${p.path}`, init), httpCall(`${tr.url}${p.path}`, init)]);
      rows.push(`${p.what}: kafka-connect ${k.status}, tributary ${t.status}`);
      expect(t.status, `${p.what}\n${rows.join('\n')}`).toBe(k.status);
      if (k.status === 401) {
        expect(t.text).toBe(k.text);
        expect(t.headers['www-authenticate']).toBe('Basic realm="KafkaConnect"');
      }
    }
    process.stderr.write(`[basic-auth-compare]\n${rows.join('\n')}\n`);
  }, 120_000);

  it('differs on purpose in one place: an authenticated write without JSON or X-Requested-With is refused (415)', async () => {
    // Browsers send cached basic credentials with a cross-site no-cors request, which cannot carry either header.
    const bare = { method: 'DELETE', headers: { authorization: RIGHT } };
    const [k, t] = await Promise.all([
      httpCall(`${kc.url}/connectors/nope`, bare),
      httpCall(`${tr.url}/connectors/nope`, bare),
    ]);
    expect(k.status).toBe(404);
    expect(t.status).toBe(415);
    const marked = { method: 'DELETE', headers: { authorization: RIGHT, 'x-requested-with': 'curl' } };
    const [k2, t2] = await Promise.all([
      httpCall(`${kc.url}/connectors/nope`, marked),
      httpCall(`${tr.url}/connectors/nope`, marked),
    ]);
    expect(t2.status).toBe(k2.status);
  }, 60_000);
});
