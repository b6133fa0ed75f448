/**
 * The AvroConverter inside a real worker: datagen → Kafka (Avro, Confluent wire format) → S3 sink
 * writing Parquet typed from the Avro schema, with every record also read back by Confluent's
 * deserializer; and a registry that cannot be reached while a task runs, which the task meets
 * with errors.* (retries within errors.retry.timeout, then FAILED with a trace naming the URL).
 */
import type { ConnectRuntime } from '@tributary/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { duckQuery } from '../../connectors/s3-sink/test-support/read-back.js';
import {
  datagenOrders,
  eventually,
  readTopic,
  startTestWorker,
  stopTestWorkers,
  testWorkerProps,
  unique,
} from '../helpers.js';
import {
  firstParquetObject,
  ORDERS_PARQUET_COLUMNS,
  pipelineSuite,
  putDatagenToParquet,
} from '../s3-sink/datagen-parquet.js';
import { AvroDeserializer, SchemaRegistryClient, SerdeType } from './confluent.js';

afterEach(stopTestWorkers);

function avroWorker(name: string, registryUrl: string, extra: Record<string, string> = {}): Promise<ConnectRuntime> {
  return startTestWorker(
    testWorkerProps(name, {
      'value.converter': 'io.confluent.connect.avro.AvroConverter',
      'value.converter.schema.registry.url': registryUrl,
      ...extra,
    }),
  );
}

describe('AvroConverter in a worker', () => {
  const suite = pipelineSuite('pipeline');
  const { s3 } = suite;

  it('datagen → Avro in Kafka → S3 Parquet with columns typed from the schema; Confluent reads every record', async () => {
    const name = unique('avropipe');
    const topic = `${name}-orders`;
    const N = 2000;
    const bucket = await s3.bucket('avropipe');
    const rt = await avroWorker(name, suite.registry.url);
    await putDatagenToParquet(rt, s3, { name, topic, bucket, records: N });

    const records = await readTopic(topic, N, 60_000);
    const client = new SchemaRegistryClient({ baseURLs: [suite.registry.url], maxRetries: 0 });
    const deserializer = new AvroDeserializer(client, SerdeType.VALUE, {});
    const ids = new Set<number>();
    for (const m of records) {
      expect(m.value![0]).toBe(0);
      const v = (await deserializer.deserialize(topic, m.value!)) as {
        orderid: number;
        itemid: string;
        orderunits: number;
        address: { city: string; state: string; zipcode: number };
      };
      expect(typeof v.itemid).toBe('string');
      expect(typeof v.orderunits).toBe('number');
      expect(typeof v.address.zipcode).toBe('number');
      ids.add(v.orderid);
    }
    expect(ids.size).toBe(N);
    // One schema for all of them, registered under TopicNameStrategy, keeping datagen's record name.
    expect(await client.getAllVersions(`${topic}-value`)).toEqual([1]);
    const registered = JSON.parse((await client.getLatestSchemaMetadata(`${topic}-value`)).schema) as {
      name: string;
      namespace: string;
    };
    expect(`${registered.namespace}.${registered.name}`).toBe('ksql.orders');

    const { file, columns } = await firstParquetObject(s3, bucket);
    expect(columns).toEqual(ORDERS_PARQUET_COLUMNS);
    const rows = await duckQuery(file, 'select count(*)::INT as n, min(orderid)::INT as lo from read_parquet({file})');
    expect(rows[0]).toEqual({ n: N / 2, lo: 0 });
  });

  it('a registry nobody answers at: the task retries within errors.retry.timeout, then fails with a trace naming the URL', async () => {
    const name = unique('avrodown');
    const topic = `${name}-orders`;
    const deadUrl = 'http://127.0.0.1:9';
    const rt = await avroWorker(name, deadUrl, {
      'value.converter.schema.registry.request.timeout.ms': '1000',
    });
    const connector = `${name}-gen`;
    const started = Date.now();
    await rt.herder.putConnectorConfig(
      connector,
      datagenOrders(topic, 10, { 'errors.retry.timeout': '3000', 'errors.retry.delay.max.ms': '500' }),
      { allowReplace: false },
    );
    const failed = await eventually(
      async () => {
        const s = await rt.herder.connectorStatus(connector).catch(() => null);
        const task = s?.tasks[0];
        return task?.state === 'FAILED' ? task : undefined;
      },
      { timeoutMs: 60_000, what: 'the task to fail' },
    );
    // It kept trying for errors.retry.timeout before giving up.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(failed.trace).toContain(deadUrl);
    expect(failed.trace).toContain('Schema registry unavailable');
  });
});
