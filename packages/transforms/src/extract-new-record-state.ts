/** The ExtractNewRecordState SMT: unwraps a Debezium change event to the row state after the change (Debezium's "unwrap"). */
import {
  ConfigException,
  ConfigKeys,
  type ConnectRecord,
  DataException,
  defineConfig,
  type Headers,
  type Schema,
  Schema as Schemas,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@tributary/api';
import { copySchemaBasics, fieldValue } from './util.js';

const MODES = ['drop', 'tombstone', 'rewrite', 'rewrite-with-tombstone', 'delete-to-tombstone'] as const;
type Mode = (typeof MODES)[number];
const DELETED_FIELD = '__deleted';
const ENVELOPE_SUFFIX = '.Envelope';

export const ExtractNewRecordStateConfig = defineConfig({
  'delete.tombstone.handling.mode': ConfigKeys.enum(MODES, {
    default: null,
    importance: 'MEDIUM',
    width: 'MEDIUM',
    displayName: 'Handle delete and tombstone records',
    doc:
      'How to handle delete records. Options are: drop - Remove the delete event and tombstone from the stream. ' +
      'tombstone (default) - For each delete event, leave only a tombstone in the stream. ' +
      'rewrite - Remove tombstone from the record, and add a `__deleted` field with the value `true`. ' +
      'rewrite-with-tombstone - Retain tombstone in record and add a `__deleted` field with the value `true`. ' +
      'delete-to-tombstone - Convert delete events to tombstones and keep the tombstones already in the stream.',
  }),
  'drop.tombstones': ConfigKeys.boolean({
    default: null,
    importance: 'LOW',
    doc: 'Deprecated: use delete.tombstone.handling.mode. Whether tombstones (null values) are dropped (default true).',
  }),
  'delete.handling.mode': ConfigKeys.enum(['drop', 'rewrite', 'none'] as const, {
    default: null,
    importance: 'LOW',
    doc: 'Deprecated: use delete.tombstone.handling.mode. How delete events are handled: drop (default), rewrite (keep them with __deleted=true) or none (pass them on with a null value).',
  }),
  'route.by.field': ConfigKeys.string({
    default: '',
    importance: 'LOW',
    width: 'LONG',
    doc: 'The column which determines how the events will be routed, the value will replace the topic name.',
  }),
  'add.fields.prefix': ConfigKeys.rawString({
    default: '__',
    importance: 'LOW',
    width: 'SHORT',
    doc: 'Adds this prefix to each field listed.',
  }),
  'add.fields': ConfigKeys.list({
    default: [],
    importance: 'LOW',
    width: 'LONG',
    doc:
      "Adds each field listed, prefixed with __ (or __<struct>_ if the struct is specified). Example: 'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. " +
      'Optionally one can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP.Please note that the new field name is case-sensitive.',
  }),
  'add.headers.prefix': ConfigKeys.rawString({
    default: '__',
    importance: 'LOW',
    width: 'SHORT',
    doc: 'Adds this prefix listed to each header.',
  }),
  'add.headers': ConfigKeys.list({
    default: [],
    importance: 'LOW',
    width: 'LONG',
    doc: "Adds each field listed to the header, __ (or __<struct>_ if the struct is specified). Example: 'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. Optionally one can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP.",
  }),
  'replace.null.with.default': ConfigKeys.boolean({
    default: true,
    importance: 'LOW',
    width: 'SHORT',
    doc: 'When this option is enabled, null field values are replaced by source-defined defaults when rewriting the record.',
  }),
});

/** A change-event field to copy into the row or the headers: "op", "source.ts_ms", "table:TABLE", … */
class FieldReference {
  readonly struct: string | null;
  readonly field: string;
  readonly newField: string;

  constructor(prefix: string, spec: string) {
    const parts = spec.split(':');
    const path = parts[0]!.split('.');
    this.field = path.length === 1 ? path[0]! : path[1]!;
    this.struct = path.length === 1 ? FieldReference.#hostOf(this.field) : path[0]!;
    if (parts.length === 1) this.newField = prefix + (path.length === 1 ? this.field : `${this.struct}_${this.field}`);
    else if (parts.length === 2) this.newField = prefix + parts[1];
    else throw new ConfigException(`Unexpected field name: ${spec}`);
  }

  /** Where Debezium keeps an unqualified field: op and ts_* at the top, transaction ids in "transaction", the rest in "source". */
  static #hostOf(field: string): string | null {
    if (field === 'op' || field === 'ts_ms' || field === 'ts_us' || field === 'ts_ns') return null;
    if (field === 'id' || field === 'data_collection_order' || field === 'total_order') return 'transaction';
    return 'source';
  }

  value(envelope: Struct): unknown {
    let parent: Struct | null = envelope;
    if (this.struct !== null) {
      const f = envelope.schema.field(this.struct);
      parent = f ? (envelope.get(f) as Struct | null) : null;
    }
    if (!parent) return null;
    const f = parent.schema.field(this.field);
    return f ? parent.get(f) : null;
  }

  schema(envelopeSchema: Schema): Schema {
    const parent = this.struct !== null ? (envelopeSchema.field(this.struct)?.schema ?? null) : envelopeSchema;
    const f = parent?.type === 'struct' ? parent.field(this.field) : null;
    if (!f) throw new DataException(`Unexpected field name: ${this.field}`);
    return copySchemaBasics(f.schema).optional().build();
  }
}

/**
 * Debezium's ExtractNewRecordState ("unwrap"): replaces a change event envelope with the row state
 * after the change, handles deletes and tombstones as configured, and can copy event metadata into
 * the row (add.fields) or the headers (add.headers) and route by a column (route.by.field).
 */
export class ExtractNewRecordState implements Transformation {
  #mode: Mode = 'tombstone';
  #routeByField = '';
  #addFields: FieldReference[] = [];
  #addHeaders: FieldReference[] = [];
  #replaceNull = true;
  #schemaCache = new WeakMap<Schema, Schema>();

  config(): typeof ExtractNewRecordStateConfig {
    return ExtractNewRecordStateConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = ExtractNewRecordStateConfig.parse(props);
    this.#mode = c['delete.tombstone.handling.mode'] ?? legacyMode(c['delete.handling.mode'], c['drop.tombstones']);
    this.#routeByField = c['route.by.field'];
    this.#addFields = c['add.fields'].filter((s) => s !== '').map((s) => new FieldReference(c['add.fields.prefix'], s));
    this.#addHeaders = c['add.headers']
      .filter((s) => s !== '')
      .map((s) => new FieldReference(c['add.headers.prefix'], s));
    this.#replaceNull = c['replace.null.with.default'];
    this.#schemaCache = new WeakMap();
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    if (record.value === null || record.value === undefined) {
      return this.#mode === 'rewrite-with-tombstone' || this.#mode === 'delete-to-tombstone' ? record : null;
    }
    const envelopeSchema = record.valueSchema;
    if (!envelopeSchema?.name?.endsWith(ENVELOPE_SUFFIX) || !(record.value instanceof Struct)) return record;
    const envelope = record.value;
    const opField = envelopeSchema.field('op');
    const op = opField ? (envelope.get(opField) as string | null) : null;
    if (op === 't') return null;

    let headers: Headers | undefined;
    if (this.#addHeaders.length > 0) {
      headers = record.headers.duplicate();
      for (const ref of this.#addHeaders) headers.add(ref.newField, ref.value(envelope), ref.schema(envelopeSchema));
    }
    const afterField = envelopeSchema.field('after');
    const after = afterField ? fieldValue(envelope, afterField, this.#replaceNull) : null;
    const isDelete = op === 'd' || (op === null && after === null);
    const rewrite = this.#mode === 'rewrite' || this.#mode === 'rewrite-with-tombstone';

    let rowField = afterField;
    let row = after as Struct | null;
    if (isDelete) {
      if (this.#mode === 'drop') return null;
      if (!rewrite) return record.newRecord({ valueSchema: null, value: null, ...(headers ? { headers } : {}) });
      rowField = envelopeSchema.field('before');
      row = rowField ? (fieldValue(envelope, rowField, this.#replaceNull) as Struct | null) : null;
    }
    if (!rowField) return record;
    let schema = rowField.schema;
    let value: Struct | null = row;
    if (row instanceof Struct && (rewrite || this.#addFields.length > 0)) {
      schema = this.#updatedSchema(row.schema, envelopeSchema, rewrite);
      value = new Struct(schema);
      for (const f of row.schema.fields) value.put(f.name, fieldValue(row, f, this.#replaceNull));
      if (rewrite) value.put(DELETED_FIELD, isDelete ? 'true' : 'false');
      for (const ref of this.#addFields) value.put(ref.newField, ref.value(envelope));
    }
    let topic = record.topic;
    if (this.#routeByField !== '' && row instanceof Struct) {
      const f = row.schema.field(this.#routeByField);
      const routed = f ? row.get(f) : null;
      if (routed !== null && routed !== undefined) topic = String(routed);
    }
    return record.newRecord({ topic, valueSchema: schema, value, ...(headers ? { headers } : {}) });
  }

  #updatedSchema(rowSchema: Schema, envelopeSchema: Schema, rewrite: boolean): Schema {
    const cached = this.#schemaCache.get(rowSchema);
    if (cached) return cached;
    const b = copySchemaBasics(rowSchema, SchemaBuilder.struct());
    if (rowSchema.optional) b.optional();
    for (const f of rowSchema.fields) b.field(f.name, f.schema);
    if (rewrite) b.field(DELETED_FIELD, Schemas.OPTIONAL_STRING_SCHEMA);
    for (const ref of this.#addFields) b.field(ref.newField, ref.schema(envelopeSchema));
    const s = b.build();
    this.#schemaCache.set(rowSchema, s);
    return s;
  }

  close(): void {}
}

/** Maps the pre-2.5 keys (delete.handling.mode, drop.tombstones) onto the equivalent delete.tombstone.handling.mode. */
function legacyMode(deletes: 'drop' | 'rewrite' | 'none' | null, dropTombstones: boolean | null): Mode {
  if (deletes === null && dropTombstones === null) return 'tombstone';
  const drop = dropTombstones ?? true;
  switch (deletes ?? 'drop') {
    case 'rewrite':
      return drop ? 'rewrite' : 'rewrite-with-tombstone';
    case 'none':
      return drop ? 'tombstone' : 'delete-to-tombstone';
    default:
      return drop ? 'drop' : 'tombstone';
  }
}
