/**
 * JsonSchemaConverter and ProtobufConverter through our registry over HTTP: the schemas they register
 * (schemaType JSON / PROTOBUF) and what the registry answers for them, Confluent's JS JSON Schema
 * serializer and deserializer on the other side of the JSON converter (with their own validation),
 * the Protobuf wire format byte for byte (schema id, message indexes) against a .proto registered by
 * hand, and compatibility checks for both types refusing incompatible versions with Confluent's reasons.
 */
import {
  BigDecimal,
  ConnectDate,
  ConnectTimestamp,
  DataException,
  Decimal,
  Schema,
  SchemaBuilder,
  Struct,
} from '@tributary/api';
import { JsonSchemaConverter, ProtobufConverter, parseProto } from '@tributary/converters';
import type { RunningSchemaRegistry } from '@tributary/schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../helpers.js';
import {
  JsonDeserializer,
  JsonSerializer,
  ProtobufDeserializer,
  SchemaRegistryClient,
  SerdeType,
} from './confluent.js';
import { type RegistryCluster, registryCluster, settle } from './helpers.js';

async function http(url: string, method = 'GET', body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

const Address = SchemaBuilder.struct().name('com.example.Address').field('city', Schema.STRING_SCHEMA).build();
const Customer = SchemaBuilder.struct()
  .name('com.example.Customer')
  .field('id', Schema.INT64_SCHEMA)
  .field('name', Schema.STRING_SCHEMA)
  .field('email', Schema.OPTIONAL_STRING_SCHEMA)
  .field('score', Schema.FLOAT64_SCHEMA)
  .field('vip', Schema.BOOLEAN_SCHEMA)
  .field('price', Decimal.schema(2))
  .field('since', ConnectDate.SCHEMA)
  .field('seen', ConnectTimestamp.SCHEMA)
  .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
  .field('attrs', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
  .field('home', Address)
  .build();

function customer(): Struct {
  return new Struct(Customer)
    .put('id', 9_007_199_254_740_993n)
    .put('name', 'Anne')
    .put('email', null)
    .put('score', 2.5)
    .put('vip', true)
    .put('price', new BigDecimal(1999n, 2))
    .put('since', new Date(Date.UTC(2024, 0, 2)))
    .put('seen', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)))
    .put('tags', ['a', 'b'])
    .put('attrs', new Map([['x', 1]]))
    .put('home', new Struct(Address).put('city', 'Oslo'));
}

describe('JSON Schema and Protobuf converters through our registry', () => {
  let cluster: RegistryCluster;
  let registry: RunningSchemaRegistry;
  let client: SchemaRegistryClient;

  beforeAll(async () => {
    cluster = registryCluster('formats');
    registry = await cluster.start();
    await cluster.writerElected();
    client = new SchemaRegistryClient({ baseURLs: [registry.url], maxRetries: 0 });
  });

  afterAll(async () => {
    await cluster.close();
  });

  it('lists the three schema types', async () => {
    expect((await http(`${registry.url}/schemas/types`)).json).toEqual(['JSON', 'PROTOBUF', 'AVRO']);
  });

  it('JsonSchemaConverter registers a JSON schema that Confluent’s deserializer reads and validates the record against', async () => {
    const topic = unique('customers-json');
    const ours = new JsonSchemaConverter();
    ours.configure(
      { 'schema.registry.url': registry.url, 'decimal.format': 'NUMERIC', 'json.fail.invalid.schema': 'true' },
      false,
    );
    const bytes = Buffer.from((await settle(() => ours.fromConnectData(topic, null, Customer, customer())))!);
    expect(bytes[0]).toBe(0);
    const id = bytes.readInt32BE(1);
    const stored = (await http(`${registry.url}/subjects/${topic}-value/versions/latest`)).json as Record<
      string,
      unknown
    >;
    expect(stored).toMatchObject({ subject: `${topic}-value`, version: 1, id, schemaType: 'JSON' });
    expect(JSON.parse(stored.schema as string)).toMatchObject({
      title: 'com.example.Customer',
      type: 'object',
      properties: { id: { type: 'integer', 'connect.type': 'int64', 'connect.index': 0 } },
    });
    expect((await http(`${registry.url}/schemas/ids/${id}`)).json).toMatchObject({ schemaType: 'JSON' });

    // Confluent's JS serde hands its config to ajv: strict mode off, so the connect.* keywords (which the Java
    // converter writes too) are annotations rather than errors.
    const deserializer = new JsonDeserializer(client, SerdeType.VALUE, { validate: true, ...{ strict: false } });
    const decoded = (await deserializer.deserialize(topic, bytes)) as Record<string, unknown>;
    expect(decoded).toMatchObject({
      name: 'Anne',
      email: null,
      score: 2.5,
      vip: true,
      price: 19.99,
      since: 19724,
      seen: Date.UTC(2024, 0, 2, 3, 4, 5, 6),
      tags: ['a', 'b'],
      attrs: { x: 1 },
      home: { city: 'Oslo' },
    });
    // The JSON text keeps int64 exact, which JSON.parse in Confluent's JS deserializer cannot.
    expect(bytes.subarray(5).toString()).toContain('"id":9007199254740993');

    const back = await settle(() => ours.toConnectData(topic, null, bytes));
    const v = back.value as Struct;
    expect(back.schema!.name).toBe('com.example.Customer');
    expect(v.get('id')).toBe(9_007_199_254_740_993n);
    expect(v.get('price')).toEqual(new BigDecimal(1999n, 2));
    expect((v.get('seen') as Date).toISOString()).toBe('2024-01-02T03:04:05.006Z');
    expect(v.get('attrs')).toEqual(new Map([['x', 1]]));
  });

  it('reads what Confluent’s JSON serializer writes with a schema registered by hand', async () => {
    const topic = unique('orders-json');
    const schema = {
      type: 'object',
      title: 'Order',
      properties: {
        orderId: { type: 'integer' },
        amount: { type: 'number' },
        note: { oneOf: [{ type: 'null' }, { type: 'string' }] },
        lines: {
          type: 'array',
          items: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } } },
        },
      },
      required: ['orderId'],
    };
    const reg = await http(`${registry.url}/subjects/${topic}-value/versions`, 'POST', {
      schemaType: 'JSON',
      schema: JSON.stringify(schema),
    });
    expect(reg.status).toBe(200);
    const serializer = new JsonSerializer(client, SerdeType.VALUE, {
      useLatestVersion: true,
      autoRegisterSchemas: false,
      validate: true,
    });
    const bytes = await serializer.serialize(topic, {
      orderId: 7,
      amount: 12.5,
      note: null,
      lines: [{ sku: 'A-1', qty: 2 }],
    });
    expect(bytes.readInt32BE(1)).toBe((reg.json as { id: number }).id);

    const ours = new JsonSchemaConverter();
    ours.configure({ 'schema.registry.url': registry.url }, false);
    const back = await settle(() => ours.toConnectData(topic, null, bytes));
    expect(back.schema!.name).toBe('Order');
    expect(back.schema!.field('orderId')!.schema.type).toBe('int64');
    expect(back.schema!.field('note')!.schema.optional).toBe(true);
    const v = back.value as Struct;
    expect(v.get('orderId')).toBe(7);
    expect(v.get('amount')).toBe(12.5);
    expect(v.get('note')).toBeNull();
    expect((v.get('lines') as Struct[])[0]!.get('sku')).toBe('A-1');
  });

  it('json.fail.invalid.schema refuses a value the registered schema does not accept; without it the record is written', async () => {
    const topic = unique('strict-json');
    const s = SchemaBuilder.struct().name('S').field('n', Schema.INT32_SCHEMA).build();
    await http(`${registry.url}/subjects/${topic}-value/versions`, 'POST', {
      schemaType: 'JSON',
      schema: JSON.stringify({ type: 'object', properties: { n: { type: 'integer', maximum: 10 } } }),
    });
    const props = {
      'schema.registry.url': registry.url,
      'auto.register.schemas': 'false',
      'use.latest.version': 'true',
    };
    const strict = new JsonSchemaConverter();
    strict.configure({ ...props, 'json.fail.invalid.schema': 'true' }, false);
    await expect(settle(() => strict.fromConnectData(topic, null, s, new Struct(s).put('n', 11)))).rejects.toThrow(
      /Validation error in JSON \{"n":11\} for topic .*: \/n must be <= 10/,
    );
    const lax = new JsonSchemaConverter();
    lax.configure(props, false);
    expect(await settle(() => lax.fromConnectData(topic, null, s, new Struct(s).put('n', 11)))).not.toBeNull();
  });

  it('JSON compatibility: adding a field to an open content model is refused under BACKWARD, accepted under NONE', async () => {
    const topic = unique('evolve-json');
    const v1 = SchemaBuilder.struct().name('E').field('a', Schema.INT32_SCHEMA).build();
    const v2 = SchemaBuilder.struct()
      .name('E')
      .field('a', Schema.INT32_SCHEMA)
      .field('b', Schema.OPTIONAL_STRING_SCHEMA)
      .build();
    const ours = new JsonSchemaConverter();
    ours.configure({ 'schema.registry.url': registry.url }, false);
    await settle(() => ours.fromConnectData(topic, null, v1, new Struct(v1).put('a', 1)));
    const err = await settle(() => ours.fromConnectData(topic, null, v2, new Struct(v2).put('a', 1))).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataException);
    expect(String((err as Error).message)).toMatch(
      /incompatible with an earlier schema.*PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL.*#\/properties\/b/,
    );
    const check = await http(
      `${registry.url}/compatibility/subjects/${topic}-value/versions/latest?verbose=true`,
      'POST',
      {
        schemaType: 'JSON',
        schema: JSON.stringify({ type: 'object', properties: { a: { type: 'string' } } }),
      },
    );
    expect(check.json).toMatchObject({ is_compatible: false });
    expect(JSON.stringify(check.json)).toContain('TYPE_CHANGED');
    await http(`${registry.url}/config/${topic}-value`, 'PUT', { compatibility: 'NONE' });
    const again = new JsonSchemaConverter();
    again.configure({ 'schema.registry.url': registry.url }, false);
    expect(await settle(() => again.fromConnectData(topic, null, v2, new Struct(v2).put('a', 1)))).not.toBeNull();
    expect((await http(`${registry.url}/subjects/${topic}-value/versions`)).json).toEqual([1, 2]);
  });

  it('ProtobufConverter registers its .proto and writes id, message index 0 and the message; the registry’s text decodes it', async () => {
    const topic = unique('customers-proto');
    const ours = new ProtobufConverter();
    ours.configure({ 'schema.registry.url': registry.url }, false);
    const bytes = Buffer.from((await settle(() => ours.fromConnectData(topic, null, Customer, customer())))!);
    const id = bytes.readInt32BE(1);
    expect([...bytes.subarray(0, 6)]).toEqual([
      0,
      ...[...Buffer.alloc(4)].map((_, i) => (id >> (24 - 8 * i)) & 0xff),
      0,
    ]);
    const stored = (await http(`${registry.url}/schemas/ids/${id}`)).json as { schemaType: string; schema: string };
    expect(stored.schemaType).toBe('PROTOBUF');
    expect(stored.schema).toContain('message Customer {');
    expect(stored.schema).toContain('confluent.type.Decimal price = 6');
    // Decoded with the registry's copy of the schema, not the converter's.
    const file = parseProto(stored.schema);
    const decoded = file.messages[0]!.toObject(file.messages[0]!.decode(bytes.subarray(6)), { longs: String });
    expect(decoded).toMatchObject({
      id: '9007199254740993',
      name: 'Anne',
      score: 2.5,
      vip: true,
      tags: ['a', 'b'],
      home: { city: 'Oslo' },
    });
    expect(decoded.seen).toEqual({ seconds: String(Date.UTC(2024, 0, 2, 3, 4, 5) / 1000), nanos: 6_000_000 });
    expect(decoded.since).toEqual({ year: 2024, month: 1, day: 2 });

    const back = await settle(() => ours.toConnectData(topic, null, bytes));
    const v = back.value as Struct;
    expect(back.schema!.name).toBe('Customer');
    expect(v.get('id')).toBe(9_007_199_254_740_993n);
    expect(v.get('price')).toEqual(new BigDecimal(1999n, 2));
    expect(v.get('email')).toBe('');
    expect((v.get('home') as Struct).get('city')).toBe('Oslo');
  });

  it('what ProtobufConverter writes, Confluent’s Protobuf deserializer decodes (schema fetched with format=serialized)', async () => {
    const topic = unique('customers-proto-confluent');
    // Without the Decimal: Confluent's JS serde knows its Decimal as confluent/types/decimal.proto, not the
    // confluent/type/decimal.proto that its Java converter (and this one) import, so it cannot resolve that import.
    const b = SchemaBuilder.struct().name('com.example.Customer');
    for (const f of Customer.fields) if (f.name !== 'price') b.field(f.name, f.schema);
    const NoDecimal = b.build();
    const value = new Struct(NoDecimal);
    for (const f of NoDecimal.fields) value.put(f.name, customer().get(f.name));
    const ours = new ProtobufConverter();
    ours.configure({ 'schema.registry.url': registry.url }, false);
    const bytes = Buffer.from((await settle(() => ours.fromConnectData(topic, null, NoDecimal, value)))!);
    const id = bytes.readInt32BE(1);
    const serialized = (await http(`${registry.url}/schemas/ids/${id}?format=serialized`)).json as { schema: string };
    expect(serialized.schema).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const deserializer = new ProtobufDeserializer(client, SerdeType.VALUE, {});
    const m = (await deserializer.deserialize(topic, bytes)) as Record<string, unknown>;
    expect(m.$typeName).toBe('com.example.Customer');
    expect(m.id).toBe(9_007_199_254_740_993n);
    expect(m.name).toBe('Anne');
    expect(m.score).toBe(2.5);
    expect(m.vip).toBe(true);
    expect(m.tags).toEqual(['a', 'b']);
    expect((m.home as Record<string, unknown>).city).toBe('Oslo');
    expect(m.since as Record<string, unknown>).toMatchObject({ year: 2024, month: 1, day: 2 });
    expect(m.seen as Record<string, unknown>).toMatchObject({
      seconds: BigInt(Date.UTC(2024, 0, 2, 3, 4, 5) / 1000),
      nanos: 6_000_000,
    });
    const attrs = m.attrs as Array<{ key: string; value: number }>;
    expect(attrs.map((e) => [e.key, e.value])).toEqual([['x', 1]]);
  });

  it('reads a nested message of a hand-registered .proto by its message-index path, byte for byte', async () => {
    const topic = unique('events-proto');
    const proto = `syntax = "proto3";
package shop;
message Header { string source = 1; }
message Event {
  message Created { int32 qty = 1; string sku = 2; }
  message Deleted { string reason = 1; }
}`;
    const reg = await http(`${registry.url}/subjects/${topic}-value/versions`, 'POST', {
      schemaType: 'PROTOBUF',
      schema: proto,
    });
    expect(reg.status).toBe(200);
    const id = (reg.json as { id: number }).id;
    // shop.Event.Deleted is path [1, 1]: count 2, then 1 and 1, all zig-zag; field 1 "gone".
    const bytes = Buffer.from([
      0,
      ...[24, 16, 8, 0].map((s) => (id >> s) & 0xff),
      0x04,
      0x02,
      0x02,
      0x0a,
      0x04,
      ...Buffer.from('gone'),
    ]);
    const ours = new ProtobufConverter();
    ours.configure({ 'schema.registry.url': registry.url, 'enhanced.protobuf.schema.support': 'true' }, false);
    const back = await settle(() => ours.toConnectData(topic, null, bytes));
    expect(back.schema!.name).toBe('shop.Event.Deleted');
    expect((back.value as Struct).get('reason')).toBe('gone');
    const bad = Buffer.from([...bytes.subarray(0, 5), 0x02, 0x08]);
    expect(() => ours.toConnectData(topic, null, bad)).toThrow(
      /message index 4 out of range: the schema has 2 top-level message/,
    );
  });

  it('Protobuf compatibility: a changed field type is refused with Confluent’s reason, an added field accepted', async () => {
    const topic = unique('evolve-proto');
    const v1 = SchemaBuilder.struct().name('p.E').field('a', Schema.INT32_SCHEMA).build();
    const v2 = SchemaBuilder.struct()
      .name('p.E')
      .field('a', Schema.INT32_SCHEMA)
      .field('b', Schema.STRING_SCHEMA)
      .build();
    const v3 = SchemaBuilder.struct().name('p.E').field('a', Schema.STRING_SCHEMA).build();
    const ours = new ProtobufConverter();
    ours.configure({ 'schema.registry.url': registry.url }, false);
    await settle(() => ours.fromConnectData(topic, null, v1, new Struct(v1).put('a', 1)));
    await settle(() => ours.fromConnectData(topic, null, v2, new Struct(v2).put('a', 1).put('b', 'x')));
    const err = await settle(() => ours.fromConnectData(topic, null, v3, new Struct(v3).put('a', 'x'))).catch(
      (e: unknown) => e,
    );
    expect(String((err as Error).message)).toMatch(
      /incompatible with an earlier schema.*FIELD_SCALAR_KIND_CHANGED.*int32 to string/,
    );
    expect((await http(`${registry.url}/subjects/${topic}-value/versions`)).json).toEqual([1, 2]);
    const invalid = await http(`${registry.url}/subjects/${topic}-value/versions`, 'POST', {
      schemaType: 'PROTOBUF',
      schema: 'syntax = "proto3"; message M { Nope n = 1; }',
    });
    expect(invalid).toMatchObject({ status: 422, json: { error_code: 42201 } });
    expect(String((invalid.json as { message: string }).message)).toMatch(/Invalid schema: .*Nope/);
  });
});
