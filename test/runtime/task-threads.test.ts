// Source tasks in threads of their own (task.isolation=thread) against a real broker: every record once and in
// order across a restart, commitRecord() in order with Kafka's offsets, and a task that spins or crashes its
// thread leaves the worker and its other tasks running.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  eventually,
  fileLines as lines,
  startTestWorker,
  stopTestWorker,
  stopTestWorkers,
  testWorkerProps,
  unique,
} from '../helpers.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/plugins');
const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-threads-'));

afterEach(stopTestWorkers);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const workerProps = (name: string, extra: Record<string, string> = {}): Record<string, string> =>
  testWorkerProps(name, {
    'plugin.path': fixtures,
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'task.shutdown.graceful.timeout.ms': '2000',
    ...extra,
  });

describe('source tasks in their own threads', () => {
  it('delivers every line once and in order, and resumes from the committed offset after a restart', async () => {
    const name = unique('thr-file');
    const input = path.join(dir, `${name}-in.txt`);
    const output = path.join(dir, `${name}-out.txt`);
    const topic = `${name}-lines`;
    writeFileSync(input, `${Array.from({ length: 5000 }, (_, i) => `line-${i}`).join('\n')}\n`);
    // The worker's default puts the source in a thread; the sink stays in the worker's thread.
    let rt = await startTestWorker(workerProps(name, { 'task.isolation': 'thread' }));
    await rt.herder.putConnectorConfig(
      `${name}-src`,
      {
        'connector.class': 'FileStreamSource',
        file: input,
        topic: `${name}-raw`,
        // Transforms run in the thread too: this one routes the records to the sink's topic.
        transforms: 'route',
        'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
        'transforms.route.regex': '(.*)-raw',
        'transforms.route.replacement': '$1-lines',
      },
      { allowReplace: false },
    );
    await rt.herder.putConnectorConfig(
      `${name}-sink`,
      { 'connector.class': 'FileStreamSink', file: output, topics: topic },
      { allowReplace: false },
    );
    await eventually(() => lines(output).length >= 5000, { what: 'first 5000 lines', timeoutMs: 60_000 });
    const status = await rt.herder.connectorStatus(`${name}-src`);
    expect(status.tasks.map((t) => t.state)).toEqual(['RUNNING']);
    await new Promise((r) => setTimeout(r, 1500));
    await stopTestWorker(rt);
    appendFileSync(input, `${Array.from({ length: 5000 }, (_, i) => `line-${5000 + i}`).join('\n')}\n`);
    rt = await startTestWorker(workerProps(name, { 'task.isolation': 'thread' }));
    await eventually(() => lines(output).length >= 10_000, { what: 'all 10000 lines', timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1000));
    const got = lines(output);
    expect(got).toEqual(Array.from({ length: 10_000 }, (_, i) => `line-${i}`));
    const offsets = await rt.herder.connectorOffsets(`${name}-src`);
    expect(offsets.offsets).toEqual([{ partition: { filename: input }, offset: { position: expect.any(Number) } }]);
  });

  it('calls commitRecord() in the thread for each record in order, with its Kafka offset, and with null for a dropped one', async () => {
    const name = unique('thr-commit');
    const commits = path.join(dir, `${name}-commits.txt`);
    const topic = `${name}-probe`;
    const rt = await startTestWorker(workerProps(name));
    await rt.herder.putConnectorConfig(
      `${name}-src`,
      {
        'connector.class': 'ProbeSourceConnector',
        'task.isolation': 'thread',
        topic,
        records: '1000',
        'commits.file': commits,
        transforms: 'drop',
        'transforms.drop.type': 'org.apache.kafka.connect.transforms.Filter',
        'transforms.drop.predicate': 'tombstone',
        predicates: 'tombstone',
        'predicates.tombstone.type': 'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone',
      },
      { allowReplace: false },
    );
    const records = (): string[][] =>
      lines(commits)
        .map((l) => l.split(' '))
        .filter((g) => g[0] !== 'commit');
    await eventually(() => records().length >= 1000, { what: '1000 commitRecord calls', timeoutMs: 60_000 });
    const got = records();
    // Dropped records are heard of as they are dropped, so only the kept ones keep their relative order.
    const sent = got.filter((g) => g[1] !== 'dropped');
    const dropped = got.filter((g) => g[1] === 'dropped');
    expect(sent.map((g) => Number(g[0]))).toEqual(
      Array.from({ length: 1000 }, (_, i) => i).filter((i) => i % 10 !== 9),
    );
    expect(sent.map((g) => Number(g[2]))).toEqual(Array.from({ length: 900 }, (_, i) => i));
    expect(sent.every((g) => g[1] === topic)).toBe(true);
    expect(dropped.map((g) => Number(g[0])).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i * 10 + 9),
    );
    // Every call ran in a thread of the task's own, not the worker's main thread (id 0).
    expect(new Set(got.map((g) => g.at(-1)))).not.toContain('thread=0');
    // The offset of the last record (a dropped one) commits: nothing is left behind it. And commit() hears of it
    // in the thread, reading it back through its offset reader, as a CDC task confirms its position upstream.
    await eventually(
      async () => {
        const o = await rt.herder.connectorOffsets(`${name}-src`);
        return o.offsets[0]?.offset?.seq === 999;
      },
      { what: 'offset of the last record committed' },
    );
    await eventually(() => lines(commits).some((l) => /^commit 999 thread=[1-9]/.test(l)), {
      what: 'commit() of the last offset in the thread',
    });
  });

  it("runs a task in a thread where its plugin asks for one, unless the connector's or the worker's task.isolation says none", async () => {
    const name = unique('thr-pref');
    // Which thread each connector's commitRecord() calls ran in, once all 100 records were heard of.
    const threadsOf = async (rt: Awaited<ReturnType<typeof startTestWorker>>, connector: string, extra = {}) => {
      const commits = path.join(dir, `${connector}-commits.txt`);
      await rt.herder.putConnectorConfig(
        connector,
        { topic: `${connector}-probe`, records: '100', 'commits.file': commits, ...extra },
        { allowReplace: false },
      );
      const records = () => lines(commits).filter((l) => !l.startsWith('commit '));
      await eventually(() => records().length >= 100, { what: `100 commitRecord calls of ${connector}` });
      return new Set(records().map((l) => (l.endsWith(' thread=0') ? 'worker' : 'own')));
    };
    let rt = await startTestWorker(workerProps(name));
    const preferring = { 'connector.class': 'ThreadPreferringProbeSourceConnector' };
    expect(await threadsOf(rt, `${name}-a`, preferring)).toEqual(new Set(['own']));
    expect(await threadsOf(rt, `${name}-b`, { ...preferring, 'task.isolation': 'none' })).toEqual(new Set(['worker']));
    expect(await threadsOf(rt, `${name}-c`, { 'connector.class': 'ProbeSourceConnector' })).toEqual(
      new Set(['worker']),
    );
    await stopTestWorker(rt);
    rt = await startTestWorker(workerProps(`${name}-w`, { 'task.isolation': 'none' }));
    expect(await threadsOf(rt, `${name}-d`, preferring)).toEqual(new Set(['worker']));
  });

  it('runs errors.* in the thread: tolerated failures are skipped and counted, an intolerable one fails the task with its trace', async () => {
    const name = unique('thr-errors');
    const input = path.join(dir, `${name}-in.txt`);
    const output = path.join(dir, `${name}-out.txt`);
    writeFileSync(input, `${['1', 'x', '2', 'y', '3'].join('\n')}\n`);
    const rt = await startTestWorker(workerProps(name, { 'task.isolation': 'thread' }));
    const h = rt.herder;
    // Cast of a line to int32 fails for the letters.
    const cast = {
      transforms: 'cast',
      'transforms.cast.type': 'org.apache.kafka.connect.transforms.Cast$Value',
      'transforms.cast.spec': 'int32',
    };
    await h.putConnectorConfig(
      `${name}-all`,
      { 'connector.class': 'FileStreamSource', file: input, topic: `${name}-all`, ...cast, 'errors.tolerance': 'all' },
      { allowReplace: false },
    );
    await h.putConnectorConfig(
      `${name}-sink`,
      { 'connector.class': 'FileStreamSink', file: output, topics: `${name}-all` },
      { allowReplace: false },
    );
    await eventually(() => lines(output).length >= 3, { what: 'the three numbers', timeoutMs: 60_000 });
    expect(lines(output)).toEqual(['1', '2', '3']);
    const task = h.worker.task({ connector: `${name}-all`, task: 0 });
    await eventually(() => task?.deps.tolerance.counters.totalRecordsSkipped === 2, {
      what: 'two skipped records counted in the worker',
      timeoutMs: 60_000,
    });
    await h.putConnectorConfig(
      `${name}-none`,
      {
        'connector.class': 'FileStreamSource',
        file: input,
        topic: `${name}-none`,
        ...cast,
        'auto.restart.enable': 'false',
      },
      { allowReplace: false },
    );
    const failed = await eventually(
      async () => {
        const s = await h.connectorStatus(`${name}-none`);
        return s.tasks[0]?.state === 'FAILED' ? s.tasks[0] : null;
      },
      { what: 'the intolerant task FAILED', timeoutMs: 60_000 },
    );
    // The trace carries the cause, as for a task in the worker's thread.
    expect(failed.trace).toContain('Tolerance exceeded in error handler');
    expect(failed.trace).toMatch(/Caused by: .*(Cast|int32|x)/);
  });

  it('keeps the worker and its other tasks running while one task spins in poll() and another crashes its thread', async () => {
    const name = unique('thr-iso');
    const input = path.join(dir, `${name}-in.txt`);
    const output = path.join(dir, `${name}-out.txt`);
    const topic = `${name}-lines`;
    const rt = await startTestWorker(workerProps(name, { 'task.isolation': 'thread' }));
    const h = rt.herder;
    await h.putConnectorConfig(
      `${name}-spin`,
      { 'connector.class': 'ProbeSourceConnector', mode: 'spin', topic: `${name}-spin` },
      { allowReplace: false },
    );
    await h.putConnectorConfig(
      `${name}-crash`,
      // No automatic restart: each would start a thread again, for nothing the test looks at.
      {
        'connector.class': 'ProbeSourceConnector',
        mode: 'crash',
        topic: `${name}-crash`,
        'auto.restart.enable': 'false',
      },
      { allowReplace: false },
    );
    await eventually(
      async () => {
        const s = await h.connectorStatus(`${name}-crash`);
        return s.tasks[0]?.state === 'FAILED' ? s.tasks[0] : null;
      },
      { what: 'the crashing task FAILED', timeoutMs: 60_000 },
    ).then((t) => expect(t.trace).toContain('probe thread crashed on purpose'));
    // With one task spinning on a core, another pipeline on the same worker still flows.
    writeFileSync(input, `${Array.from({ length: 1000 }, (_, i) => `line-${i}`).join('\n')}\n`);
    await h.putConnectorConfig(
      `${name}-src`,
      { 'connector.class': 'FileStreamSource', file: input, topic },
      { allowReplace: false },
    );
    await h.putConnectorConfig(
      `${name}-sink`,
      { 'connector.class': 'FileStreamSink', file: output, topics: topic },
      { allowReplace: false },
    );
    await eventually(() => lines(output).length >= 1000, {
      what: '1000 lines past the spinning task',
      timeoutMs: 60_000,
    });
    expect(lines(output)).toEqual(Array.from({ length: 1000 }, (_, i) => `line-${i}`));
    expect((await h.connectorStatus(`${name}-spin`)).tasks[0]?.state).toBe('RUNNING');
    // Deleting the spinning connector ends its thread once the graceful stop times out.
    await h.deleteConnector(`${name}-spin`);
    await eventually(async () => !(await h.connectors()).includes(`${name}-spin`), { what: 'spinning connector gone' });
  });
});
