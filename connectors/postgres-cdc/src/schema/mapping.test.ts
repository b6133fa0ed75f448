import { BigDecimal, type Schema, type Struct } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { columnConverter, javaDecimalString, type MappingConfig, Oid, placeholderBytes } from './mapping.js';
import { TypeRegistry } from './types.js';

const base = (
  oid: number,
  name: string,
  extra: Partial<{ kind: string; category: string; elemOid: number; baseOid: number; enumValues: string[] }> = {},
) => ({
  oid,
  name,
  namespace: 'pg_catalog',
  kind: extra.kind ?? 'b',
  category: extra.category ?? 'U',
  elemOid: extra.elemOid ?? 0,
  baseOid: extra.baseOid ?? 0,
  baseTypmod: -1,
  delimiter: ',',
  enumValues: extra.enumValues ?? null,
});

function registry(): TypeRegistry {
  const r = new TypeRegistry();
  for (const [name, oid] of Object.entries(Oid)) r.add(base(oid, name.toLowerCase()));
  r.add(base(1007, '_int4', { category: 'A', elemOid: Oid.INT4 }));
  r.add(base(1009, '_text', { category: 'A', elemOid: Oid.TEXT }));
  r.add(base(1231, '_numeric', { category: 'A', elemOid: Oid.NUMERIC }));
  r.add(base(1001, '_bytea', { category: 'A', elemOid: Oid.BYTEA }));
  r.add(base(1185, '_timestamptz', { category: 'A', elemOid: Oid.TIMESTAMPTZ }));
  r.add(base(90001, 'mood', { kind: 'e', enumValues: ['sad', 'ok', 'happy'] }));
  r.add(base(90002, '_mood', { category: 'A', elemOid: 90001 }));
  r.add(base(90003, 'positive_int', { kind: 'd', baseOid: Oid.INT4 }));
  r.add(base(90004, 'hstore'));
  r.add(base(90005, 'tsvector'));
  return r;
}

const cfg = (over: Partial<MappingConfig> = {}): MappingConfig => ({
  decimalMode: 'precise',
  timePrecisionMode: 'adaptive',
  binaryMode: 'bytes',
  intervalMode: 'numeric',
  hstoreMode: 'json',
  moneyFractionDigits: 2,
  includeUnknownDatatypes: false,
  unavailablePlaceholder: placeholderBytes('__debezium_unavailable_value'),
  ...over,
});

const conv = (
  typeOid: number,
  opts: { typmod?: number; optional?: boolean; def?: string | null; cfg?: Partial<MappingConfig> } = {},
) =>
  columnConverter(
    { name: 'c', typeOid, typmod: opts.typmod ?? -1, optional: opts.optional ?? true, defaultExpr: opts.def ?? null },
    registry(),
    cfg(opts.cfg),
  )!;

const shape = (s: Schema) => ({
  type: s.type,
  name: s.name,
  version: s.version,
  parameters: s.parameters,
  optional: s.optional,
  default: s.defaultValue,
});

describe('Debezium type mapping', () => {
  it('maps integers, floats, booleans and text to plain Connect types', () => {
    expect(shape(conv(Oid.INT2).schema)).toMatchObject({ type: 'int16', name: null });
    expect(conv(Oid.INT4).fromText('-42')).toBe(-42);
    expect(conv(Oid.INT8).fromText('9007199254740993')).toBe(9007199254740993n);
    expect(conv(Oid.FLOAT8).fromText('NaN')).toBeNaN();
    expect(conv(Oid.BOOL).fromText('t')).toBe(true);
    expect(shape(conv(Oid.VARCHAR).schema)).toMatchObject({ type: 'string', name: null });
    expect(shape(conv(Oid.OID).schema)).toMatchObject({ type: 'int64' });
  });

  it('maps NUMERIC by scale and decimal.handling.mode', () => {
    const fixed = conv(Oid.NUMERIC, { typmod: ((10 << 16) | 2) + 4 });
    expect(shape(fixed.schema)).toMatchObject({
      type: 'bytes',
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '2', 'connect.decimal.precision': '10' },
    });
    expect(fixed.fromText('12.50')).toEqual(new BigDecimal(1250n, 2));
    const variable = conv(Oid.NUMERIC);
    expect(shape(variable.schema)).toMatchObject({
      type: 'struct',
      name: 'io.debezium.data.VariableScaleDecimal',
      version: 1,
    });
    expect(variable.schema.doc).toBe('Variable scaled decimal');
    const v = variable.fromText('12.3400') as Struct;
    expect(v.get('scale')).toBe(2);
    expect([...(v.get('value') as Uint8Array)]).toEqual([0x04, 0xd2]);
    expect(() => variable.fromText('NaN')).toThrow(/special value/);
    expect(conv(Oid.NUMERIC, { cfg: { decimalMode: 'double' } }).fromText('1.25')).toBe(1.25);
    expect(
      conv(Oid.NUMERIC, { typmod: ((10 << 16) | 7) + 4, cfg: { decimalMode: 'string' } }).fromText('0.0000001'),
    ).toBe('1E-7');
    expect(conv(Oid.NUMERIC, { cfg: { decimalMode: 'string' } }).fromText('NaN')).toBe('NAN');
    expect(javaDecimalString(new BigDecimal(123n, 2))).toBe('1.23');
  });

  it('maps temporal types by time.precision.mode', () => {
    expect(shape(conv(Oid.DATE).schema)).toMatchObject({ type: 'int32', name: 'io.debezium.time.Date', version: 1 });
    expect(conv(Oid.DATE).fromText('1970-01-02')).toBe(1);
    expect(shape(conv(Oid.TIME, { typmod: 3 }).schema)).toMatchObject({ type: 'int32', name: 'io.debezium.time.Time' });
    expect(conv(Oid.TIME, { typmod: 3 }).fromText('00:00:01.5')).toBe(1500);
    expect(shape(conv(Oid.TIME).schema)).toMatchObject({ type: 'int64', name: 'io.debezium.time.MicroTime' });
    expect(
      shape(conv(Oid.TIME, { typmod: 3, cfg: { timePrecisionMode: 'adaptive_time_microseconds' } }).schema),
    ).toMatchObject({ name: 'io.debezium.time.MicroTime' });
    expect(shape(conv(Oid.TIMESTAMP).schema)).toMatchObject({ type: 'int64', name: 'io.debezium.time.MicroTimestamp' });
    expect(conv(Oid.TIMESTAMP).fromText('2018-06-20 15:13:16.945104')).toBe(1529507596945104);
    expect(conv(Oid.TIMESTAMP).fromText('infinity')).toBe(9223372036825200000n);
    expect(shape(conv(Oid.TIMESTAMP, { typmod: 2 }).schema)).toMatchObject({ name: 'io.debezium.time.Timestamp' });
    expect(conv(Oid.TIMESTAMP, { typmod: 2 }).fromText('2018-06-20 15:13:16.94')).toBe(1529507596940);
    expect(shape(conv(Oid.TIMESTAMPTZ).schema)).toMatchObject({
      type: 'string',
      name: 'io.debezium.time.ZonedTimestamp',
    });
    expect(conv(Oid.TIMESTAMPTZ).fromText('2018-06-20 15:13:16.945104+00')).toBe('2018-06-20T15:13:16.945104Z');
    // Debezium prints exactly as many fraction digits as the column's precision (6 undeclared), none at 0.
    expect(conv(Oid.TIMESTAMPTZ).fromText('1970-01-01 00:00:00+00')).toBe('1970-01-01T00:00:00.000000Z');
    expect(conv(Oid.TIMESTAMPTZ, { typmod: 3 }).fromText('2020-01-01 00:00:00.5+00')).toBe('2020-01-01T00:00:00.500Z');
    expect(conv(Oid.TIMESTAMPTZ, { typmod: 0 }).fromText('2020-01-01 00:00:01+00')).toBe('2020-01-01T00:00:01Z');
    expect(conv(1185).fromText('{"2020-01-01 00:00:00+00"}')).toEqual(['2020-01-01T00:00:00.000000Z']);
    expect(conv(1185, { typmod: 3 }).fromText('{"2020-01-01 00:00:00.5+00"}')).toEqual(['2020-01-01T00:00:00.500Z']);
    expect(conv(Oid.TIMETZ).fromText('10:00:00.5+02')).toBe('08:00:00.5Z');
    expect(conv(Oid.TIMETZ).fromText('10:15:30+02')).toBe('08:15:30Z');
    const connect = conv(Oid.TIMESTAMP, { cfg: { timePrecisionMode: 'connect' } });
    expect(shape(connect.schema)).toMatchObject({ name: 'org.apache.kafka.connect.data.Timestamp' });
    expect(connect.fromText('1970-01-01 00:00:01.999')).toEqual(new Date(1999));
  });

  it('maps interval, json, uuid, xml, bits, bytea and point', () => {
    expect(shape(conv(Oid.INTERVAL).schema)).toMatchObject({ type: 'int64', name: 'io.debezium.time.MicroDuration' });
    expect(conv(Oid.INTERVAL, { cfg: { intervalMode: 'string' } }).fromText('P1DT2H')).toBe('P0Y0M1DT2H0M0S');
    expect(shape(conv(Oid.JSONB).schema)).toMatchObject({ type: 'string', name: 'io.debezium.data.Json' });
    expect(shape(conv(Oid.UUID).schema)).toMatchObject({ name: 'io.debezium.data.Uuid' });
    expect(shape(conv(Oid.XML).schema)).toMatchObject({ name: 'io.debezium.data.Xml' });
    expect(shape(conv(Oid.BIT, { typmod: 1 }).schema)).toMatchObject({ type: 'boolean' });
    expect(shape(conv(Oid.BIT, { typmod: 3 }).schema)).toMatchObject({
      type: 'bytes',
      name: 'io.debezium.data.Bits',
      parameters: { length: '3' },
    });
    expect(shape(conv(Oid.VARBIT).schema)).toMatchObject({ parameters: { length: '2147483647' } });
    expect([...(conv(Oid.BYTEA).fromText('\\x0102') as Uint8Array)]).toEqual([1, 2]);
    expect(conv(Oid.BYTEA, { cfg: { binaryMode: 'base64' } }).fromText('\\xfbff')).toBe('+/8=');
    expect(conv(Oid.BYTEA, { cfg: { binaryMode: 'base64-url-safe' } }).fromText('\\xfbff')).toBe('-_8=');
    expect(conv(Oid.BYTEA, { cfg: { binaryMode: 'hex' } }).fromText('\\xfbff')).toBe('fbff');
    const p = conv(Oid.POINT).fromText('(1,2)') as Struct;
    expect(p.schema.name).toBe('io.debezium.data.geometry.Point');
    expect([p.get('x'), p.get('y'), (p.get('wkb') as Uint8Array).length]).toEqual([1, 2, 21]);
  });

  it('maps enums, arrays, domains, hstore and money', () => {
    expect(shape(conv(90001).schema)).toMatchObject({
      type: 'string',
      name: 'io.debezium.data.Enum',
      parameters: { allowed: 'sad,ok,happy' },
    });
    const ints = conv(1007);
    expect(ints.schema.type).toBe('array');
    expect(ints.schema.valueSchema!.optional).toBe(true);
    expect(ints.fromText('{1,NULL,3}')).toEqual([1, null, 3]);
    expect(conv(1009).fromText('{"a,b",c}')).toEqual(['a,b', 'c']);
    expect(conv(90002).schema.valueSchema!.optional).toBe(false);
    expect(conv(1231, { typmod: ((5 << 16) | 1) + 4 }).fromText('{1.5}')).toEqual([new BigDecimal(15n, 1)]);
    expect(
      columnConverter({ name: 'c', typeOid: 1001, typmod: -1, optional: true, defaultExpr: null }, registry(), cfg()),
    ).toBeNull();
    expect(shape(conv(90003).schema)).toMatchObject({ type: 'int32' });
    expect(conv(90004).fromText('"a"=>"1", "b"=>NULL')).toBe('{"a":"1","b":null}');
    expect(conv(90004, { cfg: { hstoreMode: 'map' } }).fromText('"a"=>"1"')).toEqual(new Map([['a', '1']]));
    expect(conv(Oid.MONEY).fromText('$1,234.50')).toEqual(new BigDecimal(123450n, 2));
  });

  it('leaves out unknown types unless include.unknown.datatypes', () => {
    expect(
      columnConverter({ name: 'c', typeOid: 90005, typmod: -1, optional: true, defaultExpr: null }, registry(), cfg()),
    ).toBeNull();
    const raw = conv(90005, { cfg: { includeUnknownDatatypes: true } });
    expect(Buffer.from(raw.fromText("'a'") as Uint8Array).toString()).toBe("'a'");
  });

  it('parses column defaults as Debezium does, functions becoming the type zero', () => {
    expect(conv(Oid.INT4, { optional: false, def: "nextval('t_id_seq'::regclass)" }).schema.defaultValue).toBe(0);
    expect(conv(Oid.INT4, { def: "'-5'::integer" }).schema.defaultValue).toBe(-5);
    expect(conv(Oid.VARCHAR, { def: "'abc'::character varying" }).schema.defaultValue).toBe('abc');
    expect(conv(Oid.BOOL, { def: 'true' }).schema.defaultValue).toBe(true);
    expect(conv(Oid.NUMERIC, { typmod: ((10 << 16) | 2) + 4, def: '1.5' }).schema.defaultValue).toEqual(
      new BigDecimal(150n, 2),
    );
    expect(conv(Oid.NUMERIC, { def: '1.5' }).schema.defaultValue).toBeNull();
    expect(conv(Oid.TIMESTAMPTZ, { def: 'now()' }).schema.defaultValue).toBe('1970-01-01T00:00:00.000000Z');
    expect(
      conv(Oid.TIMESTAMPTZ, { typmod: 1, def: "'2020-01-01 00:00:00+00'::timestamp with time zone" }).schema
        .defaultValue,
    ).toBe('2020-01-01T00:00:00.0Z');
    expect(conv(Oid.TIMESTAMPTZ, { def: 'CURRENT_TIMESTAMP' }).schema.defaultValue).toBeNull();
    expect(conv(Oid.DATE, { def: "'1970-01-11'::date" }).schema.defaultValue).toBe(10);
    expect(conv(Oid.JSONB, { def: "'{}'::jsonb" }).schema.defaultValue).toBe('{}');
    expect(conv(90003, { def: '5' }).schema.defaultValue).toBeNull();
    expect(conv(Oid.INT4, { def: 'NULL::integer' }).schema.defaultValue).toBeNull();
  });

  it('fills NOT NULL nulls with the default or the type zero, and TOAST with the placeholder', () => {
    expect(conv(Oid.INT4, { optional: false }).nullValue).toBe(0);
    expect(conv(Oid.TEXT, { optional: false, def: "'x'::text" }).nullValue).toBe('x');
    expect(conv(Oid.TEXT).nullValue).toBeNull();
    expect(conv(Oid.TEXT).toastPlaceholder).toBe('__debezium_unavailable_value');
    expect(Buffer.from(conv(Oid.BYTEA).toastPlaceholder as Uint8Array).toString()).toBe('__debezium_unavailable_value');
    expect(conv(1009).toastPlaceholder).toEqual(['__debezium_unavailable_value']);
    expect(conv(1007).toastPlaceholder).toEqual([...Buffer.from('__debezium_unavailable_value')]);
    expect(Buffer.from(placeholderBytes('hex:00ff')).toString('hex')).toBe('00ff');
  });
});
