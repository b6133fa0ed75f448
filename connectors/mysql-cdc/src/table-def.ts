// A table's structure as its DDL declares it (what the schema history keeps), and the tables known at one binlog position.
import type { ColumnInfo, TableId } from './schema.js';

/** A column DEFAULT: a literal (text as written, unquoted), NULL, or an expression (CURRENT_TIMESTAMP, uuid() …). */
export type ColumnDefault =
  | { kind: 'literal'; text: string; quoted: boolean }
  | { kind: 'null' }
  | { kind: 'expression'; text: string };

/** One column as CREATE/ALTER TABLE declares it. */
export interface ColumnDef {
  name: string;
  /** Base type, upper case and with aliases resolved (INTEGER → INT, BOOLEAN → TINYINT …). */
  type: string;
  unsigned: boolean;
  zerofill: boolean;
  /** The first type argument (M of INT(M), VARCHAR(M), DECIMAL(M,D); fsp of TIME/DATETIME/TIMESTAMP). */
  length: number | null;
  /** D of DECIMAL(M,D) / FLOAT(M,D). */
  scale: number | null;
  /** ENUM / SET values, unquoted. */
  enumValues: string[];
  /** CHARACTER SET of the column when declared. */
  charset: string | null;
  nullable: boolean;
  autoIncrement: boolean;
  default: ColumnDefault | null;
  comment: string | null;
}

export interface TableDef {
  id: TableId;
  columns: ColumnDef[];
  primaryKey: string[];
  /** DEFAULT CHARSET of the table (or of its database when not declared). */
  defaultCharset: string | null;
  comment: string | null;
}

/** Types whose values carry a character set (Debezium fills charsetName for them). */
const CHARACTER_TYPES = new Set([
  'CHAR',
  'VARCHAR',
  'TINYTEXT',
  'TEXT',
  'MEDIUMTEXT',
  'LONGTEXT',
  'ENUM',
  'SET',
  'NCHAR',
  'NVARCHAR',
]);

/** java.sql.Types of each base type, as Debezium's MySQL/MariaDB DDL parser assigns them (DataTypeResolver). */
const JDBC_TYPES: Readonly<Record<string, number>> = {
  BIT: -7,
  TINYINT: 5,
  SMALLINT: 5,
  MEDIUMINT: 4,
  INT: 4,
  BIGINT: -5,
  FLOAT: 6,
  REAL: 7,
  DOUBLE: 8,
  DECIMAL: 3,
  NUMERIC: 2,
  DATE: 91,
  TIME: 92,
  DATETIME: 93,
  TIMESTAMP: 2014,
  YEAR: 4,
  CHAR: 1,
  NCHAR: -15,
  VARCHAR: 12,
  NVARCHAR: -9,
  BINARY: -2,
  VARBINARY: -3,
  TINYBLOB: 2004,
  BLOB: 2004,
  MEDIUMBLOB: 2004,
  LONGBLOB: 2004,
  TINYTEXT: 12,
  TEXT: 12,
  MEDIUMTEXT: 12,
  LONGTEXT: 12,
  ENUM: 1,
  SET: 1,
  JSON: 1111,
  BOOLEAN: 16,
};

export function isCharacterType(type: string): boolean {
  return CHARACTER_TYPES.has(type);
}

export function tableKey(id: TableId): string {
  return `${id.db}.${id.table}`;
}

function quoteEnum(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/** The column as the type mapping (schema.ts) reads it: information_schema.COLUMNS' terms. */
export function columnInfo(c: ColumnDef): ColumnInfo {
  const type = c.type.toLowerCase();
  let columnType = type;
  if (c.type === 'ENUM' || c.type === 'SET') columnType = `${type}(${c.enumValues.map(quoteEnum).join(',')})`;
  else if (c.length !== null) columnType += c.scale !== null ? `(${c.length},${c.scale})` : `(${c.length})`;
  if (c.unsigned) columnType += ' unsigned';
  if (c.zerofill) columnType += ' zerofill';
  const temporal = type === 'time' || type === 'datetime' || type === 'timestamp';
  let precision: number | null = null;
  let scale: number | null = null;
  if (type === 'decimal' || type === 'numeric') {
    precision = c.length ?? 10;
    scale = c.scale ?? 0;
  } else if (type === 'float' || type === 'double' || type === 'real') {
    precision = c.length;
    scale = c.scale;
  } else if (type === 'bit') precision = c.length ?? 1;
  // DEFAULT NULL and no DEFAULT read the same (Debezium's records do not tell them apart).
  let defaultText: string | null = null;
  if (c.default?.kind === 'literal')
    defaultText = c.default.quoted ? `'${c.default.text.replace(/'/g, "''")}'` : c.default.text;
  else if (c.default?.kind === 'expression')
    defaultText = c.default.text.includes('(') ? c.default.text : `${c.default.text}()`;
  return {
    name: c.name,
    dataType: type,
    columnType,
    nullable: c.nullable,
    precision,
    scale,
    fsp: temporal ? (c.length ?? 0) : null,
    length: isCharacterType(c.type) || type.endsWith('binary') ? c.length : null,
    defaultText,
  };
}

/** Debezium's tableChanges `id`: "db"."table" (TableId.toDoubleQuotedString). */
export function doubleQuotedId(id: TableId): string {
  return `"${id.db}"."${id.table}"`;
}

/** Reads a "db"."table" id back. */
export function parseDoubleQuotedId(s: string): TableId | null {
  const parts: string[] = [];
  const re = /"((?:[^"]|"")*)"|([^."]+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!);
  if (parts.length === 2) return { db: parts[0]!, table: parts[1]! };
  if (parts.length === 3) return { db: parts[0]!, table: parts[2]! };
  return null;
}

/** The length Debezium's parser gives a column: the type argument, or for ENUM/SET the widest value / all of them. */
function debeziumLength(c: ColumnDef): number | null {
  if (c.type === 'ENUM') return Math.max(1, ...c.enumValues.map((v) => v.length));
  if (c.type === 'SET')
    return Math.max(1, c.enumValues.reduce((n, v) => n + v.length, 0) + Math.max(0, c.enumValues.length - 1));
  return c.length;
}

/** Debezium's type name: the base type with UNSIGNED / ZEROFILL. */
export function debeziumTypeName(c: ColumnDef): string {
  return `${c.type}${c.unsigned ? ' UNSIGNED' : ''}${c.zerofill ? ' ZEROFILL' : ''}`;
}

export function jdbcType(c: ColumnDef): number {
  return JDBC_TYPES[c.type] ?? 1111;
}

/** What every form of a column in a history record or a schema change event says (Debezium's Column). */
export interface DebeziumColumn {
  name: string;
  jdbcType: number;
  typeName: string;
  typeExpression: string;
  charsetName: string | null;
  length: number | null;
  scale: number | null;
  position: number;
  optional: boolean;
  autoIncremented: boolean;
  generated: boolean;
  comment: string | null;
  hasDefaultValue: boolean;
  defaultValueExpression: string | null;
  enumValues: string[];
}

export function debeziumColumn(t: TableDef, c: ColumnDef, position: number): DebeziumColumn {
  const typeName = debeziumTypeName(c);
  return {
    name: c.name,
    jdbcType: jdbcType(c),
    typeName,
    typeExpression: typeName,
    charsetName: isCharacterType(c.type) ? (c.charset ?? t.defaultCharset) : null,
    length: debeziumLength(c),
    scale: c.scale,
    position,
    optional: c.nullable,
    autoIncremented: c.autoIncrement,
    // Debezium's parser marks AUTO_INCREMENT columns as generated (their value comes from the server).
    generated: c.autoIncrement,
    comment: c.comment,
    // A nullable column without DEFAULT defaults to NULL: Debezium counts that as a default.
    hasDefaultValue: c.default !== null || (c.nullable && !c.autoIncrement),
    defaultValueExpression:
      c.default?.kind === 'literal' ? c.default.text : c.default?.kind === 'expression' ? c.default.text : null,
    enumValues: c.enumValues.map(quoteEnum),
  };
}

/** A tableChanges entry of Debezium's history record JSON (JsonTableChangeSerializer). */
export interface TableChangeJson {
  type: 'CREATE' | 'ALTER' | 'DROP';
  id: string;
  previousId?: string;
  table?: {
    defaultCharsetName: string | null;
    primaryKeyColumnNames: string[];
    columns: Array<Record<string, unknown>>;
    attributes: unknown[];
  };
  comment?: string | null;
}

export interface TableChange {
  type: 'CREATE' | 'ALTER' | 'DROP';
  id: TableId;
  /** A RENAME: the table's id before it. */
  previousId?: TableId;
  /** The table after the change (the dropped one for DROP). */
  table: TableDef;
}

/** One change as the history record JSON writes it: absent optional values are left out, as Debezium's Document does. */
export function tableChangeJson(ch: TableChange): TableChangeJson {
  const out: TableChangeJson = { type: ch.type, id: doubleQuotedId(ch.id) };
  if (ch.previousId) out.previousId = doubleQuotedId(ch.previousId);
  if (ch.type === 'DROP') return out;
  const t = ch.table;
  out.table = {
    defaultCharsetName: t.defaultCharset,
    primaryKeyColumnNames: [...t.primaryKey],
    columns: t.columns.map((c, i) => {
      const d = debeziumColumn(t, c, i + 1);
      const col: Record<string, unknown> = {
        name: d.name,
        jdbcType: d.jdbcType,
        typeName: d.typeName,
        typeExpression: d.typeExpression,
        charsetName: d.charsetName,
      };
      if (d.length !== null) col.length = d.length;
      if (d.scale !== null) col.scale = d.scale;
      Object.assign(col, {
        position: d.position,
        optional: d.optional,
        autoIncremented: d.autoIncremented,
        generated: d.generated,
        comment: d.comment,
        hasDefaultValue: d.hasDefaultValue,
      });
      if (d.defaultValueExpression !== null) col.defaultValueExpression = d.defaultValueExpression;
      col.enumValues = d.enumValues;
      return col;
    }),
    attributes: [],
  };
  out.comment = t.comment;
  return out;
}

const BASE_TYPE = /^([A-Za-z]+)(?:\s+(UNSIGNED))?(?:\s+(ZEROFILL))?$/i;

function unquoteEnum(v: string): string {
  const m = /^'((?:[^']|'')*)'$/s.exec(v);
  return m ? m[1]!.replace(/''/g, "'") : v;
}

/** Reads a tableChanges entry (ours or Debezium's) back into a change; null for an entry it cannot read. */
export function tableChangeFromJson(j: TableChangeJson): TableChange | null {
  const id = parseDoubleQuotedId(j.id);
  if (!id) return null;
  const previousId = j.previousId ? (parseDoubleQuotedId(j.previousId) ?? undefined) : undefined;
  const empty: TableDef = { id, columns: [], primaryKey: [], defaultCharset: null, comment: null };
  if (j.type === 'DROP' || !j.table) return { type: 'DROP', id, table: empty };
  const columns: ColumnDef[] = [];
  const cols = [...j.table.columns].sort((a, b) => Number(a.position) - Number(b.position));
  for (const c of cols) {
    const m = BASE_TYPE.exec(String(c.typeName ?? '').trim());
    const type = (m?.[1] ?? String(c.typeName)).toUpperCase();
    const enumValues = Array.isArray(c.enumValues) ? c.enumValues.map((v) => unquoteEnum(String(v))) : [];
    const def = typeof c.defaultValueExpression === 'string' ? c.defaultValueExpression : null;
    const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
    const charset = typeof c.charsetName === 'string' ? c.charsetName : null;
    columns.push({
      name: String(c.name),
      type,
      unsigned: Boolean(m?.[2]),
      zerofill: Boolean(m?.[3]),
      length: type === 'ENUM' || type === 'SET' ? null : num(c.length),
      scale: num(c.scale),
      enumValues,
      charset: charset === j.table.defaultCharsetName ? null : charset,
      nullable: c.optional !== false,
      autoIncrement: c.autoIncremented === true,
      default:
        def === null
          ? null
          : /^(current_timestamp|now|localtime|localtimestamp)\b|\(/i.test(def)
            ? { kind: 'expression', text: def }
            : { kind: 'literal', text: def, quoted: isCharacterType(type) || /[^0-9.eE+-]/.test(def) },
      comment: typeof c.comment === 'string' ? c.comment : null,
    });
  }
  return {
    type: j.type,
    id,
    ...(previousId ? { previousId } : {}),
    table: {
      id,
      columns,
      primaryKey: j.table.primaryKeyColumnNames.map(String),
      defaultCharset: j.table.defaultCharsetName ?? null,
      comment: typeof j.comment === 'string' ? j.comment : null,
    },
  };
}

/** The tables known at one point of the binlog (Debezium's Tables), with each database's default character set. */
export class Tables {
  readonly #tables = new Map<string, TableDef>();
  readonly #dbCharsets = new Map<string, string>();

  get(id: TableId): TableDef | undefined {
    return this.#tables.get(tableKey(id));
  }

  put(t: TableDef): void {
    this.#tables.set(tableKey(t.id), t);
  }

  remove(id: TableId): TableDef | undefined {
    const t = this.#tables.get(tableKey(id));
    this.#tables.delete(tableKey(id));
    return t;
  }

  all(): TableDef[] {
    return [...this.#tables.values()];
  }

  databaseCharset(db: string): string | null {
    return this.#dbCharsets.get(db) ?? null;
  }

  setDatabaseCharset(db: string, charset: string): void {
    this.#dbCharsets.set(db, charset);
  }

  dropDatabase(db: string): TableDef[] {
    const gone = this.all().filter((t) => t.id.db === db);
    for (const t of gone) this.remove(t.id);
    this.#dbCharsets.delete(db);
    return gone;
  }

  /** Applies changes read from a history record. */
  apply(changes: readonly TableChange[]): void {
    for (const ch of changes) {
      if (ch.previousId) this.remove(ch.previousId);
      if (ch.type === 'DROP') this.remove(ch.id);
      else this.put(ch.table);
    }
  }

  clear(): void {
    this.#tables.clear();
  }
}

/** A structure from information_schema (when SHOW CREATE TABLE cannot be parsed): what its columns say. */
export function tableDefFromCatalog(
  id: TableId,
  columns: readonly ColumnInfo[],
  keyColumns: readonly string[],
  defaultCharset: string | null,
): TableDef {
  return {
    id,
    columns: columns.map((c) => {
      const args = /\(([^)]*)\)/.exec(c.columnType)?.[1];
      const enumLike = c.dataType === 'enum' || c.dataType === 'set';
      const [m, d] = enumLike || !args ? [] : args.split(',').map((x) => Number(x.trim()));
      const enumValues: string[] = [];
      if (enumLike && args)
        for (const v of args.matchAll(/'((?:[^']|'')*)'/g)) enumValues.push(v[1]!.replace(/''/g, "'"));
      const text = c.defaultText ?? null;
      let def: ColumnDefault | null = null;
      if (text !== null && text !== 'NULL') {
        const q = /^'((?:[^']|'')*)'$/s.exec(text);
        if (q) def = { kind: 'literal', text: q[1]!.replace(/''/g, "'"), quoted: true };
        else if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(text)) def = { kind: 'literal', text, quoted: false };
        else def = { kind: 'expression', text };
      }
      return {
        name: c.name,
        type: c.dataType.toUpperCase(),
        unsigned: /\bunsigned\b/i.test(c.columnType),
        zerofill: /\bzerofill\b/i.test(c.columnType),
        length: m !== undefined && Number.isFinite(m) ? m : null,
        scale: d !== undefined && Number.isFinite(d) ? d : null,
        enumValues,
        charset: null,
        nullable: c.nullable,
        autoIncrement: false,
        default: def,
        comment: null,
      };
    }),
    primaryKey: [...keyColumns],
    defaultCharset,
    comment: null,
  };
}
