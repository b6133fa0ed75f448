import { SourceRecord } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { parseConfig, snapshotMode } from './config.js';
import { CopyTextParser, unescapeCopyField } from './copy-text.js';
import { Filters, regexList } from './filters.js';
import { flushableLsn, loadOffset, snapshotOffset, streamingOffset } from './offsets.js';
import { QueueClosedError, RecordQueue } from './queue.js';
import { SpillStore } from './spill.js';

const base = { 'database.hostname': 'h', 'database.user': 'u', 'database.dbname': 'db', 'topic.prefix': 'srv' };
const rec = (n: number) => new SourceRecord({ topic: 't', value: n });

describe('config', () => {
  it('accepts Debezium keys with Debezium defaults', () => {
    const c = parseConfig(base);
    expect(c['slot.name']).toBe('debezium');
    expect(c['publication.name']).toBe('dbz_publication');
    expect(c['skipped.operations']).toEqual(['t']);
    expect(c['unavailable.value.placeholder']).toBe('__debezium_unavailable_value');
    expect(snapshotMode(parseConfig({ ...base, 'snapshot.mode': 'never' }))).toBe('no_data');
  });

  it('rejects what it cannot honour, naming the key', () => {
    expect(() => parseConfig({ ...base, 'plugin.name': 'decoderbufs' })).toThrow(/plugin.name/);
    expect(() => parseConfig({ ...base, 'slot.name': 'Bad-Name' })).toThrow(/slot.name/);
    expect(() => parseConfig({ ...base, 'table.include.list': 'a', 'table.exclude.list': 'b' })).toThrow(
      /cannot both be set/,
    );
    expect(() => parseConfig({ 'topic.prefix': 'x' })).toThrow(/database.hostname/);
  });
});

describe('filters', () => {
  it('anchors expressions, ignores system schemas and reads message.key.columns', () => {
    expect(regexList('a\\,b,c').map((r) => r.source)).toEqual(['^(?:a,b)$', '^(?:c)$']);
    const f = new Filters(
      parseConfig({
        ...base,
        'schema.include.list': 'public,app',
        'column.exclude.list': 'public\\.t\\.secret',
        'message.key.columns': 'public.t:a,b;app\\..*:x',
      }),
    );
    expect(f.includesTable({ schema: 'public', table: 't' })).toBe(true);
    expect(f.includesTable({ schema: 'publicx', table: 't' })).toBe(false);
    expect(f.includesTable({ schema: 'pg_catalog', table: 'pg_class' })).toBe(false);
    expect(f.includesColumn({ schema: 'public', table: 't' }, 'secret')).toBe(false);
    expect(f.includesColumn({ schema: 'public', table: 't' }, 'name')).toBe(true);
    expect(f.keyColumnsFor({ schema: 'public', table: 't' })).toEqual(['a', 'b']);
    expect(f.keyColumnsFor({ schema: 'app', table: 'z' })).toEqual(['x']);
    expect(f.keyColumnsFor({ schema: 'other', table: 'z' })).toBeNull();
  });
});

describe('offsets', () => {
  it('reads Debezium 2.x and 3.x snapshot offsets', () => {
    expect(loadOffset({ snapshot: true, last_snapshot_record: false, lsn: 10 }).snapshotInProgress).toBe(true);
    expect(loadOffset({ snapshot: true, last_snapshot_record: true, lsn: 10 }).snapshotInProgress).toBe(false);
    expect(loadOffset({ snapshot: 'INITIAL', snapshot_completed: false, lsn: 10 }).snapshotInProgress).toBe(true);
    expect(loadOffset({ snapshot: 'INITIAL', snapshot_completed: true, lsn: 10 }).snapshotInProgress).toBe(false);
  });

  it('reads streaming offsets and says what may be flushed', () => {
    const o = streamingOffset({
      tsUsec: 5n,
      txId: 7,
      lsn: 100n,
      lsnProc: 100n,
      lsnCommit: 90n,
      messageType: 'INSERT',
      serial: 3,
    });
    expect(loadOffset(o)).toMatchObject({
      lsnCommit: 90n,
      lsnProc: 100n,
      txId: 7,
      serial: 3,
      snapshotInProgress: false,
    });
    expect(flushableLsn(o)).toBe(90n);
    // Debezium's loader falls back to lsn_proc without lsn_commit.
    expect(flushableLsn({ lsn_proc: 80, lsn: 85 })).toBe(80n);
    expect(flushableLsn(snapshotOffset({ tsUsec: 1n, txId: null, lsn: 50n, last: true }))).toBeNull();
  });
});

describe('RecordQueue', () => {
  it('blocks writers when full and hands out bounded batches', async () => {
    const q = new RecordQueue(3);
    for (let i = 0; i < 3; i++) await q.push(rec(i));
    let pushed = false;
    const p = q.push(rec(3)).then(() => {
      pushed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(pushed).toBe(false);
    expect((await q.poll(2, 0)).map((r) => r.value)).toEqual([0, 1]);
    await p;
    expect(pushed).toBe(true);
    expect((await q.poll(10, 0)).map((r) => r.value)).toEqual([2, 3]);
  });

  it('bounds bytes too, waits for data up to the timeout, and surfaces failures after the queued records', async () => {
    const q = new RecordQueue(100, 10);
    await q.push(rec(1), 8);
    await q.push(rec(2), 8);
    let third = false;
    const p = q.push(rec(3), 1).then(() => {
      third = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false);
    await q.poll(1, 0);
    await p;
    const t0 = Date.now();
    await q.poll(10, 0);
    expect(await q.poll(10, 50)).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    await q.push(rec(4));
    q.fail(new Error('boom'));
    expect((await q.poll(10, 0)).map((r) => r.value)).toEqual([4]);
    await expect(q.poll(10, 0)).rejects.toThrow('boom');
    q.close();
    await expect(q.push(rec(5))).rejects.toBeInstanceOf(QueueClosedError);
  });
});

describe('SpillStore', () => {
  it('writes, truncates aborted subtransactions and reads back in order', async () => {
    const store = await SpillStore.create('pgcdc-spill-test');
    try {
      const f = await store.fileFor(1);
      for (let i = 0; i < 3; i++) await f.append(1, BigInt(i), Buffer.from(`top-${i}`));
      await f.append(2, 10n, Buffer.from('sub-a'));
      await f.append(3, 11n, Buffer.from('sub-b'));
      await f.abortSubtransaction(2);
      await f.append(1, 12n, Buffer.from('top-after'));
      const got: string[] = [];
      for await (const r of f.read()) got.push(`${r.lsn}:${r.message.toString()}`);
      expect(got).toEqual(['0:top-0', '1:top-1', '2:top-2', '12:top-after']);
      await store.discard(1);
      expect(store.get(1)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('streams large files back in constant memory', async () => {
    const store = await SpillStore.create('pgcdc-spill-big');
    try {
      const f = await store.fileFor(9);
      const payload = Buffer.alloc(1000, 7);
      for (let i = 0; i < 5000; i++) await f.append(9, BigInt(i), payload);
      let n = 0;
      for await (const r of f.read()) {
        expect(r.lsn).toBe(BigInt(n));
        n++;
      }
      expect(n).toBe(5000);
    } finally {
      await store.close();
    }
  });
});

describe('COPY text parsing', () => {
  it('splits rows and fields, reads \\N as NULL and unescapes', () => {
    const p = new CopyTextParser();
    const rows = [...p.push(Buffer.from('1\ta\\tb\t\\N\n2\t\\\\x0102\tc')), ...p.push(Buffer.from('\n'))];
    expect(rows.map((r) => r.fields)).toEqual([
      ['1', 'a\tb', null],
      ['2', '\\x0102', 'c'],
    ]);
    p.end();
    expect(unescapeCopyField('a\\nb\\\\c\\101')).toBe('a\nb\\cA');
  });

  it('keeps multi-byte characters split across chunks', () => {
    const p = new CopyTextParser();
    const bytes = Buffer.from('é€\n');
    expect(p.push(bytes.subarray(0, 1))).toEqual([]);
    expect(p.push(bytes.subarray(1)).map((r) => r.fields)).toEqual([['é€']]);
    expect(() => {
      p.push(Buffer.from('half'));
      p.end();
    }).toThrow(/inside a row/);
  });
});
