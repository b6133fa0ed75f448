/**
 * The schema types the registry takes (AVRO, JSON, PROTOBUF), behind one shape: the form stored,
 * the normalized form compared with normalize=true, and the problems reading data written with
 * another version. Compatibility levels apply to every type the same way (Confluent's
 * CompatibilityChecker); only the reader/writer rules differ.
 */
import { AvroSchema, parseAvro } from './avro.js';
import { JsonSchema } from './json-schema.js';
import { ProtobufSchema } from './protobuf.js';
import type { ParsedSchema, ResolvedReference } from './parsed-schema.js';
import type { SchemaType } from './records.js';

export {
  checkSchemaCompatibility,
  type Difference,
  type ParsedSchema,
  type ResolvedReference,
  type Words,
} from './parsed-schema.js';

export const SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO'];

/** Parses a schema of any supported type; throws with the parser's reason when it is invalid. */
export function parseSchema(
  schemaType: SchemaType,
  text: string,
  references: readonly ResolvedReference[],
  normalize: boolean,
): ParsedSchema {
  switch (schemaType) {
    case 'AVRO':
      return new AvroSchema(
        parseAvro(
          text,
          references.map((r) => r.schema),
        ),
        text,
        normalize,
      );
    case 'JSON':
      return new JsonSchema(text, references, normalize);
    case 'PROTOBUF':
      return new ProtobufSchema(text, references, normalize);
  }
}
