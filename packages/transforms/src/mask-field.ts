/** The MaskField SMT: replaces fields with an empty value of their type or a replacement (Kafka Connect's MaskField). */
import {
  BigDecimal,
  ConfigKeys,
  type ConnectRecord,
  DataException,
  defineConfig,
  type Schema,
  Struct,
  type Transformation,
} from '@tributary/api';
import {
  className,
  fieldValue,
  isPlainObject,
  MapBuilder,
  mapEntries,
  mapGet,
  requireMap,
  requireNonEmpty,
  requireStruct,
  type Side,
  sides,
} from './util.js';

const PURPOSE = 'mask fields';

export const MaskFieldConfig = defineConfig({
  fields: ConfigKeys.list({ importance: 'HIGH', doc: 'Names of fields to mask.' }),
  replacement: ConfigKeys.rawString({
    default: null,
    importance: 'LOW',
    doc: "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).",
  }),
  'replace.null.with.default': ConfigKeys.boolean({
    default: true,
    importance: 'MEDIUM',
    doc: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
  }),
});

/** The "empty" value of a type: 0, false, "", epoch, empty list/map, as Kafka Connect's MaskField uses. */
function nullMask(value: unknown): unknown {
  if (typeof value === 'boolean') return false;
  if (typeof value === 'number') return 0;
  if (typeof value === 'bigint') return 0n;
  if (typeof value === 'string') return '';
  if (value instanceof BigDecimal) return new BigDecimal(0n, 0);
  if (value instanceof Date) return new Date(0);
  if (Array.isArray(value)) return [];
  if (value instanceof Map) return new Map();
  if (isPlainObject(value)) return {};
  throw new DataException(`Cannot mask value of type: ${className(value)}`);
}

const INT_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

function customMask(value: unknown, replacement: string, schema: Schema | null): unknown {
  const notNumber = (): never => {
    throw new DataException(`Unable to convert ${replacement} (string) to number`);
  };
  if (typeof value === 'string') return replacement;
  if (typeof value === 'number') {
    const t = replacement.trim();
    // The field's schema says which Java type parses the replacement; schemaless whole numbers are longs.
    const floating = schema ? schema.type === 'float32' || schema.type === 'float64' : !Number.isInteger(value);
    if (!floating) {
      if (!/^[+-]?\d+$/.test(t)) return notNumber();
      const n = Number(t);
      const range = schema ? INT_RANGE[schema.type] : undefined;
      if (range && (n < range[0] || n > range[1])) return notNumber();
      return schema?.type === 'int64' && !Number.isSafeInteger(n) ? BigInt(t) : n;
    }
    const n = Number(t);
    return t === '' || Number.isNaN(n) ? notNumber() : n;
  }
  if (typeof value === 'bigint')
    return /^[+-]?\d+$/.test(replacement.trim()) ? BigInt(replacement.trim()) : notNumber();
  if (value instanceof BigDecimal) {
    try {
      return BigDecimal.parse(replacement);
    } catch {
      return notNumber();
    }
  }
  throw new DataException(`Cannot mask value of type ${className(value)} with custom replacement.`);
}

/** Kafka Connect's MaskField: replaces the listed fields with an empty value of their type, or with `replacement`. */
export class MaskField implements Transformation {
  #fields = new Set<string>();
  #replacement: string | null = null;
  #replaceNull = true;

  constructor(readonly side: Side) {}

  config(): typeof MaskFieldConfig {
    return MaskFieldConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = MaskFieldConfig.parse(props);
    this.#fields = new Set(requireNonEmpty(c.fields, 'fields'));
    this.#replacement = c.replacement;
    this.#replaceNull = c['replace.null.with.default'];
  }

  #masked(value: unknown, schema: Schema | null): unknown {
    if (value === null || value === undefined) return null;
    return this.#replacement === null ? nullMask(value) : customMask(value, this.#replacement, schema);
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const value = sides.value(record, this.side);
    if (value === null || value === undefined) return record;
    const schema = sides.schema(record, this.side);
    if (schema === null) {
      const map = requireMap(value, PURPOSE);
      const out = new MapBuilder(map, mapEntries(map));
      for (const f of this.#fields) out.set(f, this.#masked(mapGet(map, f), null));
      return sides.newRecord(record, this.side, null, out.build());
    }
    const struct = requireStruct(value, PURPOSE);
    const out = new Struct(struct.schema);
    for (const f of struct.schema.fields) {
      const v = fieldValue(struct, f, this.#replaceNull);
      out.put(f, this.#fields.has(f.name) ? this.#masked(v, f.schema) : v);
    }
    return sides.newRecord(record, this.side, schema, out);
  }

  close(): void {}
}
