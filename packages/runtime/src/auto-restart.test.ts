import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AutoRestarts, autoRestartPolicy, backoffDelayMs } from './auto-restart.js';

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => silent } as never;

describe('autoRestartPolicy', () => {
  it('is on by default with 1 s doubling to 60 s and no attempt limit', () => {
    expect(autoRestartPolicy({ 'connector.class': 'X' })).toEqual({
      enabled: true,
      initialDelayMs: 1000,
      maxDelayMs: 60000,
      maxAttempts: -1,
    });
  });
  it('reads the connector keys, and false is off (Kafka Connect)', () => {
    expect(autoRestartPolicy({ 'auto.restart.enable': 'false' }).enabled).toBe(false);
    expect(
      autoRestartPolicy({
        'auto.restart.initial.delay.ms': '200',
        'auto.restart.max.delay.ms': '5000',
        'auto.restart.max.attempts': '3',
      }),
    ).toEqual({ enabled: true, initialDelayMs: 200, maxDelayMs: 5000, maxAttempts: 3 });
  });
});

describe('backoffDelayMs', () => {
  const policy = { enabled: true, initialDelayMs: 1000, maxDelayMs: 8000, maxAttempts: -1 };
  it('doubles per attempt up to the maximum, with half of each delay random', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelayMs(policy, n, () => 1))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    expect([0, 1, 2, 3, 4].map((n) => backoffDelayMs(policy, n, () => 0))).toEqual([500, 1000, 2000, 4000, 4000]);
  });
});

describe('AutoRestarts', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('schedules a restart after a failure and keeps the last failure after the restart', () => {
    const due: unknown[] = [];
    const r = new AutoRestarts({ onDue: (t) => due.push(t), logger: silent, random: () => 1 });
    const policy = autoRestartPolicy({ 'auto.restart.initial.delay.ms': '100' });
    const target = { connector: 'c', task: 0 };
    const rec = r.failed(target, 'Error: boom', policy);
    expect(rec).toMatchObject({ restarts: 0, last_failure: 'Error: boom', gave_up: false });
    expect(rec?.next_attempt_at).toBeTypeOf('number');
    vi.advanceTimersByTime(99);
    expect(due).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(due).toEqual([target]);
    r.running(target);
    expect(r.record(target)).toMatchObject({ restarts: 1, last_failure: 'Error: boom', next_attempt_at: null });
    // The second failure in a row waits twice as long.
    r.failed(target, 'Error: again', policy);
    vi.advanceTimersByTime(199);
    expect(due).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(due).toHaveLength(2);
    expect(r.restartsTotal).toBe(2);
  });

  it('gives up after max attempts in a row and stays failed', () => {
    const due: unknown[] = [];
    const r = new AutoRestarts({ onDue: (t) => due.push(t), logger: silent, random: () => 1 });
    const policy = autoRestartPolicy({ 'auto.restart.initial.delay.ms': '10', 'auto.restart.max.attempts': '2' });
    const target = { connector: 'c', task: null };
    for (let i = 0; i < 2; i++) {
      r.failed(target, 'x', policy);
      vi.advanceTimersByTime(1000);
    }
    expect(due).toHaveLength(2);
    expect(r.failed(target, 'x', policy)).toMatchObject({ gave_up: true, next_attempt_at: null, restarts: 2 });
    vi.advanceTimersByTime(10_000);
    expect(due).toHaveLength(2);
  });

  it('starts the backoff over once the target stayed up for the longest delay', () => {
    const due: unknown[] = [];
    let now = 0;
    const r = new AutoRestarts({ onDue: (t) => due.push(t), logger: silent, random: () => 1, now: () => now });
    const policy = autoRestartPolicy({ 'auto.restart.initial.delay.ms': '100', 'auto.restart.max.delay.ms': '1000' });
    const t = { connector: 'c', task: 1 };
    r.failed(t, 'x', policy);
    vi.advanceTimersByTime(100);
    r.running(t);
    now = 5000;
    expect(r.failed(t, 'x', policy)?.next_attempt_at).toBe(5100);
  });

  it('does nothing and forgets history when auto restart is off; cancel stops a scheduled restart', () => {
    const due: unknown[] = [];
    const r = new AutoRestarts({ onDue: (t) => due.push(t), logger: silent });
    const t = { connector: 'c', task: 0 };
    expect(r.failed(t, 'x', autoRestartPolicy({ 'auto.restart.enable': 'false' }))).toBeUndefined();
    expect(r.record(t)).toBeUndefined();
    r.failed(t, 'x', autoRestartPolicy({}));
    r.cancel(t);
    vi.advanceTimersByTime(120_000);
    expect(due).toEqual([]);
  });
});
