import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';

describe('redis (smoke)', () => {
  const services = inject('services');
  const redis = new Redis(services.redis.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const key = `smoke:${randomUUID()}`;

  afterAll(async () => {
    await redis.del(key).catch(() => {});
    redis.disconnect();
  });

  it('round-trips a key', async () => {
    await redis.connect();
    const value = `value-${randomUUID()}`;
    expect(await redis.set(key, value, 'EX', 60)).toBe('OK');
    expect(await redis.get(key)).toBe(value);
    expect(await redis.ttl(key)).toBeGreaterThan(0);
  });
});
