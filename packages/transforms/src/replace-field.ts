/** The ReplaceField SMT: keeps, drops and renames fields of the key or value (Kafka Connect's ReplaceField). */
import {
  ConfigException,
  ConfigKeys,
  type ConnectRecord,
  defineConfig,
  type Schema,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@tributary/api';
import {
  copySchemaBasics,
  fieldValue,
  MapBuilder,
  mapEntries,
  requireMap,
  requireStruct,
  SchemaCache,
  type Side,
  sides,
} from './util.js';

const PURPOSE = 'field replacement';

export const ReplaceFieldConfig = defineConfig({
  exclude: ConfigKeys.list({
    default: [],
    importance: 'MEDIUM',
    doc: 'Fields to exclude. This takes precedence over the fields to include.',
  }),
  include: ConfigKeys.list({
    default: [],
    importance: 'MEDIUM',
    doc: 'Fields to include. If specified, only these fields will be used.',
  }),
  renames: ConfigKeys.list({ default: [], importance: 'MEDIUM', doc: 'Field rename mappings.' }),
  'replace.null.with.default': ConfigKeys.boolean({
    default: true,
    importance: 'MEDIUM',
    doc: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
  }),
  blacklist: ConfigKeys.list({ default: null, importance: 'LOW', doc: 'Deprecated. Use exclude instead.' }),
  whitelist: ConfigKeys.list({ default: null, importance: 'LOW', doc: 'Deprecated. Use include instead.' }),
});

function parseRenames(mappings: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const mapping of mappings) {
    const parts = mapping.split(':');
    if (parts.length !== 2)
      throw new ConfigException({
        renames: [`Invalid value ${mappings.join(',')} for configuration renames: Invalid rename mapping: ${mapping}`],
      });
    m.set(parts[0]!, parts[1]!);
  }
  return m;
}

/** Kafka Connect's ReplaceField: keeps (include), drops (exclude) and renames fields. */
export class ReplaceField implements Transformation {
  #exclude = new Set<string>();
  #include = new Set<string>();
  #renames = new Map<string, string>();
  #reverse = new Map<string, string>();
  #replaceNull = true;
  readonly #cache = new SchemaCache();

  constructor(readonly side: Side) {}

  config(): typeof ReplaceFieldConfig {
    return ReplaceFieldConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    // The deprecated blacklist/whitelist keys still work, as Kafka Connect translates them.
    const raw: Record<string, string> = { ...props };
    if (raw.exclude === undefined && raw.blacklist !== undefined) raw.exclude = raw.blacklist;
    if (raw.include === undefined && raw.whitelist !== undefined) raw.include = raw.whitelist;
    const c = ReplaceFieldConfig.parse(raw);
    this.#exclude = new Set(c.exclude);
    this.#include = new Set(c.include);
    this.#renames = parseRenames(c.renames);
    this.#reverse = new Map([...this.#renames].map(([a, b]) => [b, a]));
    this.#replaceNull = c['replace.null.with.default'];
  }

  #filter(name: string): boolean {
    return !this.#exclude.has(name) && (this.#include.size === 0 || this.#include.has(name));
  }

  #renamed(name: string): string {
    return this.#renames.get(name) ?? name;
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const value = sides.value(record, this.side);
    if (value === null || value === undefined) return record;
    if (sides.schema(record, this.side) === null) {
      const map = requireMap(value, PURPOSE);
      const out = new MapBuilder(map);
      for (const [k, v] of mapEntries(map)) if (this.#filter(k)) out.set(this.#renamed(k), v);
      return sides.newRecord(record, this.side, null, out.build());
    }
    const struct = requireStruct(value, PURPOSE);
    const schema = this.#cache.getOrCompute(struct.schema, (s) => this.#updatedSchema(s));
    const out = new Struct(schema);
    for (const f of schema.fields)
      out.put(f, fieldValue(struct, this.#reverse.get(f.name) ?? f.name, this.#replaceNull));
    return sides.newRecord(record, this.side, schema, out);
  }

  #updatedSchema(schema: Schema): Schema {
    const b = copySchemaBasics(schema, SchemaBuilder.struct());
    for (const f of schema.fields) if (this.#filter(f.name)) b.field(this.#renamed(f.name), f.schema);
    return b.build();
  }

  close(): void {}
}
