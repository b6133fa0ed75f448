/**
 * JsonSchemaConverter and ProtobufConverter inside a real worker, on both sides: datagen → Kafka (JSON
 * Schema or Protobuf in Confluent's wire format) → S3 sink writing Parquet typed from the schema the
 * sink's converter read back from the registry. Every record on the topic is also decoded outside
 * the converters: by Confluent's JSON Schema deserializer (validating it), or with the `.proto` text
 * the registry holds.
 */
import { parseProto } from '@tributary/converters';
import type { RunningSchemaRegistry } from '@tributary/schema-registry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { duckQuery } from '../../connectors/s3-sink/src/testing/read-back.js';
import { eventually, readTopic, startTestWorker, stopTestWorkers, testWorkerProps, unique } from '../helpers.js';
import { createBucket, dropBucket, getBytes, listKeys, s3Service } from '../s3-sink/s3.js';
import { JsonDeserializer, SchemaRegistryClient, SerdeType } from './confluent.js';
import { type RegistryCluster, registryCluster } from './helpers.js';

afterEach(stopTestWorkers);

interface Order {
  orderid: number | string;
  itemid: string;
  orderunits: number;
  address: { city: string; state: string; zipcode: number | string };
}

const FORMATS = [
  {
    format: 'JSON',
    converter: 'io.confluent.connect.json.JsonSchemaConverter',
    decoder(registryUrl: string) {
      const client = new SchemaRegistryClient({ baseURLs: [registryUrl], maxRetries: 0 });
      // strict off: ajv (inside Confluent's serde) would otherwise refuse the connect.* annotations.
      const d = new JsonDeserializer(client, SerdeType.VALUE, { validate: true, ...{ strict: false } });
      return async (topic: string, bytes: Buffer): Promise<Order> => (await d.deserialize(topic, bytes)) as Order;
    },
  },
  {
    format: 'PROTOBUF',
    converter: 'io.confluent.connect.protobuf.ProtobufConverter',
    decoder(registryUrl: string) {
      const files = new Map<number, ReturnType<typeof parseProto>>();
      return async (_topic: string, bytes: Buffer): Promise<Order> => {
        const id = bytes.readInt32BE(1);
        let file = files.get(id);
        if (!file) {
          const { schema } = (await (await fetch(`${registryUrl}/schemas/ids/${id}`)).json()) as { schema: string };
          file = parseProto(schema);
          files.set(id, file);
        }
        expect(bytes[5]).toBe(0);
        const type = file.messages[0]!;
        return type.toObject(type.decode(bytes.subarray(6)), { longs: String }) as Order;
      };
    },
  },
] as const;

describe('JSON Schema and Protobuf converters in a worker', () => {
  let cluster: RegistryCluster;
  let registry: RunningSchemaRegistry;
  const s3 = s3Service();
  const buckets: string[] = [];

  beforeAll(async () => {
    cluster = registryCluster('formats-pipeline');
    registry = await cluster.start();
    await cluster.writerElected();
  });

  afterAll(async () => {
    for (const b of buckets) await dropBucket(s3.client, b);
    s3.client.destroy();
    await cluster?.close();
  });

  for (const f of FORMATS) {
    it(`datagen → ${f.format} in Kafka → S3 Parquet with columns typed from the registry's schema`, async () => {
      const name = unique(`${f.format.toLowerCase()}pipe`);
      const topic = `${name}-orders`;
      const N = 500;
      const bucket = await createBucket(s3.client, `${f.format.toLowerCase()}pipe`);
      buckets.push(bucket);
      const rt = await startTestWorker(
        testWorkerProps(name, { 'value.converter': f.converter, 'value.converter.schema.registry.url': registry.url }),
      );
      await rt.herder.putConnectorConfig(
        `${name}-gen`,
        {
          'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
          'kafka.topic': topic,
          quickstart: 'orders',
          iterations: String(N),
          'max.interval': '0',
        },
        { allowReplace: false },
      );
      await rt.herder.putConnectorConfig(
        `${name}-s3`,
        {
          'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
          topics: topic,
          ...s3.connectorProps(bucket),
          'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
          'flush.size': String(N / 2),
        },
        { allowReplace: false },
      );

      const records = await readTopic(topic, N, 60_000);
      const ids = new Set<string>();
      const decode = f.decoder(registry.url);
      for (const m of records) {
        const v = await decode(topic, m.value!);
        expect(typeof v.itemid).toBe('string');
        expect(typeof v.orderunits).toBe('number');
        expect(typeof v.address.city).toBe('string');
        ids.add(String(v.orderid));
      }
      expect(ids.size).toBe(N);
      const latest = (await (await fetch(`${registry.url}/subjects/${topic}-value/versions/latest`)).json()) as {
        version: number;
        schemaType: string;
      };
      expect(latest).toMatchObject({ version: 1, schemaType: f.format });

      const keys = await eventually(
        async () => {
          const k = await listKeys(s3.client, bucket);
          return k.length >= 2 ? k : undefined;
        },
        { timeoutMs: 60_000, what: 'two Parquet objects' },
      );
      const file = await getBytes(s3.client, bucket, keys[0]!);
      const columns = await duckQuery(
        file,
        'select column_name, column_type from (describe select * from read_parquet({file}))',
      );
      expect(Object.fromEntries(columns.map((c) => [c.column_name, c.column_type]))).toEqual({
        ordertime: 'BIGINT',
        orderid: 'INTEGER',
        itemid: 'VARCHAR',
        orderunits: 'DOUBLE',
        address: 'STRUCT(city VARCHAR, state VARCHAR, zipcode BIGINT)',
      });
      const rows = await duckQuery(
        file,
        'select count(*)::INT as n, min(orderid)::INT as lo from read_parquet({file})',
      );
      expect(rows[0]).toEqual({ n: N / 2, lo: 0 });
    });
  }
});
