import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

/** Kafka bootstrap servers from the global setup (or KAFKA_BOOTSTRAP_SERVERS when run by hand). */
export function kafkaBootstrap(): string[] {
  const fromEnv = process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (fromEnv) return fromEnv.split(',');
  return [inject('services').kafka.bootstrap];
}

/** A name no other test (or earlier run) uses: topics, groups and connectors stay isolated. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}
