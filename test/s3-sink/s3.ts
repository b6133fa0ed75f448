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
import { inject } from 'vitest';
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
