/** Kafka Connect's Short/Integer/Long/Float/Double converters: fixed-width big-endian numbers as Kafka's serializers write them. */
import {
  type Converter,
  DataException,
  defineConfig,
  type HeaderConverter,
  type Headers,
  type Schema,
  Schema as Schemas,
  type SchemaAndValue,
} from '@tributary/api';

const NumberConverterConfig = defineConfig({});

interface NumberFormat {
  /** Kafka's serializer name, quoted in errors ("short", "integer", …). */
  typeName: string;
  deserializer: string;
  size: number;
  schema: Schema;
  write(view: DataView, value: unknown): boolean;
  read(view: DataView): number | bigint;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function intIn(min: number, max: number): (v: unknown) => v is number {
  return (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}
const isShort = intIn(-32768, 32767);
const isInt = intIn(-2147483648, 2147483647);

/**
 * Base of Kafka Connect's numeric converters: the value as Kafka's Short/Integer/Long/Float/Double
 * serializers write it (big-endian, fixed width), read back with an optional schema of that type.
 */
abstract class NumberConverter implements Converter, HeaderConverter {
  protected abstract readonly format: NumberFormat;

  config(): typeof NumberConverterConfig {
    return NumberConverterConfig;
  }

  configure(_props: Readonly<Record<string, string>>, _isKey?: boolean): void {}

  fromConnectData(_topic: string, _headers: Headers | null, _schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    const f = this.format;
    const out = new Uint8Array(f.size);
    if (!f.write(new DataView(out.buffer), value)) {
      const kind =
        typeof value === 'object'
          ? ((value as object).constructor?.name ?? 'object')
          : `${typeof value} ${String(value)}`;
      throw new DataException(`Failed to serialize to ${f.typeName} (was ${kind})`);
    }
    return out;
  }

  toConnectData(_topic: string, _headers: Headers | null, value: Uint8Array | null): SchemaAndValue {
    const f = this.format;
    if (value === null || value === undefined) return { schema: f.schema, value: null };
    if (value.length !== f.size)
      throw new DataException(
        `Failed to deserialize ${f.typeName}: Size of data received by ${f.deserializer} is not ${f.size}`,
      );
    return { schema: f.schema, value: f.read(new DataView(value.buffer, value.byteOffset, value.byteLength)) };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }

  close(): void {}
}

const SHORT: NumberFormat = {
  typeName: 'short',
  deserializer: 'ShortDeserializer',
  size: 2,
  schema: Schemas.OPTIONAL_INT16_SCHEMA,
  write: (d, v) => {
    if (!isShort(v)) return false;
    d.setInt16(0, v);
    return true;
  },
  read: (d) => d.getInt16(0),
};
const INTEGER: NumberFormat = {
  typeName: 'integer',
  deserializer: 'IntegerDeserializer',
  size: 4,
  schema: Schemas.OPTIONAL_INT32_SCHEMA,
  write: (d, v) => {
    if (!isInt(v)) return false;
    d.setInt32(0, v);
    return true;
  },
  read: (d) => d.getInt32(0),
};
const LONG: NumberFormat = {
  typeName: 'long',
  deserializer: 'LongDeserializer',
  size: 8,
  schema: Schemas.OPTIONAL_INT64_SCHEMA,
  write: (d, v) => {
    let b: bigint;
    if (typeof v === 'bigint') b = v;
    else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
    else return false;
    if (b < INT64_MIN || b > INT64_MAX) return false;
    d.setBigInt64(0, b);
    return true;
  },
  read: (d) => {
    const b = d.getBigInt64(0);
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  },
};
const FLOAT: NumberFormat = {
  typeName: 'float',
  deserializer: 'FloatDeserializer',
  size: 4,
  schema: Schemas.OPTIONAL_FLOAT32_SCHEMA,
  write: (d, v) => {
    if (!(typeof v === 'number')) return false;
    d.setFloat32(0, v);
    return true;
  },
  read: (d) => d.getFloat32(0),
};
const DOUBLE: NumberFormat = {
  typeName: 'double',
  deserializer: 'DoubleDeserializer',
  size: 8,
  schema: Schemas.OPTIONAL_FLOAT64_SCHEMA,
  write: (d, v) => {
    if (!(typeof v === 'number')) return false;
    d.setFloat64(0, v);
    return true;
  },
  read: (d) => d.getFloat64(0),
};

/** Kafka Connect's ShortConverter (int16, 2 bytes big-endian). */
export class ShortConverter extends NumberConverter {
  protected readonly format = SHORT;
}
/** Kafka Connect's IntegerConverter (int32, 4 bytes big-endian). */
export class IntegerConverter extends NumberConverter {
  protected readonly format = INTEGER;
}
/** Kafka Connect's LongConverter (int64, 8 bytes big-endian; bigint beyond 2^53). */
export class LongConverter extends NumberConverter {
  protected readonly format = LONG;
}
/** Kafka Connect's FloatConverter (float32, IEEE 754, 4 bytes big-endian). */
export class FloatConverter extends NumberConverter {
  protected readonly format = FLOAT;
}
/** Kafka Connect's DoubleConverter (float64, IEEE 754, 8 bytes big-endian). */
export class DoubleConverter extends NumberConverter {
  protected readonly format = DOUBLE;
}
