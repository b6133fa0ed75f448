import { ConfigException, SchemaBuilder, Struct } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { PostgresConnector } from './connector.js';
import {
  emptyIncrementalState,
  IncrementalOffsetKeys,
  incrementalOffsetFields,
  invisibleTo,
  keyIdentity,
  loadIncrementalState,
  parseChunkSnapshot,
  parseTableId,
} from './incremental.js';

const base = { 'database.hostname': 'h', 'database.user': 'u', 'database.dbname': 'db', 'topic.prefix': 'srv' };

describe('incremental snapshot offsets', () => {
  it('writes nothing when no snapshot runs, and round-trips a running one', () => {
    expect(incrementalOffsetFields(emptyIncrementalState())).toEqual({});
    const state = {
      collections: [
        { id: 'public.a', condition: 'x > 1', surrogateKey: null },
        { id: 'public.b', condition: null, surrogateKey: 'seq' },
      ],
      lastKey: ['10', 'b'],
      maxKey: ['99', 'z'],
      correlationId: 'sig-1',
    };
    const fields = incrementalOffsetFields(state);
    expect(JSON.parse(fields[IncrementalOffsetKeys.COLLECTIONS] as string)).toEqual([
      {
        incremental_snapshot_collections_id: 'public.a',
        incremental_snapshot_collections_additional_condition: 'x > 1',
        incremental_snapshot_collections_surrogate_key: null,
      },
      {
        incremental_snapshot_collections_id: 'public.b',
        incremental_snapshot_collections_additional_condition: null,
        incremental_snapshot_collections_surrogate_key: 'seq',
      },
    ]);
    expect(loadIncrementalState({ lsn: 1, ...fields })).toEqual({ state, restartedTable: false });
  });

  it("restarts the current table when the key position is Debezium's Java-serialized hex", () => {
    const loaded = loadIncrementalState({
      incremental_snapshot_collections:
        '[{"incremental_snapshot_collections_id":"public.orders","incremental_snapshot_collections_additional_condition":null,"incremental_snapshot_collections_surrogate_key":null}]',
      incremental_snapshot_primary_key: 'aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b',
      incremental_snapshot_maximum_key: 'aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b',
    });
    expect(loaded?.restartedTable).toBe(true);
    expect(loaded?.state.collections.map((c) => c.id)).toEqual(['public.orders']);
    expect(loaded?.state.lastKey).toBeNull();
    expect(loaded?.state.maxKey).toBeNull();
  });

  it('reads no snapshot from offsets without one', () => {
    expect(loadIncrementalState({ lsn: 5, lsn_commit: 5 })).toBeNull();
    expect(loadIncrementalState({ incremental_snapshot_collections: '[]' })).toBeNull();
  });
});

describe('keyIdentity', () => {
  it('is equal for equal keys and different for different ones', () => {
    const schema = SchemaBuilder.struct()
      .field('id', SchemaBuilder.int64().build())
      .field('b', SchemaBuilder.bytes().build())
      .build();
    const a = new Struct(schema).put('id', 5n).put('b', Uint8Array.from([1, 2]));
    const b = new Struct(schema).put('id', 5n).put('b', Buffer.from([1, 2]));
    const c = new Struct(schema).put('id', 5n).put('b', Uint8Array.from([1, 3]));
    expect(keyIdentity(a)).toBe(keyIdentity(b));
    expect(keyIdentity(a)).not.toBe(keyIdentity(c));
    expect(keyIdentity('1')).not.toBe(keyIdentity(1));
  });
});

describe('signal configuration', () => {
  it('names the table forms Debezium accepts', () => {
    expect(parseTableId('public.sig')).toEqual({ schema: 'public', table: 'sig' });
    expect(parseTableId('db.public.sig')).toEqual({ schema: 'public', table: 'sig' });
    expect(parseTableId('sig')).toBeNull();
  });

  it('rejects channels it cannot read and malformed table names, with the field and the reason', async () => {
    expect(() => parseConfig({ ...base, 'signal.enabled.channels': 'source,kafka' })).toThrow(ConfigException);
    const result = await new PostgresConnector().validate({
      ...base,
      'signal.enabled.channels': 'source,kafka',
      'signal.data.collection': 'nodot',
      'incremental.snapshot.chunk.size': '0',
    });
    const errors = Object.fromEntries(result.configs.map((c) => [c.name, c.errors]));
    expect(errors['signal.enabled.channels']?.[0]).toMatch(/kafka: only source/);
    expect(errors['signal.data.collection']?.[0]).toMatch(/schema\.table/);
    expect(errors['incremental.snapshot.chunk.size']?.[0]).toMatch(/at least 1/);
    expect(parseConfig({ ...base, 'signal.data.collection': 'public.sig' })['signal.data.collection']).toBe(
      'public.sig',
    );
  });
});

describe('a chunk snapshot', () => {
  it('parses txid_current_snapshot() and tells which transactions it does not see', () => {
    const s = parseChunkSnapshot('100:105:100,103');
    expect(s).toEqual({ xmin: 100n, xmax: 105n, inProgress: new Set([100n, 103n]) });
    expect([99, 100, 101, 103, 104, 105, 200].map((x) => invisibleTo(s, x))).toEqual([
      false,
      true,
      false,
      true,
      false,
      true,
      true,
    ]);
    expect(parseChunkSnapshot('7:7:').inProgress.size).toBe(0);
    expect(() => parseChunkSnapshot('')).toThrow(/txid_current_snapshot/);
  });

  it("places the stream's 32-bit xids in the snapshot's epoch, across a wraparound", () => {
    const epoch = 1n << 32n;
    // xmax just past a wraparound (epoch 1, xid 5): xid 4294967290 is from epoch 0 (old, visible), xid 7 is new.
    const s = parseChunkSnapshot(`${epoch + 2n}:${epoch + 5n}:${epoch + 2n}`);
    expect(invisibleTo(s, 4_294_967_290)).toBe(false);
    expect(invisibleTo(s, 2)).toBe(true);
    expect(invisibleTo(s, 3)).toBe(false);
    expect(invisibleTo(s, 7)).toBe(true);
  });
});
