import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn } from '../lsn.js';
import { parseReplicationFrame, standbyStatusUpdate } from './framing.js';
import { PgOutputDecodeError, PgOutputDecoder, UNCHANGED_TOAST } from './messages.js';
import { W } from '../../test-support/pgoutput-wire.js';

const text = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

describe('LSN', () => {
  it('round-trips the textual form and keeps 64-bit positions exact', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(formatLsn(parseLsn('FFFFFFFF/FFFFFFFF'))).toBe('FFFFFFFF/FFFFFFFF');
    expect(() => parseLsn('nope')).toThrow(/Not an LSN/);
  });
});

describe('pgoutput decoder', () => {
  it('decodes Begin and Commit', () => {
    const d = new PgOutputDecoder();
    const begin = d.decode(new W().ch('B').u64(0x1000n).u64(725_000_000_000_000n).u32(4242).build());
    expect(begin).toEqual({ tag: 'begin', finalLsn: 0x1000n, commitTime: 725_000_000_000_000n, xid: 4242 });
    const commit = d.decode(new W().ch('C').u8(0).u64(0x1000n).u64(0x1030n).u64(725_000_000_000_001n).build());
    expect(commit).toEqual({
      tag: 'commit',
      flags: 0,
      commitLsn: 0x1000n,
      endLsn: 0x1030n,
      commitTime: 725_000_000_000_001n,
    });
  });

  it('decodes a Relation with key flags and type modifiers', () => {
    const d = new PgOutputDecoder();
    const m = d.decode(
      new W()
        .ch('R')
        .u32(16384)
        .str('public')
        .str('orders')
        .ch('f')
        .i16(2)
        .u8(1)
        .str('id')
        .u32(23)
        .i32(-1)
        .u8(0)
        .str('price')
        .u32(1700)
        .i32(((10 << 16) | 2) + 4)
        .build(),
    );
    expect(m).toEqual({
      tag: 'relation',
      xid: null,
      relationOid: 16384,
      namespace: 'public',
      name: 'orders',
      replicaIdentity: 'f',
      columns: [
        { isKey: true, name: 'id', typeOid: 23, typmod: -1 },
        { isKey: false, name: 'price', typeOid: 1700, typmod: 655366 },
      ],
    });
  });

  it('decodes Type and Origin', () => {
    const d = new PgOutputDecoder();
    expect(d.decode(new W().ch('Y').u32(99001).str('public').str('mood').build())).toEqual({
      tag: 'type',
      xid: null,
      typeOid: 99001,
      namespace: 'public',
      name: 'mood',
    });
    expect(d.decode(new W().ch('O').u64(0xabcn).str('node_a').build())).toEqual({
      tag: 'origin',
      originLsn: 0xabcn,
      name: 'node_a',
    });
  });

  it('decodes Insert tuples with every column kind', () => {
    const d = new PgOutputDecoder();
    const m = d.decode(
      new W()
        .ch('I')
        .u32(16384)
        .ch('N')
        .i16(4)
        .text('42')
        .ch('n')
        .ch('u')
        .ch('b')
        .i32(2)
        .raw(Buffer.from([0xde, 0xad]))
        .build(),
    );
    if (m.tag !== 'insert') throw new Error(m.tag);
    expect(m.relationOid).toBe(16384);
    expect(text(m.newTuple.values[0])).toBe('42');
    expect(m.newTuple.values[1]).toBeNull();
    expect(m.newTuple.values[2]).toBe(UNCHANGED_TOAST);
    expect([...(m.newTuple.values[3] as Buffer)]).toEqual([0xde, 0xad]);
    expect(m.newTuple.binary).toEqual([false, false, false, true]);
  });

  it('decodes Update without old tuple, with K and with O', () => {
    const d = new PgOutputDecoder();
    const plain = d.decode(new W().ch('U').u32(1).ch('N').i16(1).text('a').build());
    expect(plain).toMatchObject({ tag: 'update', oldKind: null, oldTuple: null });
    const k = d.decode(
      new W().ch('U').u32(1).ch('K').i16(2).text('1').ch('n').ch('N').i16(2).text('2').text('x').build(),
    );
    if (k.tag !== 'update') throw new Error(k.tag);
    expect(k.oldKind).toBe('K');
    expect(k.oldTuple!.values.map((v) => (v === null ? null : text(v)))).toEqual(['1', null]);
    expect(k.newTuple.values.map(text)).toEqual(['2', 'x']);
    const o = d.decode(new W().ch('U').u32(1).ch('O').i16(1).text('old').ch('N').i16(1).ch('u').build());
    if (o.tag !== 'update') throw new Error(o.tag);
    expect(o.oldKind).toBe('O');
    expect(text(o.oldTuple!.values[0])).toBe('old');
    expect(o.newTuple.values[0]).toBe(UNCHANGED_TOAST);
  });

  it('decodes Delete with K and O', () => {
    const d = new PgOutputDecoder();
    expect(d.decode(new W().ch('D').u32(7).ch('K').i16(1).text('9').build())).toMatchObject({
      tag: 'delete',
      relationOid: 7,
      oldKind: 'K',
    });
    expect(d.decode(new W().ch('D').u32(7).ch('O').i16(1).text('9').build())).toMatchObject({
      tag: 'delete',
      oldKind: 'O',
    });
    expect(() => d.decode(new W().ch('D').u32(7).ch('N').i16(0).build())).toThrow(PgOutputDecodeError);
  });

  it('decodes Truncate options and relations', () => {
    const d = new PgOutputDecoder();
    expect(d.decode(new W().ch('T').i32(2).u8(3).u32(10).u32(11).build())).toEqual({
      tag: 'truncate',
      xid: null,
      cascade: true,
      restartIdentity: true,
      relationOids: [10, 11],
    });
  });

  it('decodes transactional and non-transactional logical messages', () => {
    const d = new PgOutputDecoder();
    const m = d.decode(new W().ch('M').u8(1).u64(0x55n).str('audit').i32(3).raw(Buffer.from('abc')).build());
    if (m.tag !== 'message') throw new Error(m.tag);
    expect(m).toMatchObject({ transactional: true, lsn: 0x55n, prefix: 'audit', xid: null });
    expect(m.content.toString()).toBe('abc');
    expect(d.decode(new W().ch('M').u8(0).u64(1n).str('p').i32(0).build())).toMatchObject({ transactional: false });
  });

  it('reads the transaction id of data messages inside a stream block (protocol v2)', () => {
    const d = new PgOutputDecoder();
    expect(d.decode(new W().ch('S').u32(777).u8(1).build())).toEqual({
      tag: 'stream_start',
      xid: 777,
      firstSegment: true,
    });
    expect(d.inStream).toBe(true);
    const rel = d.decode(
      new W().ch('R').u32(778).u32(5).str('s').str('t').ch('d').i16(1).u8(1).str('id').u32(20).i32(-1).build(),
    );
    expect(rel).toMatchObject({ tag: 'relation', xid: 778, relationOid: 5 });
    const ins = d.decode(new W().ch('I').u32(778).u32(5).ch('N').i16(1).text('1').build());
    expect(ins).toMatchObject({ tag: 'insert', xid: 778, relationOid: 5 });
    const msg = d.decode(new W().ch('M').u32(777).u8(1).u64(9n).str('x').i32(0).build());
    expect(msg).toMatchObject({ tag: 'message', xid: 777 });
    expect(d.decode(new W().ch('E').build())).toEqual({ tag: 'stream_stop' });
    expect(d.inStream).toBe(false);
    expect(d.decode(new W().ch('I').u32(5).ch('N').i16(0).build())).toMatchObject({ xid: null, relationOid: 5 });
    expect(d.decode(new W().ch('c').u32(777).u8(0).u64(0x2000n).u64(0x2040n).u64(5n).build())).toEqual({
      tag: 'stream_commit',
      xid: 777,
      flags: 0,
      commitLsn: 0x2000n,
      endLsn: 0x2040n,
      commitTime: 5n,
    });
    expect(d.decode(new W().ch('A').u32(777).u32(778).build())).toEqual({ tag: 'stream_abort', xid: 777, subXid: 778 });
    // Replayed spill content is decoded in the in-stream layout regardless of the live state.
    expect(d.decode(new W().ch('D').u32(779).u32(5).ch('K').i16(1).text('1').build(), true)).toMatchObject({
      xid: 779,
    });
  });

  it('rejects unknown and truncated messages', () => {
    const d = new PgOutputDecoder();
    expect(() => d.decode(Buffer.from('Z'))).toThrow(/Unknown pgoutput message 'Z'/);
    expect(() => d.decode(new W().ch('B').u64(1n).build())).toThrow(RangeError);
    expect(() => d.decode(new W().ch('I').u32(1).ch('N').i16(1).ch('q').build())).toThrow(/Unknown tuple column kind/);
  });
});

describe('replication framing', () => {
  it('parses XLogData and keepalives', () => {
    const payload = new W().ch('w').u64(0x10n).u64(0x20n).u64(30n).raw(Buffer.from('B')).build();
    const f = parseReplicationFrame(payload);
    if (f.kind !== 'xlogdata') throw new Error(f.kind);
    expect(f).toMatchObject({ dataStart: 0x10n, walEnd: 0x20n, sendTime: 30n });
    expect(f.data.toString()).toBe('B');
    expect(parseReplicationFrame(new W().ch('k').u64(0x99n).u64(1n).u8(1).build())).toEqual({
      kind: 'keepalive',
      walEnd: 0x99n,
      sendTime: 1n,
      replyRequested: true,
    });
    expect(() => parseReplicationFrame(Buffer.from('x'))).toThrow(/Unknown replication frame/);
  });

  it('builds standby status updates', () => {
    const b = standbyStatusUpdate(3n, 2n, 1n, 99n, true);
    expect(b.length).toBe(34);
    expect(String.fromCharCode(b[0]!)).toBe('r');
    expect(b.readBigUInt64BE(1)).toBe(3n);
    expect(b.readBigUInt64BE(9)).toBe(2n);
    expect(b.readBigUInt64BE(17)).toBe(1n);
    expect(b.readBigInt64BE(25)).toBe(99n);
    expect(b[33]).toBe(1);
  });
});
