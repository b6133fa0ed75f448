// database/table/column include and exclude lists, as Debezium's RelationalTableFilters reads them.
import { regexList } from '@tributary/connector-postgres-cdc';
import type { MySqlConfig } from './config.js';
import type { TableId } from './schema.js';

/** Databases Debezium never captures. */
const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

export class Filters {
  readonly #dbInclude: RegExp[];
  readonly #dbExclude: RegExp[];
  readonly #tableInclude: RegExp[];
  readonly #tableExclude: RegExp[];
  readonly #columnInclude: RegExp[];
  readonly #columnExclude: RegExp[];
  readonly #snapshotInclude: RegExp[];

  constructor(c: MySqlConfig) {
    this.#dbInclude = regexList(c['database.include.list']);
    this.#dbExclude = regexList(c['database.exclude.list']);
    this.#tableInclude = regexList(c['table.include.list']);
    this.#tableExclude = regexList(c['table.exclude.list']);
    this.#columnInclude = regexList(c['column.include.list']);
    this.#columnExclude = regexList(c['column.exclude.list']);
    this.#snapshotInclude = regexList(c['snapshot.include.collection.list']);
  }

  /** mysql, information_schema, performance_schema, sys: never captured, nor in the schema history. */
  builtIn(db: string): boolean {
    return SYSTEM_DATABASES.has(db.toLowerCase());
  }

  includeDatabase(db: string): boolean {
    if (this.builtIn(db)) return false;
    if (this.#dbInclude.length > 0) return this.#dbInclude.some((r) => r.test(db));
    return !this.#dbExclude.some((r) => r.test(db));
  }

  includeTable(t: TableId): boolean {
    if (!this.includeDatabase(t.db)) return false;
    const id = `${t.db}.${t.table}`;
    if (this.#tableInclude.length > 0) return this.#tableInclude.some((r) => r.test(id));
    return !this.#tableExclude.some((r) => r.test(id));
  }

  includeColumn(t: TableId, column: string): boolean {
    const id = `${t.db}.${t.table}.${column}`;
    if (this.#columnInclude.length > 0) return this.#columnInclude.some((r) => r.test(id));
    return !this.#columnExclude.some((r) => r.test(id));
  }

  snapshotTable(t: TableId): boolean {
    if (this.#snapshotInclude.length === 0) return true;
    return this.#snapshotInclude.some((r) => r.test(`${t.db}.${t.table}`));
  }
}
