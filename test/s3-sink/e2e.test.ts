import type { ConnectRuntime } from '@tributary/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { duckQuery } from '../../connectors/s3-sink/test-support/read-back.js';
import { eventually, unique } from '../helpers.js';
import { freePort } from '../worker-process.js';
import { committedOffsets, createTopic, orderFor, produceOrders, startWorker, workerProps } from './pipeline.js';
import { getBytes, listKeys, s3Suite } from './s3.js';

const running: ConnectRuntime[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

describe('S3 sink through a worker, Kafka and S3Proxy', () => {
  const s3 = s3Suite();

  async function setup(prefix: string, partitions: number) {
    const name = unique(prefix);
    const topic = `${name}-orders`;
    await createTopic(topic, partitions);
    const bucket = await s3.bucket(prefix);
    const rt = await startWorker(workerProps(name, await freePort()));
    running.push(rt);
    return { name, topic, bucket, rt };
  }

  it('100 000 records across 4 partitions land as Parquet objects at the expected keys, each record once with its value', async () => {
    const { topic, bucket, rt } = await setup('s3e2e', 4);
    await produceOrders(topic, 0, 100_000, { partitions: 4 });
    await rt.herder.putConnectorConfig(
      's3',
      {
        'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
        'tasks.max': '2',
        topics: topic,
        ...s3.connectorProps(bucket),
        'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
        'flush.size': '5000',
      },
      { allowReplace: false },
    );
    const expected = [0, 1, 2, 3].flatMap((p) =>
      [0, 5000, 10_000, 15_000, 20_000].map(
        (o) => `topics/${topic}/partition=${p}/${topic}+${p}+${String(o).padStart(10, '0')}.snappy.parquet`,
      ),
    );
    await eventually(async () => (await listKeys(s3.client, bucket)).length >= expected.length, {
      timeoutMs: 120_000,
      what: '20 objects',
    });
    expect(await listKeys(s3.client, bucket)).toEqual(expected.sort());

    const seen = new Uint8Array(100_000);
    for (const key of expected) {
      const p = Number(/partition=(\d)/.exec(key)![1]);
      const rows = await duckQuery(
        await getBytes(s3.client, bucket, key),
        `select id::BIGINT as id, customer, amount, note, tags, address, epoch_ms(created)::BIGINT as created from read_parquet({file})`,
      );
      expect(rows).toHaveLength(5000);
      for (const r of rows) {
        const id = Number(r.id);
        expect(id % 4).toBe(p);
        seen[id]!++;
        const o = orderFor(id);
        expect({ ...r, id, created: Number(r.created) }).toEqual({
          ...o,
          address: { city: o.address.city, zip: o.address.zip },
        });
      }
    }
    expect(seen.every((n) => n === 1)).toBe(true);
    await eventually(async () => [...(await committedOffsets('s3', topic)).values()].every((o) => o === 25_000), {
      what: 'offsets committed past the last file',
      timeoutMs: 30_000,
    });
  });

  it('record timestamps over 3 hours land in 3 hourly paths; an idle partition rotates by rotate.idle.ms', async () => {
    const { topic, bucket, rt } = await setup('s3hourly', 2);
    const t0 = Date.UTC(2024, 4, 1, 10, 0);
    // 360 records per partition, 30 s apart: 10:00:00 to 12:59:30. flush.size is never reached, so
    // only the idle timer can commit them, once the partitions stop receiving records.
    await produceOrders(topic, 0, 720, { partitions: 2, timestampOf: (id) => t0 + Math.floor(id / 2) * 30_000 });
    await rt.herder.putConnectorConfig(
      'hourly',
      {
        'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
        topics: topic,
        ...s3.connectorProps(bucket),
        'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
        'partitioner.class': 'io.confluent.connect.storage.partitioner.HourlyPartitioner',
        locale: 'en-US',
        timezone: 'UTC',
        'timestamp.extractor': 'Record',
        'flush.size': '100000',
        'rotate.idle.ms': '3000',
      },
      { allowReplace: false },
    );
    // The idle rotation makes the offsets committable; the objects are read once they are committed, so
    // none can still be replaced by a task attempt that began before the commit (a CI run once listed a
    // key that was gone when it was read).
    await eventually(
      async () => {
        const c = await committedOffsets('hourly', topic);
        return c.get(0) === 360 && c.get(1) === 360;
      },
      { what: 'offsets committed after the idle rotation', timeoutMs: 60_000 },
    );
    const keys = await listKeys(s3.client, bucket);
    const dirs = [...new Set(keys.map((k) => k.slice(0, k.lastIndexOf('/'))))];
    expect(dirs).toEqual(['10', '11', '12'].map((h) => `topics/${topic}/year=2024/month=05/day=01/hour=${h}`));
    expect(keys).toHaveLength(6);
    let total = 0;
    for (const key of keys) {
      const rows = await duckQuery(
        await getBytes(s3.client, bucket, key),
        'select count(*)::INT as n from read_parquet({file})',
      );
      total += Number(rows[0]!.n);
    }
    expect(total).toBe(720);
  });
});
