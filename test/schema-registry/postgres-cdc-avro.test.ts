/**
 * Postgres CDC with the AvroConverter for keys and values, through a real worker: Debezium's schema
 * names (`<prefix>.<schema>.<table>.Envelope`, `.Key`, `.Value`, `io.debezium.connector.postgresql.Source`)
 * reach the registry, and Confluent's deserializer reads every change event back.
 */
import type { RunningSchemaRegistry } from '@tributary/schema-registry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readTopic, startTestWorker, stopTestWorkers, testWorkerProps, unique } from '../helpers.js';
import { type TestDb, connectorProps, testDatabase } from '../postgres-cdc/harness.js';
import { AvroDeserializer, SchemaRegistryClient, SerdeType, bigintLongs } from './confluent.js';
import { type RegistryCluster, registryCluster } from './helpers.js';

afterEach(stopTestWorkers);

describe('Postgres CDC with the AvroConverter', () => {
  let cluster: RegistryCluster;
  let registry: RunningSchemaRegistry;
  let db: TestDb;

  beforeAll(async () => {
    cluster = registryCluster('pgcdc');
    registry = await cluster.start();
    await cluster.writerElected();
  });

  afterAll(async () => {
    await db?.close();
    await cluster?.close();
  });

  it('snapshot and stream land as Avro with Debezium’s schema names, read back by Confluent’s deserializer', async () => {
    db = await testDatabase('sravro');
    await db.sql(
      'create table customers (id serial primary key, email text not null, balance numeric(10,2), born date, seen timestamptz)',
    );
    await db.sql(
      "insert into customers (email, balance, born, seen) values ('a@x.io', 12.50, '1990-05-01', '2024-01-02T03:04:05Z'), ('b@x.io', null, null, null)",
    );
    const prefix = unique('srv').replace('-', '_');
    const name = unique('pgavro');
    const rt = await startTestWorker(
      testWorkerProps(name, {
        'key.converter': 'io.confluent.connect.avro.AvroConverter',
        'key.converter.schema.registry.url': registry.url,
        'value.converter': 'io.confluent.connect.avro.AvroConverter',
        'value.converter.schema.registry.url': registry.url,
      }),
    );
    await rt.herder.putConnectorConfig(`${name}-pg`, connectorProps(db, { 'topic.prefix': prefix }), {
      allowReplace: false,
    });
    const topic = `${prefix}.public.customers`;
    // Snapshot first, then change the rows while streaming.
    await readTopic(topic, 2, 60_000);
    await db.sql("update customers set email = 'a2@x.io' where id = 1");
    await db.sql('delete from customers where id = 2');
    // 2 snapshot reads, 1 update, 1 delete and its tombstone.
    const messages = await readTopic(topic, 5, 60_000);

    const client = new SchemaRegistryClient({ baseURLs: [registry.url], maxRetries: 0 });
    const values = new AvroDeserializer(client, SerdeType.VALUE, bigintLongs);
    const keys = new AvroDeserializer(client, SerdeType.KEY, {});
    const events = [];
    for (const m of messages) {
      events.push({
        key: (await keys.deserialize(topic, m.key!)) as { id: number },
        value: m.value ? ((await values.deserialize(topic, m.value)) as Record<string, unknown>) : null,
      });
    }
    expect(events.map((e) => [e.key.id, (e.value as { op?: string } | null)?.op ?? null])).toEqual([
      [1, 'r'],
      [2, 'r'],
      [1, 'u'],
      [2, 'd'],
      [2, null],
    ]);
    const update = events[2]!.value as {
      before: unknown;
      after: { id: number; email: string; balance: Buffer | null; born: number | null; seen: string | null };
      source: { connector: string; name: string; table: string; snapshot: string };
    };
    expect(update.after).toMatchObject({ id: 1, email: 'a2@x.io', born: 7425 });
    // numeric(10,2) as Debezium's precise decimal: 12.50 → unscaled 1250 (0x04E2).
    expect(Buffer.from(update.after.balance!)).toEqual(Buffer.from([0x04, 0xe2]));
    expect(update.source).toMatchObject({ connector: 'postgresql', name: prefix, table: 'customers' });

    const valueSchema = JSON.parse((await client.getLatestSchemaMetadata(`${topic}-value`)).schema) as {
      name: string;
      namespace: string;
      'connect.name': string;
      fields: Array<{ name: string; type: unknown }>;
    };
    expect(valueSchema['connect.name']).toBe(`${topic}.Envelope`);
    expect(`${valueSchema.namespace}.${valueSchema.name}`).toBe(`${topic}.Envelope`);
    // `before` defines the row record (optional: null first); `after` refers to it by its full name.
    const before = valueSchema.fields.find((f) => f.name === 'before')!.type as [string, { 'connect.name': string }];
    expect(before[0]).toBe('null');
    expect(before[1]['connect.name']).toBe(`${topic}.Value`);
    expect(valueSchema.fields.find((f) => f.name === 'after')!.type).toEqual(['null', `${topic}.Value`]);
    const source = valueSchema.fields.find((f) => f.name === 'source')!.type as { 'connect.name': string };
    expect(source['connect.name']).toBe('io.debezium.connector.postgresql.Source');
    const keySchema = JSON.parse((await client.getLatestSchemaMetadata(`${topic}-key`)).schema) as {
      'connect.name': string;
    };
    expect(keySchema['connect.name']).toBe(`${topic}.Key`);
  });
});
