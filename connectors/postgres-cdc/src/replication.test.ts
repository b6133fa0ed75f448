import { Duplex } from 'node:stream';
import { silentLogger } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { W } from '../test-support/pgoutput-wire.js';
import {
  type ReplicationConnection,
  ReplicationSlotError,
  ReplicationStream,
  translateStartError,
} from './replication.js';

/** A CopyBoth stand-in: frames pushed by the test, status updates captured. */
function fakeCopyBoth(): { duplex: Duplex; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const duplex = new Duplex({
    readableObjectMode: true,
    read() {},
    write(chunk: Buffer, _enc, cb) {
      writes.push(chunk);
      cb();
    },
  });
  return { duplex, writes };
}

const conn = { closed: false, close: async () => {} } as unknown as ReplicationConnection;
const status = (b: Buffer) => ({
  written: b.readBigUInt64BE(1),
  flushed: b.readBigUInt64BE(9),
  applied: b.readBigUInt64BE(17),
  reply: b[33],
});

describe('ReplicationStream', () => {
  it('answers keepalives that ask for a reply and reports only confirmed positions as flushed', async () => {
    const { duplex, writes } = fakeCopyBoth();
    const stream = new ReplicationStream(conn, duplex, silentLogger, 60_000, 0x500n, 0x400n);
    await stream.started();
    expect(status(writes[0]!)).toEqual({ written: 0x500n, flushed: 0x500n, applied: 0x500n, reply: 0 });

    duplex.push(new W().ch('k').u64(0x900n).u64(1n).u8(1).build());
    const f = await stream.next();
    expect(f).toMatchObject({ kind: 'keepalive', walEnd: 0x900n, replyRequested: true });
    expect(writes).toHaveLength(2);
    // Received is not flushed: the slot only moves with confirmFlushed().
    expect(status(writes[1]!).flushed).toBe(0x500n);
    expect(stream.serverWalEnd).toBe(0x900n);

    stream.markWritten(0x800n);
    stream.confirmFlushed(0x300n); // below what the slot already has: ignored, nothing sent
    expect(writes).toHaveLength(2);
    stream.confirmFlushed(0x700n);
    expect(status(writes[2]!)).toEqual({ written: 0x800n, flushed: 0x700n, applied: 0x700n, reply: 0 });
    stream.confirmFlushed(0x650n); // never backwards
    expect(writes).toHaveLength(3);

    duplex.push(new W().ch('w').u64(0x1000n).u64(0x1100n).u64(2n).raw(Buffer.from('B')).build());
    expect(await stream.next()).toMatchObject({ kind: 'xlogdata', dataStart: 0x1000n });
    duplex.push(null);
    expect(await stream.next()).toBeNull();
    await stream.close();
  });

  it('surfaces the server error that refused START_REPLICATION', async () => {
    const { duplex } = fakeCopyBoth();
    const d = duplex as Duplex & { _write: Duplex['_write'] };
    d._write = (_chunk, _enc, cb) =>
      cb(Object.assign(new Error('replication slot "s" is active for PID 42'), { code: '55006' }));
    const stream = new ReplicationStream(conn, duplex, silentLogger, 60_000, 0n, 0n);
    await expect(stream.started()).rejects.toThrow(/is active for PID 42/);
  });
});

describe('START_REPLICATION errors', () => {
  const pgError = (message: string, code: string) => Object.assign(new Error(message), { code });

  it('explains a slot in use, a missing slot and an invalidated slot', () => {
    const inUse = translateStartError(pgError('replication slot "s1" is active for PID 4242', '55006'), 's1');
    expect(inUse).toBeInstanceOf(ReplicationSlotError);
    expect(inUse.message).toBe(
      'Replication slot "s1" is in use by the walsender with PID 4242: another connector or client is streaming from it. Stop that consumer, or give this connector its own slot.name.',
    );
    expect(translateStartError(pgError('replication slot "s1" does not exist', '42704'), 's1').message).toMatch(
      /does not exist/,
    );
    const lost = translateStartError(pgError('can no longer get changes from replication slot "s1"', '55000'), 's1');
    expect(lost.message).toMatch(/was invalidated: the WAL it needs has been removed/);
    expect(lost.message).toMatch(/snapshot.mode=when_needed/);
    const other = new Error('boom');
    expect(translateStartError(other, 's1')).toBe(other);
  });
});
