/** The Flatten SMT: nested structs or maps become top-level fields named parent<delimiter>child (Kafka Connect's Flatten). */
import {
  ConfigKeys,
  type ConnectRecord,
  DataException,
  defineConfig,
  type Schema,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@tributary/api';
import {
  className,
  copySchemaBasics,
  fieldValue,
  isSchemalessMap,
  MapBuilder,
  mapEntries,
  requireMap,
  requireStructOrNull,
  SchemaCache,
  type SchemalessMap,
  type Side,
  sides,
} from './util.js';

const PURPOSE = 'flattening';

export const FlattenConfig = defineConfig({
  delimiter: ConfigKeys.rawString({
    default: '.',
    importance: 'MEDIUM',
    doc: 'Delimiter to insert between field names from the input record when generating field names for the output record',
  }),
});

/** Kafka Connect's Flatten: nested structs (or maps) become top-level fields named parent<delimiter>child. */
export class Flatten implements Transformation {
  #delimiter = '.';
  readonly #cache = new SchemaCache();

  constructor(readonly side: Side) {}

  config(): typeof FlattenConfig {
    return FlattenConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    this.#delimiter = FlattenConfig.parse(props).delimiter;
  }

  #name(prefix: string, name: string): string {
    return prefix === '' ? name : prefix + this.#delimiter + name;
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const value = sides.value(record, this.side);
    if (value === null || value === undefined) return record;
    const schema = sides.schema(record, this.side);
    if (schema === null) {
      const map = requireMap(value, PURPOSE);
      const out = new MapBuilder(map);
      this.#flattenSchemaless(map, '', out);
      return sides.newRecord(record, this.side, null, out.build());
    }
    const struct = requireStructOrNull(value, PURPOSE);
    const updated = this.#cache.getOrCompute(schema, (s) => {
      const b = copySchemaBasics(s, SchemaBuilder.struct());
      this.#buildSchema(s, '', b, s.optional, s.defaultValue instanceof Struct ? s.defaultValue : null);
      return b.build();
    });
    if (struct === null) return sides.newRecord(record, this.side, updated, null);
    const out = new Struct(updated);
    this.#buildValue(struct, '', out);
    return sides.newRecord(record, this.side, updated, out);
  }

  #flattenSchemaless(map: SchemalessMap, prefix: string, out: MapBuilder): void {
    for (const [key, v] of mapEntries(map)) {
      const name = this.#name(prefix, key);
      if (v === null || v === undefined) {
        out.set(name, null);
        continue;
      }
      if (isSchemalessMap(v)) this.#flattenSchemaless(v, name, out);
      else if (
        typeof v === 'number' ||
        typeof v === 'bigint' ||
        typeof v === 'boolean' ||
        typeof v === 'string' ||
        v instanceof Uint8Array ||
        Array.isArray(v)
      )
        out.set(name, v);
      else
        throw new DataException(
          `Flatten transformation does not support ${className(v)} for record without schemas (for field ${name}).`,
        );
    }
  }

  #buildSchema(
    schema: Schema,
    prefix: string,
    b: SchemaBuilder,
    optional: boolean,
    defaultFromParent: Struct | null,
  ): void {
    for (const f of schema.fields) {
      const name = this.#name(prefix, f.name);
      const fieldOptional = optional || f.schema.optional;
      let def: unknown = null;
      if (f.schema.defaultValue !== null && f.schema.defaultValue !== undefined) def = f.schema.defaultValue;
      else if (defaultFromParent) def = defaultFromParent.get(f);
      if (f.schema.type === 'struct') {
        this.#buildSchema(f.schema, name, b, fieldOptional, def instanceof Struct ? def : null);
        continue;
      }
      const fb = copySchemaBasics(f.schema);
      if (fieldOptional) fb.optional();
      if (def !== null && def !== undefined) fb.defaultValue(def);
      b.field(name, fb.build());
    }
  }

  #buildValue(struct: Struct | null, prefix: string, out: Struct): void {
    if (struct === null) return;
    for (const f of struct.schema.fields) {
      const name = this.#name(prefix, f.name);
      const v = fieldValue(struct, f, true);
      if (f.schema.type === 'struct') this.#buildValue(v as Struct | null, name, out);
      else out.put(name, v);
    }
  }

  close(): void {}
}
