/** Debezium's Postgres change event: the source block, envelope, transaction, heartbeat and message schemas, context headers and name adjustment. */
import { Headers, type Schema, SchemaBuilder, Struct } from '@tributary/api';

/** Who emitted an event, for Debezium 3's `__debezium.context.*` headers (extended.headers.enabled). */
export interface EventContext {
  /** topic.prefix */
  logicalName: string;
  /** One per task run, so consumers can tell runs (and their replays) apart. */
  runId: string;
}

/**
 * Adds Debezium's context headers, in Debezium's order, after any headers the event already has
 * (a key change's __debezium.newkey/oldkey). Change events, tombstones and snapshot rows carry
 * them; heartbeats, transaction and message events do not (as in Debezium).
 */
export function withContextHeaders(headers: Headers | undefined, ctx: EventContext): Headers {
  return (headers ?? new Headers())
    .addString('__debezium.context.connectorLogicalName', ctx.logicalName)
    .addString('__debezium.context.taskId', '0')
    .addString('__debezium.context.connectorName', 'postgresql')
    .addString('__debezium.context.runId', ctx.runId);
}

/** The version reported in source.version. */
export const CONNECTOR_VERSION = '0.1.0';

export type SnapshotMarker =
  | 'true'
  | 'first'
  | 'first_in_data_collection'
  | 'last_in_data_collection'
  | 'last'
  | 'false'
  | 'incremental';

const SNAPSHOT_RECORD_VALUES = 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental';

export type NameAdjustmentMode = 'none' | 'avro' | 'avro_unicode';

/** Debezium's SchemaNameAdjuster: names keep dots (namespaces); other invalid Avro characters are replaced. */
export function adjustSchemaName(name: string, mode: NameAdjustmentMode): string {
  if (mode === 'none') return name;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    const ok = i === 0 ? /[A-Za-z_]/.test(c) : /[A-Za-z0-9_.]/.test(c);
    if (ok && !(mode === 'avro_unicode' && c === '_')) out += c;
    else out += mode === 'avro' ? '_' : `_u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** Debezium's FieldNameAdjuster (no dots allowed in field names). */
export function adjustFieldName(name: string, mode: NameAdjustmentMode): string {
  if (mode === 'none') return name;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    const ok = i === 0 ? /[A-Za-z_]/.test(c) : /[A-Za-z0-9_]/.test(c);
    if (ok && !(mode === 'avro_unicode' && c === '_')) out += c;
    else out += mode === 'avro' ? '_' : `_u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
  return out;
}

const snapshotRecordSchema = SchemaBuilder.string()
  .name('io.debezium.data.Enum')
  .version(1)
  .parameter('allowed', SNAPSHOT_RECORD_VALUES)
  .defaultValue('false')
  .optional()
  .build();

/** io.debezium.connector.postgresql.Source, field for field. */
export const SOURCE_SCHEMA: Schema = SchemaBuilder.struct()
  .name('io.debezium.connector.postgresql.Source')
  .version(1)
  .field('version', SchemaBuilder.string().build())
  .field('connector', SchemaBuilder.string().build())
  .field('name', SchemaBuilder.string().build())
  .field('ts_ms', SchemaBuilder.int64().build())
  .field('snapshot', snapshotRecordSchema)
  .field('db', SchemaBuilder.string().build())
  .field('sequence', SchemaBuilder.string().optional().build())
  .field('ts_us', SchemaBuilder.int64().optional().build())
  .field('ts_ns', SchemaBuilder.int64().optional().build())
  .field('schema', SchemaBuilder.string().build())
  .field('table', SchemaBuilder.string().build())
  .field('txId', SchemaBuilder.int64().optional().build())
  .field('lsn', SchemaBuilder.int64().optional().build())
  .field('xmin', SchemaBuilder.int64().optional().build())
  // Debezium 3.x always declares the replication origin of the transaction (pgoutput Origin message).
  .field('origin', SchemaBuilder.string().optional().build())
  .field('origin_lsn', SchemaBuilder.int64().optional().build())
  .build();

/** The `transaction` block of each envelope (event.block). */
export const TRANSACTION_BLOCK_SCHEMA: Schema = SchemaBuilder.struct()
  .optional()
  .name('event.block')
  .version(1)
  .field('id', SchemaBuilder.string().build())
  .field('total_order', SchemaBuilder.int64().build())
  .field('data_collection_order', SchemaBuilder.int64().build())
  .build();

const EVENT_COLLECTION_SCHEMA = SchemaBuilder.struct()
  .optional()
  .name('event.collection')
  .version(1)
  .field('data_collection', SchemaBuilder.string().build())
  .field('event_count', SchemaBuilder.int64().build())
  .build();

export function transactionKeySchema(mode: NameAdjustmentMode): Schema {
  return SchemaBuilder.struct()
    .name(adjustSchemaName('io.debezium.connector.common.TransactionMetadataKey', mode))
    .version(1)
    .field('id', SchemaBuilder.string().build())
    .build();
}

export function transactionValueSchema(mode: NameAdjustmentMode): Schema {
  return SchemaBuilder.struct()
    .name(adjustSchemaName('io.debezium.connector.common.TransactionMetadataValue', mode))
    .version(1)
    .field('status', SchemaBuilder.string().build())
    .field('id', SchemaBuilder.string().build())
    .field('event_count', SchemaBuilder.int64().optional().build())
    .field('data_collections', SchemaBuilder.array(EVENT_COLLECTION_SCHEMA).optional().build())
    .field('ts_ms', SchemaBuilder.int64().build())
    .build();
}

export function heartbeatKeySchema(mode: NameAdjustmentMode): Schema {
  return SchemaBuilder.struct()
    .name(adjustSchemaName('io.debezium.connector.common.ServerNameKey', mode))
    .version(1)
    .field('serverName', SchemaBuilder.string().build())
    .build();
}

export function heartbeatValueSchema(mode: NameAdjustmentMode): Schema {
  return SchemaBuilder.struct()
    .name(adjustSchemaName('io.debezium.connector.common.Heartbeat', mode))
    .version(1)
    .field('ts_ms', SchemaBuilder.int64().build())
    .build();
}

export function messageKeySchema(mode: NameAdjustmentMode): Schema {
  return SchemaBuilder.struct()
    .name(adjustSchemaName('io.debezium.connector.postgresql.MessageKey', mode))
    .version(1)
    .field('prefix', SchemaBuilder.string().optional().build())
    .build();
}

export function messageValueSchema(mode: NameAdjustmentMode, contentSchema: Schema): Schema {
  const block = SchemaBuilder.struct()
    .name(adjustSchemaName('io.debezium.connector.postgresql.Message', mode))
    .version(1)
    .field('prefix', SchemaBuilder.string().optional().build())
    .field('content', contentSchema)
    .build();
  return SchemaBuilder.struct()
    .name(adjustSchemaName('io.debezium.connector.postgresql.MessageValue', mode))
    .version(1)
    .field('op', SchemaBuilder.string().build())
    .field('ts_ms', SchemaBuilder.int64().optional().build())
    .field('source', SOURCE_SCHEMA)
    .field('transaction', TRANSACTION_BLOCK_SCHEMA)
    .field('message', block)
    .build();
}

/**
 * Debezium's Envelope (schema version 2): before, after, source, transaction, op, ts_ms, ts_us, ts_ns.
 * `transaction` comes before `op` because Debezium adds it as an extra schema field, and
 * Envelope.Builder appends op and the timestamps after all of those; JsonConverter writes the payload
 * in schema order, so the order is visible in the bytes. The MySQL connector passes its own source schema.
 */
export function envelopeSchema(name: string, valueSchema: Schema, sourceSchema: Schema = SOURCE_SCHEMA): Schema {
  return SchemaBuilder.struct()
    .version(2)
    .name(name)
    .field('before', valueSchema)
    .field('after', valueSchema)
    .field('source', sourceSchema)
    .field('transaction', TRANSACTION_BLOCK_SCHEMA)
    .field('op', SchemaBuilder.string().build())
    .field('ts_ms', SchemaBuilder.int64().optional().build())
    .field('ts_us', SchemaBuilder.int64().optional().build())
    .field('ts_ns', SchemaBuilder.int64().optional().build())
    .build();
}

/** The values of one source struct. */
export interface SourceValues {
  serverName: string;
  db: string;
  /** µs since the Unix epoch (commit time while streaming, read time in snapshots). */
  tsMicros: bigint;
  snapshot: SnapshotMarker;
  schema: string;
  table: string;
  txId: number | null;
  lsn: bigint | null;
  /** Debezium's sequence: [last commit LSN, event LSN] as strings. */
  lastCommitLsn: bigint | null;
  /** Replication origin of the transaction (pgoutput Origin message), when it had one. */
  origin?: { name: string; lsn: bigint } | null;
}

function int64Value(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export function sourceStruct(v: SourceValues): Struct {
  // µs since the epoch fit a double exactly until the year 2255; only ns need a bigint.
  const us = Number(v.tsMicros);
  const s = new Struct(SOURCE_SCHEMA)
    .put('version', CONNECTOR_VERSION)
    .put('connector', 'postgresql')
    .put('name', v.serverName)
    .put('ts_ms', Math.floor(us / 1000))
    .put('db', v.db)
    .put('ts_us', us)
    .put('ts_ns', v.tsMicros * 1000n)
    .put('schema', v.schema)
    .put('table', v.table)
    .put(
      'sequence',
      JSON.stringify([
        v.lastCommitLsn === null ? null : v.lastCommitLsn.toString(),
        v.lsn === null ? null : v.lsn.toString(),
      ]),
    );
  // SnapshotRecord.toSource leaves FALSE unset; the schema default renders it as "false".
  if (v.snapshot !== 'false') s.put('snapshot', v.snapshot);
  if (v.txId !== null) s.put('txId', v.txId);
  if (v.lsn !== null) s.put('lsn', int64Value(v.lsn));
  if (v.origin) s.put('origin', v.origin.name).put('origin_lsn', int64Value(v.origin.lsn));
  return s;
}

/** The connector's processing time: ms, µs and ns since the epoch (µs resolution). */
export function processingTime(): { ms: number; us: number; ns: bigint } {
  const us = Math.round((performance.timeOrigin + performance.now()) * 1000);
  return { ms: Math.floor(us / 1000), us, ns: BigInt(us) * 1000n };
}

export type Op = 'c' | 'u' | 'd' | 'r' | 't';

export interface TransactionBlock {
  id: string;
  totalOrder: number;
  dataCollectionOrder: number;
}

export function envelopeStruct(
  schema: Schema,
  op: Op,
  before: Struct | null,
  after: Struct | null,
  source: Struct,
  tx: TransactionBlock | null,
): Struct {
  const t = processingTime();
  const e = new Struct(schema)
    .put('op', op)
    .put('source', source)
    .put('ts_ms', t.ms)
    .put('ts_us', t.us)
    .put('ts_ns', int64Value(t.ns));
  if (before) e.put('before', before);
  if (after) e.put('after', after);
  if (tx) {
    e.put('transaction', transactionBlockStruct(tx));
  }
  return e;
}

/** The `transaction` block of a change or message event. */
export function transactionBlockStruct(tx: TransactionBlock): Struct {
  return new Struct(TRANSACTION_BLOCK_SCHEMA)
    .put('id', tx.id)
    .put('total_order', tx.totalOrder)
    .put('data_collection_order', tx.dataCollectionOrder);
}
