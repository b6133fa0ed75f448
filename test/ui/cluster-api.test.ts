// GET /tributary/cluster against a real two-worker cluster: both workers answer the same leader, and who runs what.
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterInfo } from '@tributary/runtime';
import { eventually, startTestWorker, stopTestWorkers, testWorkerProps, unique } from '../helpers.js';

afterAll(stopTestWorkers);

describe('the cluster view of the console', () => {
  it('lists both workers with their tasks and the same leader from either worker', async () => {
    const name = unique('ui-cluster');
    // Worker ids come from the listeners, so each in-process worker gets its own.
    const a = await startTestWorker(testWorkerProps(name, { listeners: 'http://127.0.0.1:18091' }));
    const b = await startTestWorker(testWorkerProps(name, { listeners: 'http://127.0.0.1:18092' }));
    await a.herder.putConnectorConfig(
      `${name}-gen`,
      {
        'connector.class': 'DatagenConnector',
        'kafka.topic': `${name}-t`,
        quickstart: 'orders',
        'max.interval': '1000',
        'tasks.max': '2',
      },
      { allowReplace: false },
    );
    const spread = (c: ClusterInfo): boolean => c.workers.length === 2 && c.workers.every((w) => w.tasks.length === 1);
    const fromA = await eventually(
      async () => {
        const c = await a.herder.cluster();
        return spread(c) ? c : null;
      },
      { what: 'the two tasks on two workers', timeoutMs: 60_000 },
    );
    const fromB = await eventually(
      async () => {
        const c = await b.herder.cluster();
        return spread(c) ? c : null;
      },
      { what: 'the same view from the other worker', timeoutMs: 30_000 },
    );
    expect(fromA.leader).not.toBeNull();
    expect(fromB.leader).toBe(fromA.leader);
    expect(fromA.workers.map((w) => w.id).sort()).toEqual(['127.0.0.1:18091', '127.0.0.1:18092']);
    expect(fromA.workers.filter((w) => w.leader).map((w) => w.id)).toEqual([fromA.leader]);
    expect(fromA.workers.find((w) => w.self)?.id).toBe('127.0.0.1:18091');
    expect(fromB.workers.find((w) => w.self)?.id).toBe('127.0.0.1:18092');
    expect(fromA.workers.flatMap((w) => w.tasks.map((t) => t.task)).sort()).toEqual([0, 1]);
    expect(fromA.failed).toEqual([]);
  });
});
