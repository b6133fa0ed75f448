import { SchemaBuilder } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { columnMapperErrors, javaSerializedString, mapColumn, parseColumnMappers } from './column-mappers.js';
import type { ColumnConverter } from './schema/mapping.js';

const text = (optional = true): ColumnConverter => {
  const schema = optional ? SchemaBuilder.string().optional().build() : SchemaBuilder.string().build();
  return { name: 'c', schema, fromText: (t) => t, toastPlaceholder: '__debezium_unavailable_value', nullValue: null };
};
const col = (fullName: string, length: number | null = null) => ({ fullName, length, isString: true });

describe('column mappers (Debezium column.truncate / column.mask / column.mask.hash)', () => {
  it('hashes as Debezium does: salt, then the Java-serialized string (v1) or its UTF-8 bytes (v2), hex', () => {
    // Values from Debezium's MaskStringsTest.
    const v1 = parseColumnMappers({ 'column.mask.hash.SHA-256.with.salt.salt': 'public.t.c' });
    const conv = mapColumn(v1, col('public.t.c'), text());
    expect(conv.fromText('hello')).toBe('af5843a0f0e728ab0332c8888b6e1190bfb79e584f0d40538de8f10df6ef29c6');
    expect(conv.fromText('world')).toBe('4588e1f2dcdc7fefc1515d3acd5acb9033478eace68286f383c337b9ff4464a3');
    expect(conv.schema.parameters).toEqual({ masked: 'true' });
    const md5 = mapColumn(
      parseColumnMappers({ 'column.mask.hash.MD5.with.salt.salt': 'public.t.c' }),
      col('public.t.c'),
      text(),
    );
    expect(md5.fromText('hello')).toBe('46f48a7a5ea32efba87cbff49d46d35a');
    // Shortened to the column's declared length; nulls stay null.
    const short = mapColumn(v1, col('public.t.c', 10), text());
    expect(short.fromText('hello')).toBe('af5843a0f0');
    expect(short.nullValue).toBeNull();
    const v2 = mapColumn(
      parseColumnMappers({ 'column.mask.hash.v2.SHA-256.with.salt.salt': 'public.t.c' }),
      col('public.t.c'),
      text(),
    );
    // v2 digests salt + the value's UTF-8 bytes: sha256('salthello').
    expect(v2.fromText('hello')).toBe('cd31b3b98ece60cb739c0bf770b2de892ae0ad133f645513c3d83f08757a843a');
  });

  it("serializes strings as Java's ObjectOutputStream (modified UTF-8: NUL in two bytes, surrogates one by one)", () => {
    expect(javaSerializedString('hi').toString('hex')).toBe('aced00057400026869');
    expect(javaSerializedString('\u0000').toString('hex')).toBe('aced0005740002c080');
    expect(javaSerializedString('😀').toString('hex')).toBe('aced0005740006eda0bdedb880');
  });

  it('masks with asterisks (nulls too) and truncates strings and bytes longer than the limit', () => {
    const m = parseColumnMappers({
      'column.mask.with.5.chars': 'public\\.t\\.secret',
      'column.truncate.to.3.chars': 'public.t.notes, public.t.blob',
    });
    const secret = mapColumn(m, col('public.t.secret'), text());
    expect(secret.fromText('1234567890')).toBe('*****');
    expect(secret.nullValue).toBe('*****');
    const notes = mapColumn(m, col('public.t.notes'), text());
    expect(notes.fromText('abcdef')).toBe('abc');
    expect(notes.fromText('ab')).toBe('ab');
    expect(notes.schema.parameters).toEqual({ truncateLength: '3' });
    // A column that can never exceed the limit is left alone, as Debezium does.
    expect(mapColumn(m, col('public.t.notes', 2), text()).schema.parameters).toBeNull();
    const blob: ColumnConverter = {
      name: 'blob',
      schema: SchemaBuilder.bytes().optional().build(),
      fromText: () => Uint8Array.from([1, 2, 3, 4]),
      toastPlaceholder: null,
      nullValue: null,
    };
    expect(mapColumn(m, { ...col('public.t.blob'), isString: false }, blob).fromText('')).toEqual(
      Uint8Array.from([1, 2, 3]),
    );
    expect(mapColumn(m, col('public.t.other'), text()).fromText('abcdef')).toBe('abcdef');
  });

  it('reports malformed mapper keys by name', () => {
    expect(
      columnMapperErrors({
        'column.mask.hash.NOPE-1.with.salt.x': 'a.b.c',
        'column.mask.with.0.chars': 'a.b.c',
        'column.truncate.to.many.chars': 'a.b.c',
        'column.include.list': 'x',
      }),
    ).toEqual({
      'column.mask.hash.NOPE-1.with.salt.x': [expect.stringMatching(/Unknown hash algorithm 'NOPE-1'/)],
      'column.mask.with.0.chars': [expect.stringMatching(/positive/)],
      'column.truncate.to.many.chars': [expect.stringMatching(/Not a column mapper/)],
    });
  });
});
