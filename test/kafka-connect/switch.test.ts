import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ensureFileConnectJars,
  FAST_START_JVM,
  type KafkaConnectWorker,
  startKafkaConnect,
} from '../../scripts/debezium/kafka-connect.mjs';
import { eventually, kafkaBootstrap, readTopic, unique, createTopic } from '../helpers.js';
import { WorkerProcess, clusterSpec } from '../worker-process.js';

/*
 * Moving a file source and a file sink between a real Kafka Connect 4.3.1 distributed worker and a Tributary worker
 * on the same group and internal topics, both ways: at every switch nothing FAILED, the side now running reports
 * RUNNING on its own worker id, it reads the offsets the other side left, no line is produced twice and the sink's
 * file holds every line exactly once.
 */

type Side = 'tributary' | 'kafka-connect';

interface RunningSide {
  side: Side;
  url: string;
  workerId: string;
  stop(): Promise<void>;
  tail(): string;
}

interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: string; worker_id: string; trace?: string }>;
  type: string;
}

let libs: string;

beforeAll(() => {
  libs = ensureFileConnectJars();
});

const FIRST = 1000;
const STEP = 100;
const line = (i: number): string => `line-${String(i).padStart(5, '0')}`;
const lines = (from: number, to: number): string =>
  Array.from({ length: to - from }, (_, k) => `${line(from + k + 1)}\n`).join('');

async function get<T>(url: string): Promise<{ status: number; body: T }> {
  const r = await fetch(url);
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
}

async function put(url: string, body: unknown): Promise<void> {
  const r = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`PUT ${url}: ${r.status} ${await r.text()}`);
}

class Scenario {
  readonly name = unique('switch');
  readonly dir = mkdtempSync(path.join(os.tmpdir(), `${this.name}-`));
  readonly input = path.join(this.dir, 'in.txt');
  readonly output = path.join(this.dir, 'out.txt');
  readonly topic = `${this.name}-lines`;
  readonly source = `${this.name}-source`;
  // A space in the sink's name: its consumer group is `connect-<name>` on both sides.
  readonly sink = `${this.name} sink`;
  written = FIRST;

  /** Worker keys both sides get, so whichever creates the internal topics creates the same ones. */
  readonly common: Record<string, string> = {
    'group.id': this.name,
    'config.storage.topic': `${this.name}-configs`,
    'offset.storage.topic': `${this.name}-offsets`,
    'status.storage.topic': `${this.name}-status`,
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'offset.storage.partitions': '5',
    'status.storage.partitions': '2',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'offset.flush.interval.ms': '1000',
    'session.timeout.ms': '6000',
    'heartbeat.interval.ms': '1000',
    'scheduled.rebalance.max.delay.ms': '1000',
  };

  async start(side: Side): Promise<RunningSide> {
    if (side === 'tributary') {
      const w = await WorkerProcess.start(clusterSpec(this.name, this.common), { dir: this.dir });
      return {
        side,
        url: w.url,
        workerId: `127.0.0.1:${w.port}`,
        stop: () => w.stop(),
        tail: () => (existsSync(w.logFile) ? readFileSync(w.logFile, 'utf8').split('\n').slice(-60).join('\n') : ''),
      };
    }
    const w: KafkaConnectWorker = await startKafkaConnect({
      libs,
      dir: this.dir,
      jvmOptions: FAST_START_JVM,
      worker: { 'bootstrap.servers': kafkaBootstrap().join(','), ...this.common },
    });
    return { side, url: w.url, workerId: `127.0.0.1:${w.port}`, stop: () => w.stop(), tail: () => w.tail(60) };
  }

  async createConnectors(w: RunningSide): Promise<void> {
    await put(`${w.url}/connectors/${this.source}/config`, {
      'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
      'tasks.max': '1',
      file: this.input,
      topic: this.topic,
    });
    await put(`${w.url}/connectors/${encodeURIComponent(this.sink)}/config`, {
      'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
      'tasks.max': '1',
      file: this.output,
      topics: this.topic,
    });
  }

  /** Both connectors and their task RUNNING on this worker; a FAILED anything ends the test with its trace. */
  async runningOn(w: RunningSide): Promise<void> {
    for (const c of [this.source, this.sink]) {
      await eventually(
        async () => {
          const { status, body } = await get<ConnectorStatus>(`${w.url}/connectors/${encodeURIComponent(c)}/status`);
          if (status !== 200) return false;
          const failed = [body.connector, ...body.tasks].find((s) => s.state === 'FAILED');
          if (failed) throw new Error(`${c} FAILED on ${w.side}: ${failed.trace}`);
          return (
            body.connector.state === 'RUNNING' &&
            body.connector.worker_id === w.workerId &&
            body.tasks.length === 1 &&
            body.tasks[0]!.state === 'RUNNING' &&
            body.tasks[0]!.worker_id === w.workerId
          );
        },
        { timeoutMs: 60_000, what: `${c} RUNNING on ${w.side} (${w.workerId})\n${w.tail()}` },
      );
    }
  }

  async offsets(w: RunningSide): Promise<{ source: unknown; sink: unknown }> {
    const source = await get<unknown>(`${w.url}/connectors/${this.source}/offsets`);
    const sink = await get<unknown>(`${w.url}/connectors/${encodeURIComponent(this.sink)}/offsets`);
    expect(source.status, `${w.side} source offsets`).toBe(200);
    expect(sink.status, `${w.side} sink offsets`).toBe(200);
    return { source: source.body, sink: sink.body };
  }

  /** The offsets both connectors must have once every line written so far went through. */
  expectedOffsets(): { source: unknown; sink: unknown } {
    return {
      source: {
        offsets: [{ partition: { filename: this.input }, offset: { position: statSync(this.input).size } }],
      },
      sink: {
        offsets: [
          { partition: { kafka_partition: 0, kafka_topic: this.topic }, offset: { kafka_offset: this.written } },
        ],
      },
    };
  }

  outputLines(): string[] {
    return existsSync(this.output) ? readFileSync(this.output, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Every line written so far is in the sink's file exactly once, in order, and the offsets say so. */
  async delivered(w: RunningSide): Promise<void> {
    await eventually(() => this.outputLines().length >= this.written, {
      timeoutMs: 60_000,
      what: `${this.written} lines in the sink's file on ${w.side} (${this.outputLines().length})\n${w.tail()}`,
    });
    expect(this.outputLines()).toEqual(Array.from({ length: this.written }, (_, k) => line(k + 1)));
    const want = this.expectedOffsets();
    let last: unknown;
    await eventually(
      async () => {
        last = await this.offsets(w);
        return JSON.stringify(last) === JSON.stringify(want);
      },
      { timeoutMs: 30_000, what: `the offsets of every line on ${w.side}` },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(last)}, wanted ${JSON.stringify(want)}`);
    });
    await this.runningOn(w);
  }

  async run(order: Side[]): Promise<void> {
    writeFileSync(this.input, lines(0, FIRST));
    await createTopic(this.topic);
    let previous: { source: unknown; sink: unknown } | null = null;
    for (const [i, side] of order.entries()) {
      const w = await this.start(side);
      try {
        if (i === 0) await this.createConnectors(w);
        await this.runningOn(w);
        if (previous) {
          // What the other side committed is what this side reads, before it has anything new to do.
          expect(await this.offsets(w), `${side} reads the offsets ${order[i - 1]} left`).toEqual(previous);
          appendFileSync(this.input, lines(this.written, this.written + STEP));
          this.written += STEP;
        }
        await this.delivered(w);
        previous = await this.offsets(w);
      } finally {
        await w.stop();
      }
    }
    // The source produced every line once: nothing was read again after a switch.
    const produced = (await readTopic(this.topic, this.written)).map((m) => m.value?.toString());
    expect(produced).toEqual(Array.from({ length: this.written }, (_, k) => line(k + 1)));
    // Neither side ever wrote a FAILED status, not even for a moment between two checks.
    const statusTopic = this.common['status.storage.topic']!;
    const admin = new Kafka({ clientId: 'switch-test', brokers: kafkaBootstrap(), logLevel: 0 }).admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(statusTopic);
    await admin.disconnect();
    const count = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    const states = (await readTopic(statusTopic, count))
      .filter((m) => m.value !== null)
      .map((m) => `${m.key?.toString()} ${(JSON.parse(m.value!.toString()) as { state?: string }).state}`);
    expect(states.filter((s) => s.endsWith(' FAILED'))).toEqual([]);
    expect(states.length).toBeGreaterThan(0);
  }
}

describe.concurrent('switching between Kafka Connect 4.3.1 and Tributary on the same topics', () => {
  it('Tributary → Kafka Connect → Tributary → Kafka Connect', async () => {
    await new Scenario().run(['tributary', 'kafka-connect', 'tributary', 'kafka-connect']);
  }, 300_000);

  it('Kafka Connect → Tributary → Kafka Connect → Tributary', async () => {
    await new Scenario().run(['kafka-connect', 'tributary', 'kafka-connect', 'tributary']);
  }, 300_000);
});
