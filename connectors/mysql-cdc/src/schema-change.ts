// Debezium's schema change event (the <topic.prefix> topic): SchemaChangeKey / SchemaChangeValue with tableChanges.
import { type Schema, SchemaBuilder, Struct } from '@tributary/api';
import { adjustSchemaName, type NameAdjustmentMode } from '@tributary/connector-postgres-cdc';
import { type Flavor, sourceSchema } from './events.js';
import { debeziumColumn, doubleQuotedId, type TableChange } from './table-def.js';

export interface SchemaChangeSchemas {
  key: Schema;
  value: Schema;
  change: Schema;
  table: Schema;
  column: Schema;
}

const cache = new Map<string, SchemaChangeSchemas>();

/** The schemas, as Debezium's SchemaChangeEventEmitter and ConnectTableChangeSerializer build them. */
export function schemaChangeSchemas(flavor: Flavor, mode: NameAdjustmentMode): SchemaChangeSchemas {
  const k = `${flavor}/${mode}`;
  const hit = cache.get(k);
  if (hit) return hit;
  const name = (n: string): string => adjustSchemaName(n, mode);
  const optionalStrings = SchemaBuilder.array(SchemaBuilder.string().build()).optional().build();
  const column = SchemaBuilder.struct()
    .name(name('io.debezium.connector.schema.Column'))
    .version(1)
    .field('name', SchemaBuilder.string().build())
    .field('jdbcType', SchemaBuilder.int32().build())
    .field('nativeType', SchemaBuilder.int32().optional().build())
    .field('typeName', SchemaBuilder.string().build())
    .field('typeExpression', SchemaBuilder.string().optional().build())
    .field('charsetName', SchemaBuilder.string().optional().build())
    .field('length', SchemaBuilder.int32().optional().build())
    .field('scale', SchemaBuilder.int32().optional().build())
    .field('position', SchemaBuilder.int32().build())
    .field('optional', SchemaBuilder.bool().optional().build())
    .field('autoIncremented', SchemaBuilder.bool().optional().build())
    .field('generated', SchemaBuilder.bool().optional().build())
    .field('comment', SchemaBuilder.string().optional().build())
    .field('defaultValueExpression', SchemaBuilder.string().optional().build())
    .field('enumValues', optionalStrings)
    .build();
  const table = SchemaBuilder.struct()
    .name(name('io.debezium.connector.schema.Table'))
    .version(1)
    .optional()
    .field('defaultCharsetName', SchemaBuilder.string().optional().build())
    .field('primaryKeyColumnNames', optionalStrings)
    .field('columns', SchemaBuilder.array(column).build())
    .field('comment', SchemaBuilder.string().optional().build())
    .build();
  const change = SchemaBuilder.struct()
    .name(name('io.debezium.connector.schema.Change'))
    .version(1)
    .field('type', SchemaBuilder.string().build())
    .field('id', SchemaBuilder.string().build())
    .field('table', table)
    .build();
  const key = SchemaBuilder.struct()
    .name(name(`io.debezium.connector.${flavor}.SchemaChangeKey`))
    .version(1)
    .field('databaseName', SchemaBuilder.string().build())
    .build();
  const value = SchemaBuilder.struct()
    .name(name(`io.debezium.connector.${flavor}.SchemaChangeValue`))
    .version(1)
    .field('source', sourceSchema(flavor))
    .field('ts_ms', SchemaBuilder.int64().build())
    .field('databaseName', SchemaBuilder.string().optional().build())
    .field('schemaName', SchemaBuilder.string().optional().build())
    .field('ddl', SchemaBuilder.string().optional().build())
    .field('tableChanges', SchemaBuilder.array(change).build())
    .build();
  const out = { key, value, change, table, column };
  cache.set(k, out);
  return out;
}

function changeStruct(s: SchemaChangeSchemas, ch: TableChange): Struct {
  const out = new Struct(s.change).put('type', ch.type).put('id', doubleQuotedId(ch.id));
  if (ch.type === 'DROP') return out;
  const t = ch.table;
  const columns = t.columns.map((c, i) => {
    const d = debeziumColumn(t, c, i + 1);
    const col = new Struct(s.column)
      .put('name', d.name)
      .put('jdbcType', d.jdbcType)
      .put('typeName', d.typeName)
      .put('typeExpression', d.typeExpression)
      .put('position', d.position)
      .put('optional', d.optional)
      .put('autoIncremented', d.autoIncremented)
      .put('generated', d.generated);
    if (d.charsetName !== null) col.put('charsetName', d.charsetName);
    if (d.length !== null) col.put('length', d.length);
    if (d.scale !== null) col.put('scale', d.scale);
    if (d.comment !== null) col.put('comment', d.comment);
    if (d.defaultValueExpression !== null) col.put('defaultValueExpression', d.defaultValueExpression);
    if (d.enumValues.length > 0) col.put('enumValues', d.enumValues);
    return col;
  });
  const table = new Struct(s.table).put('primaryKeyColumnNames', [...t.primaryKey]).put('columns', columns);
  if (t.defaultCharset !== null) table.put('defaultCharsetName', t.defaultCharset);
  if (t.comment !== null) table.put('comment', t.comment);
  return out.put('table', table);
}

/** Key and value of one schema change event. */
export function schemaChangeEvent(
  s: SchemaChangeSchemas,
  source: Struct,
  databaseName: string,
  ddl: string,
  changes: readonly TableChange[],
): { key: Struct; value: Struct } {
  const key = new Struct(s.key).put('databaseName', databaseName);
  const value = new Struct(s.value)
    .put('source', source)
    .put('ts_ms', Date.now())
    .put('databaseName', databaseName)
    .put('ddl', ddl)
    .put(
      'tableChanges',
      changes.map((c) => changeStruct(s, c)),
    );
  return { key, value };
}
