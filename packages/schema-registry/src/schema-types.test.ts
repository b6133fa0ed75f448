import { describe, expect, it } from 'vitest';
import { checkSchemaCompatibility, parseSchema } from './schema-types.js';

const json = (o: unknown) => parseSchema('JSON', JSON.stringify(o), [], false);
const proto = (t: string) => parseSchema('PROTOBUF', t, [], false);
const check = (
  level: Parameters<typeof checkSchemaCompatibility>[0],
  next: ReturnType<typeof json>,
  prev: ReturnType<typeof json>,
) => checkSchemaCompatibility(level, next, [{ version: 1, schema: prev.stored, parsed: prev }]);

describe('JSON schemas in the registry', () => {
  it('refuses documents that are not JSON Schemas, with the reason', () => {
    expect(() => parseSchema('JSON', '{"type":', [], false)).toThrow(/Invalid JSON/);
    expect(() => json({ type: 'strin' })).toThrow(/type/);
    expect(() => json({ $ref: 'other.json' })).toThrow(/other\.json/);
    expect(() =>
      parseSchema('JSON', '{"$ref":"other.json"}', [{ name: 'other.json', schema: '{"type":"string"}' }], false),
    ).not.toThrow();
  });

  it('stores the compact form and compares normalized forms regardless of key order', () => {
    const a = parseSchema('JSON', '{ "type": "object", "properties": { "a": { "type": "string" } } }', [], false);
    const b = parseSchema('JSON', '{"properties":{"a":{"type":"string"}},"type":"object"}', [], false);
    expect(a.stored).toBe('{"type":"object","properties":{"a":{"type":"string"}}}');
    expect(a.normalized).toBe(b.normalized);
  });

  it('applies Confluent’s content-model rules', () => {
    const open1 = json({ type: 'object', properties: { id: { type: 'integer' } } });
    const open2 = json({ type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } });
    expect(check('BACKWARD', open2, open1).join()).toMatch(/PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL/);
    // Removing from an open model is backward compatible; forward it is adding to an open one.
    expect(check('BACKWARD', open1, open2)).toEqual([]);
    expect(check('FORWARD', open1, open2).join()).toMatch(/PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL/);
    const closed1 = json({ type: 'object', additionalProperties: false, properties: { id: { type: 'integer' } } });
    const closed2 = json({
      type: 'object',
      additionalProperties: false,
      properties: { id: { type: 'integer' }, name: { type: 'string' } },
    });
    expect(check('BACKWARD', closed2, closed1)).toEqual([]);
    expect(check('BACKWARD', closed1, closed2).join()).toMatch(/PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL/);
    const required = json({
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { id: { type: 'integer' }, name: { type: 'string' } },
    });
    expect(check('BACKWARD', required, closed1).join()).toMatch(/REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL/);
  });

  it('reports type changes, narrowing and lost oneOf branches; integer to number widens', () => {
    const int = json({ type: 'object', properties: { n: { type: 'integer' } } });
    const num = json({ type: 'object', properties: { n: { type: 'number' } } });
    const str = json({ type: 'object', properties: { n: { type: 'string' } } });
    expect(check('BACKWARD', num, int)).toEqual([]);
    expect(check('BACKWARD', int, num).join()).toMatch(/TYPE_NARROWED/);
    expect(check('BACKWARD', str, int).join()).toMatch(/TYPE_CHANGED/);
    const optional = json({ type: 'object', properties: { n: { oneOf: [{ type: 'null' }, { type: 'string' }] } } });
    expect(check('BACKWARD', optional, str)).toEqual([]);
    expect(check('BACKWARD', str, optional).join()).toMatch(/SUM_TYPE_NARROWED/);
    expect(check('NONE', str, int)).toEqual([]);
  });
});

describe('Protobuf schemas in the registry', () => {
  const v1 =
    'syntax = "proto3"; package shop; message Order { int64 id = 1; string note = 2; Line line = 3; } message Line { int32 qty = 1; }';

  it('refuses .proto text that does not parse or resolve, with the reason', () => {
    expect(() => proto('syntax = "proto3"; message M { int32 x = ; }')).toThrow(/illegal/);
    expect(() => proto('syntax = "proto3"; message M { Missing x = 1; }')).toThrow(/Missing/);
    expect(() =>
      proto(
        'syntax = "proto3"; import "google/protobuf/timestamp.proto"; message M { google.protobuf.Timestamp t = 1; }',
      ),
    ).not.toThrow();
  });

  it('takes the option lists Confluent prints for (confluent.field_meta)', () => {
    const text =
      'syntax = "proto3";\nimport "confluent/meta.proto";\nmessage M {\n  int32 a = 1 [(confluent.field_meta) = { params: [ { key: "connect.type", value: "int8" } ] }];\n}';
    expect(proto(text).stored).toBe(text);
  });

  it('normalizes away layout and comments', () => {
    const a = proto(v1);
    const b = proto(
      `// orders\nsyntax = "proto3";\npackage shop;\n\nmessage Order {\n  int64 id = 1;\n  string note = 2;\n  Line line = 3;\n}\nmessage Line {\n  int32 qty = 1;\n}\n`,
    );
    expect(a.normalized).toBe(b.normalized);
    expect(a.stored).not.toBe(b.stored);
  });

  it('accepts added and removed fields and wire-compatible scalar changes; refuses kind, type, package and message changes', () => {
    const ok = proto(
      'syntax = "proto3"; package shop; message Order { uint64 id = 1; Line line = 3; bool gift = 4; } message Line { int32 qty = 1; }',
    );
    expect(check('FULL', ok, proto(v1))).toEqual([]);
    expect(
      check(
        'BACKWARD',
        proto('syntax = "proto3"; package shop; message Order { string id = 1; } message Line { int32 qty = 1; }'),
        proto(v1),
      ).join(),
    ).toMatch(/FIELD_SCALAR_KIND_CHANGED/);
    expect(
      check(
        'BACKWARD',
        proto('syntax = "proto3"; package shop; message Order { Line id = 1; } message Line { int32 qty = 1; }'),
        proto(v1),
      ).join(),
    ).toMatch(/FIELD_KIND_CHANGED/);
    expect(
      check(
        'BACKWARD',
        proto('syntax = "proto3"; package shop; message Order { int64 id = 1; } message Line { string qty = 1; }'),
        proto(v1),
      ).join(),
    ).toMatch(/FIELD_SCALAR_KIND_CHANGED/);
    expect(
      check(
        'BACKWARD',
        proto('syntax = "proto3"; package other; message Order { int64 id = 1; } message Line { int32 qty = 1; }'),
        proto(v1),
      ).join(),
    ).toMatch(/PACKAGE_CHANGED/);
    expect(
      check('BACKWARD', proto('syntax = "proto3"; package shop; message Order { int64 id = 1; }'), proto(v1)).join(),
    ).toMatch(/MESSAGE_REMOVED/);
  });

  it('refuses proto2 required fields added', () => {
    const a = proto('syntax = "proto2"; message M { optional int32 a = 1; }');
    const b = proto('syntax = "proto2"; message M { optional int32 a = 1; required int32 b = 2; }');
    expect(check('BACKWARD', b, a).join()).toMatch(/REQUIRED_FIELD_ADDED/);
  });

  it('refuses a change of schema type', () => {
    const avro = parseSchema('AVRO', '"string"', [], false);
    expect(
      checkSchemaCompatibility('BACKWARD', proto(v1), [{ version: 1, schema: avro.stored, parsed: avro }]).join(),
    ).toMatch(/schema type changed from AVRO to PROTOBUF/);
  });
});
