/**
 * The `tributary` command as a user gets it: the CLI packed into one tarball (scripts/pack-cli.mjs),
 * installed with `npm install -g` into a prefix outside the repo, and run from a directory outside the
 * repo on Kafka's own shipped connect-standalone.properties and connect-file-source.properties; and the
 * journey of a connector author outside the workspace: `tributary new connector`, `npm install` of the
 * packed SDK and test kit, build, test, and the package loaded by a worker through plugin.path.
 */
import { distributedWorkerProps } from '@tributary/testkit';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kafkaBootstrap, readTopic, unique } from '../helpers.js';
import { freePort } from '../worker-process.js';
import { packTarballs, type Tarballs } from './tarballs.js';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repo, 'test/fixtures/kafka');

describe('the installed tributary command', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tributary-installed-'));
  const prefix = path.join(root, 'prefix');
  const bin = path.join(prefix, 'bin', 'tributary');

  let tarballs: Tarballs;

  beforeAll(async () => {
    tarballs = await packTarballs(path.join(root, 'pack'));
    // Installed the way a user would, from the tarball alone, into a prefix of its own.
    await run('npm', ['install', '-g', '--no-audit', '--no-fund', '--prefix', prefix, tarballs.cli], {
      cwd: root,
      maxBuffer: 16 << 20,
    });
  }, 900_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs on Node 24 or newer, in the test workers and in the command', async () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major, `vitest runs on ${process.version}`).toBeGreaterThanOrEqual(24);
    const { stdout } = await run('node', ['--version'], { env: process.env });
    expect(stdout.trim()).toBe(process.version);
  });

  it('carries the workspace’s patches of the Kafka client and the binlog reader (npm installed the published packages)', () => {
    const installed = (file: string) =>
      readFileSync(path.join(prefix, 'lib/node_modules/@tributary/cli/node_modules', file), 'utf8');
    expect(installed('@platformatic/kafka/dist/protocol/records.js')).toContain('function encodeRecordsContiguous(');
    expect(installed('@platformatic/kafka/dist/network/connection.js')).toContain('function writeChunks(');
    expect(installed('@vlasky/zongji/lib/common.js')).toContain('const C1_RANGE =');
  });

  it('runs Kafka’s own connect-standalone.properties and connect-file-source.properties from another directory', async () => {
    const cwd = path.join(root, 'work');
    const topic = unique('installed-cli');
    const port = await freePort();
    rmSync(cwd, { recursive: true, force: true });
    mkdirSync(cwd, { recursive: true });
    // Kafka's files as shipped, but for what must differ on a shared test broker: where the broker is,
    // a REST port of our own, an offsets file and topic no other run shares. file=test.txt stays
    // relative, and so is the offsets file: both must resolve against the caller's directory.
    const worker = readFileSync(path.join(fixtures, 'connect-standalone.properties'), 'utf8')
      .replace('bootstrap.servers=localhost:9092', `bootstrap.servers=${kafkaBootstrap().join(',')}`)
      .replace('offset.storage.file.filename=/tmp/connect.offsets', 'offset.storage.file.filename=connect.offsets');
    writeFileSync(path.join(cwd, 'connect-standalone.properties'), `${worker}\nlisteners=http://127.0.0.1:${port}\n`);
    const source = readFileSync(path.join(fixtures, 'connect-file-source.properties'), 'utf8').replace(
      'topic=connect-test',
      `topic=${topic}`,
    );
    writeFileSync(path.join(cwd, 'connect-file-source.properties'), source);
    writeFileSync(path.join(cwd, 'test.txt'), 'hello\nworld\n');

    const child: ChildProcess = spawn(
      bin,
      ['standalone', 'connect-standalone.properties', 'connect-file-source.properties'],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'warn' },
      },
    );
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const status = await eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/connectors/local-file-source/status`).catch(() => null);
          const body = res?.ok ? ((await res.json()) as { tasks: Array<{ state: string }> }) : null;
          return body?.tasks[0]?.state === 'RUNNING' ? body : null;
        },
        { timeoutMs: 60_000, what: `the installed worker to run local-file-source (output: ${output})` },
      );
      expect(status.tasks).toHaveLength(1);
      const records = await readTopic(topic, 2);
      // JsonConverter with schemas.enable=true, as Kafka's file configures it.
      expect(records.map((m) => JSON.parse(m.value!.toString()))).toEqual([
        { schema: { type: 'string', optional: false }, payload: 'hello' },
        { schema: { type: 'string', optional: false }, payload: 'world' },
      ]);
      await eventually(() => readFileSync(path.join(cwd, 'connect.offsets'), 'utf8').includes('test.txt'), {
        what: 'offsets flushed to ./connect.offsets',
      });
    } finally {
      // Ctrl-C: a clean stop with exit code 0.
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(output).not.toMatch(/ELIFECYCLE|Error/);
  });

  it('scaffolds a connector package outside the workspace that builds, passes its tests and moves Structs through a worker both ways', async () => {
    const started = Date.now();
    const lap: Record<string, number> = {};
    const mark = (step: string) => {
      lap[step] = Date.now() - started;
    };
    const journey = path.join(root, 'journey');
    const pkgDir = path.join(journey, 'acme-orders');
    mkdirSync(journey, { recursive: true });
    const made = await run(bin, ['new', 'connector', 'acme-orders'], { cwd: journey });
    expect(made.stdout).toContain(
      'Wrote acme-orders in acme-orders: AcmeOrdersSourceConnector and AcmeOrdersSinkConnector',
    );
    mark('scaffolded');
    // Until the SDK is published, its tarballs stand in for the registry; third-party packages come from npm.
    await run('npm', ['install', '--no-audit', '--no-fund', '--save-dev', tarballs.api, tarballs.testkit], {
      cwd: pkgDir,
      maxBuffer: 16 << 20,
    });
    mark('installed');
    const tested = await run('npm', ['test'], { cwd: pkgDir, maxBuffer: 16 << 20 });
    expect(tested.stdout).toMatch(/# pass 4|ℹ pass 4/);
    expect(tested.stdout).toMatch(/# fail 0|ℹ fail 0/);
    mark('built and tested');

    const name = unique('journey');
    const port = await freePort();
    const workerProps = {
      ...distributedWorkerProps(name, kafkaBootstrap()),
      listeners: `http://127.0.0.1:${port}`,
      'rest.advertised.host.name': '127.0.0.1',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'true',
      // The file sink writes what it buffered when offsets are committed: every second, not every minute.
      'offset.flush.interval.ms': '1000',
      // The package directory itself, as the scaffold's README says.
      'plugin.path': pkgDir,
    };
    writeFileSync(
      path.join(journey, 'worker.properties'),
      Object.entries(workerProps)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const child: ChildProcess = spawn(bin, ['distributed', 'worker.properties'], {
      cwd: journey,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'warn' },
    });
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const url = `http://127.0.0.1:${port}`;
    const put = async (connector: string, config: Record<string, string>) => {
      const res = await fetch(`${url}/connectors/${connector}/config`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(config),
      });
      expect(res.status, await res.text()).toBe(201);
    };
    const jsonLines = (file: string): Record<string, unknown>[] => {
      try {
        return readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      } catch {
        return [];
      }
    };
    try {
      await eventually(async () => (await fetch(`${url}/connectors`).catch(() => null))?.ok, {
        timeoutMs: 60_000,
        what: `the installed worker to answer (output: ${output})`,
      });
      const plugins = (await (await fetch(`${url}/connector-plugins`)).json()) as { class: string }[];
      expect(plugins.map((p) => p.class)).toEqual(
        expect.arrayContaining(['acme-orders/AcmeOrdersSourceConnector', 'acme-orders/AcmeOrdersSinkConnector']),
      );
      const count = 10;
      const fromSource = path.join(journey, 'from-source.jsonl');
      const intoSink = path.join(journey, 'into-sink.jsonl');
      // Its source → Kafka → the built-in file sink.
      await put('acme-src', { 'connector.class': 'AcmeOrdersSource', topic: `${name}-orders`, 'interval.ms': '20' });
      await put('file-sink', { 'connector.class': 'FileStreamSink', topics: `${name}-orders`, file: fromSource });
      // A built-in source (datagen, the worker's Structs) → Kafka → its sink.
      await put('datagen', {
        'connector.class': 'DatagenConnector',
        'kafka.topic': `${name}-people`,
        'schema.string': JSON.stringify({
          type: 'record',
          name: 'person',
          fields: [
            { name: 'id', type: { type: 'long', 'arg.properties': { iteration: { start: 1 } } } },
            { name: 'name', type: { type: 'string', 'arg.properties': { options: ['ann', 'bob'] } } },
            { name: 'score', type: { type: 'double', 'arg.properties': { range: { min: 1, max: 2 } } } },
          ],
        }),
        iterations: String(count),
        'max.interval': '1',
      });
      await put('acme-sink', { 'connector.class': 'AcmeOrdersSink', topics: `${name}-people`, file: intoSink });

      const written = await eventually(() => (jsonLines(fromSource).length >= count ? jsonLines(fromSource) : null), {
        timeoutMs: 60_000,
        what: `${count} of its records in the file sink (output: ${output})`,
      });
      mark('first records through the worker');
      written.slice(0, count).forEach((line, seq) => {
        expect(Object.keys(line)).toEqual(['seq', 'message', 'at']);
        expect(line).toMatchObject({ seq, message: 'hello' });
        expect(Number.isNaN(Date.parse(line.at as string))).toBe(false);
      });
      const received = await eventually(() => (jsonLines(intoSink).length >= count ? jsonLines(intoSink) : null), {
        timeoutMs: 60_000,
        what: `${count} datagen records in its sink (output: ${output})`,
      });
      expect(received).toHaveLength(count);
      for (const line of received) {
        const value = line.value as { id: number; name: string; score: number };
        expect(Object.keys(value)).toEqual(['id', 'name', 'score']);
        expect(['ann', 'bob']).toContain(value.name);
        expect(value.score).toBeGreaterThanOrEqual(1);
      }
      expect(received.map((l) => (l.value as { id: number }).id).sort((a, b) => a - b)).toEqual(
        Array.from({ length: count }, (_, i) => i + 1),
      );
      process.stdout.write(`[journey] scaffold → running connector, ms since start: ${JSON.stringify(lap)}\n`);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
