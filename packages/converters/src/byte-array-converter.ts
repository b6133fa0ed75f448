/** Kafka Connect's ByteArrayConverter: bytes passed through untouched, as a converter and a header converter. */
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

const ByteArrayConverterConfig = defineConfig({});

/** Kafka Connect's ByteArrayConverter: bytes pass through untouched (pair it with a bytes schema or none). */
export class ByteArrayConverter implements Converter, HeaderConverter {
  config(): typeof ByteArrayConverterConfig {
    return ByteArrayConverterConfig;
  }

  configure(_props: Readonly<Record<string, string>>, _isKey?: boolean): void {}

  fromConnectData(_topic: string, _headers: Headers | null, schema: Schema | null, value: unknown): Uint8Array | null {
    if (schema !== null && schema.type !== 'bytes')
      throw new DataException(`Invalid schema type for ByteArrayConverter: ${schema.type.toUpperCase()}`);
    if (value === null || value === undefined) return null;
    if (!(value instanceof Uint8Array)) {
      const kind = typeof value === 'object' ? ((value as object).constructor?.name ?? 'object') : typeof value;
      throw new DataException(`ByteArrayConverter is not compatible with objects of type ${kind}`);
    }
    return value;
  }

  toConnectData(_topic: string, _headers: Headers | null, value: Uint8Array | null): SchemaAndValue {
    return { schema: Schemas.OPTIONAL_BYTES_SCHEMA, value: value ?? null };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }

  close(): void {}
}
