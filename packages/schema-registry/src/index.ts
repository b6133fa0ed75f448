/** @tributary/schema-registry: a Confluent-compatible schema registry with its state in the `_schemas` topic. */
export {
  AvroSchema,
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  type Incompatibility,
  checkCompatibility,
  checkReaderWriter,
  normalizedForm,
  parseAvro,
  storedForm,
} from './avro.js';
export { JsonSchema } from './json-schema.js';
export { ProtobufSchema } from './protobuf.js';
export {
  type Difference,
  type ParsedSchema,
  type ResolvedReference,
  SCHEMA_TYPES,
  checkSchemaCompatibility,
  parseSchema,
} from './schema-types.js';
export { type RegistryConfig, RegistryConfigError, parseRegistryConfig } from './config.js';
export { RegistryError, errors } from './errors.js';
export {
  type Mode,
  type RegistryKey,
  type SchemaReference,
  type SchemaType,
  type SchemaValue,
  decodeKey,
  encodeKey,
  schemaValueJson,
} from './records.js';
export { SchemaRegistry, type SchemaRequest, type SchemaView } from './registry.js';
export { type RunningSchemaRegistry, type StartOptions, startSchemaRegistry } from './schema-registry-server.js';
export { MEDIA_TYPES, createRegistryServer } from './server.js';
export { SchemaStore } from './store.js';
