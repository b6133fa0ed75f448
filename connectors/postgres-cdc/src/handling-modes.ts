// Debezium's value handling modes (decimal, time precision, binary): the config keys and the binary representations, shared by the CDC connectors.
import { ConfigKeys, SchemaBuilder } from '@tributary/api';

export const DECIMAL_HANDLING_MODES = ['precise', 'double', 'string'] as const;
export const TIME_PRECISION_MODES = ['adaptive', 'adaptive_time_microseconds', 'connect'] as const;
export const BINARY_HANDLING_MODES = ['bytes', 'base64', 'base64-url-safe', 'hex'] as const;

export type DecimalHandlingMode = (typeof DECIMAL_HANDLING_MODES)[number];
export type TimePrecisionMode = (typeof TIME_PRECISION_MODES)[number];
export type BinaryHandlingMode = (typeof BINARY_HANDLING_MODES)[number];

/**
 * The three keys, as Debezium's RelationalDatabaseConnectorConfig defines them. Each connector names its own
 * types in the docs, and its own time precision modes (Debezium's binlog connectors refuse `adaptive`).
 */
export function handlingModeKeys<const T extends readonly TimePrecisionMode[]>(o: {
  decimalTypes: string;
  binaryTypes: string;
  timeModes: T;
  timeDefault: T[number];
  timeDoc: string;
}) {
  return {
    'decimal.handling.mode': ConfigKeys.enum(DECIMAL_HANDLING_MODES, {
      default: 'precise',
      doc: `How ${o.decimalTypes} values are represented: precise (Decimal), double or string.`,
    }),
    'time.precision.mode': ConfigKeys.enum(o.timeModes, { default: o.timeDefault, doc: o.timeDoc }),
    'binary.handling.mode': ConfigKeys.enum(BINARY_HANDLING_MODES, {
      default: 'bytes',
      doc: `How ${o.binaryTypes} values are represented: bytes, base64, base64-url-safe or hex.`,
    }),
  };
}

/** A binary value as binary.handling.mode asks. */
export function binaryValue(bytes: Uint8Array, mode: BinaryHandlingMode): Uint8Array | string {
  switch (mode) {
    case 'bytes':
      return bytes;
    case 'base64':
      return Buffer.from(bytes).toString('base64');
    case 'base64-url-safe':
      // Java's URL-safe encoder keeps the '=' padding.
      return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    case 'hex':
      return Buffer.from(bytes).toString('hex');
  }
}

export function binaryBuilder(mode: BinaryHandlingMode): SchemaBuilder {
  return mode === 'bytes' ? SchemaBuilder.bytes() : SchemaBuilder.string();
}
