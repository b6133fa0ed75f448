import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaBootstrap, readTopic, startTestWorker, stopTestWorkers, testWorkerProps, unique } from '../helpers.js';

afterEach(stopTestWorkers);

describe('transforms with predicates, and topic creation for source connectors (KIP-158)', () => {
  it('applies the chain in order, honours predicate and negate, and creates topics from topic.creation groups', async () => {
    const name = unique('smt');
    const dir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    const input = path.join(dir, 'in.txt');
    writeFileSync(input, 'alpha\nbeta\n');
    const rt = await startTestWorker(
      testWorkerProps(name, { 'value.converter': 'org.apache.kafka.connect.storage.StringConverter' }),
    );
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
    const msgs = await readTopic(routed, 2);
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
    const rt = await startTestWorker(testWorkerProps(name));
    await expect(
      rt.herder.putConnectorConfig(
        `${name}-src`,
        { 'connector.class': 'FileStreamSource', topic: 't', transforms: 'x', 'transforms.x.type': 'NoSuchTransform' },
        { allowReplace: false },
      ),
    ).rejects.toMatchObject({ errors: { 'transforms.x.type': [expect.stringContaining('NoSuchTransform')] } });
  });
});
