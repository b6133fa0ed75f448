import { SinkConnector, type SinkRecord, SinkTask, type TaskConfig, definePlugins } from '@tributary/api';
import { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  eventually,
  kafkaBootstrap,
  startTestWorker,
  stopTestWorkers,
  testWorkerProps,
  unique,
  createTopic,
} from '../helpers.js';

afterEach(stopTestWorkers);

/** What every task of a connector was handed by put(), across tasks: `topic/partition/offset` → times. */
const delivered = new Map<string, Map<string, number>>();

/**
 * A sink whose task n starts n × `stagger.ms` after task 0 and takes its time in put(), so the
 * group's members join one by one while the first ones are draining: every join is a rebalance.
 */
class StaggeredSinkConnector extends SinkConnector {
  #props: Readonly<Record<string, string>> = {};
  version(): string {
    return '1.0.0';
  }
  start(props: Readonly<Record<string, string>>): void {
    this.#props = props;
  }
  taskClass(): new () => StaggeredSinkTask {
    return StaggeredSinkTask;
  }
  taskConfigs(maxTasks: number): TaskConfig[] {
    return Array.from({ length: maxTasks }, (_, i): TaskConfig => ({ ...this.#props, 'task.index': String(i) }));
  }
  stop(): void {}
}

class StaggeredSinkTask extends SinkTask {
  #seen = new Map<string, number>();
  version(): string {
    return '1.0.0';
  }
  async start(props: Readonly<Record<string, string>>): Promise<void> {
    const name = props.name!;
    if (!delivered.has(name)) delivered.set(name, new Map());
    this.#seen = delivered.get(name)!;
    await new Promise((r) => setTimeout(r, Number(props['task.index']) * Number(props['stagger.ms'])));
  }
  async put(records: SinkRecord[]): Promise<void> {
    // About 5,000 records a second per task.
    if (records.length > 0) await new Promise((r) => setTimeout(r, records.length / 5));
    for (const r of records) {
      const k = `${r.topic}/${r.kafkaPartition}/${r.kafkaOffset}`;
      this.#seen.set(k, (this.#seen.get(k) ?? 0) + 1);
    }
  }
  async stop(): Promise<void> {}
}

const plugins = definePlugins([
  { kind: 'sink', className: 'StaggeredSinkConnector', create: () => new StaggeredSinkConnector() },
]);

describe('a sink whose tasks join the group at different times', () => {
  it('delivers every record once: each member commits what it delivered before the group rebalances', async () => {
    const name = unique('sinkrebal');
    const topic = `${name}-in`;
    const total = 20_000;
    await createTopic(topic, { partitions: 4 });
    const kafka = new Kafka({ clientId: 'test-produce', brokers: kafkaBootstrap(), logLevel: 0 });
    // Idempotent: a send retried on a loaded broker must not write a record twice (the count is by offset).
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < total; i += 1000) {
      await producer.send({
        topic,
        messages: Array.from({ length: 1000 }, (_, j) => ({ key: `k${i + j}`, value: `v${i + j}` })),
      });
    }
    await producer.disconnect();

    const rt = await startTestWorker(
      testWorkerProps(name, {
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        // Long enough that only a commit on revocation can hand the partitions over without repeats.
        'offset.flush.interval.ms': '60000',
      }),
    );
    for (const p of plugins) rt.plugins.register(p, '@test/staggered-sink');
    const connector = `${name}-sink`;
    await rt.herder.putConnectorConfig(
      connector,
      {
        'connector.class': 'StaggeredSinkConnector',
        topics: topic,
        'tasks.max': '4',
        'stagger.ms': '1000',
      },
      { allowReplace: false },
    );
    await eventually(() => (delivered.get(connector)?.size ?? 0) >= total, {
      what: `all ${total} records`,
      timeoutMs: 90_000,
    });
    // Every member in, and the group settled: whatever a late rebalance would repeat has arrived.
    await eventually(
      async () => {
        const s = await rt.herder.connectorStatus(connector);
        return s.tasks.length === 4 && s.tasks.every((t) => t.state === 'RUNNING');
      },
      { what: 'four running tasks' },
    );
    await new Promise((r) => setTimeout(r, 3000));
    const seen = delivered.get(connector)!;
    const repeats = [...seen.values()].filter((n) => n > 1).length;
    expect(seen.size).toBe(total);
    expect(repeats).toBe(0);
    process.stderr.write(`[sink rebalance] ${total} records over 4 staggered tasks, ${repeats} repeated\n`);
  });
});
