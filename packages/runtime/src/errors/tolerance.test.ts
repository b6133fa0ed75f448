import { NotReadyException, RetriableException } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { RetryWithToleranceOperator, type ToleranceConfig, ToleranceExceededError } from './tolerance.js';

const cfg = (timeout: number): ToleranceConfig => ({
  'errors.retry.timeout': timeout,
  'errors.retry.delay.max.ms': 20,
  'errors.tolerance': 'none',
  'errors.log.enable': false,
  'errors.log.include.messages': false,
});

describe('RetryWithToleranceOperator and NotReadyException', () => {
  it('awaits what a stage is waiting for and runs it again, without counting a failure', async () => {
    const op = new RetryWithToleranceOperator(cfg(0), []);
    let ready = false;
    const r = await op.execute('VALUE_CONVERTER', 'C', () => {
      if (!ready)
        throw new NotReadyException(
          'lookup',
          Promise.resolve().then(() => {
            ready = true;
          }),
        );
      return 42;
    });
    expect(r).toEqual({ ok: true, value: 42 });
    expect(op.counters.totalRecordFailures).toBe(0);
    expect(op.counters.totalRetries).toBe(0);
  });

  it('treats a failed wait as the stage error: retried while retriable within errors.retry.timeout, then fails', async () => {
    const op = new RetryWithToleranceOperator(cfg(200), []);
    let calls = 0;
    const started = Date.now();
    const run = op.execute('VALUE_CONVERTER', 'C', () => {
      calls++;
      throw new NotReadyException('lookup', Promise.reject(new RetriableException('registry at http://r:8081 down')));
    });
    const err = await Promise.resolve(run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToleranceExceededError);
    // The trace a task fails with carries the cause: the registry's URL.
    expect(((err as Error).cause as Error).message).toContain('http://r:8081');
    expect(calls).toBeGreaterThan(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});
