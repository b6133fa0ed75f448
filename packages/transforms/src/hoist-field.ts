/** The HoistField SMT: wraps the key or value in a struct or map with a single field (Kafka Connect's HoistField). */
import {
  ConfigKeys,
  type ConnectRecord,
  defineConfig,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@tributary/api';
import { MapBuilder, SchemaCache, type Side, sides } from './util.js';

export const HoistFieldConfig = defineConfig({
  field: ConfigKeys.string({
    importance: 'MEDIUM',
    doc: 'Field name for the single field that will be created in the resulting Struct or Map.',
  }),
});

/** Kafka Connect's HoistField: wraps the key or value in a struct (or map) with a single field. */
export class HoistField implements Transformation {
  #field = '';
  readonly #cache = new SchemaCache();

  constructor(readonly side: Side) {}

  config(): typeof HoistFieldConfig {
    return HoistFieldConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    this.#field = HoistFieldConfig.parse(props).field;
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const schema = sides.schema(record, this.side);
    const value = sides.value(record, this.side);
    if (schema === null)
      return sides.newRecord(record, this.side, null, new MapBuilder(null).set(this.#field, value ?? null).build());
    const updated = this.#cache.getOrCompute(schema, (s) => SchemaBuilder.struct().field(this.#field, s).build());
    return sides.newRecord(record, this.side, updated, new Struct(updated).put(this.#field, value ?? null));
  }

  close(): void {}
}
