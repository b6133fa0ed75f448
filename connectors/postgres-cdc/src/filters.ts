/** Which schemas, tables and columns are captured and how: Debezium's include/exclude lists, message.key.columns and the column mappers. */
import { type MappedColumn, mapColumn, parseColumnMappers } from './column-mappers.js';
import type { PostgresConfig } from './config.js';
import type { ColumnConverter } from './schema/mapping.js';
import { regexList } from './regex-list.js';
import { type TableId, tableIdString } from './table-id.js';

export { regexList } from './regex-list.js';
export { type TableId, tableIdString } from './table-id.js';

/** Schemas Debezium never captures. */
const SYSTEM_SCHEMAS = /^(pg_catalog|information_schema|pg_toast|pg_temp_\d+|pg_toast_temp_\d+)$/;

function matchesAny(list: RegExp[], s: string): boolean {
  return list.some((r) => r.test(s));
}

/** table.include/exclude, schema.include/exclude, column.include/exclude and message.key.columns. */
export class Filters {
  readonly #schemaInclude: RegExp[];
  readonly #schemaExclude: RegExp[];
  readonly #tableInclude: RegExp[];
  readonly #tableExclude: RegExp[];
  readonly #columnInclude: RegExp[];
  readonly #columnExclude: RegExp[];
  readonly #snapshotInclude: RegExp[];
  readonly #keyColumns: Array<{ table: RegExp; columns: string[] }>;
  readonly #prefixInclude: RegExp[];
  readonly #prefixExclude: RegExp[];
  readonly #mappers: ReturnType<typeof parseColumnMappers>;

  /** `raw` carries the column mapper keys, whose names hold their parameters (column.mask.with.<n>.chars …). */
  constructor(c: PostgresConfig, raw: Readonly<Record<string, string | undefined>> = {}) {
    this.#mappers = parseColumnMappers(raw);
    this.#schemaInclude = regexList(c['schema.include.list']);
    this.#schemaExclude = regexList(c['schema.exclude.list']);
    this.#tableInclude = regexList(c['table.include.list']);
    this.#tableExclude = regexList(c['table.exclude.list']);
    this.#columnInclude = regexList(c['column.include.list']);
    this.#columnExclude = regexList(c['column.exclude.list']);
    this.#snapshotInclude = regexList(c['snapshot.include.collection.list']);
    this.#prefixInclude = regexList(c['message.prefix.include.list']);
    this.#prefixExclude = regexList(c['message.prefix.exclude.list']);
    this.#keyColumns = [];
    const mk = c['message.key.columns'];
    if (mk) {
      for (const entry of mk.split(';')) {
        const i = entry.lastIndexOf(':');
        if (i <= 0) continue;
        const columns = entry
          .slice(i + 1)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        this.#keyColumns.push({ table: new RegExp(`^(?:${entry.slice(0, i).trim()})$`, 'i'), columns });
      }
    }
  }

  includesTable(t: TableId): boolean {
    if (SYSTEM_SCHEMAS.test(t.schema)) return false;
    if (this.#schemaInclude.length > 0 && !matchesAny(this.#schemaInclude, t.schema)) return false;
    if (matchesAny(this.#schemaExclude, t.schema)) return false;
    const id = tableIdString(t);
    if (this.#tableInclude.length > 0 && !matchesAny(this.#tableInclude, id)) return false;
    if (matchesAny(this.#tableExclude, id)) return false;
    return true;
  }

  /** Whether a captured table is part of the initial snapshot (snapshot.include.collection.list). */
  includesInSnapshot(t: TableId): boolean {
    if (!this.includesTable(t)) return false;
    return this.#snapshotInclude.length === 0 || matchesAny(this.#snapshotInclude, tableIdString(t));
  }

  includesColumn(t: TableId, column: string): boolean {
    const id = `${tableIdString(t)}.${column}`;
    if (this.#columnInclude.length > 0 && !matchesAny(this.#columnInclude, id)) return false;
    if (matchesAny(this.#columnExclude, id)) return false;
    return true;
  }

  /** The message.key.columns override for a table, or null to use its primary key. */
  keyColumnsFor(t: TableId): string[] | null {
    const id = tableIdString(t);
    for (const k of this.#keyColumns) if (k.table.test(id)) return k.columns;
    return null;
  }

  /** A column's converter after column.truncate.*, column.mask.* and column.mask.hash.* (unchanged when none applies). */
  mapColumn(
    t: TableId,
    column: Omit<MappedColumn, 'fullName'> & { name: string },
    conv: ColumnConverter,
  ): ColumnConverter {
    if (this.#mappers.length === 0) return conv;
    return mapColumn(
      this.#mappers,
      { fullName: `${tableIdString(t)}.${column.name}`, length: column.length, isString: column.isString },
      conv,
    );
  }

  includesMessagePrefix(prefix: string): boolean {
    if (this.#prefixInclude.length > 0) return matchesAny(this.#prefixInclude, prefix);
    return !matchesAny(this.#prefixExclude, prefix);
  }
}
