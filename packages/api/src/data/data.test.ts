import { describe, expect, it } from 'vitest';
import { DataException } from '../errors.js';
import { BigDecimal, ConnectDate, Decimal, bigintToBytes, bytesToBigint } from './logical.js';
import { Schema, SchemaBuilder, schemaEquals, validateValue } from './schema.js';
import { Struct } from './struct.js';

describe('SchemaBuilder and Struct', () => {
  const address = SchemaBuilder.struct().name('Address').field('city', Schema.STRING_SCHEMA).optional().build();
  const person = SchemaBuilder.struct()
    .name('com.example.Person')
    .version(2)
    .field('name', Schema.STRING_SCHEMA)
    .field('age', SchemaBuilder.int32().optional().defaultValue(18).build())
    .field('address', address)
    .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
    .build();

  it('puts, gets and applies defaults', () => {
    const s = new Struct(person).put('name', 'Ada').put('address', new Struct(address).put('city', 'London'));
    expect(s.get('name')).toBe('Ada');
    expect(s.get('age')).toBe(18);
    expect(s.getWithoutDefault('age')).toBeNull();
    expect(s.getStruct('address')?.getString('city')).toBe('London');
    s.validate();
  });

  it('rejects values of the wrong type and unknown fields', () => {
    const s = new Struct(person);
    expect(() => s.put('name', 42)).toThrow(DataException);
    expect(() => s.put('nope', 'x')).toThrow(/not a valid field name/);
    expect(() => s.validate()).toThrow(/null used for required field/);
  });

  it('validate() still finds what changed after put: an array grown with a bad element, a nested required field', () => {
    const tags = ['a'];
    const s = new Struct(person).put('name', 'Ada').put('tags', tags);
    s.validate();
    (tags as unknown[]).push(7);
    expect(() => s.validate()).toThrow(
      /Invalid Java object for schema with type STRING: number 7 for field: "tags\[1\]"/,
    );
    const strict = SchemaBuilder.struct().name('Strict').field('id', Schema.INT64_SCHEMA).build();
    const outer = SchemaBuilder.struct().field('inner', strict).build();
    expect(() => new Struct(outer).put('inner', new Struct(strict))).toThrow(/null used for required field: "id"/);
    expect(() => validateValue(Schema.INT64_SCHEMA, 2n ** 63n - 1n)).not.toThrow();
    expect(() => validateValue(Schema.INT64_SCHEMA, -(2n ** 63n) - 1n)).toThrow(DataException);
  });

  it('checks integer ranges', () => {
    expect(() => validateValue(Schema.INT8_SCHEMA, 128)).toThrow(DataException);
    expect(() => validateValue(Schema.INT8_SCHEMA, -128)).not.toThrow();
    expect(() => validateValue(Schema.INT64_SCHEMA, 2n ** 63n)).toThrow(DataException);
    expect(() => validateValue(Schema.INT64_SCHEMA, 2n ** 62n)).not.toThrow();
    expect(() => validateValue(Schema.INT32_SCHEMA, 1.5)).toThrow(DataException);
  });

  it('compares schemas and structs structurally', () => {
    const copy = SchemaBuilder.from(person).build();
    expect(schemaEquals(copy, person)).toBe(true);
    expect(schemaEquals(SchemaBuilder.from(person).version(3).build(), person)).toBe(false);
    const a = new Struct(person).put('name', 'x').put('address', null);
    const b = new Struct(copy).put('name', 'x');
    expect(a.equals(b)).toBe(true);
  });
});

describe('logical types', () => {
  it('encodes BigInteger bytes as Java does', () => {
    expect([...bigintToBytes(0n)]).toEqual([0]);
    expect([...bigintToBytes(127n)]).toEqual([0x7f]);
    expect([...bigintToBytes(128n)]).toEqual([0x00, 0x80]);
    expect([...bigintToBytes(-1n)]).toEqual([0xff]);
    expect([...bigintToBytes(-129n)]).toEqual([0xff, 0x7f]);
    for (const v of [0n, 1n, -1n, 255n, -256n, 123456789012345678901234567890n, -(2n ** 70n)]) {
      expect(bytesToBigint(bigintToBytes(v))).toBe(v);
    }
  });

  it('gives the same bytes for integers within ±2^53 (read as doubles) as Java, at every length boundary', () => {
    // Java's BigInteger.toByteArray, written out: minimal two's complement, big-endian.
    const java = (v: bigint): number[] => {
      const len = v >= 0n ? v.toString(2).length + 1 : (-v - 1n).toString(2).length + 1;
      const bytes = Math.ceil(len / 8);
      const u = BigInt.asUintN(bytes * 8, v);
      return Array.from({ length: bytes }, (_, i) => Number((u >> BigInt(8 * (bytes - 1 - i))) & 0xffn));
    };
    const wrong: string[] = [];
    for (let k = 0n; k <= 64n; k++)
      for (const d of [-1n, 0n, 1n])
        for (const v of [2n ** k + d, -(2n ** k) + d, 2n ** 53n - 1n, -(2n ** 53n) + 1n, 12_345n, -99_999n]) {
          if (JSON.stringify([...bigintToBytes(v)]) !== JSON.stringify(java(v))) wrong.push(String(v));
        }
    expect(wrong).toEqual([]);
  });

  it('round-trips decimals through bytes and text', () => {
    const schema = Decimal.schema(2);
    const d = BigDecimal.parse('-12.34');
    expect(d.toString()).toBe('-12.34');
    expect(Decimal.toLogical(schema, Decimal.fromLogical(schema, d)).equals(d)).toBe(true);
    expect(BigDecimal.parse('1.005').setScale(2).toString()).toBe('1.01');
    expect(BigDecimal.parse('0.05').toString()).toBe('0.05');
    expect(BigDecimal.parse('1e3').toString()).toBe('1000');
    expect(() => Decimal.fromLogical(schema, BigDecimal.parse('1.5'))).toThrow(DataException);
  });

  it('validates Date values at midnight', () => {
    expect(ConnectDate.fromLogical(ConnectDate.SCHEMA, new Date(Date.UTC(1970, 0, 11)))).toBe(10);
    expect(() => ConnectDate.fromLogical(ConnectDate.SCHEMA, new Date(1))).toThrow(DataException);
  });
});
