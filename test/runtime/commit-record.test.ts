// SourceTask.commitRecord(record, metadata) tells a task where each record landed (Kafka Connect's contract):
// checked against where an independent client finds the records, on a topic of several partitions, so the
// metadata of a request that spans partitions is each record's own.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createTopic,
  eventually,
  fileLines,
  readTopic,
  startTestWorker,
  stopTestWorkers,
  testWorkerProps,
  unique,
} from '../helpers.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/plugins');
const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-commit-record-'));

afterEach(stopTestWorkers);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SourceTask.commitRecord', () => {
  it('gets each record’s own partition and offset when one request spans several partitions', async () => {
    const name = unique('commit-record');
    const commits = path.join(dir, `${name}.txt`);
    const topic = `${name}-probe`;
    await createTopic(topic, { partitions: 3 });
    const rt = await startTestWorker(
      testWorkerProps(name, {
        'plugin.path': fixtures,
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      }),
    );
    // Keys k0 … k1999 spread over the three partitions (murmur2), interleaved within each poll of 100.
    await rt.herder.putConnectorConfig(
      `${name}-src`,
      { 'connector.class': 'ProbeSourceConnector', topic, records: '2000', 'commits.file': commits },
      { allowReplace: false },
    );
    await eventually(() => fileLines(commits).filter((l) => !l.startsWith('commit')).length >= 2000, {
      what: '2000 commitRecord calls',
      timeoutMs: 60_000,
    });
    const heard = new Map(
      fileLines(commits)
        .filter((l) => !l.startsWith('commit'))
        .map((l) => l.split(' '))
        .map(([seq, t, offset, partition]) => [`k${seq}`, { topic: t, at: `${partition} ${offset}` }]),
    );
    const found = new Map((await readTopic(topic, 2000)).map((m) => [m.key!.toString(), `${m.partition} ${m.offset}`]));
    expect(heard.size).toBe(2000);
    expect(new Set([...found.values()].map((at) => at.split(' ')[0]))).toEqual(new Set(['0', '1', '2']));
    const wrong = [...found].filter(([key, at]) => heard.get(key)?.at !== at || heard.get(key)?.topic !== topic);
    expect(wrong).toEqual([]);
  });
});
