import { randomBytes } from 'node:crypto';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { Schema, SchemaBuilder, SinkRecord, Struct } from '@tributary/api';
import { S3SinkTask } from '@tributary/connector-s3-sink';
import { describe, expect, it } from 'vitest';
import { duckQuery } from '../../connectors/s3-sink/test-support/read-back.js';
import { ConnectorTestDriver } from '../../packages/testkit/src/index.js';
import { getBytes, head, listKeys, s3Suite } from './s3.js';

const TOPIC = 'payments';
const SCHEMA = SchemaBuilder.struct()
  .name('Payment')
  .field('id', Schema.INT64_SCHEMA)
  .field('payload', Schema.STRING_SCHEMA)
  .field('amount', Schema.FLOAT64_SCHEMA)
  .build();

function payment(partition: number, offset: number, payload = `p-${offset}`): SinkRecord {
  return new SinkRecord({
    topic: TOPIC,
    kafkaPartition: partition,
    kafkaOffset: offset,
    valueSchema: SCHEMA,
    value: new Struct(SCHEMA)
      .put('id', partition * 1_000_000 + offset)
      .put('payload', payload)
      .put('amount', offset / 4),
    timestamp: Date.UTC(2024, 0, 1) + offset,
  });
}

describe('S3SinkTask against S3Proxy', () => {
  const s3 = s3Suite();

  async function sink(bucket: string, extra: Record<string, string>, partitions = [0]) {
    return ConnectorTestDriver.sinkTask(
      S3SinkTask,
      {
        ...s3.connectorProps(bucket),
        'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
        'flush.size': '100',
        ...extra,
      },
      { assignment: partitions.map((partition) => ({ topic: TOPIC, partition })) },
    );
  }

  it.each(['snappy', 'zstd'])(
    'writes %s Parquet objects at the Confluent keys that DuckDB reads back',
    async (codec) => {
      const bucket = await s3.bucket('sink-parquet');
      const d = await sink(bucket, { 'parquet.codec': codec }, [0, 1]);
      for (const p of [0, 1]) await d.put(Array.from({ length: 250 }, (_, i) => payment(p, i)));
      expect(await d.commitOffsets()).toEqual([
        { topic: TOPIC, partition: 0, offset: 200 },
        { topic: TOPIC, partition: 1, offset: 200 },
      ]);
      await d.stop();
      const ext = codec === 'snappy' ? '.snappy.parquet' : '.zstd.parquet';
      const keys = await listKeys(s3.client, bucket);
      expect(keys).toEqual(
        [0, 1].flatMap((p) =>
          [0, 100].map((o) => `topics/${TOPIC}/partition=${p}/${TOPIC}+${p}+${String(o).padStart(10, '0')}${ext}`),
        ),
      );
      const rows = await duckQuery(
        await getBytes(s3.client, bucket, keys[3]!),
        'select id, payload, amount from read_parquet({file}) order by id',
      );
      expect(rows).toHaveLength(100);
      expect(rows[0]).toEqual({ id: '1000100', payload: 'p-100', amount: 25 });
      const meta = (await head(s3.client, bucket, keys[3]!)).Metadata ?? {};
      expect(meta).toMatchObject({
        'tributary-start-offset': '100',
        'tributary-end-offset': '199',
        'tributary-record-count': '100',
      });
    },
  );

  it('a replay from an older offset keeps the objects already there (If-None-Match) and changes no byte', async () => {
    const bucket = await s3.bucket('sink-replay');
    const first = await sink(bucket, {});
    await first.put(Array.from({ length: 300 }, (_, i) => payment(0, i)));
    await first.stop();
    const keys = await listKeys(s3.client, bucket);
    const before = await Promise.all(keys.map((k) => getBytes(s3.client, bucket, k)));

    for (const mode of ['auto', 'disabled']) {
      const again = await sink(bucket, { 's3.conditional.writes': mode });
      await again.put(Array.from({ length: 300 }, (_, i) => payment(0, i)));
      const w = again.task.writerFor(TOPIC, 0)!;
      expect(w.stats).toMatchObject({ filesWritten: 0, filesKept: 3, filesReplaced: 0, orphansDeleted: 0 });
      await again.stop();
    }
    expect(await listKeys(s3.client, bucket)).toEqual(keys);
    const after = await Promise.all(keys.map((k) => getBytes(s3.client, bucket, k)));
    for (const [i, b] of after.entries()) expect(Buffer.from(b).equals(Buffer.from(before[i]!))).toBe(true);
  });

  it('streams a file larger than s3.part.size as a multipart upload while it is written', async () => {
    const bucket = await s3.bucket('sink-multipart');
    const d = await sink(bucket, {
      'flush.size': '100000',
      's3.part.size': String(5 * 1024 * 1024),
      'parquet.codec': 'none',
      'parquet.row.group.bytes': String(1024 * 1024),
      'rotate.size.bytes': String(13 * 1024 * 1024),
    });
    // 16 000 records of 1 KB of random text: a ~13 MiB file, sent in 5 MiB parts.
    let offset = 0;
    for (let batch = 0; batch < 32; batch++) {
      await d.put(Array.from({ length: 500 }, () => payment(0, offset++, randomBytes(750).toString('base64'))));
      // Parts leave as they fill: the task never holds the whole file.
      expect(d.task.bufferedBytes).toBeLessThan(2 * 5 * 1024 * 1024 + 2 * 1024 * 1024);
    }
    const keys = await listKeys(s3.client, bucket);
    expect(keys).toHaveLength(1);
    const bytes = await getBytes(s3.client, bucket, keys[0]!);
    // rotate.size.bytes counts record bytes; the file is a little smaller but still three parts.
    expect(bytes.byteLength).toBeGreaterThan(10 * 1024 * 1024);
    expect((await head(s3.client, bucket, keys[0]!)).ETag).toMatch(/-\d+"?$/);
    const rows = await duckQuery(
      bytes,
      'select count(*)::INT as n, min(id)::INT as lo, max(id)::INT as hi from read_parquet({file})',
    );
    expect(rows[0]!.lo).toBe(0);
    expect(rows[0]!.n).toBe(Number(rows[0]!.hi) + 1);
    await d.stop();
  });

  it('aborts the incomplete multipart uploads an earlier owner of its partitions left', async () => {
    const bucket = await s3.bucket('sink-abort');
    const left = async (key: string) => {
      const r = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      await s3.client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: r.UploadId,
          PartNumber: 1,
          Body: Buffer.alloc(1024),
        }),
      );
    };
    await left(`topics/${TOPIC}/partition=0/${TOPIC}+0+0000000000.snappy.parquet`);
    await left(`topics/${TOPIC}/partition=1/${TOPIC}+1+0000000000.snappy.parquet`);
    const d = await sink(bucket, {}, [0]);
    const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect((uploads.Uploads ?? []).map((u) => u.Key)).toEqual([
      `topics/${TOPIC}/partition=1/${TOPIC}+1+0000000000.snappy.parquet`,
    ]);
    await d.stop();
  });
});
