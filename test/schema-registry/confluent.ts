/**
 * Confluent's JS schema registry client and its Avro, JSON Schema and Protobuf serdes, imported by module path: the package's index also
 * loads its field-encryption rules, whose dependency (@hackbg/miscreant-esm) exports TypeScript sources under
 * the same `source` condition our workspace resolves with, which Node cannot load.
 */
export { RestError } from '@confluentinc/schemaregistry/dist/rest-error.js';
export { SchemaRegistryClient } from '@confluentinc/schemaregistry/dist/schemaregistry-client.js';
export { AvroDeserializer, AvroSerializer } from '@confluentinc/schemaregistry/dist/serde/avro.js';
export { JsonDeserializer, JsonSerializer } from '@confluentinc/schemaregistry/dist/serde/json.js';
export { ProtobufDeserializer } from '@confluentinc/schemaregistry/dist/serde/protobuf.js';
export { SerdeType } from '@confluentinc/schemaregistry/dist/serde/serde.js';

import avro from 'avsc';

/**
 * For Confluent's AvroDeserializer: Avro longs as bigint. Its default (avsc's JS numbers) refuses values
 * beyond 2^53 ("potential precision loss"), which Debezium's ts_ns and ts_us carry.
 */
export const bigintLongs = {
  typeHook: (schema: unknown): avro.Type | undefined => (schema === 'long' ? BIGINT_LONG : undefined),
};

const BIGINT_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (v: number | string) => BigInt(v),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});
