import { Schema, SchemaBuilder, Struct } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { avroType } from './avro-converter.js';
import { type AvroDataConfig, fromConnectSchema, toAvroValue, toConnectSchema, toConnectValue } from './avro-data.js';

const cfg: AvroDataConfig = { connectMetaData: true, enhancedSchemaSupport: false, scrubInvalidNames: false };

describe("Connect ↔ Avro as Confluent's AvroData", () => {
  it('names unnamed structs ConnectDefault, ConnectDefault2, … and reads them back unnamed', () => {
    const inner = SchemaBuilder.struct().field('x', Schema.INT32_SCHEMA).build();
    const outer = SchemaBuilder.struct().field('inner', inner).field('n', Schema.STRING_SCHEMA).build();
    const avro = fromConnectSchema(outer, cfg) as {
      name: string;
      namespace: string;
      fields: Array<{ type: { name: string } }>;
    };
    expect(avro.name).toBe('ConnectDefault');
    expect(avro.namespace).toBe('io.confluent.connect.avro');
    expect(avro.fields[0]!.type.name).toBe('ConnectDefault2');
    const back = toConnectSchema(avro, cfg);
    expect(back.name).toBeNull();
    expect(back.field('inner')?.schema.name).toBeNull();
  });

  it('puts null first in an optional union, the value branch first when there is a non-null default', () => {
    const s = SchemaBuilder.struct()
      .name('d.R')
      .field('a', Schema.OPTIONAL_STRING_SCHEMA)
      .field('b', SchemaBuilder.string().optional().defaultValue('x').build())
      .build();
    const avro = fromConnectSchema(s, cfg) as { fields: Array<{ name: string; type: unknown; default?: unknown }> };
    expect(avro.fields[0]).toEqual({ name: 'a', type: ['null', 'string'], default: null });
    expect(avro.fields[1]).toMatchObject({ name: 'b', default: 'x' });
    expect((avro.fields[1]!.type as unknown[])[1]).toBe('null');
    // avsc accepts the defaults, and a record round-trips through the binary encoding.
    const type = avroType(avro);
    const value = new Struct(s).put('a', null).put('b', 'y');
    const decoded = type.fromBuffer(type.toBuffer(toAvroValue(s, value, true, avro)));
    const back = toConnectValue(toConnectSchema(avro, cfg), decoded) as Struct;
    expect(back.get('a')).toBeNull();
    expect(back.get('b')).toBe('y');
  });

  it('drops connect.* properties with connect.meta.data=false and scrubs invalid names when asked', () => {
    const s = SchemaBuilder.struct().name('my-app.Order').version(3).field('order-id', Schema.INT8_SCHEMA).build();
    const plain = fromConnectSchema(s, { ...cfg, connectMetaData: false, scrubInvalidNames: true }) as Record<
      string,
      unknown
    >;
    expect(plain).toEqual({
      type: 'record',
      name: 'Order',
      namespace: 'my_app',
      fields: [{ name: 'order_id', type: { type: 'int', 'connect.type': 'int8' } }],
    });
  });
});
