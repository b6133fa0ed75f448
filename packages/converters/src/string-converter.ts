/** Kafka Connect's StringConverter: values as strings in a configured Java charset, as a converter and a header converter. */
import {
  ConfigKeys,
  type Converter,
  DataException,
  defineConfig,
  type HeaderConverter,
  type Headers,
  type Schema,
  Schema as Schemas,
  type SchemaAndValue,
  Values,
} from '@tributary/api';

/** StringConverter's keys (Kafka Connect's StringConverterConfig). */
export const StringConverterConfig = defineConfig({
  'converter.encoding': ConfigKeys.string({
    default: 'UTF-8',
    importance: 'HIGH',
    group: 'Converter',
    displayName: 'Encoding',
    doc: 'The name of the Java character set to use for encoding strings as byte arrays.',
  }),
  'converter.type': ConfigKeys.enum(['key', 'value', 'header'] as const, {
    default: null,
    importance: 'LOW',
    doc: 'How this converter will be used.',
  }),
});

const NON_ASCII = /[\u0080-\uffff]/g;

type Codec = { encode(s: string): Uint8Array; decode(b: Uint8Array): string };

function buf(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function nodeCodec(enc: BufferEncoding): Codec {
  return { encode: (s) => Buffer.from(s, enc), decode: (b) => buf(b).toString(enc) };
}

function swap16(b: Uint8Array): Buffer {
  const copy = Buffer.from(b);
  if (copy.length % 2 !== 0) throw new DataException('UTF-16 data must have an even number of bytes');
  return copy.swap16();
}

/** Java charset names → codecs. UTF-16 writes a big-endian byte-order mark, as Java's "UTF-16" does. */
export function codecFor(name: string): Codec {
  const n = name.trim().toUpperCase().replace(/_/g, '-');
  switch (n) {
    case 'UTF-8':
    case 'UTF8':
      return nodeCodec('utf8');
    case 'ISO-8859-1':
    case 'ISO8859-1':
    case 'LATIN1':
    case 'ISO-LATIN-1':
      return nodeCodec('latin1');
    case 'US-ASCII':
    case 'ASCII':
      return {
        encode: (s) => Buffer.from(s.replace(NON_ASCII, '?'), 'latin1'),
        decode: (b) => buf(b).toString('latin1').replace(NON_ASCII, '\ufffd'),
      };
    case 'UTF-16LE':
      return nodeCodec('utf16le');
    case 'UTF-16BE':
      return { encode: (s) => Buffer.from(s, 'utf16le').swap16(), decode: (b) => swap16(b).toString('utf16le') };
    case 'UTF-16':
      return {
        encode: (s) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]),
        decode: (b) => {
          if (b[0] === 0xff && b[1] === 0xfe) return buf(b.subarray(2)).toString('utf16le');
          if (b[0] === 0xfe && b[1] === 0xff) return swap16(b.subarray(2)).toString('utf16le');
          return swap16(b).toString('utf16le');
        },
      };
    default:
      throw new Error(`Unsupported encoding ${name}`);
  }
}

/**
 * Kafka Connect's StringConverter: any value as its string form in the configured encoding;
 * reads back an optional string. Also a HeaderConverter.
 */
export class StringConverter implements Converter, HeaderConverter {
  #codec: Codec = codecFor('UTF-8');

  config(): typeof StringConverterConfig {
    return StringConverterConfig;
  }

  configure(props: Readonly<Record<string, string>>, isKey?: boolean): void {
    const raw: Record<string, string> = { ...props };
    // Kafka's StringSerializer keys are honoured too, as StringConverter passes them through.
    const serializerEncoding =
      raw[isKey ? 'key.serializer.encoding' : 'value.serializer.encoding'] ?? raw['serializer.encoding'];
    if (raw['converter.encoding'] === undefined && serializerEncoding !== undefined)
      raw['converter.encoding'] = serializerEncoding;
    const cfg = StringConverterConfig.parse(raw);
    try {
      this.#codec = codecFor(cfg['converter.encoding']);
    } catch (e) {
      throw new DataException(
        `Invalid value ${cfg['converter.encoding']} for configuration converter.encoding: ${(e as Error).message}`,
      );
    }
  }

  fromConnectData(_topic: string, _headers: Headers | null, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    const text = typeof value === 'string' ? value : (Values.convertToString(schema, value) ?? '');
    return this.#codec.encode(text);
  }

  toConnectData(_topic: string, _headers: Headers | null, value: Uint8Array | null): SchemaAndValue {
    return {
      schema: Schemas.OPTIONAL_STRING_SCHEMA,
      value: value === null || value === undefined ? null : this.#codec.decode(value),
    };
  }

  fromConnectHeader(topic: string, _headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }

  close(): void {}
}
