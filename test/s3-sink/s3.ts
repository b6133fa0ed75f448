import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, inject } from 'vitest';
import { s3ClientOptions } from '../../packages/testkit/src/index.js';

/** S3Proxy from the global setup: a client and the connector keys that point at it. */
export function s3Service() {
  const services = inject('services');
  const client = new S3Client(s3ClientOptions(services));
  const connectorProps = (bucket: string): Record<string, string> => ({
    'store.url': services.s3.endpoint,
    's3.region': 'us-east-1',
    's3.bucket.name': bucket,
    'aws.access.key.id': services.s3.accessKeyId,
    'aws.secret.access.key': services.s3.secretAccessKey,
  });
  return { client, connectorProps, endpoint: services.s3.endpoint };
}

export type S3Service = ReturnType<typeof s3Service>;

export interface S3Suite extends S3Service {
  /** A new bucket, dropped with the suite's others once the suite is done. */
  bucket(prefix: string): Promise<string>;
}

/** Call inside a describe: S3Proxy's client and connector keys, and buckets that go (with the client) after the suite. */
export function s3Suite(): S3Suite {
  const s3 = s3Service();
  const buckets: string[] = [];
  afterAll(async () => {
    for (const b of buckets) await dropBucket(s3.client, b);
    s3.client.destroy();
  });
  return {
    ...s3,
    async bucket(prefix) {
      const bucket = await createBucket(s3.client, prefix);
      buckets.push(bucket);
      return bucket;
    },
  };
}

export async function createBucket(client: S3Client, prefix: string): Promise<string> {
  const bucket = `${prefix}-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

export async function listKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const r = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const o of r.Contents ?? []) if (o.Key) out.push(o.Key);
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return out.sort();
}

export async function getBytes(client: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return r.Body!.transformToByteArray();
}

export async function head(client: S3Client, bucket: string, key: string) {
  return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}

export async function dropBucket(client: S3Client, bucket: string): Promise<void> {
  for (const key of await listKeys(client, bucket).catch(() => [])) {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
}
