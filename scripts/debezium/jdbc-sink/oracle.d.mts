// Types of oracle.mjs for the TypeScript tests.
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}
export interface WorkloadShape {
  inserts: number;
  updates: number;
  deletes: number;
  keyChanges: number;
}
export interface ColumnShape {
  name: string;
  type: string;
  nullable: boolean;
}
export interface TableShape {
  columns: ColumnShape[];
  primaryKey: string[];
}
export declare const SOURCE_DDL: string;
export declare const DEFAULT_SHAPE: WorkloadShape;
export declare function insertSql(from: number, to: number, round: number): string;
export declare function runRound(db: Queryable, round: number, nextId: number, shape?: WorkloadShape): Promise<number>;
export declare function debeziumSinkConfig(
  target: { jdbcUrl: string; user: string; password?: string | null },
  topic: string,
  table: string,
  extra?: Record<string, string>,
): Record<string, string>;
export declare function describeTable(db: Queryable, table: string): Promise<TableShape>;
export declare const KNOWN_TYPE_DIFFERENCES: ReadonlyArray<{ ours: RegExp; debezium: RegExp; why: string }>;
export declare function comparableShapes(
  ours: TableShape,
  debezium: TableShape,
): { ours: TableShape; debezium: TableShape };
export declare function tableRows(db: Queryable, table: string, shape?: TableShape): Promise<string[]>;
export declare function diffRows(expected: readonly string[], actual: readonly string[]): string | null;
