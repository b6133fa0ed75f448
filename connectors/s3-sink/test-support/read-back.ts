/** Test helper: queries Parquet bytes with DuckDB, a reader independent of the one that wrote them. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

let conn: Promise<DuckDBConnection> | null = null;
function connection(): Promise<DuckDBConnection> {
  conn ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
  return conn;
}

/**
 * Runs `sql` over Parquet bytes with DuckDB, an independent reader (C++, its own Parquet code):
 * `{file}` in the query is replaced by the path the bytes were written to.
 */
export async function duckQuery(
  bytes: Uint8Array | readonly Uint8Array[],
  sql: string,
): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync(join(tmpdir(), 's3sink-read-'));
  const file = join(dir, 'f.parquet');
  try {
    writeFileSync(file, Array.isArray(bytes) ? Buffer.concat(bytes as Uint8Array[]) : (bytes as Uint8Array));
    const c = await connection();
    const r = await c.runAndReadAll(sql.replaceAll('{file}', `'${file}'`));
    return r.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
