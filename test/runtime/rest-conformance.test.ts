import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type ConformanceFixture,
  httpRequester,
  restConformanceCases,
  runConformanceCase,
} from '../../packages/rest/test-support/conformance.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique, createTopic } from '../helpers.js';
import { WorkerProcess, clusterSpec } from '../worker-process.js';

/**
 * The REST conformance table of @tributary/rest, run over HTTP against a real distributed worker
 * process on the real broker: every endpoint, its status codes and exact field names.
 */
let worker: WorkerProcess;
let fixture: ConformanceFixture;

beforeAll(async () => {
  const name = unique('rest');
  const dir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const input = path.join(dir, 'in.txt');
  writeFileSync(input, 'a\nb\nc\n');
  const sinkTopic = `${name}-sink-in`;
  await createTopic(sinkTopic);
  worker = await WorkerProcess.start(
    clusterSpec(name, {
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    }),
    { dir },
  );
  fixture = {
    source: {
      plugin: '@tributary/connector-file/FileStreamSourceConnector',
      config: (n) => ({
        'connector.class': 'FileStreamSource',
        file: input,
        topic: `${name}-${n.replace(/[^A-Za-z0-9-]/g, '')}`,
        'tasks.max': '1',
      }),
      offsets: [{ partition: { filename: input }, offset: { position: 0 } }],
    },
    sink: {
      plugin: '@tributary/connector-file/FileStreamSinkConnector',
      config: () => ({ 'connector.class': 'FileStreamSink', file: path.join(dir, 'out.txt'), topics: sinkTopic }),
    },
    invalid: {
      config: () => ({ 'connector.class': 'FileStreamSource', topic: 't', 'batch.size': 'abc' }),
      field: 'batch.size',
    },
    timeoutMs: 30_000,
  };
});

afterAll(async () => {
  await worker?.stop();
});

describe('REST API conformance against a real worker', () => {
  for (const c of restConformanceCases) {
    it(c.name, async () => {
      await runConformanceCase(c, httpRequester(worker.url), fixture);
    });
  }

  it('serves Prometheus metrics next to the API', async () => {
    const res = await fetch(`${worker.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toContain('kafka_connect_connect_worker_metrics_connector_count');
    expect(text).toContain('kafka_connect_connect_worker_rebalance_metrics_completed_rebalances_total');
  });
});
