// What the dialects write alike (Confluent's GenericDatabaseDialect): table names, CREATE TABLE, INSERT, UPDATE, DELETE, savepoints, network errors.
import type { Column, ColumnType } from '../columns.js';
import { type ErrorClass, isNetworkError } from '../dialect.js';
import type { TableId } from '../records.js';

/** The statements MySQL and PostgreSQL take in the same words; a dialect extends it and writes the rest of Dialect. */
export abstract class GenericDialect {
  abstract quote(identifier: string): string;
  abstract sqlType(type: ColumnType, key: boolean): string;
  /** What CREATE TABLE writes after an optional column's type: MySQL spells NULL out, PostgreSQL leaves it implied. */
  protected abstract readonly optionalColumn: string;
  /** The statement's `n`th bind parameter, from 1. */
  protected abstract parameter(n: number): string;
  /** How to handle an error the server (not the network) reported. */
  protected abstract classifyServerError(error: unknown): ErrorClass;
  /** The upsert clause INSERT ends with: what to do when a row with the same `conflictKey` exists. */
  protected abstract onConflict(columns: readonly string[], conflictKey: readonly string[]): string;

  table(id: TableId): string {
    return id.schema ? `${this.quote(id.schema)}.${this.quote(id.table)}` : this.quote(id.table);
  }

  createTable(id: TableId, key: readonly Column[], values: readonly Column[]): string {
    const defs = [
      ...key.map((c) => `${this.quote(c.name)} ${this.sqlType(c.type, true)} NOT NULL`),
      ...values.map(
        (c) => `${this.quote(c.name)} ${this.sqlType(c.type, false)}${c.optional ? this.optionalColumn : ' NOT NULL'}`,
      ),
    ];
    if (key.length > 0) defs.push(`PRIMARY KEY (${key.map((c) => this.quote(c.name)).join(', ')})`);
    return `CREATE TABLE IF NOT EXISTS ${this.table(id)} (${defs.join(', ')})`;
  }

  insert(id: TableId, columns: readonly string[], rows: number, conflictKey: readonly string[] | null): string {
    let n = 1;
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) tuples.push(`(${columns.map(() => this.parameter(n++)).join(',')})`);
    const sql = `INSERT INTO ${this.table(id)} (${columns.map((c) => this.quote(c)).join(',')}) VALUES ${tuples.join(',')}`;
    return conflictKey ? `${sql} ${this.onConflict(columns, conflictKey)}` : sql;
  }

  update(id: TableId, key: readonly string[], values: readonly string[]): string {
    let n = 1;
    const set = values.map((c) => `${this.quote(c)}=${this.parameter(n++)}`).join(',');
    const where = key.map((c) => `${this.quote(c)}=${this.parameter(n++)}`).join(' AND ');
    return `UPDATE ${this.table(id)} SET ${set} WHERE ${where}`;
  }

  delete(id: TableId, key: readonly string[], rows: number): string {
    let n = 1;
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++)
      tuples.push(key.length === 1 ? this.parameter(n++) : `(${key.map(() => this.parameter(n++)).join(',')})`);
    const lhs = key.length === 1 ? this.quote(key[0]!) : `(${key.map((c) => this.quote(c)).join(',')})`;
    return `DELETE FROM ${this.table(id)} WHERE ${lhs} IN (${tuples.join(',')})`;
  }

  classify(error: unknown): ErrorClass {
    return isNetworkError(error) ? 'transient' : this.classifyServerError(error);
  }

  savepoint(name: string): string {
    return `SAVEPOINT ${name}`;
  }

  rollbackTo(name: string): string {
    return `ROLLBACK TO SAVEPOINT ${name}`;
  }

  release(name: string): string {
    return `RELEASE SAVEPOINT ${name}`;
  }
}
