// Debezium's binlog change event: the MySQL / MariaDB source block and the envelope around it.
import type { SnapshotMarker } from '@tributary/connector-postgres-cdc';
import { type Schema, SchemaBuilder, Struct } from '@tributary/api';

/** The version reported in source.version. */
export const CONNECTOR_VERSION = '0.1.0';

/** Which Debezium connector this task stands in for: it names the source schema and source.connector. */
export type Flavor = 'mysql' | 'mariadb';

export function flavorOf(connectorClass: string | undefined): Flavor {
  return connectorClass && /mariadb/i.test(connectorClass) ? 'mariadb' : 'mysql';
}

const SNAPSHOT_VALUES = 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental';

const snapshotSchema = SchemaBuilder.string()
  .name('io.debezium.data.Enum')
  .version(1)
  .parameter('allowed', SNAPSHOT_VALUES)
  .defaultValue('false')
  .optional()
  .build();

const sourceSchemas = new Map<Flavor, Schema>();

/** io.debezium.connector.{mysql,mariadb}.Source, field for field (BinlogSourceInfoStructMaker). */
export function sourceSchema(flavor: Flavor): Schema {
  let s = sourceSchemas.get(flavor);
  if (!s) {
    s = SchemaBuilder.struct()
      .name(`io.debezium.connector.${flavor}.Source`)
      .version(1)
      .field('version', SchemaBuilder.string().build())
      .field('connector', SchemaBuilder.string().build())
      .field('name', SchemaBuilder.string().build())
      .field('ts_ms', SchemaBuilder.int64().build())
      .field('snapshot', snapshotSchema)
      .field('db', SchemaBuilder.string().build())
      .field('sequence', SchemaBuilder.string().optional().build())
      .field('ts_us', SchemaBuilder.int64().optional().build())
      .field('ts_ns', SchemaBuilder.int64().optional().build())
      .field('table', SchemaBuilder.string().optional().build())
      .field('server_id', SchemaBuilder.int64().build())
      .field('gtid', SchemaBuilder.string().optional().build())
      .field('file', SchemaBuilder.string().build())
      .field('pos', SchemaBuilder.int64().build())
      .field('row', SchemaBuilder.int32().build())
      .field('thread', SchemaBuilder.int64().optional().build())
      .field('query', SchemaBuilder.string().optional().build())
      .build();
    sourceSchemas.set(flavor, s);
  }
  return s;
}

/** What one source block says. */
export interface SourceValues {
  flavor: Flavor;
  serverName: string;
  /** ms since the epoch: the binlog event's time while streaming, the read time in the snapshot. */
  tsMs: number;
  snapshot: SnapshotMarker;
  db: string;
  table: string | null;
  serverId: number;
  gtid: string | null;
  file: string;
  pos: number;
  row: number;
  thread: number | null;
  query: string | null;
}

export function sourceStruct(v: SourceValues): Struct {
  const s = new Struct(sourceSchema(v.flavor))
    .put('version', CONNECTOR_VERSION)
    .put('connector', v.flavor)
    .put('name', v.serverName)
    .put('ts_ms', v.tsMs)
    .put('db', v.db)
    .put('ts_us', v.tsMs * 1000)
    .put('ts_ns', BigInt(v.tsMs) * 1_000_000n)
    .put('server_id', v.serverId)
    .put('file', v.file)
    .put('pos', v.pos)
    .put('row', v.row);
  // SnapshotRecord.toSource leaves FALSE unset; the schema default renders it as "false".
  if (v.snapshot !== 'false') s.put('snapshot', v.snapshot);
  if (v.table !== null) s.put('table', v.table);
  if (v.gtid !== null) s.put('gtid', v.gtid);
  if (v.thread !== null) s.put('thread', v.thread);
  if (v.query !== null) s.put('query', v.query);
  return s;
}
