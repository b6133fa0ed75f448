// Starting the two sides of the JDBC sink comparisons: a Tributary worker process and a Kafka Connect 4.3.1 worker with the
// real Debezium JDBC sink (jars from Maven Central). Used by compare.mjs and by `pnpm bench` (BENCH=jdbc).
import { distributedWorkerProps } from '@tributary/testkit';
import { spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  ensureJars as ensureConnectJars,
  freePort,
  props,
  startKafkaConnect as startConnectWorker,
} from '../kafka-connect.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const POM = path.join(here, 'pom.xml');
export const BOOTSTRAP = (process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092').split(',');
export const PG = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const log = (m) => process.stderr.write(`[jdbc-compare] ${m}\n`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { props };

export function ensureJars() {
  const version = /<debezium\.version>([^<]+)</.exec(readFileSync(POM, 'utf8'))[1];
  return ensureConnectJars(
    POM,
    process.env.DEBEZIUM_JDBC_CACHE ?? path.join(os.homedir(), '.cache/tributary', `debezium-jdbc-${version}`),
    log,
  );
}

export { freePort };

export async function database(name) {
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG);
  u.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  return { name, client, url: u, jdbc: `jdbc:postgresql://${u.hostname}:${u.port || 5432}/${name}` };
}

export async function dropDatabase(name) {
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  await admin
    .query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`, [
      name,
    ])
    .catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
}

/** A Tributary distributed worker process; `extra` worker keys override the defaults. */
export async function startTributary(tmp, name, extra = {}) {
  const port = await freePort();
  const file = path.join(tmp, 'tributary.properties');
  writeFileSync(
    file,
    props({
      ...distributedWorkerProps(name, BOOTSTRAP),
      listeners: `http://127.0.0.1:${port}`,
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      ...extra,
    }),
  );
  const fd = openSync(path.join(tmp, 'tributary.log'), 'a');
  const child = spawn(process.execPath, [path.join(repo, 'packages/cli/dist/bin.js'), 'distributed', file], {
    stdio: ['ignore', fd, fd],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if ((await fetch(url).catch(() => null))?.ok) break;
    if (i > 120) throw new Error('Tributary worker did not answer');
    await sleep(500);
  }
  const put = async (n, config) => {
    const r = await fetch(`${url}/connectors/${n}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(config),
    });
    if (!r.ok) throw new Error(`PUT ${n}: ${r.status} ${await r.text()}`);
  };
  const status = async (n) => {
    const r = await fetch(`${url}/connectors/${n}/status`).catch(() => null);
    return r?.ok ? r.json() : null;
  };
  return { put, status, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

/**
 * Kafka Connect standalone running sink connectors: `sinkProps` (one with its name, several, or none and PUT later);
 * `extra` worker keys override the defaults; `jvmOptions` e.g. FAST_START_JVM for tests.
 */
export async function startKafkaConnect(libs, tmp, sinkProps, extra = {}, jvmOptions = []) {
  const connectors = sinkProps == null ? [] : Array.isArray(sinkProps) ? sinkProps : [sinkProps];
  const w = await startConnectWorker({
    libs,
    dir: tmp,
    mode: 'standalone',
    jvmOptions,
    worker: {
      'bootstrap.servers': BOOTSTRAP.join(','),
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': path.join(tmp, 'offsets.dat'),
      'plugin.discovery': 'only_scan',
      ...extra,
    },
    connectors,
  });
  const status = async (name = connectors[0]?.name) => {
    const r = await fetch(`${w.url}/connectors/${encodeURIComponent(name)}/status`).catch(() => null);
    return r?.ok ? r.json() : null;
  };
  const put = async (name, config) => {
    const r = await fetch(`${w.url}/connectors/${encodeURIComponent(name)}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(config),
    });
    if (!r.ok) throw new Error(`PUT ${name}: ${r.status} ${await r.text()}`);
  };
  return { url: w.url, status, put, tail: w.tail, pid: w.pid, stop: () => w.stop() };
}
