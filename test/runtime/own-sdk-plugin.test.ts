import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SinkRecord, silentLogger } from '@tributary/api';
import { JsonConverter } from '@tributary/converters';
import { Plugins } from '@tributary/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, unique } from '../helpers.js';
import { expectedReading, writeOwnSdkPlugin } from '../own-sdk-plugin.js';
import { clusterSpec, WorkerProcess } from '../worker-process.js';

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

const sdkVersion = (JSON.parse(readFileSync(path.resolve('packages/api/package.json'), 'utf8')) as { version: string })
  .version;

/** A datagen schema whose records are the worker's own Structs, nested one level. */
const DATAGEN_SCHEMA = JSON.stringify({
  type: 'record',
  name: 'person',
  fields: [
    { name: 'id', type: { type: 'long', 'arg.properties': { iteration: { start: 1 } } } },
    { name: 'name', type: { type: 'string', 'arg.properties': { options: ['ann', 'bob'] } } },
    {
      name: 'address',
      type: {
        type: 'record',
        name: 'address',
        fields: [{ name: 'city', type: { type: 'string', 'arg.properties': { options: ['oslo', 'lima'] } } }],
      },
    },
  ],
});

const withSchemas = {
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'true',
};

describe('a plugin with its own copy of @tributary/api', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'own-sdk-'));
  const pluginsDir = path.join(root, 'plugins');
  writeOwnSdkPlugin(pluginsDir, { name: 'own-sdk-installed', copy: 'node_modules' });
  writeOwnSdkPlugin(pluginsDir, { name: 'own-sdk-vendored', copy: 'vendored' });
  writeOwnSdkPlugin(pluginsDir, { name: 'own-sdk-future', copy: 'node_modules', sdkVersion: '9.0.0' });

  it('is recognised by its brands when loaded beside the runtime in one process, or refused by SDK version', async () => {
    const logger = silentLogger;
    const plugins = await Plugins.discover({ pluginPath: [pluginsDir], includeWorkspace: false, logger });
    expect(plugins.refused().map((r) => r.packageName)).toEqual(['own-sdk-future']);
    const refusal = `Plugin own-sdk-future is built against @tributary/api 9.0.0, which is not compatible with this worker's @tributary/api ${sdkVersion}`;
    expect(plugins.refused()[0]!.reason).toContain(refusal);
    expect(() => plugins.get('own-sdk-future/ReadingSource', 'source')).toThrow(refusal);

    const converter = new JsonConverter();
    converter.configure({ 'schemas.enable': 'true' }, false);
    for (const pkg of ['own-sdk-installed', 'own-sdk-vendored']) {
      const source = plugins.create(`${pkg}/ReadingSource`, 'source');
      const Task = source.taskClass();
      const task = new Task();
      task.initialize({
        configs: () => ({}),
        offsetStorageReader: { offset: async () => null, offsets: async () => [] },
        transactionContext: null,
        logger,
      });
      await task.start({ topic: 't', count: '2' });
      const [record] = (await task.poll())!;
      // The worker's converter validates the plugin's Struct against the plugin's schema: this threw
      // "Invalid type for STRUCT: Struct" when the check was instanceof.
      const bytes = converter.fromConnectData('t', null, record!.valueSchema, record!.value);
      const back = converter.toConnectData('t', null, bytes);

      const out = path.join(root, `${pkg}-direct.jsonl`);
      const sink = plugins.create(`${pkg}/JsonLinesSink`, 'sink');
      const SinkTaskClass = sink.taskClass();
      const sinkTask = new SinkTaskClass();
      sinkTask.start({ file: out });
      await sinkTask.put([
        new SinkRecord({ topic: 't', kafkaPartition: 0, kafkaOffset: 0, valueSchema: back.schema, value: back.value }),
      ]);
      expect(jsonLines(out)).toEqual([{ schema: 'fixture.Reading', struct: true, value: expectedReading(1) }]);
    }
  });

  describe('in a worker process by plugin.path', () => {
    let worker: WorkerProcess;
    const name = unique('ownsdk');

    beforeAll(async () => {
      worker = await WorkerProcess.start(clusterSpec(name, { 'plugin.path': pluginsDir }), {
        dir: path.join(root, 'worker'),
      });
    });
    afterAll(async () => worker?.stop());

    it('is refused at load when built against another SDK major version, with both versions named', async () => {
      const log = readFileSync(worker.logFile, 'utf8');
      expect(log).toContain(
        `Plugin own-sdk-future is built against @tributary/api 9.0.0, which is not compatible with this worker's @tributary/api ${sdkVersion}`,
      );
      const res = await worker.request<{ class: string }[]>('GET', '/connector-plugins?connectorsOnly=false');
      const classes = res.body.map((p) => p.class);
      expect(classes).toContain('own-sdk-installed/ReadingSource');
      expect(classes).toContain('own-sdk-vendored/JsonLinesSink');
      expect(classes.filter((c) => c.startsWith('own-sdk-future/'))).toEqual([]);
    });

    for (const pkg of ['own-sdk-installed', 'own-sdk-vendored']) {
      it(`${pkg}: its Structs reach a built-in sink and the worker's Structs reach its sink with every field`, async () => {
        const count = 20;
        const topicOut = `${name}-${pkg}-out`;
        const topicIn = `${name}-${pkg}-in`;
        const fileSinkOut = path.join(root, `${pkg}-file-sink.jsonl`);
        const ownSinkOut = path.join(root, `${pkg}-own-sink.jsonl`);
        const put = async (connector: string, config: Record<string, string>) => {
          const res = await worker.request('PUT', `/connectors/${connector}/config`, { ...withSchemas, ...config });
          expect(res.status, JSON.stringify(res.body)).toBe(201);
        };
        await put(`${pkg}-src`, {
          'connector.class': `${pkg}/ReadingSource`,
          topic: topicOut,
          count: String(count),
        });
        await put(`${pkg}-file`, { 'connector.class': 'FileStreamSink', topics: topicOut, file: fileSinkOut });
        await put(`${pkg}-datagen`, {
          'connector.class': 'DatagenConnector',
          'kafka.topic': topicIn,
          'schema.string': DATAGEN_SCHEMA,
          iterations: String(count),
          'max.interval': '1',
        });
        await put(`${pkg}-sink`, { 'connector.class': `${pkg}/JsonLinesSink`, topics: topicIn, file: ownSinkOut });

        const fromSource = await eventually(
          () => (jsonLines(fileSinkOut).length >= count ? jsonLines(fileSinkOut) : null),
          {
            timeoutMs: 60_000,
            what: `${count} lines from ${pkg}'s source in the file sink`,
          },
        );
        expect(fromSource).toEqual(Array.from({ length: count }, (_, i) => expectedReading(i + 1)));

        const intoSink = await eventually(
          () => (jsonLines(ownSinkOut).length >= count ? jsonLines(ownSinkOut) : null),
          {
            timeoutMs: 60_000,
            what: `${count} datagen records in ${pkg}'s sink`,
          },
        );
        expect(intoSink).toHaveLength(count);
        for (const line of intoSink) {
          expect(line).toMatchObject({ schema: 'person', struct: true });
          const v = line.value as { id: number; name: string; address: { city: string } };
          expect(['ann', 'bob']).toContain(v.name);
          expect(['oslo', 'lima']).toContain(v.address.city);
        }
        expect(intoSink.map((l) => (l.value as { id: number }).id).sort((a, b) => a - b)).toEqual(
          Array.from({ length: count }, (_, i) => i + 1),
        );
      });
    }
  });
});
