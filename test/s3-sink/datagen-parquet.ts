/** The datagen → Kafka → S3 Parquet pipeline the registry converter tests run in a worker: its suite's registry and buckets, the connectors, the first object read back. */
import type { ConnectRuntime } from '@tributary/runtime';
import type { RunningSchemaRegistry } from '@tributary/schema-registry';
import { afterAll, beforeAll } from 'vitest';
import { duckQuery } from '../../connectors/s3-sink/test-support/read-back.js';
import { datagenOrders, eventually } from '../helpers.js';
import { type RegistryCluster, registryCluster } from '../schema-registry/helpers.js';
import { getBytes, listKeys, type S3Service, type S3Suite, s3Suite } from './s3.js';

export interface PipelineSuite {
  s3: S3Suite;
  /** The suite's registry, once beforeAll has started it. */
  readonly registry: RunningSchemaRegistry;
}

/**
 * Call inside a describe: a registry cluster of the suite's own (its `_schemas` topic named after `name`) that
 * has elected its writer before the first test, and S3 buckets that go once the suite is done.
 */
export function pipelineSuite(name: string): PipelineSuite {
  let cluster: RegistryCluster | undefined;
  let registry: RunningSchemaRegistry | undefined;
  const s3 = s3Suite();

  beforeAll(async () => {
    cluster = registryCluster(name);
    registry = await cluster.start();
    await cluster.writerElected();
  });

  afterAll(async () => {
    await cluster?.close();
  });

  return {
    s3,
    get registry(): RunningSchemaRegistry {
      if (!registry) throw new Error(`the registry of suite ${name} starts in beforeAll`);
      return registry;
    },
  };
}

/**
 * The Parquet columns datagen's orders quickstart becomes when the sink types them from a registry schema:
 * the same for Avro, JSON Schema and Protobuf, which is what those tests show.
 */
export const ORDERS_PARQUET_COLUMNS = {
  ordertime: 'BIGINT',
  orderid: 'INTEGER',
  itemid: 'VARCHAR',
  orderunits: 'DOUBLE',
  address: 'STRUCT(city VARCHAR, state VARCHAR, zipcode BIGINT)',
};

/**
 * `<name>-gen` writes `records` orders to `topic` with the worker's converters, and `<name>-s3` sinks them to
 * `bucket` as Parquet in two objects of half each, so a test sees the sink read back what the source wrote.
 */
export async function putDatagenToParquet(
  rt: ConnectRuntime,
  s3: S3Service,
  opts: { name: string; topic: string; bucket: string; records: number },
): Promise<void> {
  await rt.herder.putConnectorConfig(`${opts.name}-gen`, datagenOrders(opts.topic, opts.records), {
    allowReplace: false,
  });
  await rt.herder.putConnectorConfig(
    `${opts.name}-s3`,
    {
      'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
      topics: opts.topic,
      ...s3.connectorProps(opts.bucket),
      'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
      'flush.size': String(opts.records / 2),
    },
    { allowReplace: false },
  );
}

/** Waits for the sink's two objects and returns the first one's bytes and its columns' DuckDB types by name. */
export async function firstParquetObject(
  s3: S3Service,
  bucket: string,
): Promise<{ file: Uint8Array; columns: Record<string, unknown> }> {
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
  return { file, columns: Object.fromEntries(columns.map((c) => [c.column_name, c.column_type])) };
}
