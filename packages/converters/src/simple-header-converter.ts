/** Kafka Connect's SimpleHeaderConverter, the default header converter: values as their Values string form, types inferred on reading. */
import {
  DataException,
  defineConfig,
  type HeaderConverter,
  type Schema,
  Schema as Schemas,
  type SchemaAndValue,
  SchemaAndValue as SV,
  Values,
} from '@tributary/api';

const SimpleHeaderConverterConfig = defineConfig({});

/**
 * Kafka Connect's default header converter: writes each header value as its string form
 * (Values.convertToString) in UTF-8 and reads it back with Values.parseString, so numbers,
 * booleans, ISO timestamps, arrays and maps regain a type.
 */
export class SimpleHeaderConverter implements HeaderConverter {
  config(): typeof SimpleHeaderConverterConfig {
    return SimpleHeaderConverterConfig;
  }

  configure(_props: Readonly<Record<string, string>>): void {}

  fromConnectHeader(_topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    return Buffer.from(Values.convertToString(schema, value) ?? '', 'utf8');
  }

  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value === undefined) return SV.NULL;
    const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
    if (text === '') return { schema: Schemas.STRING_SCHEMA, value: text };
    try {
      return Values.parseString(text);
    } catch (e) {
      if (e instanceof DataException)
        throw new DataException(`Failed to deserialize value for header '${headerKey}' on topic '${topic}'`, {
          cause: e,
        });
      return { schema: Schemas.STRING_SCHEMA, value: text };
    }
  }

  close(): void {}
}
