/**
 * JsonSchemaConverter and ProtobufConverter inside a real worker, on both sides: datagen → Kafka (JSON
 * Schema or Protobuf in Confluent's wire format) → S3 sink writing Parquet typed from the schema the
 * sink's converter read back from the registry. Every record on the topic is also decoded outside
 * the converters: by Confluent's JSON Schema deserializer (validating it), or with the `.proto` text
 * the registry holds.
 */
import { parseProto } from '@tributary/converters';
import { afterEach, describe, expect, it } from 'vitest';
import { duckQuery } from '../../connectors/s3-sink/test-support/read-back.js';
import { readTopic, startTestWorker, stopTestWorkers, testWorkerProps, unique } from '../helpers.js';
import {
  firstParquetObject,
  ORDERS_PARQUET_COLUMNS,
  pipelineSuite,
  putDatagenToParquet,
} from '../s3-sink/datagen-parquet.js';
import { JsonDeserializer, SchemaRegistryClient, SerdeType } from './confluent.js';

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
  const suite = pipelineSuite('formats-pipeline');
  const { s3 } = suite;

  for (const f of FORMATS) {
    it(`datagen → ${f.format} in Kafka → S3 Parquet with columns typed from the registry's schema`, async () => {
      const name = unique(`${f.format.toLowerCase()}pipe`);
      const topic = `${name}-orders`;
      const N = 500;
      const bucket = await s3.bucket(`${f.format.toLowerCase()}pipe`);
      const rt = await startTestWorker(
        testWorkerProps(name, {
          'value.converter': f.converter,
          'value.converter.schema.registry.url': suite.registry.url,
        }),
      );
      await putDatagenToParquet(rt, s3, { name, topic, bucket, records: N });

      const records = await readTopic(topic, N, 60_000);
      const ids = new Set<string>();
      const decode = f.decoder(suite.registry.url);
      for (const m of records) {
        const v = await decode(topic, m.value!);
        expect(typeof v.itemid).toBe('string');
        expect(typeof v.orderunits).toBe('number');
        expect(typeof v.address.city).toBe('string');
        ids.add(String(v.orderid));
      }
      expect(ids.size).toBe(N);
      const latest = (await (await fetch(`${suite.registry.url}/subjects/${topic}-value/versions/latest`)).json()) as {
        version: number;
        schemaType: string;
      };
      expect(latest).toMatchObject({ version: 1, schemaType: f.format });

      const { file, columns } = await firstParquetObject(s3, bucket);
      expect(columns).toEqual(ORDERS_PARQUET_COLUMNS);
      const rows = await duckQuery(
        file,
        'select count(*)::INT as n, min(orderid)::INT as lo from read_parquet({file})',
      );
      expect(rows[0]).toEqual({ n: N / 2, lo: 0 });
    });
  }
});
