/** Kafka Connect's schema JSON ({"type":"struct","fields":[…],"optional":…}) to and from Connect schemas. */
import { DataException, type Schema, SchemaBuilder, type SchemaType } from '@tributary/api';
import { compileNonNullReader, type ReaderOptions } from './decode.js';
import { jsonString } from './json-string.js';
import { type JsonValue, LosslessNumber } from './lossless-json.js';

const TYPE_NAMES: Record<SchemaType, string> = {
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  float32: 'float',
  float64: 'double',
  boolean: 'boolean',
  string: 'string',
  bytes: 'bytes',
  array: 'array',
  map: 'map',
  struct: 'struct',
};
const FROM_TYPE_NAME: Record<string, SchemaType> = Object.fromEntries(
  Object.entries(TYPE_NAMES).map(([k, v]) => [v, k as SchemaType]),
);

/** The schema's JSON text, field order and spelling as Kafka Connect writes it; defaults through the converter's writer. */
export function connectSchemaToJson(schema: Schema, writeDefault: (schema: Schema, value: unknown) => string): string {
  let out = `{"type":"${TYPE_NAMES[schema.type]}"`;
  switch (schema.type) {
    case 'array':
      out += `,"items":${connectSchemaToJson(schema.valueSchema!, writeDefault)}`;
      break;
    case 'map':
      out += `,"keys":${connectSchemaToJson(schema.keySchema!, writeDefault)},"values":${connectSchemaToJson(schema.valueSchema!, writeDefault)}`;
      break;
    case 'struct':
      out += `,"fields":[${schema.fields
        .map((f) => {
          const fs = connectSchemaToJson(f.schema, writeDefault);
          return `${fs.slice(0, -1)},"field":${jsonString(f.name)}}`;
        })
        .join(',')}]`;
      break;
    default:
      break;
  }
  out += `,"optional":${schema.optional}`;
  if (schema.name !== null) out += `,"name":${jsonString(schema.name)}`;
  if (schema.version !== null) out += `,"version":${schema.version}`;
  if (schema.doc !== null) out += `,"doc":${jsonString(schema.doc)}`;
  if (schema.parameters !== null) {
    out += `,"parameters":{${Object.entries(schema.parameters)
      .map(([k, v]) => `${jsonString(k)}:${jsonString(v)}`)
      .join(',')}}`;
  }
  if (schema.defaultValue !== null && schema.defaultValue !== undefined)
    out += `,"default":${writeDefault(schema, schema.defaultValue)}`;
  return `${out}}`;
}

/** Kafka Connect's schema JSON → Schema (null for a JSON null); a default value is read with the converter's options. */
export function jsonToConnectSchema(node: JsonValue | undefined, opts: ReaderOptions): Schema | null {
  if (node === null || node === undefined) return null;
  if (typeof node !== 'object' || Array.isArray(node) || node instanceof LosslessNumber)
    throw new DataException("Schema must contain 'type' field");
  const obj = node as { [key: string]: JsonValue };
  const typeName = obj.type;
  if (typeof typeName !== 'string') throw new DataException("Schema must contain 'type' field");
  let builder: SchemaBuilder;
  switch (typeName) {
    case 'array': {
      const items = obj.items;
      if (items === null || items === undefined)
        throw new DataException('Array schema did not specify the element type');
      builder = SchemaBuilder.array(jsonToConnectSchema(items, opts)!);
      break;
    }
    case 'map': {
      if (obj.keys === undefined || obj.keys === null)
        throw new DataException('Map schema did not specify the key type');
      if (obj.values === undefined || obj.values === null)
        throw new DataException('Map schema did not specify the value type');
      builder = SchemaBuilder.map(jsonToConnectSchema(obj.keys, opts)!, jsonToConnectSchema(obj.values, opts)!);
      break;
    }
    case 'struct': {
      builder = SchemaBuilder.struct();
      const fields = obj.fields;
      if (!Array.isArray(fields)) throw new DataException('Struct schema\'s "fields" argument is not an array.');
      for (const f of fields) {
        const name =
          f !== null && typeof f === 'object' && !Array.isArray(f)
            ? (f as { [key: string]: JsonValue }).field
            : undefined;
        if (typeof name !== 'string') throw new DataException("Struct schema's field name not specified properly");
        builder.field(name, jsonToConnectSchema(f, opts)!);
      }
      break;
    }
    default: {
      const type = FROM_TYPE_NAME[typeName];
      if (!type || type === 'array' || type === 'map' || type === 'struct')
        throw new DataException(`Unknown schema type: ${typeName}`);
      builder = SchemaBuilder.type(type);
    }
  }
  if (obj.optional === true) builder.optional();
  else builder.required();
  if (typeof obj.name === 'string') builder.name(obj.name);
  if (typeof obj.version === 'number' && Number.isInteger(obj.version)) builder.version(obj.version);
  if (typeof obj.doc === 'string') builder.doc(obj.doc);
  const params = obj.parameters;
  if (params !== null && typeof params === 'object' && !Array.isArray(params) && !(params instanceof LosslessNumber)) {
    for (const [k, v] of Object.entries(params)) {
      if (typeof v !== 'string') throw new DataException('Schema parameters must have string values.');
      builder.parameter(k, v);
    }
  }
  if (obj.default !== undefined && obj.default !== null) {
    const withoutDefault = builder.build();
    const def = compileNonNullReader(withoutDefault, opts)(obj.default);
    builder.defaultValue(def);
  }
  return builder.build();
}
