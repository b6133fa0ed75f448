/**
 * Connector names that once took a cluster down: a 40,000-character name reached the Kafka client as a
 * group/client id, which threw while encoding a request and ended the process — and since the config stayed
 * in the config topic, every worker that read it died again. Such names are refused; a config topic that
 * already holds one leaves the worker serving, with that connector FAILED and the others running.
 */
import { BadRequestError, type DistributedHerder } from '@tributary/runtime';
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

const fileSink = (file: string, topic: string): Record<string, string> => ({
  'connector.class': 'FileStreamSink',
  'tasks.max': '1',
  topics: topic,
  file,
});

describe('connector names', () => {
  it('refuses names the Kafka client or a URL cannot carry, with the reason', async () => {
    const name = unique('bad-names');
    const rt = await startTestWorker(testWorkerProps(name));
    const config = fileSink(`/tmp/${name}.txt`, `${name}-in`);
    for (const [bad, why] of [
      ['x'.repeat(40_000), /40000 bytes long in UTF-8; the limit is 1024/],
      ['é'.repeat(600), /1200 bytes long in UTF-8; the limit is 1024/],
      ['lone \ud800 surrogate', /lone UTF-16 surrogate/],
      ['tab\there', /ISO control characters/],
    ] as const) {
      const err = await rt.herder.putConnectorConfig(bad, config, { allowReplace: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect((err as Error).message).toMatch(why);
    }
    expect(await rt.herder.connectors()).toEqual([]);
    // The longest allowed name works end to end.
    const longest = 'n'.repeat(1024);
    await rt.herder.putConnectorConfig(longest, config, { allowReplace: false });
    await eventually(async () => (await rt.herder.connectorStatus(longest)).tasks[0]?.state === 'RUNNING', {
      what: 'a connector with a 1,024-byte name running',
    });
  });

  it('keeps serving when the config topic already holds a connector with a 40,000-character name', async () => {
    const name = unique('bad-names-topic');
    const props = testWorkerProps(name);
    const bad = `${'y'.repeat(40_000)}`;
    const good = 'good';
    // Written the way an older worker or another tool would have: straight into the config topic.
    await createTopic(props['config.storage.topic']!, { configs: { 'cleanup.policy': 'compact' } });
    const kafka = new Kafka({ clientId: 'bad-names', brokers: kafkaBootstrap(), logLevel: 0 });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const value = (cfg: Record<string, string>) => JSON.stringify({ properties: cfg });
    await producer.send({
      topic: props['config.storage.topic']!,
      messages: [
        { key: `connector-${bad}`, value: value({ ...fileSink(`/tmp/${name}-bad.txt`, `${name}-in`), name: bad }) },
        { key: `connector-${good}`, value: value({ ...fileSink(`/tmp/${name}-good.txt`, `${name}-in`), name: good }) },
      ],
    });
    await producer.disconnect();

    const rt = await startTestWorker(props);
    expect((rt.herder as DistributedHerder).rebalancing).toBe(false);
    await eventually(async () => (await rt.herder.connectorStatus(good)).tasks[0]?.state === 'RUNNING', {
      what: 'the good connector running beside the bad one',
    });
    const status = await eventually(
      async () => {
        const s = await rt.herder.connectorStatus(bad);
        return s.connector.state === 'FAILED' ? s : null;
      },
      { what: 'the connector with the 40,000-character name FAILED' },
    );
    expect(status.connector.trace).toMatch(/40000 bytes long in UTF-8; the limit is 1024/);
    // It can still be deleted, which is the way out.
    await rt.herder.deleteConnector(bad);
    expect(await rt.herder.connectors()).toEqual([good]);
  });
});
