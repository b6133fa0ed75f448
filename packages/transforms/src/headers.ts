/** The header SMTs: HeaderFrom, InsertHeader and DropHeaders (Kafka Connect's header transforms). */
import {
  ConfigException,
  ConfigKeys,
  type ConnectRecord,
  DataException,
  defineConfig,
  Headers,
  type Schema,
  SchemaBuilder,
  Struct,
  type Transformation,
  Values,
} from '@tributary/api';
import {
  copySchemaBasics,
  fieldValue,
  MapBuilder,
  mapEntries,
  mapGet,
  requireMap,
  requireNonEmpty,
  requireStruct,
  SchemaCache,
  type Side,
  sides,
} from './util.js';

export const HeaderFromConfig = defineConfig({
  fields: ConfigKeys.list({
    importance: 'HIGH',
    doc: 'Field names in the record whose values are to be copied or moved to headers.',
  }),
  headers: ConfigKeys.list({
    importance: 'HIGH',
    doc: 'Header names, in the same order as the field names listed in the fields configuration property.',
  }),
  operation: ConfigKeys.enum(['move', 'copy'] as const, {
    importance: 'HIGH',
    doc: 'Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value).',
  }),
  'replace.null.with.default': ConfigKeys.boolean({
    default: true,
    importance: 'MEDIUM',
    doc: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
  }),
});

/** Kafka Connect's HeaderFrom: copies or moves fields of the key or value into headers. */
export class HeaderFrom implements Transformation {
  #fields: string[] = [];
  #headers: string[] = [];
  #move = false;
  #replaceNull = true;
  readonly #cache = new SchemaCache();

  constructor(readonly side: Side) {}

  config(): typeof HeaderFromConfig {
    return HeaderFromConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = HeaderFromConfig.parse(props);
    this.#fields = requireNonEmpty(c.fields, 'fields');
    this.#headers = requireNonEmpty(c.headers, 'headers');
    if (this.#fields.length !== this.#headers.length) {
      throw new ConfigException({
        headers: ["'fields' config must have the same number of elements as 'headers' config."],
      });
    }
    this.#move = c.operation === 'move';
    this.#replaceNull = c['replace.null.with.default'];
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const schema = sides.schema(record, this.side);
    const value = sides.value(record, this.side);
    const headers = record.headers.duplicate();
    const purpose = `header ${this.#move ? 'move' : 'copy'}`;
    if (schema === null) {
      const map = requireMap(value, purpose);
      const out = this.#move ? new MapBuilder(map, mapEntries(map)) : null;
      this.#fields.forEach((field, i) => {
        headers.add(this.#headers[i]!, mapGet(map, field), null);
        out?.delete(field);
      });
      return sides.newRecord(record, this.side, null, out ? out.build() : map, headers);
    }
    const struct = requireStruct(value, purpose);
    let updatedSchema: Schema = schema;
    let updatedValue: Struct = struct;
    if (this.#move) {
      updatedSchema = this.#cache.getOrCompute(schema, (s) => {
        const b = copySchemaBasics(s, SchemaBuilder.struct());
        for (const f of s.fields) if (!this.#fields.includes(f.name)) b.field(f.name, f.schema);
        return b.build();
      });
      updatedValue = new Struct(updatedSchema);
      for (const f of updatedSchema.fields) updatedValue.put(f, struct.get(f.name));
    }
    this.#fields.forEach((field, i) => {
      const f = schema.field(field);
      if (!f) throw new DataException(`Field does not exist: ${field}`);
      headers.add(this.#headers[i]!, fieldValue(struct, f, this.#replaceNull), f.schema);
    });
    return sides.newRecord(record, this.side, updatedSchema, updatedValue, headers);
  }

  close(): void {}
}

export const InsertHeaderConfig = defineConfig({
  header: ConfigKeys.string({ importance: 'HIGH', doc: 'The name of the header.' }),
  'value.literal': ConfigKeys.rawString({
    importance: 'HIGH',
    doc: 'The literal value that is to be set as the header value on all records.',
  }),
});

/** Kafka Connect's InsertHeader: adds a header whose value is a literal, typed as Values.parseString infers. */
export class InsertHeader implements Transformation {
  #header = '';
  #value: { schema: Schema | null; value: unknown } = { schema: null, value: null };

  config(): typeof InsertHeaderConfig {
    return InsertHeaderConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = InsertHeaderConfig.parse(props);
    this.#header = c.header;
    this.#value = Values.parseString(c['value.literal']);
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const headers = record.headers.duplicate();
    headers.add(this.#header, this.#value.value, this.#value.schema);
    return record.newRecord({ headers });
  }

  close(): void {}
}

export const DropHeadersConfig = defineConfig({
  headers: ConfigKeys.list({ importance: 'HIGH', doc: 'The name of the headers to be removed.' }),
});

/** Kafka Connect's DropHeaders: removes every header with one of the given names. */
export class DropHeaders implements Transformation {
  #headers = new Set<string>();

  config(): typeof DropHeadersConfig {
    return DropHeadersConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    this.#headers = new Set(requireNonEmpty(DropHeadersConfig.parse(props).headers, 'headers'));
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const kept = new Headers();
    for (const h of record.headers) if (!this.#headers.has(h.key)) kept.add(h.key, h.value, h.schema);
    return record.newRecord({ headers: kept });
  }

  close(): void {}
}
