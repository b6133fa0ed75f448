import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ConnectRuntime, type DistributedHerder, startDistributed } from '@tributary/runtime';
import { Kafka, type KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, kafkaBootstrap, unique } from '../helpers.js';

const running: ConnectRuntime[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

async function read(topic: string, n: number): Promise<KafkaMessage[]> {
  const kafka = new Kafka({ clientId: 'smt-check', brokers: kafkaBootstrap(), logLevel: 0 });
  // No auto-creation from the checking side: the connector must be the one that creates the topic.
  const consumer = kafka.consumer({ groupId: unique('smt-check'), allowAutoTopicCreation: false });
  const admin = kafka.admin();
  await admin.connect();
  await eventually(async () => (await admin.listTopics()).includes(topic), {
    what: `topic ${topic} created by the connector`,
  });
  await admin.disconnect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: KafkaMessage[] = [];
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${out.length}/${n} from ${topic}`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        out.push(message);
        if (out.length >= n) {
          clearTimeout(t);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

describe('transforms with predicates, and topic creation for source connectors (KIP-158)', () => {
  it('applies the chain in order, honours predicate and negate, and creates topics from topic.creation groups', async () => {
    const name = unique('smt');
    const dir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    const input = path.join(dir, 'in.txt');
    writeFileSync(input, 'alpha\nbeta\n');
    const rt = await startDistributed({
      'bootstrap.servers': kafkaBootstrap().join(','),
      'group.id': name,
      'config.storage.topic': `${name}-configs`,
      'offset.storage.topic': `${name}-offsets`,
      'status.storage.topic': `${name}-status`,
      'config.storage.replication.factor': '1',
      'offset.storage.replication.factor': '1',
      'status.storage.replication.factor': '1',
      'offset.storage.partitions': '5',
      'status.storage.partitions': '2',
      listeners: 'http://127.0.0.1:18086',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    });
    running.push(rt);
    await eventually(() => !(rt.herder as DistributedHerder).rebalancing, { what: 'assignment' });
    const raw = `${name}-raw`;
    const routed = `${name}-routed`;
    await rt.herder.putConnectorConfig(
      `${name}-src`,
      {
        'connector.class': 'FileStreamSource',
        file: input,
        topic: raw,
        transforms: 'route,tag,skipped',
        // RegexRouter runs only for topics that match; the next transform sees the new topic.
        'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
        'transforms.route.regex': '(.*)-raw',
        'transforms.route.replacement': '$1-routed',
        'transforms.route.predicate': 'isRaw',
        'transforms.tag.type': 'org.apache.kafka.connect.transforms.InsertHeader',
        'transforms.tag.header': 'route',
        'transforms.tag.value.literal': 'yes',
        'transforms.tag.predicate': 'isRaw',
        'transforms.tag.negate': 'true',
        // A predicate that never matches (negated: always applies) drops nothing here: Filter on no match.
        'transforms.skipped.type': 'org.apache.kafka.connect.transforms.Filter',
        'transforms.skipped.predicate': 'isRaw',
        predicates: 'isRaw',
        'predicates.isRaw.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
        'predicates.isRaw.pattern': '.*-raw',
        'topic.creation.groups': 'hourly',
        'topic.creation.default.replication.factor': '1',
        'topic.creation.default.partitions': '3',
        'topic.creation.hourly.include': '.*-routed',
        'topic.creation.hourly.partitions': '2',
        'topic.creation.hourly.retention.ms': '3600000',
      },
      { allowReplace: false },
    );
    const msgs = await read(routed, 2);
    // Two partitions and null keys: records are spread round-robin, so compare as a set.
    expect(msgs.map((m) => m.value!.toString()).sort()).toEqual(['alpha', 'beta']);
    // After routing, the topic no longer matches: the negated predicate applies the header.
    expect(msgs.every((m) => m.headers?.route?.toString() === 'yes')).toBe(true);
    const kafka = new Kafka({ clientId: 'smt-admin', brokers: kafkaBootstrap(), logLevel: 0 });
    const admin = kafka.admin();
    await admin.connect();
    const md = await admin.fetchTopicMetadata({ topics: [routed] });
    expect(md.topics[0]!.partitions).toHaveLength(2);
    const cfg = await admin.describeConfigs({
      resources: [{ type: 2, name: routed, configNames: ['retention.ms'] }],
      includeSynonyms: false,
    });
    expect(cfg.resources[0]!.configEntries.find((e) => e.configName === 'retention.ms')?.configValue).toBe('3600000');
    const topics = await admin.listTopics();
    expect(topics).not.toContain(raw);
    await admin.disconnect();
  });

  it('rejects a transform config error with a 400-style ConfigException naming the key', async () => {
    const name = unique('smtbad');
    const rt = await startDistributed({
      'bootstrap.servers': kafkaBootstrap().join(','),
      'group.id': name,
      'config.storage.topic': `${name}-configs`,
      'offset.storage.topic': `${name}-offsets`,
      'status.storage.topic': `${name}-status`,
      'config.storage.replication.factor': '1',
      'offset.storage.replication.factor': '1',
      'status.storage.replication.factor': '1',
      'offset.storage.partitions': '5',
      'status.storage.partitions': '2',
      listeners: 'http://127.0.0.1:18087',
    });
    running.push(rt);
    await eventually(() => !(rt.herder as DistributedHerder).rebalancing, { what: 'assignment' });
    await expect(
      rt.herder.putConnectorConfig(
        `${name}-src`,
        { 'connector.class': 'FileStreamSource', topic: 't', transforms: 'x', 'transforms.x.type': 'NoSuchTransform' },
        { allowReplace: false },
      ),
    ).rejects.toMatchObject({ errors: { 'transforms.x.type': [expect.stringContaining('NoSuchTransform')] } });
  });
});
