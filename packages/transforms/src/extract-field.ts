/** The ExtractField SMT: replaces the key or value with one, possibly nested, field of it (Kafka Connect's ExtractField). */
import { ConfigKeys, type ConnectRecord, DataException, defineConfig, type Transformation } from '@tributary/api';
import { SingleFieldPath } from './field-path.js';
import { requireMapOrNull, requireStructOrNull, type Side, sides } from './util.js';

const PURPOSE = 'field extraction';

export const ExtractFieldConfig = defineConfig({
  field: ConfigKeys.string({
    importance: 'MEDIUM',
    doc: 'Field name to extract. With field.syntax.version=V2, a dotted path to a nested field.',
  }),
  'field.syntax.version': ConfigKeys.enum(['V1', 'V2'] as const, {
    default: 'V1',
    importance: 'HIGH',
    doc: 'Defines the version of the syntax to access fields. If set to V1, then the field paths are limited to access the elements at the root level of the struct or map. If set to V2, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. E.g. to access the subfield baz from a field named "foo.bar" in a struct/map the following format can be used to access its elements: "`foo.bar`.baz".',
  }),
  'replace.null.with.default': ConfigKeys.boolean({
    default: true,
    importance: 'MEDIUM',
    doc: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
  }),
});

/** Kafka Connect's ExtractField: replaces the key or value with one (possibly nested) field of it. */
export class ExtractField implements Transformation {
  #path = new SingleFieldPath('', 'V1');
  #replaceNull = true;

  constructor(readonly side: Side) {}

  config(): typeof ExtractFieldConfig {
    return ExtractFieldConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = ExtractFieldConfig.parse(props);
    this.#path = new SingleFieldPath(c.field, c['field.syntax.version']);
    this.#replaceNull = c['replace.null.with.default'];
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const schema = sides.schema(record, this.side);
    const raw = sides.value(record, this.side);
    if (schema === null) {
      const value = requireMapOrNull(raw, PURPOSE);
      return sides.newRecord(record, this.side, null, value === null ? null : this.#path.valueFromMap(value));
    }
    const value = requireStructOrNull(raw, PURPOSE);
    const field = this.#path.fieldFrom(schema);
    if (!field) throw new DataException(`Unknown field: ${this.#path.path}`);
    return sides.newRecord(
      record,
      this.side,
      field.schema,
      value === null ? null : this.#path.valueFromStruct(value, this.#replaceNull),
    );
  }

  close(): void {}
}
