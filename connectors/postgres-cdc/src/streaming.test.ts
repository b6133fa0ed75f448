import { type SourceRecord, silentLogger, type Struct } from '@tributary/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { Filters } from './filters.js';
import { offsetIdentity } from './offsets.js';
import type { ReplicationFrame } from './pgoutput/framing.js';
import { type Cell, pgo } from '../test-support/pgoutput-wire.js';
import { RecordQueue } from './queue.js';
import { Oid, placeholderBytes } from './schema/mapping.js';
import { TypeRegistry } from './schema/types.js';
import { SpillStore } from './spill.js';
import { ChangeEventProcessor, type ResumePoint } from './streaming.js';
import type { CatalogTable, TableModel } from './tables.js';

const T_OID = 16384;
const U_OID = 16390;

function types(): TypeRegistry {
  const r = new TypeRegistry();
  for (const [name, oid] of Object.entries(Oid)) {
    r.add({
      oid,
      name: name.toLowerCase(),
      namespace: 'pg_catalog',
      kind: 'b',
      category: 'U',
      elemOid: 0,
      baseOid: 0,
      baseTypmod: -1,
      delimiter: ',',
      enumValues: null,
    });
  }
  return r;
}

const catalogs: Record<number, CatalogTable> = {
  [T_OID]: {
    oid: T_OID,
    id: { schema: 'public', table: 't' },
    columns: [
      { name: 'id', typeOid: Oid.INT4, typmod: -1, notNull: true, defaultExpr: null, generated: false },
      { name: 'name', typeOid: Oid.TEXT, typmod: -1, notNull: true, defaultExpr: null, generated: false },
      { name: 'doc', typeOid: Oid.TEXT, typmod: -1, notNull: false, defaultExpr: null, generated: false },
    ],
    primaryKey: ['id'],
    replicaIdentity: 'd',
  },
  [U_OID]: {
    oid: U_OID,
    id: { schema: 'other', table: 'u' },
    columns: [{ name: 'id', typeOid: Oid.INT4, typmod: -1, notNull: true, defaultExpr: null, generated: false }],
    primaryKey: ['id'],
    replicaIdentity: 'd',
  },
};

const tCols = [
  { name: 'id', type: Oid.INT4, key: true },
  { name: 'name', type: Oid.TEXT },
  { name: 'doc', type: Oid.TEXT },
];

interface Setup {
  processor: ChangeEventProcessor;
  queue: RecordQueue;
  spill: SpillStore;
  tables: Map<number, TableModel>;
  frame(data: Buffer, lsn: bigint): Promise<void>;
  keepalive(walEnd: bigint): Promise<void>;
  drain(): Promise<SourceRecord[]>;
}

let cleanup: Array<() => Promise<void>> = [];
beforeEach(() => {
  cleanup = [];
});
afterEach(async () => {
  for (const c of cleanup) await c();
});

async function setup(
  props: Record<string, string> = {},
  start: { lastCommitEnd: bigint; resume: ResumePoint | null } = { lastCommitEnd: 0x100n, resume: null },
): Promise<Setup> {
  const config = parseConfig({
    'database.hostname': 'h',
    'database.user': 'u',
    'database.dbname': 'db',
    'topic.prefix': 'srv',
    ...props,
  });
  const queue = new RecordQueue(100_000);
  const spill = await SpillStore.create('pgcdc-unit');
  cleanup.push(() => spill.close());
  const tables = new Map<number, TableModel>();
  const processor = new ChangeEventProcessor(
    {
      config,
      filters: new Filters(config),
      mapping: {
        decimalMode: 'precise',
        timePrecisionMode: 'adaptive',
        binaryMode: 'bytes',
        intervalMode: 'numeric',
        hstoreMode: 'json',
        moneyFractionDigits: 2,
        includeUnknownDatatypes: false,
        unavailablePlaceholder: placeholderBytes('__debezium_unavailable_value'),
      },
      types: types(),
      catalog: {
        table: async (oid) => catalogs[oid] ?? null,
        refreshTypes: async () => {},
        heartbeatAction: async () => {},
      },
      queue,
      spill,
      logger: silentLogger,
      partition: { server: 'srv' },
      db: 'db',
      tables,
      onQueued: () => {},
    },
    start,
  );
  const frame = async (data: Buffer, lsn: bigint): Promise<void> => {
    const f: ReplicationFrame = { kind: 'xlogdata', dataStart: lsn, walEnd: lsn, sendTime: 0n, data };
    await processor.handleFrame(f);
  };
  return {
    processor,
    queue,
    spill,
    tables,
    frame,
    keepalive: (walEnd) => processor.handleFrame({ kind: 'keepalive', walEnd, sendTime: 0n, replyRequested: false }),
    drain: () => queue.poll(100_000, 0),
  };
}

/** One transaction on public.t: relation + the given messages, finalLsn/end around `base`. */
async function txn(s: Setup, xid: number, base: bigint, messages: Buffer[], withRelation = true): Promise<void> {
  await s.frame(pgo.begin(base + 0x80n, xid), base);
  if (withRelation) await s.frame(pgo.relation(T_OID, 'public', 't', tCols), base);
  let lsn = base + 1n;
  for (const m of messages) await s.frame(m, lsn++);
  await s.frame(pgo.commit(base + 0x80n, base + 0x90n), base + 0x90n);
}

const op = (r: SourceRecord): unknown => (r.value ? (r.value as Struct).get('op') : null);
const after = (r: SourceRecord): Record<string, unknown> | null =>
  ((r.value as Struct).get('after') as Struct | null)?.toJSON() ?? null;
const before = (r: SourceRecord): Record<string, unknown> | null =>
  ((r.value as Struct).get('before') as Struct | null)?.toJSON() ?? null;
const row = (id: number, name: string, doc: Cell = null): Cell[] => [String(id), name, doc];

describe('ChangeEventProcessor', () => {
  it('emits create/update/delete envelopes with Debezium source, key and offsets', async () => {
    const s = await setup();
    await txn(s, 700, 0x1000n, [
      pgo.insert(T_OID, row(1, 'a')),
      pgo.update(T_OID, row(1, 'b')),
      pgo.delete(T_OID, 'K', ['1', null, null]),
    ]);
    const out = await s.drain();
    expect(out.map(op)).toEqual(['c', 'u', 'd', null]);
    expect(out[0]!.topic).toBe('srv.public.t');
    expect((out[0]!.key as Struct).toJSON()).toEqual({ id: 1 });
    expect(after(out[0]!)).toEqual({ id: 1, name: 'a', doc: null });
    expect(before(out[1]!)).toBeNull();
    // Delete before-image from a K tuple: key columns set, NOT NULL columns filled like Debezium.
    expect(before(out[2]!)).toEqual({ id: 1, name: '', doc: null });
    expect(out[3]!.value).toBeNull();
    expect(out[3]!.key).toEqual(out[2]!.key);
    const src = (out[0]!.value as Struct).get('source') as Struct;
    expect(src.toJSON()).toMatchObject({
      connector: 'postgresql',
      name: 'srv',
      db: 'db',
      schema: 'public',
      table: 't',
      txId: 700,
      lsn: 0x1001,
      snapshot: null,
    });
    expect(src.get('snapshot')).toBe('false');
    expect(src.get('sequence')).toBe(JSON.stringify(['256', '4097']));
    expect(out[0]!.sourceOffset).toMatchObject({
      txId: 700,
      lsn: 0x1001,
      lsn_proc: 0x1001,
      lsn_commit: 0x100,
      event_serial_no: 1,
      messageType: 'INSERT',
    });
    expect(out[0]!.sourcePartition).toEqual({ server: 'srv' });
    expect((out[0]!.value as Struct).schema.name).toBe('srv.public.t.Envelope');
    expect((out[0]!.value as Struct).schema.version).toBe(2);
    expect(s.processor.lastCommitEnd).toBe(0x1090n);
  });

  it('turns a primary key change into delete + tombstone + create with key headers', async () => {
    const s = await setup();
    await txn(s, 701, 0x2000n, [pgo.update(T_OID, row(2, 'x'), { kind: 'K', cells: ['1', null, null] })]);
    const out = await s.drain();
    expect(out.map(op)).toEqual(['d', null, 'c']);
    expect((out[0]!.key as Struct).toJSON()).toEqual({ id: 1 });
    expect((out[0]!.headers.lastWithName('__debezium.newkey')!.value as Struct).toJSON()).toEqual({ id: 2 });
    expect((out[2]!.headers.lastWithName('__debezium.oldkey')!.value as Struct).toJSON()).toEqual({ id: 1 });
    expect((out[2]!.key as Struct).toJSON()).toEqual({ id: 2 });
    // Debezium's tombstone carries the delete's headers.
    expect(out[1]!.headers.toArray().map((h) => h.key)).toEqual(['__debezium.newkey']);
    expect(out[1]!.headers).not.toBe(out[0]!.headers);
  });

  it('fills unchanged TOAST from the old row under REPLICA IDENTITY FULL, else uses the placeholder', async () => {
    const s = await setup();
    await txn(s, 702, 0x3000n, [
      pgo.update(T_OID, ['1', 'n', { toast: true }], { kind: 'O', cells: ['1', 'o', 'big-old-doc'] }),
      pgo.update(T_OID, ['1', 'n', { toast: true }]),
    ]);
    const out = await s.drain();
    expect(after(out[0]!)!.doc).toBe('big-old-doc');
    expect(before(out[0]!)).toEqual({ id: 1, name: 'o', doc: 'big-old-doc' });
    expect(after(out[1]!)!.doc).toBe('__debezium_unavailable_value');
  });

  it('honours tombstones.on.delete=false, skipped.operations and table filters', async () => {
    const s = await setup({
      'tombstones.on.delete': 'false',
      'skipped.operations': 'u',
      'table.include.list': 'public\\.t',
    });
    await s.frame(pgo.begin(0x4080n, 703), 0x4000n);
    await s.frame(pgo.relation(T_OID, 'public', 't', tCols), 0x4000n);
    await s.frame(pgo.relation(U_OID, 'other', 'u', [{ name: 'id', type: Oid.INT4, key: true }]), 0x4000n);
    await s.frame(pgo.insert(U_OID, ['5']), 0x4001n);
    await s.frame(pgo.update(T_OID, row(1, 'b')), 0x4002n);
    await s.frame(pgo.delete(T_OID, 'K', ['1', null, null]), 0x4003n);
    await s.frame(pgo.truncate([T_OID]), 0x4004n);
    await s.frame(pgo.commit(0x4080n, 0x4090n), 0x4090n);
    const out = await s.drain();
    // Updates skipped (the list replaces the default 't', so the truncate is emitted), other.u filtered, no tombstone.
    expect(out.map(op)).toEqual(['d', 't']);
    expect(out[0]!.sourceOffset).toMatchObject({ event_serial_no: 3 });
  });

  it('emits truncate events when not skipped, and transaction metadata when asked', async () => {
    const s = await setup({ 'skipped.operations': 'none', 'provide.transaction.metadata': 'true' });
    await txn(s, 704, 0x5000n, [pgo.insert(T_OID, row(1, 'a')), pgo.truncate([T_OID])]);
    const out = await s.drain();
    expect(out.map((r) => r.topic)).toEqual(['srv.transaction', 'srv.public.t', 'srv.public.t', 'srv.transaction']);
    expect((out[0]!.value as Struct).toJSON()).toMatchObject({ status: 'BEGIN', id: '704', event_count: null });
    expect(op(out[2]!)).toBe('t');
    expect(out[2]!.key).toBeNull();
    // No key schema either: a non-optional key schema with a null key fails the JsonConverter.
    expect(out[2]!.keySchema).toBeNull();
    const block = (out[1]!.value as Struct).get('transaction') as Struct;
    expect(block.toJSON()).toEqual({ id: '704', total_order: 1, data_collection_order: 1 });
    const end = out[3]!.value as Struct;
    expect(end.get('status')).toBe('END');
    expect(end.get('event_count')).toBe(2);
    expect((end.get('data_collections') as Struct[]).map((c) => c.toJSON())).toEqual([
      { data_collection: 'public.t', event_count: 2 },
    ]);
    expect(out[3]!.sourceOffset).toMatchObject({ lsn_commit: 0x5090 });
  });

  it('emits logical decoding messages, transactional and not', async () => {
    const s = await setup();
    await txn(s, 705, 0x6000n, [pgo.message('audit', 'hello', true, 0x6001n)]);
    await s.frame(pgo.message('nt', 'x', false, 0x7000n), 0x7000n);
    const out = await s.drain();
    expect(out.map((r) => r.topic)).toEqual(['srv.message', 'srv.message']);
    const v = out[0]!.value as Struct;
    expect(v.get('op')).toBe('m');
    expect(Buffer.from((v.get('message') as Struct).get('content') as Uint8Array).toString()).toBe('hello');
    expect(((v.get('source') as Struct).get('txId') as number) ?? null).toBe(705);
    expect(((out[1]!.value as Struct).get('source') as Struct).get('txId')).toBeNull();
    expect(out[1]!.sourceOffset).toMatchObject({ lsn_commit: 0x7000 });
  });

  it('counts transactional messages in transaction metadata, each its own data collection, as Debezium', async () => {
    const s = await setup({ 'provide.transaction.metadata': 'true' });
    await txn(s, 706, 0x6000n, [pgo.insert(T_OID, row(1, 'a')), pgo.message('audit', 'hello', true, 0x6002n)]);
    await txn(s, 707, 0x6100n, [pgo.message('audit', 'alone', true, 0x6101n)], false);
    await s.frame(pgo.message('nt', 'x', false, 0x7000n), 0x7000n);
    const out = await s.drain();
    expect(out.map((r) => r.topic)).toEqual([
      'srv.transaction',
      'srv.public.t',
      'srv.message',
      'srv.transaction',
      'srv.transaction',
      'srv.message',
      'srv.transaction',
      'srv.message',
    ]);
    const block = (r: SourceRecord): unknown => ((r.value as Struct).get('transaction') as Struct | null)?.toJSON();
    expect(block(out[2]!)).toEqual({ id: '706', total_order: 2, data_collection_order: 1 });
    expect(block(out[5]!)).toEqual({ id: '707', total_order: 1, data_collection_order: 1 });
    expect(block(out[7]!)).toBeUndefined();
    const end = out[3]!.value as Struct;
    expect(end.get('event_count')).toBe(2);
    expect((end.get('data_collections') as Struct[]).map((c) => c.toJSON())).toEqual([
      { data_collection: 'public.t', event_count: 1 },
      {
        data_collection: 'io.debezium.connector.postgresql.LogicalDecodingMessageMonitor$LogicalDecodingMessageId',
        event_count: 1,
      },
    ]);
  });

  it('spills streamed transactions and emits them only when they commit', async () => {
    const s = await setup();
    await s.frame(pgo.streamStart(800), 0x8000n);
    await s.frame(pgo.relation(T_OID, 'public', 't', tCols, 'd', 800), 0x8000n);
    for (let i = 1; i <= 3; i++) await s.frame(pgo.insert(T_OID, row(i, `r${i}`), 800), BigInt(0x8000 + i));
    await s.frame(pgo.streamStop(), 0x8004n);
    // A subtransaction whose rows are rolled back, and a whole transaction that aborts.
    await s.frame(pgo.streamStart(800, false), 0x8005n);
    await s.frame(pgo.insert(T_OID, row(4, 'r4'), 801), 0x8006n);
    await s.frame(pgo.streamStop(), 0x8007n);
    await s.frame(pgo.streamAbort(800, 801), 0x8008n);
    await s.frame(pgo.streamStart(900), 0x8010n);
    await s.frame(pgo.insert(T_OID, row(9, 'gone'), 900), 0x8011n);
    await s.frame(pgo.streamStop(), 0x8012n);
    expect(s.queue.size).toBe(0);
    await s.frame(pgo.streamAbort(900, 900), 0x8013n);
    expect(s.spill.get(900)).toBeUndefined();
    await s.frame(pgo.streamCommit(800, 0x8100n, 0x8110n), 0x8110n);
    const out = await s.drain();
    expect(out.map((r) => after(r)!.id)).toEqual([1, 2, 3]);
    expect(out.map((r) => r.sourceOffset!.event_serial_no)).toEqual([1, 2, 3]);
    expect(s.processor.lastCommitEnd).toBe(0x8110n);
    expect(s.spill.get(800)).toBeUndefined();
  });

  it('skips what a restart replays but was delivered (by event_serial_no, then by whole transaction)', async () => {
    const resume: ResumePoint = { lsnCommit: 0x1090n, txId: 711, serial: 2, lsnProc: null };
    const s = await setup({}, { lastCommitEnd: 0x1090n, resume });
    // An older transaction, replayed because the slot was confirmed less far: skipped entirely.
    await txn(s, 710, 0x1000n, [pgo.insert(T_OID, row(1, 'old'))]);
    // The interrupted one: its first two changes were delivered.
    await txn(
      s,
      711,
      0x1100n,
      [pgo.insert(T_OID, row(2, 'a')), pgo.insert(T_OID, row(3, 'b')), pgo.insert(T_OID, row(4, 'c'))],
      false,
    );
    await txn(s, 712, 0x1200n, [pgo.insert(T_OID, row(5, 'd'))], false);
    const out = await s.drain();
    expect(out.map((r) => after(r)!.id)).toEqual([4, 5]);
  });

  it('falls back to lsn_proc for Debezium offsets without event_serial_no', async () => {
    const s = await setup(
      {},
      { lastCommitEnd: 0x1090n, resume: { lsnCommit: 0x1090n, txId: 711, serial: null, lsnProc: 0x1101n } },
    );
    await txn(s, 711, 0x1100n, [pgo.insert(T_OID, row(2, 'a')), pgo.insert(T_OID, row(3, 'b'))]);
    expect((await s.drain()).map((r) => after(r)!.id)).toEqual([3]);
  });

  it('reports an idle position only between transactions', async () => {
    const s = await setup();
    await s.keepalive(0x9000n);
    expect(s.processor.idlePosition()).toBe(0x9000n);
    await s.frame(pgo.begin(0x9980n, 720), 0x9100n);
    await s.keepalive(0x9990n);
    expect(s.processor.inTransaction).toBe(true);
    expect(s.processor.idlePosition()).toBe(0x100n);
    await s.frame(pgo.commit(0x9980n, 0x9990n), 0x9990n);
    expect(s.processor.idlePosition()).toBe(0x9990n);
    expect(s.processor.resumePoint()).toEqual({ lsnCommit: 0x9990n, txId: null, serial: null, lsnProc: null });
  });

  it('emits heartbeats with the idle position as offset', async () => {
    const s = await setup({ 'heartbeat.interval.ms': '1' });
    await s.keepalive(0xa000n);
    await new Promise((r) => setTimeout(r, 5));
    await s.processor.maybeHeartbeat();
    const [hb] = await s.drain();
    expect(hb!.topic).toBe('__debezium-heartbeat.srv');
    expect((hb!.key as Struct).toJSON()).toEqual({ serverName: 'srv' });
    expect(hb!.sourceOffset).toMatchObject({ lsn_commit: 0xa000 });
    expect(offsetIdentity(hb!.sourceOffset!)).toBe(offsetIdentity({ ...hb!.sourceOffset! }));
  });

  it('rebuilds the table schema when a Relation message changes the columns', async () => {
    const s = await setup();
    await txn(s, 730, 0xb000n, [pgo.insert(T_OID, row(1, 'a'))]);
    await s.frame(pgo.begin(0xb180n, 731), 0xb100n);
    await s.frame(pgo.relation(T_OID, 'public', 't', [...tCols, { name: 'extra', type: Oid.INT8 }]), 0xb100n);
    await s.frame(pgo.insert(T_OID, [...row(2, 'b'), '7']), 0xb101n);
    await s.frame(pgo.commit(0xb180n, 0xb190n), 0xb190n);
    const out = await s.drain();
    expect(after(out[1]!)).toEqual({ id: 2, name: 'b', doc: null, extra: 7 });
    expect((out[1]!.value as Struct).schema.field('after')!.schema.fields.map((f) => f.name)).toEqual([
      'id',
      'name',
      'doc',
      'extra',
    ]);
  });
});
