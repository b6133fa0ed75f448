import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestWorker, stopTestWorkers, testWorkerProps, unique } from '../helpers.js';

afterEach(stopTestWorkers);

function metric(text: string, name: string, connector: string): number | null {
  const re = new RegExp(`^${name}\\{[^}]*connector="${connector}"[^}]*\\} ([0-9.eE+-]+)$`, 'm');
  const m = re.exec(text);
  return m ? Number(m[1]) : null;
}

describe('GET /metrics during a run', () => {
  it('shows non-zero record rates while records flow, and sink lag that falls to 0 once the sink catches up', async () => {
    const name = unique('metrics');
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), `${name}-`)), 'out.jsonl');
    const rt = await startTestWorker(testWorkerProps(name));
    const topic = `${name}-orders`;
    const src = `${name}-gen`;
    const sink = `${name}-sink`;
    await rt.herder.putConnectorConfig(
      src,
      {
        'connector.class': 'DatagenConnector',
        'kafka.topic': topic,
        quickstart: 'orders',
        iterations: '4000',
        'max.interval': '2',
      },
      { allowReplace: false },
    );
    await rt.herder.putConnectorConfig(
      sink,
      { 'connector.class': 'FileStreamSink', topics: topic, file: out },
      { allowReplace: false },
    );
    // Rates are per second between two scrapes: take one once both tasks are moving, then another.
    await eventually(
      async () => {
        const t = await rt.metrics.render();
        return (
          (metric(t, 'kafka_connect_source_task_metrics_source_record_write_total', src) ?? 0) > 0 &&
          (metric(t, 'kafka_connect_sink_task_metrics_sink_record_read_total', sink) ?? 0) > 0
        );
      },
      { what: 'records flowing', timeoutMs: 30_000 },
    );
    await new Promise((r) => setTimeout(r, 1000));
    const during = await rt.metrics.render();
    expect(metric(during, 'kafka_connect_source_task_metrics_source_record_poll_rate', src)).toBeGreaterThan(0);
    expect(metric(during, 'kafka_connect_source_task_metrics_source_record_write_total', src)).toBeGreaterThan(0);
    expect(metric(during, 'kafka_connect_sink_task_metrics_sink_record_send_rate', sink)).toBeGreaterThan(0);
    expect(metric(during, 'kafka_connect_sink_task_metrics_sink_record_lag_max', sink)).not.toBeNull();
    expect(during).toMatch(
      new RegExp(`kafka_connect_connector_metrics_status\\{connector="${src}",status="running"[^}]*\\} 1`),
    );
    await eventually(
      async () => {
        const text = await rt.metrics.render();
        return (
          metric(text, 'kafka_connect_sink_task_metrics_sink_record_read_total', sink) === 4000 &&
          metric(text, 'kafka_connect_sink_task_metrics_sink_record_lag_max', sink) === 0
        );
      },
      { what: 'lag back to 0 with all records read', timeoutMs: 60_000, intervalMs: 500 },
    );
    const after = await rt.metrics.render();
    expect(after).toMatch(
      new RegExp(
        `kafka_connect_sink_task_metrics_partition_lag\\{connector="${sink}",task="0",topic="${topic}",partition="0"\\} 0`,
      ),
    );
  });
});
