import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandalone } from '@tributary/runtime';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  eventually,
  fileLines as lines,
  startTestWorker,
  stopTestWorker,
  stopTestWorkers,
  testWorkerProps,
  unique,
} from '../helpers.js';

afterEach(stopTestWorkers);

const workerProps = (name: string): Record<string, string> =>
  testWorkerProps(name, { 'value.converter': 'org.apache.kafka.connect.storage.StringConverter' });

describe('file source → Kafka → file sink through a distributed worker', () => {
  it('delivers every line in order and resumes both sides from committed offsets after a restart', async () => {
    const name = unique('filepipe');
    const dir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    const input = path.join(dir, 'in.txt');
    const output = path.join(dir, 'out.txt');
    const topic = `${name}-lines`;
    writeFileSync(input, Array.from({ length: 500 }, (_, i) => `line-${i}`).join('\n') + '\n');

    let rt = await startTestWorker(workerProps(name));
    await rt.herder.putConnectorConfig(
      `${name}-src`,
      { 'connector.class': 'FileStreamSource', file: input, topic },
      { allowReplace: false },
    );
    await rt.herder.putConnectorConfig(
      `${name}-sink`,
      { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector', file: output, topics: topic },
      { allowReplace: false },
    );
    await eventually(() => lines(output).length >= 500, { what: 'first 500 lines', timeoutMs: 60_000 });
    const status = await rt.herder.connectorStatus(`${name}-src`);
    expect(status.connector.state).toBe('RUNNING');
    expect(status.tasks.map((t) => t.state)).toEqual(['RUNNING']);
    // Task configs as Kafka Connect's own file connectors write them, so a Java worker could take over:
    // the connector's config as given plus the Java task class.
    const [srcTask] = await rt.herder.taskConfigs(`${name}-src`);
    expect(srcTask!.config).toEqual({
      'connector.class': 'FileStreamSource',
      name: `${name}-src`,
      file: input,
      topic,
      'task.class': 'org.apache.kafka.connect.file.FileStreamSourceTask',
    });
    const [sinkTask] = await rt.herder.taskConfigs(`${name}-sink`);
    expect(sinkTask!.config['task.class']).toBe('org.apache.kafka.connect.file.FileStreamSinkTask');

    // Give both sides a flush, then restart the worker and append more input.
    await new Promise((r) => setTimeout(r, 1500));
    await stopTestWorker(rt);
    appendFileSync(input, Array.from({ length: 500 }, (_, i) => `line-${500 + i}`).join('\n') + '\n');
    rt = await startTestWorker(workerProps(name));
    await eventually(() => lines(output).length >= 1000, { what: 'all 1000 lines', timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1000));

    const got = lines(output);
    const unique_ = new Set(got);
    // Nothing lost, in order; a graceful restart commits both sides, so nothing is repeated either.
    expect([...unique_]).toEqual(Array.from({ length: 1000 }, (_, i) => `line-${i}`));
    expect(got.length - unique_.size).toBe(0);
    const offsets = await rt.herder.connectorOffsets(`${name}-src`);
    expect(offsets.offsets).toHaveLength(1);
    expect(offsets.offsets[0]!.partition).toEqual({ filename: input });
    const sinkOffsets = await rt.herder.connectorOffsets(`${name}-sink`);
    expect(sinkOffsets.offsets).toEqual([
      { partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 1000 } },
    ]);
  });

  it('runs connectors from files in standalone mode with a file offset store', async () => {
    const name = unique('standalone');
    const dir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    const input = path.join(dir, 'in.txt');
    const output = path.join(dir, 'out.txt');
    const topic = `${name}-lines`;
    writeFileSync(input, 'a\nb\nc\n');
    const props = { ...workerProps(name), 'offset.storage.file.filename': path.join(dir, 'offsets.json') };
    const rt = await startStandalone(props);
    onTestFinished(() => rt.stop());
    await rt.herder.putConnectorConfig(
      `${name}-src`,
      { 'connector.class': 'FileStreamSource', file: input, topic },
      { allowReplace: true },
    );
    await rt.herder.putConnectorConfig(
      `${name}-sink`,
      { 'connector.class': 'FileStreamSink', file: output, topics: topic },
      { allowReplace: true },
    );
    await eventually(() => lines(output).length >= 3, { what: 'three lines' });
    expect(lines(output)).toEqual(['a', 'b', 'c']);
    await eventually(() => readFileSync(path.join(dir, 'offsets.json'), 'utf8').includes('"position'), {
      what: 'offset file',
    });
  });
});
