import { describe, expect, it } from 'vitest';
import { checkCompatibility, checkReaderWriter, normalizedForm, parseAvro, storedForm } from './avro.js';
import { decodeKey, encodeKey, schemaKey, schemaValueJson } from './records.js';
import { SchemaStore } from './store.js';

const rec = (fields: object[], extra: object = {}) =>
  parseAvro(JSON.stringify({ type: 'record', name: 'R', namespace: 'n', fields, ...extra }));

describe("Avro's resolution rules", () => {
  it('accepts numeric promotions and string/bytes, refuses narrowing', () => {
    const writerInt = rec([{ name: 'a', type: 'int' }]);
    const readerLong = rec([{ name: 'a', type: 'long' }]);
    expect(checkReaderWriter(readerLong, writerInt)).toEqual([]);
    expect(checkReaderWriter(writerInt, readerLong).map((p) => p.errorType)).toEqual(['TYPE_MISMATCH']);
    expect(checkReaderWriter(rec([{ name: 'a', type: 'bytes' }]), rec([{ name: 'a', type: 'string' }]))).toEqual([]);
  });

  it('needs a default for a reader field the writer lacks; aliases match renamed fields', () => {
    const old = rec([{ name: 'a', type: 'int' }]);
    expect(
      checkReaderWriter(
        rec([
          { name: 'a', type: 'int' },
          { name: 'b', type: 'int' },
        ]),
        old,
      )[0],
    ).toMatchObject({
      errorType: 'READER_FIELD_MISSING_DEFAULT_VALUE',
      additionalInfo: 'b',
    });
    expect(
      checkReaderWriter(
        rec([
          { name: 'a', type: 'int' },
          { name: 'b', type: 'int', default: 0 },
        ]),
        old,
      ),
    ).toEqual([]);
    expect(checkReaderWriter(rec([{ name: 'z', type: 'int', aliases: ['a'] }]), old)).toEqual([]);
  });

  it('checks enum symbols, union branches, fixed sizes and record names', () => {
    const e = (symbols: string[], extra: object = {}) =>
      parseAvro(JSON.stringify({ type: 'enum', name: 'E', symbols, ...extra }));
    expect(checkReaderWriter(e(['A']), e(['A', 'B']))[0]?.errorType).toBe('MISSING_ENUM_SYMBOLS');
    expect(checkReaderWriter(e(['A'], { default: 'A' }), e(['A', 'B']))).toEqual([]);
    expect(checkReaderWriter(parseAvro('["null","int"]'), parseAvro('["null","string"]'))[0]?.errorType).toBe(
      'MISSING_UNION_BRANCH',
    );
    expect(checkReaderWriter(parseAvro('["null","long"]'), parseAvro('"int"'))).toEqual([]);
    const f = (size: number) => parseAvro(JSON.stringify({ type: 'fixed', name: 'F', size }));
    expect(checkReaderWriter(f(4), f(8))[0]?.errorType).toBe('FIXED_SIZE_MISMATCH');
    expect(checkReaderWriter(rec([], { name: 'Other' }), rec([]))[0]?.errorType).toBe('NAME_MISMATCH');
  });

  it('applies levels in their direction, transitively only when asked', () => {
    const v1 = {
      version: 1,
      schema: 's1',
      type: rec([
        { name: 'a', type: 'int' },
        { name: 'x', type: 'int' },
      ]),
    };
    const v2 = { version: 2, schema: 's2', type: rec([{ name: 'a', type: 'int' }]) };
    const v3 = rec([
      { name: 'a', type: 'int' },
      { name: 'x', type: 'string', default: '' },
    ]);
    expect(checkCompatibility('BACKWARD', v3, [v1, v2])).toEqual([]);
    const transitive = checkCompatibility('BACKWARD_TRANSITIVE', v3, [v1, v2]);
    expect(transitive[0]).toContain('TYPE_MISMATCH');
    expect(transitive).toContain('{oldSchemaVersion: 1}');
    // FORWARD: the old schema reads the new one; dropping x (no default in the old) breaks it, adding y does not.
    const added = rec([
      { name: 'a', type: 'int' },
      { name: 'x', type: 'int' },
      { name: 'y', type: 'int' },
    ]);
    expect(checkCompatibility('FORWARD', added, [v1])).toEqual([]);
    expect(checkCompatibility('FORWARD', rec([{ name: 'a', type: 'int' }]), [v1])[0]).toContain(
      'in the old schema has no default value and is missing in the new schema',
    );
    // FULL is both: adding y without a default fails backward.
    expect(checkCompatibility('FULL', added, [v1])[0]).toContain('READER_FIELD_MISSING_DEFAULT_VALUE');
    expect(checkCompatibility('NONE', parseAvro('"string"'), [v1])).toEqual([]);
  });

  it('stores compact JSON and normalizes equivalent spellings to one form', () => {
    expect(storedForm('{ "type" : "string" }')).toBe('"string"');
    expect(storedForm('{"type": "record", "name": "R", "fields": []}')).toBe(
      '{"type":"record","name":"R","fields":[]}',
    );
    const a = parseAvro('{"type":"record","name":"n.R","fields":[{"name":"a","type":"int"}]}');
    const b = parseAvro('{"fields":[{"type":"int","name":"a"}],"namespace":"n","name":"R","type":"record"}');
    expect(normalizedForm(a)).toBe(normalizedForm(b));
  });
});

describe('the _schemas records', () => {
  it('round-trips keys and applies schema, delete and tombstone records to the store', () => {
    const key = schemaKey('s', 1);
    expect(encodeKey(key).toString()).toBe('{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}');
    expect(decodeKey(encodeKey(key))).toEqual(key);
    expect(decodeKey(Buffer.from('{"keytype":"CONTEXT","tenant":"t","magic":0}'))).toBeNull();
    const store = new SchemaStore();
    store.apply(key, JSON.parse(schemaValueJson({ subject: 's', version: 1, id: 3, schema: '"int"', deleted: false })));
    store.apply(schemaKey('s', 2), { subject: 's', version: 2, id: 4, schema: '"long"', deleted: false });
    expect(store.versions('s', false).map((v) => v.id)).toEqual([3, 4]);
    store.apply({ keytype: 'DELETE_SUBJECT', subject: 's', magic: 0 }, { subject: 's', version: 2 });
    expect(store.versions('s', false)).toEqual([]);
    expect(store.versions('s', true)).toHaveLength(2);
    store.apply(schemaKey('s', 1), null);
    store.apply(schemaKey('s', 2), null);
    expect(store.subjects(true)).toEqual([]);
    // Ids are never handed out again after a permanent delete.
    expect(store.maxId).toBe(4);
    expect(store.byId(3)?.schema).toBe('"int"');
  });
});
