/** The Converter and HeaderConverter interfaces: Connect data to Kafka bytes and back (Kafka Connect's Converter and HeaderConverter). */
import type { ConfigDef } from './config.js';
import type { Schema, SchemaAndValue } from './data/schema.js';
import type { Headers } from './record.js';

/** Turns Connect data into the bytes Kafka stores and back (Kafka Connect's Converter). */
export interface Converter {
  /** props are the converter's own keys (prefix already stripped); isKey tells key from value. */
  configure(props: Readonly<Record<string, string>>, isKey: boolean): void;
  fromConnectData(topic: string, headers: Headers | null, schema: Schema | null, value: unknown): Uint8Array | null;
  toConnectData(topic: string, headers: Headers | null, value: Uint8Array | null): SchemaAndValue;
  config?(): ConfigDef;
  close?(): void;
}

/** Converts header values (Kafka Connect's HeaderConverter). */
export interface HeaderConverter {
  configure(props: Readonly<Record<string, string>>): void;
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Uint8Array | null;
  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue;
  config?(): ConfigDef;
  close?(): void;
}
