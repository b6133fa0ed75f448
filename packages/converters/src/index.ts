/** The converters plugin package (JSON, JSON Schema, Avro, Protobuf, string, bytes, numbers, headers) under Kafka Connect and Confluent class names. */
import { definePlugins } from '@tributary/api';
import { AvroConverter } from './avro/avro-converter.js';
import { ByteArrayConverter } from './byte-array-converter.js';
import { JsonConverter } from './json/json-converter.js';
import { JsonSchemaConverter } from './json-schema/json-schema-converter.js';
import {
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  ShortConverter,
} from './number-converters.js';
import { ProtobufConverter } from './protobuf/protobuf-converter.js';
import { SimpleHeaderConverter } from './simple-header-converter.js';
import { StringConverter } from './string-converter.js';

export { AvroConverter, AvroConverterConfig } from './avro/avro-converter.js';
export { fromConnectSchema, toConnectSchema } from './avro/avro-data.js';
export { ByteArrayConverter } from './byte-array-converter.js';
export { JsonConverter, JsonConverterConfig } from './json/json-converter.js';
export { JsonSchemaConverter, JsonSchemaConverterConfig } from './json-schema/json-schema-converter.js';
export {
  fromConnectSchema as fromConnectJsonSchema,
  toConnectSchema as toConnectFromJsonSchema,
} from './json-schema/json-schema-data.js';
export { checkJsonSchema } from './json-schema/validator.js';
export {
  type ProtoFile,
  type ProtoReference,
  decodeMessageIndexes,
  encodeMessageIndexes,
  expandOptionLists,
  fieldMetaParams,
  indexesOf,
  messageAt,
  parseProto,
  toFileDescriptor,
} from './protobuf/proto-schema.js';
export { ProtobufConverter, ProtobufConverterConfig } from './protobuf/protobuf-converter.js';
export {
  fromConnectSchema as fromConnectProtobufSchema,
  toConnectSchema as toConnectFromProtobuf,
} from './protobuf/protobuf-data.js';
export {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  type RegistrySchema,
  RegistryResponseError,
  SchemaRegistryClient,
  type SubjectVersion,
} from './registry/registry-client.js';
export { RegistryClientConfig, registryClient, topicNameSubject, unframe } from './registry/serde-config.js';
export { type JsonValue, LosslessNumber, parseJson, parseJsonExact } from './json/lossless-json.js';
export { jsonString } from './json/json-string.js';
export {
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  ShortConverter,
} from './number-converters.js';
export { SimpleHeaderConverter } from './simple-header-converter.js';
export { StringConverter, StringConverterConfig } from './string-converter.js';

const VERSION = '0.1.0';

/** The converters this package provides, under Kafka Connect's class names. */
export const plugins = definePlugins([
  {
    kind: 'converter',
    className: 'JsonConverter',
    aliases: ['org.apache.kafka.connect.json.JsonConverter'],
    version: VERSION,
    create: () => new JsonConverter(),
  },
  {
    kind: 'converter',
    className: 'StringConverter',
    aliases: ['org.apache.kafka.connect.storage.StringConverter'],
    version: VERSION,
    create: () => new StringConverter(),
  },
  {
    kind: 'converter',
    className: 'ByteArrayConverter',
    aliases: ['org.apache.kafka.connect.converters.ByteArrayConverter'],
    version: VERSION,
    create: () => new ByteArrayConverter(),
  },
  {
    kind: 'converter',
    className: 'ShortConverter',
    aliases: ['org.apache.kafka.connect.converters.ShortConverter'],
    version: VERSION,
    create: () => new ShortConverter(),
  },
  {
    kind: 'converter',
    className: 'IntegerConverter',
    aliases: ['org.apache.kafka.connect.converters.IntegerConverter'],
    version: VERSION,
    create: () => new IntegerConverter(),
  },
  {
    kind: 'converter',
    className: 'LongConverter',
    aliases: ['org.apache.kafka.connect.converters.LongConverter'],
    version: VERSION,
    create: () => new LongConverter(),
  },
  {
    kind: 'converter',
    className: 'FloatConverter',
    aliases: ['org.apache.kafka.connect.converters.FloatConverter'],
    version: VERSION,
    create: () => new FloatConverter(),
  },
  {
    kind: 'converter',
    className: 'DoubleConverter',
    aliases: ['org.apache.kafka.connect.converters.DoubleConverter'],
    version: VERSION,
    create: () => new DoubleConverter(),
  },
  {
    kind: 'converter',
    className: 'AvroConverter',
    aliases: ['io.confluent.connect.avro.AvroConverter'],
    version: VERSION,
    create: () => new AvroConverter(),
  },
  {
    kind: 'converter',
    className: 'JsonSchemaConverter',
    aliases: ['io.confluent.connect.json.JsonSchemaConverter'],
    version: VERSION,
    create: () => new JsonSchemaConverter(),
  },
  {
    kind: 'converter',
    className: 'ProtobufConverter',
    aliases: ['io.confluent.connect.protobuf.ProtobufConverter'],
    version: VERSION,
    create: () => new ProtobufConverter(),
  },
  {
    kind: 'header_converter',
    className: 'SimpleHeaderConverter',
    aliases: ['org.apache.kafka.connect.storage.SimpleHeaderConverter'],
    version: VERSION,
    create: () => new SimpleHeaderConverter(),
  },
]);
