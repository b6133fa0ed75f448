/** The TimestampConverter SMT: converts between formatted strings, unix time, Date, Time and Timestamp (Kafka Connect's TimestampConverter). */
import {
  ConfigException,
  ConfigKeys,
  ConnectDate,
  ConnectException,
  type ConnectRecord,
  ConnectTime,
  ConnectTimestamp,
  DataException,
  defineConfig,
  type Schema,
  Schema as Schemas,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@tributary/api';
import { DateFormatParseException, SimpleDateFormat } from './simple-date-format.js';
import {
  className,
  copySchemaBasics,
  fieldValue,
  MapBuilder,
  mapEntries,
  mapGet,
  requireMap,
  requireStructOrNull,
  SchemaCache,
  type Side,
  sides,
} from './util.js';

const PURPOSE = 'converting timestamp formats';
const TYPES = ['string', 'unix', 'Date', 'Time', 'Timestamp'] as const;
type TimestampType = (typeof TYPES)[number];
const PRECISIONS = ['seconds', 'milliseconds', 'microseconds', 'nanoseconds'] as const;
type Precision = (typeof PRECISIONS)[number];
const MS_PER_DAY = 86_400_000;

export const TimestampConverterConfig = defineConfig({
  field: ConfigKeys.string({
    default: '',
    importance: 'HIGH',
    doc: 'The field containing the timestamp, or empty if the entire value is a timestamp',
  }),
  'target.type': ConfigKeys.enum(TYPES, {
    importance: 'HIGH',
    doc: 'The desired timestamp representation: string, unix, Date, Time, or Timestamp',
  }),
  format: ConfigKeys.rawString({
    default: '',
    importance: 'MEDIUM',
    doc: 'A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string.',
  }),
  'unix.precision': ConfigKeys.enum(PRECISIONS, {
    default: 'milliseconds',
    importance: 'LOW',
    doc: 'The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components.',
  }),
  'replace.null.with.default': ConfigKeys.boolean({
    default: true,
    importance: 'MEDIUM',
    doc: 'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
  }),
});

const PER_MS: Record<Precision, bigint> = {
  seconds: 1n,
  milliseconds: 1n,
  microseconds: 1000n,
  nanoseconds: 1_000_000n,
};

function toSafe(b: bigint): number | bigint {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/** Kafka Connect's TimestampConverter: converts between string (SimpleDateFormat), unix, Date, Time and Timestamp. */
export class TimestampConverter implements Transformation {
  #field = '';
  #type: TimestampType = 'Timestamp';
  #format: SimpleDateFormat | null = null;
  #precision: Precision = 'milliseconds';
  #replaceNull = true;
  readonly #cache = new SchemaCache();

  constructor(readonly side: Side) {}

  config(): typeof TimestampConverterConfig {
    return TimestampConverterConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = TimestampConverterConfig.parse(props);
    this.#field = c.field;
    this.#type = c['target.type'];
    this.#precision = c['unix.precision'];
    this.#replaceNull = c['replace.null.with.default'];
    const pattern = c.format;
    if (this.#type === 'string' && pattern.trim() === '') {
      throw new ConfigException({
        format: ['TimestampConverter requires format option to be specified when using string timestamps'],
      });
    }
    this.#format = null;
    if (pattern.trim() !== '') {
      try {
        this.#format = new SimpleDateFormat(pattern);
      } catch (e) {
        throw new ConfigException({
          format: [
            `TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: ${pattern} (${(e as Error).message})`,
          ],
        });
      }
    }
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const schema = sides.schema(record, this.side);
    const value = sides.value(record, this.side);
    return schema === null ? this.#schemaless(record, value) : this.#withSchema(record, schema, value);
  }

  #withSchema<R extends ConnectRecord>(record: R, schema: Schema, value: unknown): R {
    if (this.#field === '') {
      return sides.newRecord(
        record,
        this.side,
        this.#typeSchema(schema.optional),
        this.#convert(value, typeFromSchema(schema)),
      );
    }
    const struct = requireStructOrNull(value, PURPOSE);
    const updated = this.#cache.getOrCompute(schema, (s) => {
      const b = copySchemaBasics(s, SchemaBuilder.struct());
      for (const f of s.fields)
        b.field(f.name, f.name === this.#field ? this.#typeSchema(f.schema.optional) : f.schema);
      if (s.optional) b.optional();
      if (s.defaultValue instanceof Struct) b.defaultValue(this.#convertStruct(s.defaultValue, b.build()));
      return b.build();
    });
    return sides.newRecord(record, this.side, updated, this.#convertStruct(struct, updated));
  }

  #convertStruct(value: Struct | null, updated: Schema): Struct | null {
    if (value === null) return null;
    const out = new Struct(updated);
    for (const f of value.schema.fields) {
      const v = fieldValue(value, f, this.#replaceNull);
      out.put(f.name, f.name === this.#field ? this.#convert(v, typeFromSchema(f.schema)) : v);
    }
    return out;
  }

  #schemaless<R extends ConnectRecord>(record: R, value: unknown): R {
    if (value === null || value === undefined || this.#field === '')
      return sides.newRecord(record, this.side, null, this.#convert(value, null));
    const map = requireMap(value, PURPOSE);
    const out = new MapBuilder(map, mapEntries(map)).set(this.#field, this.#convert(mapGet(map, this.#field), null));
    return sides.newRecord(record, this.side, null, out.build());
  }

  #typeSchema(optional: boolean): Schema {
    switch (this.#type) {
      case 'string':
        return optional ? Schemas.OPTIONAL_STRING_SCHEMA : Schemas.STRING_SCHEMA;
      case 'unix':
        return optional ? Schemas.OPTIONAL_INT64_SCHEMA : Schemas.INT64_SCHEMA;
      case 'Date':
        return optional ? ConnectDate.builder().optional().build() : ConnectDate.SCHEMA;
      case 'Time':
        return optional ? ConnectTime.builder().optional().build() : ConnectTime.SCHEMA;
      case 'Timestamp':
        return optional ? ConnectTimestamp.builder().optional().build() : ConnectTimestamp.SCHEMA;
    }
  }

  #convert(value: unknown, sourceType: TimestampType | null): unknown {
    if (value === null || value === undefined) return null;
    const raw = this.#toRaw(value, sourceType ?? inferType(value));
    return this.#toType(raw);
  }

  #toRaw(value: unknown, type: TimestampType): Date {
    switch (type) {
      case 'string': {
        if (typeof value !== 'string')
          throw new DataException(`Expected string timestamp to be a String, but found ${className(value)}`);
        if (!this.#format)
          throw new DataException(
            'TimestampConverter requires format option to be specified when using string timestamps',
          );
        try {
          return this.#format.parse(value);
        } catch (e) {
          if (e instanceof DateFormatParseException) {
            throw new DataException(
              `Could not parse timestamp: value (${value}) does not match pattern (${this.#format.toPattern()})`,
              { cause: e },
            );
          }
          throw e;
        }
      }
      case 'unix': {
        if (!((typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint')) {
          throw new DataException(`Expected Unix timestamp to be a Long, but found ${className(value)}`);
        }
        const b = BigInt(value);
        // Java's TimeUnit conversions truncate toward zero, as bigint division does.
        const ms = this.#precision === 'seconds' ? b * 1000n : b / PER_MS[this.#precision];
        return new Date(Number(ms));
      }
      case 'Date':
      case 'Time':
      case 'Timestamp':
        if (!(value instanceof Date))
          throw new DataException(`Expected ${type} to be a java.util.Date, but found ${className(value)}`);
        return value;
    }
  }

  #toType(d: Date): unknown {
    switch (this.#type) {
      case 'string':
        return this.#format!.format(d);
      case 'unix': {
        const ms = BigInt(d.getTime());
        return toSafe(this.#precision === 'seconds' ? ms / 1000n : ms * PER_MS[this.#precision]);
      }
      case 'Date': {
        const t = d.getTime();
        return new Date(t - (((t % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY));
      }
      case 'Time': {
        const t = d.getTime();
        return new Date(((t % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY);
      }
      case 'Timestamp':
        return d;
    }
  }

  close(): void {}
}

function typeFromSchema(schema: Schema): TimestampType {
  if (schema.name === ConnectTimestamp.LOGICAL_NAME) return 'Timestamp';
  if (schema.name === ConnectDate.LOGICAL_NAME) return 'Date';
  if (schema.name === ConnectTime.LOGICAL_NAME) return 'Time';
  if (schema.type === 'string') return 'string';
  if (schema.type === 'int64') return 'unix';
  throw new ConnectException(`Schema ${String(schema)} does not correspond to a known timestamp type format`);
}

function inferType(value: unknown): TimestampType {
  if (value instanceof Date) return 'Timestamp';
  if ((typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint') return 'unix';
  if (typeof value === 'string') return 'string';
  throw new DataException(`TimestampConverter does not support ${className(value)} objects as timestamps`);
}
