/** The InsertField SMT: adds topic, partition, offset, timestamp or a static field to the key or value (Kafka Connect's InsertField). */
import {
  ConfigKeys,
  type ConnectRecord,
  ConnectTimestamp,
  defineConfig,
  type Schema,
  Schema as Schemas,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@tributary/api';
import {
  copySchemaBasics,
  fieldValue,
  type InsertionSpec,
  MapBuilder,
  mapEntries,
  parseInsertionSpec,
  requireMap,
  requireSinkRecord,
  requireStruct,
  SchemaCache,
  type Side,
  sides,
} from './util.js';

const PURPOSE = 'field insertion';
const OPTIONALITY_DOC =
  'Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).';

export const InsertFieldConfig = defineConfig({
  'topic.field': ConfigKeys.string({
    default: null,
    importance: 'MEDIUM',
    doc: `Field name for Kafka topic. ${OPTIONALITY_DOC}`,
  }),
  'partition.field': ConfigKeys.string({
    default: null,
    importance: 'MEDIUM',
    doc: `Field name for Kafka partition. ${OPTIONALITY_DOC}`,
  }),
  'offset.field': ConfigKeys.string({
    default: null,
    importance: 'MEDIUM',
    doc: `Field name for Kafka offset - only applicable to sink connectors. ${OPTIONALITY_DOC}`,
  }),
  'timestamp.field': ConfigKeys.string({
    default: null,
    importance: 'MEDIUM',
    doc: `Field name for record timestamp. ${OPTIONALITY_DOC}`,
  }),
  'static.field': ConfigKeys.string({
    default: null,
    importance: 'MEDIUM',
    doc: `Field name for static data field. ${OPTIONALITY_DOC}`,
  }),
  'static.value': ConfigKeys.rawString({
    default: null,
    importance: 'MEDIUM',
    doc: 'Static field value, if field name configured.',
  }),
  'replace.null.with.default': ConfigKeys.boolean({
    default: true,
    importance: 'MEDIUM',
    doc: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
  }),
});

/** Kafka Connect's InsertField: adds topic, partition, offset, timestamp and a static field to a struct or map. */
export class InsertField implements Transformation {
  #topic: InsertionSpec | null = null;
  #partition: InsertionSpec | null = null;
  #offset: InsertionSpec | null = null;
  #timestamp: InsertionSpec | null = null;
  #static: InsertionSpec | null = null;
  #staticValue: string | null = null;
  #replaceNull = true;
  readonly #cache = new SchemaCache();

  constructor(readonly side: Side) {}

  config(): typeof InsertFieldConfig {
    return InsertFieldConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = InsertFieldConfig.parse(props);
    this.#topic = parseInsertionSpec(c['topic.field']);
    this.#partition = parseInsertionSpec(c['partition.field']);
    this.#offset = parseInsertionSpec(c['offset.field']);
    this.#timestamp = parseInsertionSpec(c['timestamp.field']);
    this.#static = parseInsertionSpec(c['static.field']);
    this.#staticValue = c['static.value'];
    this.#replaceNull = c['replace.null.with.default'];
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const value = sides.value(record, this.side);
    if (value === null || value === undefined) return record;
    return sides.schema(record, this.side) === null ? this.#schemaless(record, value) : this.#withSchema(record, value);
  }

  #schemaless<R extends ConnectRecord>(record: R, raw: unknown): R {
    const value = requireMap(raw, PURPOSE);
    const out = new MapBuilder(value, mapEntries(value));
    if (this.#topic) out.set(this.#topic.name, record.topic);
    if (this.#partition && record.kafkaPartition !== null) out.set(this.#partition.name, record.kafkaPartition);
    if (this.#offset) out.set(this.#offset.name, requireSinkRecord(record, PURPOSE).kafkaOffset);
    if (this.#timestamp && record.timestamp !== null) out.set(this.#timestamp.name, record.timestamp);
    if (this.#static && this.#staticValue !== null) out.set(this.#static.name, this.#staticValue);
    return sides.newRecord(record, this.side, null, out.build());
  }

  #withSchema<R extends ConnectRecord>(record: R, raw: unknown): R {
    const value = requireStruct(raw, PURPOSE);
    const schema = this.#cache.getOrCompute(value.schema, (s) => this.#updatedSchema(s));
    const out = new Struct(schema);
    for (const f of value.schema.fields) out.put(f.name, fieldValue(value, f, this.#replaceNull));
    if (this.#topic) out.put(this.#topic.name, record.topic);
    if (this.#partition && record.kafkaPartition !== null) out.put(this.#partition.name, record.kafkaPartition);
    if (this.#offset) out.put(this.#offset.name, requireSinkRecord(record, PURPOSE).kafkaOffset);
    if (this.#timestamp && record.timestamp !== null) out.put(this.#timestamp.name, new Date(record.timestamp));
    if (this.#static && this.#staticValue !== null) out.put(this.#static.name, this.#staticValue);
    return sides.newRecord(record, this.side, schema, out);
  }

  #updatedSchema(schema: Schema): Schema {
    const b = copySchemaBasics(schema, SchemaBuilder.struct());
    for (const f of schema.fields) b.field(f.name, f.schema);
    const add = (spec: InsertionSpec | null, optional: Schema, required: Schema): void => {
      if (spec) b.field(spec.name, spec.optional ? optional : required);
    };
    add(this.#topic, Schemas.OPTIONAL_STRING_SCHEMA, Schemas.STRING_SCHEMA);
    add(this.#partition, Schemas.OPTIONAL_INT32_SCHEMA, Schemas.INT32_SCHEMA);
    add(this.#offset, Schemas.OPTIONAL_INT64_SCHEMA, Schemas.INT64_SCHEMA);
    add(this.#timestamp, ConnectTimestamp.builder().optional().build(), ConnectTimestamp.SCHEMA);
    add(this.#static, Schemas.OPTIONAL_STRING_SCHEMA, Schemas.STRING_SCHEMA);
    return b.build();
  }

  close(): void {}
}
