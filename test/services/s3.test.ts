import { randomBytes, randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { s3ClientOptions } from '../../packages/testkit/src/index.js';

describe('s3 (smoke)', () => {
  const services = inject('services');
  const s3 = new S3Client(s3ClientOptions(services));
  const bucket = `smoke-${randomUUID()}`;
  const key = 'topics/smoke/partition=0/smoke+0+0000000000.bin';

  afterAll(async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => {});
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
    s3.destroy();
  });

  it('creates a bucket, puts, lists and gets an object byte for byte', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const body = randomBytes(64 * 1024 + 7);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }),
    );

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'topics/smoke/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([[key, body.length]]);

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await got.Body?.transformToByteArray();
    expect(bytes && Buffer.from(bytes).equals(body)).toBe(true);
  });
});
