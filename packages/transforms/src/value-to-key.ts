/** The ValueToKey SMT: replaces the key with fields taken from the value (Kafka Connect's ValueToKey). */
import {
  ConfigKeys,
  type ConnectRecord,
  DataException,
  defineConfig,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@tributary/api';
import { requireNonEmpty, fieldValue, MapBuilder, mapGet, requireMap, requireStruct, SchemaCache } from './util.js';

const PURPOSE = 'copying fields from value to key';

export const ValueToKeyConfig = defineConfig({
  fields: ConfigKeys.list({ importance: 'HIGH', doc: 'Field names on the record value to extract as the record key.' }),
  'replace.null.with.default': ConfigKeys.boolean({
    default: true,
    importance: 'MEDIUM',
    doc: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
  }),
});

/** Kafka Connect's ValueToKey: replaces the key with a struct (or map) of fields taken from the value. */
export class ValueToKey implements Transformation {
  #fields: string[] = [];
  #replaceNull = true;
  readonly #cache = new SchemaCache();

  config(): typeof ValueToKeyConfig {
    return ValueToKeyConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = ValueToKeyConfig.parse(props);
    this.#fields = requireNonEmpty(c.fields, 'fields');
    this.#replaceNull = c['replace.null.with.default'];
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    if (record.valueSchema === null) {
      const value = requireMap(record.value, PURPOSE);
      const key = new MapBuilder(value);
      for (const f of this.#fields) key.set(f, mapGet(value, f));
      return record.newRecord({ keySchema: null, key: key.build() });
    }
    const value = requireStruct(record.value, PURPOSE);
    const keySchema = this.#cache.getOrCompute(value.schema, (s) => {
      const b = SchemaBuilder.struct();
      for (const f of this.#fields) {
        const from = s.field(f);
        if (!from) throw new DataException(`Field does not exist: ${f}`);
        b.field(f, from.schema);
      }
      return b.build();
    });
    const key = new Struct(keySchema);
    for (const f of this.#fields) key.put(f, fieldValue(value, f, this.#replaceNull));
    return record.newRecord({ keySchema, key });
  }

  close(): void {}
}
