/** A table's model (Debezium's TableSchema): catalog reads, key and value schemas, envelope and how tuples become structs. */
import { type Logger, type Schema, SchemaBuilder, Struct } from '@tributary/api';
import type pg from 'pg';
import type { PostgresConfig } from './config.js';
import type { Filters, TableId } from './filters.js';
import { type ColumnConverter, columnConverter, type MappingConfig } from './schema/mapping.js';
import type { TypeRegistry } from './schema/types.js';
import { type TupleValue, UNCHANGED_TOAST } from './pgoutput/messages.js';
import { adjustFieldName, adjustSchemaName, envelopeSchema, type NameAdjustmentMode } from './events.js';

export interface CatalogColumn {
  name: string;
  typeOid: number;
  typmod: number;
  notNull: boolean;
  defaultExpr: string | null;
  generated: boolean;
}

export interface CatalogTable {
  oid: number;
  id: TableId;
  columns: CatalogColumn[];
  primaryKey: string[];
  /** relreplident: d default, n nothing, f full, i index. */
  replicaIdentity: string;
}

const COLUMNS_SQL = `
SELECT a.attname, a.atttypid::int8 AS atttypid, a.atttypmod, a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       a.attgenerated <> '' AS generated
  FROM pg_catalog.pg_attribute a
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum`;

const PK_SQL = `
SELECT a.attname
  FROM pg_catalog.pg_index i
  CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
 WHERE i.indrelid = $1 AND i.indisprimary
 ORDER BY k.ord`;

/** The catalog's view of a table (by OID, or by name): columns, nullability, defaults, primary key. */
export async function readCatalogTable(client: pg.Client, ref: number | TableId): Promise<CatalogTable | null> {
  const cls = await client.query<{ oid: string; nspname: string; relname: string; relreplident: string }>(
    typeof ref === 'number'
      ? `SELECT c.oid::int8 AS oid, n.nspname, c.relname, c.relreplident FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1`
      : `SELECT c.oid::int8 AS oid, n.nspname, c.relname, c.relreplident FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    typeof ref === 'number' ? [ref] : [ref.schema, ref.table],
  );
  const row = cls.rows[0];
  if (!row) return null;
  const oid = Number(row.oid);
  const cols = await client.query<{
    attname: string;
    atttypid: string;
    atttypmod: number;
    attnotnull: boolean;
    default_expr: string | null;
    generated: boolean;
  }>(COLUMNS_SQL, [oid]);
  const pk = await client.query<{ attname: string }>(PK_SQL, [oid]);
  return {
    oid,
    id: { schema: row.nspname, table: row.relname },
    columns: cols.rows.map((c) => ({
      name: c.attname,
      typeOid: Number(c.atttypid),
      typmod: c.atttypmod,
      notNull: c.attnotnull,
      defaultExpr: c.default_expr,
      generated: c.generated,
    })),
    primaryKey: pk.rows.map((r) => r.attname),
    replicaIdentity: row.relreplident,
  };
}

/** A column as the stream (Relation message) or the snapshot (catalog) delivers it. */
export interface WireColumn {
  name: string;
  typeOid: number;
  typmod: number;
}

export interface TableModelOptions {
  id: TableId;
  oid: number;
  columns: readonly WireColumn[];
  catalog: CatalogTable | null;
  filters: Filters;
  types: TypeRegistry;
  mapping: MappingConfig;
  topicPrefix: string;
  topicDelimiter: string;
  schemaNameMode: NameAdjustmentMode;
  fieldNameMode: NameAdjustmentMode;
  logger: Logger;
}

/** What every table model of one connector shares: filters, type mapping and naming. */
export type ModelContext = Omit<TableModelOptions, 'id' | 'oid' | 'columns' | 'catalog'>;

export function modelContext(
  config: PostgresConfig,
  d: { filters: Filters; types: TypeRegistry; mapping: MappingConfig; logger: Logger },
): ModelContext {
  return {
    filters: d.filters,
    types: d.types,
    mapping: d.mapping,
    topicPrefix: config['topic.prefix'],
    topicDelimiter: config['topic.delimiter'],
    schemaNameMode: config['schema.name.adjustment.mode'],
    fieldNameMode: config['field.name.adjustment.mode'],
    logger: d.logger,
  };
}

/**
 * A table's model as the catalog describes it (snapshots, incremental snapshot chunks before the
 * stream has sent the table's Relation message). Generated columns are left out: pgoutput never
 * sends their values, so stream and snapshot events keep one shape.
 */
export function catalogTableModel(catalog: CatalogTable, ctx: ModelContext): TableModel {
  return new TableModel({
    ...ctx,
    id: catalog.id,
    oid: catalog.oid,
    columns: catalog.columns
      .filter((c) => !c.generated)
      .map((c) => ({ name: c.name, typeOid: c.typeOid, typmod: c.typmod })),
    catalog,
  });
}

/**
 * Debezium's TableSchema for one table at one point of its history: the key and value schemas,
 * the envelope, and how tuples become structs. Rebuilt whenever a Relation message changes
 * the table (mid-stream DDL).
 */
export class TableModel {
  readonly id: TableId;
  readonly oid: number;
  readonly topic: string;
  readonly columns: readonly WireColumn[];
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema;
  readonly envelopeSchema: Schema;
  readonly #converters: Array<ColumnConverter | null>;
  /** Indexes (into columns) of the value fields, in field order, with their field names. */
  readonly #valueFields: Array<{ index: number; field: string }>;
  readonly #keyFields: Array<{ index: number; field: string }>;
  /** Indexes any struct needs: only these columns are converted. */
  readonly #needed: number[];

  constructor(o: TableModelOptions) {
    this.id = o.id;
    this.oid = o.oid;
    this.columns = o.columns;
    const d = o.topicDelimiter;
    this.topic = `${o.topicPrefix}${d}${o.id.schema}${d}${o.id.table}`;
    const base = `${o.topicPrefix}.${o.id.schema}.${o.id.table}`;
    const catalogByName = new Map((o.catalog?.columns ?? []).map((c) => [c.name, c]));
    this.#converters = o.columns.map((c) => {
      const cat = catalogByName.get(c.name);
      const converted = columnConverter(
        {
          name: c.name,
          typeOid: c.typeOid,
          typmod: c.typmod,
          optional: cat ? !cat.notNull : true,
          defaultExpr: cat?.defaultExpr ?? null,
        },
        o.types,
        o.mapping,
      );
      const resolved = o.types.resolve(c.typeOid, c.typmod);
      const conv =
        converted &&
        o.filters.mapColumn(
          o.id,
          {
            name: c.name,
            isString: resolved?.type.category === 'S',
            // varchar(n) and char(n) carry n + 4 as their modifier.
            length: resolved?.type.category === 'S' && resolved.typmod >= 4 ? resolved.typmod - 4 : null,
          },
          converted,
        );
      if (!conv)
        o.logger.warn(
          { table: `${o.id.schema}.${o.id.table}`, column: c.name, typeOid: c.typeOid },
          'no mapping for the column type; the column is left out of events',
        );
      return conv;
    });
    const byName = new Map(o.columns.map((c, i) => [c.name, i]));
    const keyNames = o.filters.keyColumnsFor(o.id) ?? o.catalog?.primaryKey ?? [];
    this.#keyFields = [];
    for (const k of keyNames) {
      const i = byName.get(k);
      if (i !== undefined && this.#converters[i])
        this.#keyFields.push({ index: i, field: adjustFieldName(k, o.fieldNameMode) });
    }
    this.#valueFields = [];
    o.columns.forEach((c, i) => {
      if (this.#converters[i] && o.filters.includesColumn(o.id, c.name))
        this.#valueFields.push({ index: i, field: adjustFieldName(c.name, o.fieldNameMode) });
    });
    const vb = SchemaBuilder.struct().name(adjustSchemaName(`${base}.Value`, o.schemaNameMode));
    for (const f of this.#valueFields) vb.field(f.field, this.#converters[f.index]!.schema);
    this.valueSchema = vb.optional().build();
    if (this.#keyFields.length > 0) {
      const kb = SchemaBuilder.struct().name(adjustSchemaName(`${base}.Key`, o.schemaNameMode));
      for (const f of this.#keyFields) kb.field(f.field, this.#converters[f.index]!.schema);
      this.keySchema = kb.build();
    } else {
      this.keySchema = null;
    }
    this.envelopeSchema = envelopeSchema(adjustSchemaName(`${base}.Envelope`, o.schemaNameMode), this.valueSchema);
    this.#needed = [
      ...new Set([...this.#keyFields.map((f) => f.index), ...this.#valueFields.map((f) => f.index)]),
    ].sort((a, b) => a - b);
  }

  /** Whether the wire columns are the ones this model was built from (same names, types and modifiers). */
  sameColumns(columns: readonly WireColumn[]): boolean {
    if (columns.length !== this.columns.length) return false;
    return columns.every((c, i) => {
      const m = this.columns[i]!;
      return c.name === m.name && c.typeOid === m.typeOid && c.typmod === m.typmod;
    });
  }

  /**
   * Connect values of a tuple (index-aligned with columns; unneeded columns stay undefined).
   * Unchanged TOAST values come from `fallbackRow` (the old row under REPLICA IDENTITY FULL)
   * when it has them, else they become unavailable.value.placeholder.
   */
  convertTuple(values: readonly TupleValue[], fallbackRow: readonly TupleValue[] | null = null): unknown[] {
    const out = new Array<unknown>(this.columns.length);
    for (const i of this.#needed) {
      const conv = this.#converters[i]!;
      let v = values[i];
      if (v === UNCHANGED_TOAST && fallbackRow) {
        const old = fallbackRow[i];
        if (old !== undefined && old !== UNCHANGED_TOAST) v = old;
      }
      if (v === null || v === undefined) out[i] = conv.nullValue;
      else if (v === UNCHANGED_TOAST) out[i] = conv.toastPlaceholder;
      else out[i] = conv.fromText(v.toString('utf8'));
    }
    return out;
  }

  /** Connect values of a row of texts (snapshot COPY rows; null is SQL NULL). */
  convertTexts(texts: ReadonlyArray<string | null>): unknown[] {
    const out = new Array<unknown>(this.columns.length);
    for (const i of this.#needed) {
      const conv = this.#converters[i]!;
      const t = texts[i];
      out[i] = t === null || t === undefined ? conv.nullValue : conv.fromText(t);
    }
    return out;
  }

  value(row: readonly unknown[]): Struct {
    const s = new Struct(this.valueSchema);
    for (const f of this.#valueFields) {
      const v = row[f.index];
      if (v !== null && v !== undefined) s.put(f.field, v);
    }
    return s;
  }

  key(row: readonly unknown[]): Struct | null {
    if (!this.keySchema) return null;
    const s = new Struct(this.keySchema);
    for (const f of this.#keyFields) {
      const v = row[f.index];
      if (v !== null && v !== undefined) s.put(f.field, v);
    }
    return s;
  }

  /** The names of the columns that make the record key. */
  get keyColumnNames(): string[] {
    return this.#keyFields.map((f) => this.columns[f.index]!.name);
  }
}
