import { describe, expect, it } from 'vitest';
import { SubmittedRecords } from './submitted-records.js';

const file = { filename: 'a.txt' };
const other = { filename: 'b.txt' };

describe('SubmittedRecords', () => {
  it('commits up to the last record before the first unacknowledged one, per source partition', () => {
    const s = new SubmittedRecords();
    const r = [1, 2, 3, 4].map((p) => s.submit(file, { position: p }));
    const o = s.submit(other, { position: 10 });
    expect(s.pending).toBe(5);
    s.ack(r[1]!);
    s.ack(r[3]!);
    // r[0] is in flight: nothing of a.txt may be committed, however much after it is acknowledged.
    expect(s.committable()).toEqual([]);
    s.ack(o);
    expect(s.committable()).toEqual([{ partition: other, offset: { position: 10 } }]);
    s.ack(r[0]!);
    expect(s.committable()).toEqual([{ partition: file, offset: { position: 2 } }]);
    // Handed out once: the next call has nothing new.
    expect(s.committable()).toEqual([]);
    s.ack(r[2]!);
    expect(s.committable()).toEqual([{ partition: file, offset: { position: 4 } }]);
    expect(s.pending).toBe(0);
  });

  it('keeps the last offset when acknowledged records carry none, and ignores records without a partition', () => {
    const s = new SubmittedRecords();
    const a = s.submit(file, { position: 1 });
    const b = s.submit(file, null);
    const loose = s.submit(null, null);
    s.ack(a);
    s.ack(b);
    s.ack(loose);
    s.ack(loose);
    expect(s.pending).toBe(0);
    expect(s.committable()).toEqual([{ partition: file, offset: { position: 1 } }]);
  });

  it('counts the bytes of unacknowledged records', () => {
    const s = new SubmittedRecords();
    const a = s.submit(file, { position: 1 });
    const b = s.submit(file, { position: 2 });
    s.setBytes(a, 100);
    s.setBytes(b, 50);
    expect(s.pendingBytes).toBe(150);
    s.ack(a);
    expect(s.pendingBytes).toBe(50);
    s.ack(b);
    s.setBytes(b, 70);
    expect(s.pendingBytes).toBe(0);
  });

  it('drops acknowledged records as they are acknowledged, not at the next offset flush', () => {
    const s = new SubmittedRecords();
    // A million records between two flushes: memory follows what is in flight.
    for (let i = 0; i < 1_000_000; i++) s.ack(s.submit(file, { position: i }));
    const inFlight = Array.from({ length: 3 }, (_, i) => s.submit(file, { position: 1_000_000 + i }));
    expect(s.pending).toBe(3);
    expect(s.held).toBe(3);
    expect(s.committable()).toEqual([{ partition: file, offset: { position: 999_999 } }]);
    for (const r of inFlight.reverse()) s.ack(r);
    expect(s.committable()).toEqual([{ partition: file, offset: { position: 1_000_002 } }]);
  });
});
