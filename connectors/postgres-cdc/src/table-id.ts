// A Postgres table's schema-qualified name, as Debezium writes it in configs and signals.

export interface TableId {
  readonly schema: string;
  readonly table: string;
}

export function tableIdString(t: TableId): string {
  return `${t.schema}.${t.table}`;
}

export function parseTableId(id: string): TableId | null {
  // Debezium names Postgres collections schema.table; a leading database name is accepted too.
  const parts = id.split('.');
  if (parts.some((p) => p === '')) return null;
  if (parts.length === 2) return { schema: parts[0]!, table: parts[1]! };
  if (parts.length === 3) return { schema: parts[1]!, table: parts[2]! };
  return null;
}
