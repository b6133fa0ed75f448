/** The SetSchemaMetadata SMT: sets the schema name and version of the key or value (Kafka Connect's SetSchemaMetadata). */
import {
  ConfigException,
  ConfigKeys,
  type ConnectRecord,
  ConnectSchema,
  defineConfig,
  type Schema,
  Struct,
  type Transformation,
} from '@tributary/api';
import { fieldValue, requireSchema, type Side, sides } from './util.js';

export const SetSchemaMetadataConfig = defineConfig({
  'schema.name': ConfigKeys.string({ default: null, importance: 'HIGH', doc: 'Schema name to set.' }),
  'schema.version': ConfigKeys.int({ default: null, importance: 'HIGH', doc: 'Schema version to set.' }),
  'replace.null.with.default': ConfigKeys.boolean({
    default: true,
    importance: 'MEDIUM',
    doc: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
  }),
});

/** Kafka Connect's SetSchemaMetadata: sets the schema name and/or version of the key or value. */
export class SetSchemaMetadata implements Transformation {
  #name: string | null = null;
  #version: number | null = null;
  #replaceNull = true;

  constructor(readonly side: Side) {}

  config(): typeof SetSchemaMetadataConfig {
    return SetSchemaMetadataConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = SetSchemaMetadataConfig.parse(props);
    this.#name = c['schema.name'];
    this.#version = c['schema.version'];
    this.#replaceNull = c['replace.null.with.default'];
    if (this.#name === null && this.#version === null)
      throw new ConfigException('Neither schema name nor version configured');
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const schema = requireSchema(sides.schema(record, this.side), 'updating schema metadata');
    const isArray = schema.type === 'array';
    const isMap = schema.type === 'map';
    const updated: Schema = new ConnectSchema({
      type: schema.type,
      optional: schema.optional,
      defaultValue: schema.defaultValue,
      name: this.#name ?? schema.name,
      version: this.#version ?? schema.version,
      doc: schema.doc,
      parameters: schema.parameters ? { ...schema.parameters } : null,
      fields: schema.type === 'struct' ? schema.fields.map((f) => ({ name: f.name, schema: f.schema })) : undefined,
      keySchema: isMap ? schema.keySchema : null,
      valueSchema: isMap || isArray ? schema.valueSchema : null,
    });
    const value = sides.value(record, this.side);
    let updatedValue = value;
    if (value instanceof Struct) {
      const s = new Struct(updated);
      for (const f of updated.fields) s.put(f, fieldValue(value, f.name, this.#replaceNull));
      updatedValue = s;
    }
    return sides.newRecord(record, this.side, updated, updatedValue);
  }

  close(): void {}
}
