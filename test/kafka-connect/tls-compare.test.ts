// The same ssl.* keys on a real Kafka Connect 4.3.1 worker and a Tributary worker: the same clients get in, the same are refused.
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAST_START_JVM,
  type KafkaConnectWorker,
  ensureFileConnectJars,
  startKafkaConnect,
} from '../../scripts/debezium/kafka-connect.mjs';
import { makeTestCerts, type TestCerts } from '@tributary/testkit';
import { kafkaBootstrap, unique } from '../helpers.js';
import { WorkerProcess, clusterSpec } from '../worker-process.js';

let dir: string;
let certs: TestCerts;

interface Client {
  what: string;
  key?: string;
  cert?: string;
  maxVersion?: 'TLSv1.2';
}

/** What a client gets: the status of GET /, or that the TLS handshake failed. */
function outcome(url: string, c: Client): Promise<string> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      `${url}/`,
      {
        agent: false,
        ca: certs.caPem,
        ...(c.key ? { key: c.key, cert: c.cert } : {}),
        ...(c.maxVersion ? { maxVersion: c.maxVersion } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(`HTTP ${res.statusCode}`));
        res.on('error', () => resolve('refused'));
      },
    );
    req.on('error', () => resolve('refused'));
    req.end();
  });
}

interface Setup {
  what: string;
  keys: () => Record<string, string>;
  /** A client that gets in, for the readiness probe. */
  probe: () => { key?: string; cert?: string };
  clients: () => Client[];
}

const keystore = (prefix = ''): Record<string, string> => ({
  [`${prefix}ssl.keystore.type`]: 'PKCS12',
  [`${prefix}ssl.keystore.location`]: certs.serverKeystoreP12,
  [`${prefix}ssl.keystore.password`]: certs.serverKeystorePassword,
  [`${prefix}ssl.truststore.type`]: 'PKCS12',
  [`${prefix}ssl.truststore.location`]: certs.truststoreP12Keytool,
  [`${prefix}ssl.truststore.password`]: certs.truststorePassword,
});
const trusted = (): Client => ({ what: 'a trusted client certificate', key: certs.clientKey, cert: certs.clientCert });
const stranger = (): Client => ({
  what: "another CA's client certificate",
  key: certs.strangerKey,
  cert: certs.strangerCert,
});

const SETUPS: Setup[] = [
  {
    what: 'ssl.client.auth=required',
    keys: () => ({ ...keystore(), 'ssl.client.auth': 'required' }),
    probe: () => ({ key: certs.clientKey, cert: certs.clientCert }),
    clients: () => [{ what: 'no client certificate' }, trusted(), stranger()],
  },
  {
    what: 'listeners.https.* over broken ssl.*, ssl.client.auth=requested',
    keys: () => ({
      'ssl.keystore.location': path.join(dir, 'missing.p12'),
      'ssl.keystore.password': 'wrong',
      'ssl.client.auth': 'required',
      ...keystore('listeners.https.'),
      'listeners.https.ssl.client.auth': 'requested',
    }),
    probe: () => ({}),
    clients: () => [{ what: 'no client certificate' }, trusted(), stranger()],
  },
  {
    what: 'ssl.enabled.protocols=TLSv1.3',
    keys: () => ({ ...keystore(), 'ssl.enabled.protocols': 'TLSv1.3' }),
    probe: () => ({}),
    clients: () => [{ what: 'a TLS 1.3 client' }, { what: 'a TLS 1.2 client', maxVersion: 'TLSv1.2' }],
  },
];

const workers: Array<{ setup: Setup; kc: KafkaConnectWorker; tr: WorkerProcess }> = [];

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
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-tls-compare-'));
  certs = makeTestCerts(path.join(dir, 'certs'));
  const libs = ensureFileConnectJars();
  const started = await Promise.all(
    SETUPS.map(async (setup) => {
      const kcRun = unique('kc-tls');
      const trRun = unique('tr-tls');
      const https = { ca: certs.caPem, ...setup.probe() };
      const [kc, tr] = await Promise.all([
        startKafkaConnect({
          libs,
          dir: path.join(dir, kcRun),
          jvmOptions: FAST_START_JVM,
          worker: {
            'bootstrap.servers': kafkaBootstrap().join(','),
            ...common(kcRun),
            ...setup.keys(),
          },
          https,
        }),
        WorkerProcess.start(clusterSpec(trRun, { ...common(trRun), ...setup.keys() }), {
          dir: path.join(dir, trRun),
          https,
        }),
      ]);
      return { setup, kc, tr };
    }),
  );
  workers.push(...started);
}, 240_000);

afterAll(async () => {
  await Promise.all(workers.flatMap((w) => [w.kc.stop(), w.tr.stop()]));
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS with the same keys: Kafka Connect 4.3.1 and Tributary', () => {
  it('let in and refuse the same clients', async () => {
    const rows: string[] = [];
    for (const { setup, kc, tr } of workers) {
      for (const client of setup.clients()) {
        const [k, t] = await Promise.all([outcome(kc.url, client), outcome(tr.url, client)]);
        rows.push(`${setup.what}, ${client.what}: kafka-connect ${k}, tributary ${t}`);
      }
    }
    process.stderr.write(`[tls-compare]\n${rows.join('\n')}\n`);
    for (const row of rows) {
      const m = /kafka-connect (.*), tributary (.*)$/.exec(row)!;
      expect(m[2], row).toBe(m[1]);
    }
    // Something was refused and something let in, in each setup.
    expect(rows.filter((r) => r.endsWith('tributary refused')).length).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
