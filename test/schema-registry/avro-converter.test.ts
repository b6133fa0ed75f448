/**
 * AvroConverter against Confluent's own JS Avro serializer and deserializer, through our registry:
 * what our converter writes Confluent decodes, and what Confluent writes our converter reads into the
 * expected Connect data — every Connect type and logical type, optional and default values, maps with
 * non-string keys, enums, unions and Debezium-style named schemas.
 */
import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  Decimal,
  RetriableException,
  Schema,
  SchemaBuilder,
  Struct,
} from '@tributary/api';
import { AvroConverter } from '@tributary/converters';
import type { RunningSchemaRegistry } from '@tributary/schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../helpers.js';
import { AvroDeserializer, AvroSerializer, SchemaRegistryClient, SerdeType } from './confluent.js';
import { type RegistryCluster, registryCluster, settle } from './helpers.js';

function converter(url: string, extra: Record<string, string> = {}, isKey = false): AvroConverter {
  const c = new AvroConverter();
  c.configure({ 'schema.registry.url': url, ...extra }, isKey);
  return c;
}

const Address = SchemaBuilder.struct()
  .name('com.example.Address')
  .field('city', Schema.STRING_SCHEMA)
  .field('zip', Schema.OPTIONAL_STRING_SCHEMA)
  .build();

const Status = SchemaBuilder.string()
  .parameter('io.confluent.connect.avro.Enum', 'com.example.Status')
  .parameter('io.confluent.connect.avro.Enum.ACTIVE', 'ACTIVE')
  .parameter('io.confluent.connect.avro.Enum.BLOCKED', 'BLOCKED')
  .build();

const Everything = SchemaBuilder.struct()
  .name('com.example.Everything')
  .version(2)
  .doc('all Connect types')
  .field('i8', Schema.INT8_SCHEMA)
  .field('i16', Schema.INT16_SCHEMA)
  .field('i32', Schema.INT32_SCHEMA)
  .field('i64', Schema.INT64_SCHEMA)
  .field('big', Schema.INT64_SCHEMA)
  .field('f32', Schema.FLOAT32_SCHEMA)
  .field('f64', Schema.FLOAT64_SCHEMA)
  .field('flag', Schema.BOOLEAN_SCHEMA)
  .field('text', Schema.STRING_SCHEMA)
  .field('blob', Schema.BYTES_SCHEMA)
  .field('price', Decimal.builder(2).parameter('connect.decimal.precision', '10').build())
  .field('day', ConnectDate.SCHEMA)
  .field('at', ConnectTime.SCHEMA)
  .field('ts', ConnectTimestamp.SCHEMA)
  .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
  .field('attrs', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
  .field('byId', SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build())
  .field('home', Address)
  .field('nick', Schema.OPTIONAL_STRING_SCHEMA)
  .field('missing', Schema.OPTIONAL_INT32_SCHEMA)
  .field('status', Status)
  .field('level', SchemaBuilder.int32().defaultValue(5).build())
  .build();

function everythingValue(): Struct {
  return new Struct(Everything)
    .put('i8', -8)
    .put('i16', 1600)
    .put('i32', 320_000)
    .put('i64', 1_700_000_000_000)
    .put('big', 4_503_599_627_370_496n)
    .put('f32', 1.5)
    .put('f64', Math.PI)
    .put('flag', true)
    .put('text', 'héllo')
    .put('blob', new Uint8Array([0, 1, 254, 255]))
    .put('price', new BigDecimal(-12345n, 2))
    .put('day', new Date(Date.UTC(2024, 1, 29)))
    .put('at', new Date(13 * 3_600_000 + 5 * 60_000 + 7_000 + 9))
    .put('ts', new Date(Date.UTC(2024, 1, 29, 13, 5, 7, 9)))
    .put('tags', ['a', 'b'])
    .put('attrs', new Map([['x', 1]]))
    .put('byId', new Map([[7, 'seven']]))
    .put('home', new Struct(Address).put('city', 'Oslo').put('zip', null))
    .put('nick', 'nicky')
    .put('missing', null)
    .put('status', 'BLOCKED')
    .put('level', 6);
}

describe('AvroConverter against Confluent’s serializer and deserializer', () => {
  let cluster: RegistryCluster;
  let registry: RunningSchemaRegistry;
  let client: SchemaRegistryClient;

  beforeAll(async () => {
    cluster = registryCluster('avro');
    registry = await cluster.start();
    await cluster.writerElected();
    client = new SchemaRegistryClient({ baseURLs: [registry.url], maxRetries: 0 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('writes every Connect type so Confluent’s deserializer reads it, with Confluent’s schema metadata', async () => {
    const topic = unique('avro-out');
    const ours = converter(registry.url);
    const bytes = Buffer.from((await settle(() => ours.fromConnectData(topic, null, Everything, everythingValue())))!);
    expect(bytes[0]).toBe(0);
    const id = bytes.readInt32BE(1);

    const registered = JSON.parse((await client.getLatestSchemaMetadata(`${topic}-value`)).schema) as Record<
      string,
      unknown
    >;
    expect(registered).toMatchObject({
      type: 'record',
      name: 'Everything',
      namespace: 'com.example',
      doc: 'all Connect types',
      'connect.version': 2,
      'connect.doc': 'all Connect types',
      'connect.name': 'com.example.Everything',
    });
    const fields = Object.fromEntries(
      (registered.fields as Array<{ name: string; type: unknown; default?: unknown }>).map((f) => [f.name, f]),
    );
    expect(fields.i8!.type).toEqual({ type: 'int', 'connect.type': 'int8' });
    expect(fields.i16!.type).toEqual({ type: 'int', 'connect.type': 'int16' });
    expect(fields.price!.type).toEqual({
      type: 'bytes',
      scale: 2,
      precision: 10,
      'connect.version': 1,
      'connect.parameters': { scale: '2', 'connect.decimal.precision': '10' },
      'connect.name': 'org.apache.kafka.connect.data.Decimal',
      logicalType: 'decimal',
    });
    expect(fields.day!.type).toMatchObject({
      type: 'int',
      logicalType: 'date',
      'connect.name': 'org.apache.kafka.connect.data.Date',
    });
    expect(fields.at!.type).toMatchObject({ type: 'int', logicalType: 'time-millis' });
    expect(fields.ts!.type).toMatchObject({ type: 'long', logicalType: 'timestamp-millis' });
    expect(fields.nick).toEqual({ name: 'nick', type: ['null', 'string'], default: null });
    expect(fields.byId!.type).toMatchObject({
      type: 'array',
      items: { type: 'record', name: 'MapEntry', namespace: 'io.confluent.connect.avro' },
    });
    expect(fields.status!.type).toMatchObject({
      type: 'enum',
      name: 'Status',
      namespace: 'com.example',
      symbols: ['ACTIVE', 'BLOCKED'],
    });
    expect(fields.level).toMatchObject({ default: 5 });

    const deserializer = new AvroDeserializer(client, SerdeType.VALUE, {});
    const decoded = (await deserializer.deserialize(topic, bytes)) as Record<string, unknown>;
    expect(decoded).toMatchObject({
      i8: -8,
      i16: 1600,
      i32: 320_000,
      i64: 1_700_000_000_000,
      f32: 1.5,
      f64: Math.PI,
      flag: true,
      text: 'héllo',
      day: 19_782,
      at: 47_107_009,
      ts: Date.UTC(2024, 1, 29, 13, 5, 7, 9),
      tags: ['a', 'b'],
      attrs: { x: 1 },
      byId: [{ key: 7, value: 'seven' }],
      home: { city: 'Oslo', zip: null },
      nick: 'nicky',
      missing: null,
      status: 'BLOCKED',
      level: 6,
    });
    expect(Buffer.from(decoded.blob as Buffer)).toEqual(Buffer.from([0, 1, 254, 255]));
    // Decimal: the unscaled value as big-endian two's complement (-12345 = 0xCFC7).
    expect(Buffer.from(decoded.price as Buffer)).toEqual(Buffer.from([0xcf, 0xc7]));
    expect(id).toBeGreaterThan(0);

    // Our own reader gets the same Connect data back, schema and all.
    const back = await settle(() => ours.toConnectData(topic, null, bytes));
    const s = back.value as Struct;
    expect(back.schema?.name).toBe('com.example.Everything');
    expect(back.schema?.version).toBe(2);
    expect(back.schema?.field('i8')?.schema.type).toBe('int8');
    expect(back.schema?.field('price')?.schema.parameters).toEqual({ scale: '2', 'connect.decimal.precision': '10' });
    expect(s.get('big')).toBe(4_503_599_627_370_496);
    expect((s.get('price') as BigDecimal).toString()).toBe('-123.45');
    expect((s.get('day') as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect((s.get('ts') as Date).getTime()).toBe(Date.UTC(2024, 1, 29, 13, 5, 7, 9));
    expect(s.get('byId')).toEqual(new Map([[7, 'seven']]));
    expect((s.get('home') as Struct).get('city')).toBe('Oslo');
    expect(s.get('status')).toBe('BLOCKED');
    expect(back.schema?.field('status')?.schema.parameters).toMatchObject({
      'io.confluent.connect.avro.Enum': 'com.example.Status',
    });
    expect(back.schema?.field('level')?.schema.defaultValue).toBe(5);
  });

  it('keeps int64 values beyond 2^53 exact (as bigint) through its own round trip', async () => {
    const topic = unique('avro-long');
    const S = SchemaBuilder.struct().name('x.Longs').field('v', Schema.INT64_SCHEMA).build();
    const ours = converter(registry.url);
    const bytes = await settle(() =>
      ours.fromConnectData(topic, null, S, new Struct(S).put('v', 9_007_199_254_740_993n)),
    );
    const back = await settle(() => ours.toConnectData(topic, null, bytes));
    expect((back.value as Struct).get('v')).toBe(9_007_199_254_740_993n);
  });

  it('reads what Confluent’s serializer writes, plain Avro logical types included', async () => {
    const topic = unique('avro-in');
    const schema = {
      type: 'record',
      name: 'Order',
      namespace: 'shop',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 3 } },
        { name: 'day', type: { type: 'int', logicalType: 'date' } },
        { name: 'at', type: { type: 'int', logicalType: 'time-millis' } },
        { name: 'created', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'note', type: ['null', 'string'], default: null },
        { name: 'choice', type: ['int', 'string'] },
        { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
        { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 2 } },
        {
          name: 'lines',
          type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }] } },
        },
        { name: 'meta', type: { type: 'map', values: 'double' } },
        { name: 'flag', type: 'boolean', default: true },
      ],
    };
    await client.register(`${topic}-value`, { schemaType: 'AVRO', schema: JSON.stringify(schema) });
    const serializer = new AvroSerializer(client, SerdeType.VALUE, {
      useLatestVersion: true,
      autoRegisterSchemas: false,
    });
    const bytes = await serializer.serialize(topic, {
      id: 42,
      amount: Buffer.from([0x30, 0x39]), // 12345 unscaled → 12.345
      day: 1,
      at: 1000,
      created: 1_700_000_000_123,
      note: 'hi',
      choice: 'x',
      kind: 'B',
      hash: Buffer.from([1, 2]),
      lines: [{ sku: 'a' }],
      meta: { w: 0.5 },
      flag: false,
    });
    const ours = converter(registry.url);
    const { schema: cs, value } = await settle(() => ours.toConnectData(topic, null, bytes));
    const s = value as Struct;
    expect(cs?.name).toBe('shop.Order');
    expect(cs?.field('amount')?.schema.name).toBe(Decimal.LOGICAL_NAME);
    expect(cs?.field('amount')?.schema.parameters).toEqual({ scale: '3', 'connect.decimal.precision': '9' });
    expect((s.get('amount') as BigDecimal).toString()).toBe('12.345');
    expect((s.get('day') as Date).toISOString()).toBe('1970-01-02T00:00:00.000Z');
    expect((s.get('at') as Date).getTime()).toBe(1000);
    expect((s.get('created') as Date).getTime()).toBe(1_700_000_000_123);
    expect(s.get('id')).toBe(42);
    expect(cs?.field('note')?.schema.optional).toBe(true);
    expect(s.get('note')).toBe('hi');
    expect(cs?.field('choice')?.schema.name).toBe('io.confluent.connect.avro.Union');
    expect((s.get('choice') as Struct).get('string')).toBe('x');
    expect(s.get('kind')).toBe('B');
    expect(cs?.field('hash')?.schema.parameters).toEqual({ 'connect.fixed.size': '2' });
    expect([...(s.get('hash') as Uint8Array)]).toEqual([1, 2]);
    expect(((s.get('lines') as Struct[])[0] as Struct).get('sku')).toBe('a');
    expect(s.get('meta')).toEqual(new Map([['w', 0.5]]));
    expect(s.get('flag')).toBe(false);
    expect(cs?.field('flag')?.schema.defaultValue).toBe(true);
  });

  it('keeps Debezium’s named schemas and registers keys under <topic>-key', async () => {
    const topic = `${unique('dbserver1').replace('-', '_')}.inventory.customers`;
    const Value = SchemaBuilder.struct()
      .name(`${topic}.Value`)
      .optional()
      .field('id', Schema.INT32_SCHEMA)
      .field('email', Schema.STRING_SCHEMA)
      .build();
    const Source = SchemaBuilder.struct()
      .name('io.debezium.connector.postgresql.Source')
      .field('version', Schema.STRING_SCHEMA)
      .field('lsn', Schema.OPTIONAL_INT64_SCHEMA)
      .build();
    const Envelope = SchemaBuilder.struct()
      .name(`${topic}.Envelope`)
      .version(2)
      .field('before', Value)
      .field('after', Value)
      .field('source', Source)
      .field('op', Schema.STRING_SCHEMA)
      .field('ts_ms', Schema.OPTIONAL_INT64_SCHEMA)
      .build();
    const Key = SchemaBuilder.struct().name(`${topic}.Key`).field('id', Schema.INT32_SCHEMA).build();
    const value = new Struct(Envelope)
      .put('before', null)
      .put('after', new Struct(Value).put('id', 1).put('email', 'a@b.c'))
      .put('source', new Struct(Source).put('version', '3.4.0.Final').put('lsn', 123n))
      .put('op', 'c')
      .put('ts_ms', 1_700_000_000_000);
    const valueConverter = converter(registry.url);
    const keyConverter = converter(registry.url, {}, true);
    const vBytes = Buffer.from((await settle(() => valueConverter.fromConnectData(topic, null, Envelope, value)))!);
    const kBytes = Buffer.from(
      (await settle(() => keyConverter.fromConnectData(topic, null, Key, new Struct(Key).put('id', 1))))!,
    );
    expect(await client.getAllSubjects()).toEqual(expect.arrayContaining([`${topic}-key`, `${topic}-value`]));
    const deserializer = new AvroDeserializer(client, SerdeType.VALUE, {});
    expect(await deserializer.deserialize(topic, vBytes)).toMatchObject({
      before: null,
      after: { id: 1, email: 'a@b.c' },
      source: { version: '3.4.0.Final', lsn: 123 },
      op: 'c',
    });
    expect(await new AvroDeserializer(client, SerdeType.KEY, {}).deserialize(topic, kBytes)).toEqual({ id: 1 });
    const registered = JSON.parse((await client.getLatestSchemaMetadata(`${topic}-value`)).schema) as {
      name: string;
      'connect.name': string;
    };
    expect(registered['connect.name']).toBe(`${topic}.Envelope`);
    const back = await settle(() => valueConverter.toConnectData(topic, null, vBytes));
    expect(back.schema?.name).toBe(`${topic}.Envelope`);
    expect(back.schema?.field('after')?.schema.name).toBe(`${topic}.Value`);
    expect(back.schema?.field('source')?.schema.name).toBe('io.debezium.connector.postgresql.Source');
    // Writing the same schema again costs no registry call: the id is cached by Connect schema.
    const again = valueConverter.fromConnectData(topic, null, Envelope, value);
    expect(Buffer.from(again!)).toEqual(vBytes);
  });

  it('names subjects by RecordNameStrategy and TopicRecordNameStrategy, and honours use.latest.version', async () => {
    const topic = unique('strategies');
    const S = SchemaBuilder.struct().name('com.example.Thing').field('a', Schema.INT32_SCHEMA).build();
    const record = converter(registry.url, {
      'value.subject.name.strategy': 'io.confluent.kafka.serializers.subject.RecordNameStrategy',
    });
    await settle(() => record.fromConnectData(topic, null, S, new Struct(S).put('a', 1)));
    const topicRecord = converter(registry.url, {
      'value.subject.name.strategy': 'io.confluent.kafka.serializers.subject.TopicRecordNameStrategy',
    });
    await settle(() => topicRecord.fromConnectData(topic, null, S, new Struct(S).put('a', 1)));
    const subjects = await client.getAllSubjects();
    expect(subjects).toContain('com.example.Thing');
    expect(subjects).toContain(`${topic}-com.example.Thing`);

    const pinned = converter(registry.url, { 'auto.register.schemas': 'false', 'use.latest.version': 'true' });
    const latestId = (await client.getLatestSchemaMetadata('com.example.Thing')).id;
    const viaLatest = converter(registry.url, {
      'auto.register.schemas': 'false',
      'use.latest.version': 'true',
      'value.subject.name.strategy': 'RecordNameStrategy',
    });
    const bytes = Buffer.from(
      (await settle(() => viaLatest.fromConnectData(topic, null, S, new Struct(S).put('a', 2))))!,
    );
    expect(bytes.readInt32BE(1)).toBe(latestId);
    // Lookup only, nothing registered: an unknown subject is a data error naming the subject.
    await expect(
      settle(() => pinned.fromConnectData(unique('never'), null, S, new Struct(S).put('a', 1))),
    ).rejects.toThrow(/Subject '.*-value' not found/);
  });

  it('refuses bad configuration naming every bad key', () => {
    expect(() =>
      converter('', {
        'basic.auth.credentials.source': 'USER_INFO',
        'value.subject.name.strategy': 'com.example.Nope',
      }),
    ).toThrow(
      /schema\.registry\.url[\s\S]*basic\.auth\.user\.info[\s\S]*value\.subject\.name\.strategy|basic\.auth\.user\.info[\s\S]*schema\.registry\.url/,
    );
  });

  it('fails retriably, naming the registry URL, when no registry answers', async () => {
    const down = converter('http://127.0.0.1:1', { 'schema.registry.request.timeout.ms': '2000' });
    const S = SchemaBuilder.struct().name('x.Y').field('a', Schema.INT32_SCHEMA).build();
    const err = await settle(() => down.fromConnectData('t', null, S, new Struct(S).put('a', 1))).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RetriableException);
    expect((err as Error).message).toContain('http://127.0.0.1:1');
    const readErr = await settle(() => down.toConnectData('t', null, Buffer.from([0, 0, 0, 0, 1, 2]))).catch(
      (e: unknown) => e,
    );
    expect(readErr).toBeInstanceOf(RetriableException);
    expect((readErr as Error).message).toContain('Avro schema for id 1');
  });
});
