// Turns one SinkRecord into what to do to which table: upsert/insert/update a row, delete by key, truncate, or nothing.
import { DataException, type Schema, type SinkRecord, Struct } from '@tributary/api';
import { type Column, type ColumnType, columnTypeOf, inferColumnType, normalize } from './columns.js';
import { type JdbcSinkConfig, TOPIC_PLACEHOLDER } from './config.js';

/** A destination table: schema (null = the connection's default) and name, both as configured (unquoted). */
export interface TableId {
  readonly schema: string | null;
  readonly table: string;
}

export const tableKey = (t: TableId): string => (t.schema ? `${t.schema}.${t.table}` : t.table);

export type Operation =
  | {
      readonly kind: 'write';
      readonly record: SinkRecord;
      readonly table: TableId;
      readonly key: Column[];
      readonly values: Column[];
    }
  | { readonly kind: 'delete'; readonly record: SinkRecord; readonly table: TableId; readonly key: Column[] }
  | { readonly kind: 'truncate'; readonly record: SinkRecord; readonly table: TableId }
  /** Nothing to write (a tombstone with delete.enabled=false, a Debezium delete without it, …); the reason is logged. */
  | { readonly kind: 'skip'; readonly record: SinkRecord; readonly reason: string };

/** Kafka coordinates as key columns, Confluent's default names. */
const KAFKA_PK = ['__connect_topic', '__connect_partition', '__connect_offset'];

interface Envelope {
  op: string;
  before: unknown;
  after: unknown;
  beforeSchema: Schema | null;
  afterSchema: Schema | null;
}

/**
 * A Debezium change event's envelope, or null for any other value. Recognised by its fields (op, before,
 * after), with or without a schema, so no ExtractNewRecordState SMT is needed.
 */
export function envelopeOf(schema: Schema | null, value: unknown): Envelope | null {
  if (value instanceof Struct) {
    const s = value.schema;
    const op = s.field('op');
    if (!op || !s.field('after') || !s.field('before') || op.schema.type !== 'string') return null;
    const opv = value.get('op');
    if (typeof opv !== 'string') return null;
    return {
      op: opv,
      before: value.get('before'),
      after: value.get('after'),
      beforeSchema: s.field('before')!.schema,
      afterSchema: s.field('after')!.schema,
    };
  }
  if (schema === null && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value instanceof Map ? Object.fromEntries(value) : (value as Record<string, unknown>);
    if (typeof o.op === 'string' && 'after' in o && 'before' in o && /^[crudtm]$/.test(o.op))
      return { op: o.op, before: o.before, after: o.after, beforeSchema: null, afterSchema: null };
  }
  return null;
}

/** Maps records to operations under one config; caches nothing record-specific. */
export class RecordMapper {
  readonly #config: JdbcSinkConfig;
  readonly #tables = new Map<string, TableId>();

  constructor(config: JdbcSinkConfig) {
    this.#config = config;
  }

  /** The table a topic's records go to (table.name.format; Debezium flattens dots, Confluent reads schema.table). */
  tableFor(topic: string): TableId {
    let t = this.#tables.get(topic);
    if (!t) {
      t = this.#tableName(topic);
      this.#tables.set(topic, t);
    }
    return t;
  }

  #tableName(topic: string): TableId {
    const name = this.#config.tableNameFormat.replaceAll(TOPIC_PLACEHOLDER, topic);
    if (this.#config.flavor === 'debezium') return { schema: null, table: name.replaceAll('.', '_') };
    const parts = name.split('.');
    // Confluent's TableId: [catalog.][schema.]table; Postgres and MySQL have no usable catalog level here.
    if (parts.length >= 2) return { schema: parts[parts.length - 2]!, table: parts[parts.length - 1]! };
    return { schema: null, table: name };
  }

  /** What to do with one record; a record that cannot be mapped throws DataException (→ errors.*). */
  map(record: SinkRecord): Operation {
    const c = this.#config;
    const table = this.tableFor(record.topic);
    const env = envelopeOf(record.valueSchema, record.value);
    if (record.value === null || record.value === undefined) {
      if (!c.deleteEnabled) return { kind: 'skip', record, reason: 'tombstone (delete.enabled=false)' };
      if (record.key === null || record.key === undefined)
        throw new DataException('A tombstone with a null key cannot delete anything');
      return { kind: 'delete', record, table, key: this.#keyColumns(record, null, null) };
    }
    if (env) {
      switch (env.op) {
        case 'd':
          if (!c.deleteEnabled) return { kind: 'skip', record, reason: 'Debezium delete event (delete.enabled=false)' };
          return { kind: 'delete', record, table, key: this.#keyColumns(record, env.beforeSchema, env.before) };
        case 't':
          if (!c.truncateEnabled)
            return { kind: 'skip', record, reason: 'Debezium truncate event (truncate.enabled=false)' };
          return { kind: 'truncate', record, table };
        case 'm':
          return { kind: 'skip', record, reason: 'Debezium logical decoding message' };
        default:
          if (env.after === null || env.after === undefined)
            throw new DataException(`Debezium '${env.op}' event without an after image`);
          return this.#write(record, table, env.afterSchema, env.after);
      }
    }
    return this.#write(record, table, record.valueSchema, record.value);
  }

  #write(record: SinkRecord, table: TableId, schema: Schema | null, value: unknown): Operation {
    const key = this.#keyColumns(record, schema, value);
    const keyNames = new Set(key.map((k) => k.name));
    const values = this.#fieldColumns(record.topic, schema, value, 'value').filter(
      (col) => !keyNames.has(col.name) && this.#included(record.topic, col.name),
    );
    return { kind: 'write', record, table, key, values };
  }

  #included(topic: string, field: string): boolean {
    const c = this.#config;
    const hit = (list: string[]): boolean => list.some((f) => f === field || f === `${topic}:${field}`);
    if (c.fieldsInclude.length > 0 && !hit(c.fieldsInclude)) return false;
    return !hit(c.fieldsExclude);
  }

  /** The key columns under pk.mode, from the record key, the value (or a Debezium before image), headers or Kafka. */
  #keyColumns(record: SinkRecord, valueSchema: Schema | null, value: unknown): Column[] {
    const c = this.#config;
    switch (c.pkMode) {
      case 'none':
        return [];
      case 'kafka': {
        const [t, p, o] = c.pkFields.length === 3 ? c.pkFields : KAFKA_PK;
        return [
          { name: t!, type: { kind: 'string' }, optional: false, value: record.topic },
          { name: p!, type: { kind: 'int32' }, optional: false, value: record.kafkaPartition },
          { name: o!, type: { kind: 'int64' }, optional: false, value: record.kafkaOffset },
        ];
      }
      case 'record_key': {
        if (record.key === null || record.key === undefined)
          throw new DataException('pk.mode=record_key but the record has no key');
        if (isPrimitive(record.keySchema, record.key)) {
          if (c.pkFields.length !== 1)
            throw new DataException(
              `The record key is a primitive (${record.keySchema?.type ?? typeof record.key}): pk.fields must name exactly one column for it, it names ${c.pkFields.length}`,
            );
          const type = record.keySchema ? columnTypeOf(record.keySchema) : inferColumnType(record.key);
          return [
            { name: c.pkFields[0]!, type, optional: false, value: normalize(record.keySchema, type, record.key) },
          ];
        }
        return this.#pick(this.#fieldColumns(record.topic, record.keySchema, record.key, 'key'), 'record key');
      }
      case 'record_value': {
        if (value === null || value === undefined)
          throw new DataException('pk.mode=record_value but the record has no value');
        return this.#pick(this.#fieldColumns(record.topic, valueSchema, value, 'value'), 'record value');
      }
      case 'record_header': {
        const cols: Column[] = [];
        for (const h of record.headers) {
          if (c.pkFields.length > 0 && !c.pkFields.includes(h.key)) continue;
          if (cols.some((x) => x.name === h.key)) continue;
          const type = h.schema ? columnTypeOf(h.schema) : inferColumnType(h.value);
          cols.push({ name: h.key, type, optional: false, value: normalize(h.schema, type, h.value) });
        }
        return this.#pick(cols, 'record headers');
      }
    }
  }

  /** pk.fields of the candidates (all of them when pk.fields is empty), each present and non-null. */
  #pick(cols: Column[], where: string): Column[] {
    const fields = this.#config.pkFields;
    const picked = fields.length === 0 ? cols : fields.map((f) => cols.find((col) => col.name === f) ?? f);
    const missing = picked.filter((p): p is string => typeof p === 'string');
    if (missing.length > 0) throw new DataException(`Primary key field(s) ${missing.join(', ')} not in the ${where}`);
    const out = (picked as Column[]).map((col) => ({ ...col, optional: false }));
    if (out.length === 0) throw new DataException(`No primary key fields in the ${where}`);
    const nulls = out.filter((col) => col.value === null);
    if (nulls.length > 0)
      throw new DataException(`Primary key field(s) ${nulls.map((n) => n.name).join(', ')} are null in the ${where}`);
    return out;
  }

  /** A struct's or map's fields as columns; nested structs are JSON or flattened (nested.struct.mode). */
  #fieldColumns(topic: string, schema: Schema | null, value: unknown, what: 'key' | 'value'): Column[] {
    const out: Column[] = [];
    const flatten = this.#config.nestedStructMode === 'flatten';
    const visit = (prefix: string, s: Schema | null, v: unknown, optional: boolean): void => {
      if (v instanceof Struct) {
        for (const f of v.schema.fields) {
          const fv = v.get(f);
          const nested = f.schema.type === 'struct' && f.schema.name !== 'io.debezium.data.VariableScaleDecimal';
          if (flatten && nested && (fv instanceof Struct || fv === null))
            visitStruct(`${prefix}${f.name}_`, f.schema, fv, optional || f.schema.optional);
          else push(`${prefix}${f.name}`, f.schema, fv, optional || f.schema.optional);
        }
        return;
      }
      const o = v instanceof Map ? Object.fromEntries(v) : v;
      if (o === null || typeof o !== 'object' || Array.isArray(o) || o instanceof Uint8Array)
        throw new DataException(`The record ${what} of ${topic} is not a struct or an object`);
      for (const [k, fv] of Object.entries(o as Record<string, unknown>)) {
        const isObj =
          fv !== null &&
          typeof fv === 'object' &&
          !Array.isArray(fv) &&
          !(fv instanceof Uint8Array) &&
          !(fv instanceof Date);
        if (flatten && isObj && s === null) visit(`${prefix}${k}_`, null, fv, true);
        else push(`${prefix}${k}`, null, fv, true);
      }
    };
    const visitStruct = (prefix: string, s: Schema, v: Struct | null, optional: boolean): void => {
      if (v === null) {
        for (const f of s.fields) push(`${prefix}${f.name}`, f.schema, null, true);
        return;
      }
      visit(prefix, s, v, optional);
    };
    const push = (name: string, s: Schema | null, v: unknown, optional: boolean): void => {
      const type: ColumnType = s ? columnTypeOf(s) : inferColumnType(v);
      out.push({ name, type, optional: s ? optional : true, value: normalize(s, type, v) });
    };
    if (schema !== null && schema.type !== 'struct' && schema.type !== 'map')
      throw new DataException(
        `The record ${what} of ${topic} has a ${schema.type} schema; a struct is needed to map it to columns`,
      );
    visit('', schema, value, false);
    return out;
  }
}

function isPrimitive(schema: Schema | null, value: unknown): boolean {
  if (schema) return schema.type !== 'struct' && schema.type !== 'map';
  return value === null || typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value);
}
