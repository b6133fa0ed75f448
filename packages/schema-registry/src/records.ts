/**
 * The `_schemas` topic's record format, exactly as Confluent Schema Registry writes it, so either
 * registry can take over the other's topic. Keys (JSON, property order as Jackson writes them):
 *
 *   {"keytype":"SCHEMA","subject":"s","version":1,"magic":1}   → {"subject","version","id","schemaType"?,"references"?,"schema","deleted"}
 *   {"keytype":"CONFIG","subject":"s"|null,"magic":0}           → {"compatibilityLevel":"BACKWARD"}
 *   {"keytype":"MODE","subject":"s"|null,"magic":0}             → {"mode":"READONLY"}
 *   {"keytype":"DELETE_SUBJECT","subject":"s","magic":0}        → {"subject":"s","version":<highest deleted>}
 *   {"keytype":"CLEAR_SUBJECT","subject":"s","magic":0}         → {"subject":"s"}
 *   {"keytype":"NOOP","magic":0}                                → null
 *
 * A null value (tombstone) removes the key: that is how a permanent delete is written. A subject
 * null key is the global config / mode. schemaType is absent for AVRO and references absent when
 * empty, as Confluent omits them.
 */

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';
export type Mode = 'READWRITE' | 'READONLY' | 'READONLY_OVERRIDE' | 'IMPORT';
export const MODES: readonly Mode[] = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'];

export type RegistryKey =
  | { keytype: 'SCHEMA'; subject: string; version: number; magic: number }
  | { keytype: 'CONFIG'; subject: string | null; magic: number }
  | { keytype: 'MODE'; subject: string | null; magic: number }
  | { keytype: 'DELETE_SUBJECT'; subject: string; magic: number }
  | { keytype: 'CLEAR_SUBJECT'; subject: string; magic: number }
  | { keytype: 'NOOP'; magic: number };

export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schemaType?: SchemaType;
  references?: SchemaReference[];
  schema: string;
  deleted: boolean;
}

export interface ConfigValue {
  compatibilityLevel: string;
}
export interface ModeValue {
  mode: Mode;
}
export interface DeleteSubjectValue {
  subject: string;
  version: number;
}

export const schemaKey = (subject: string, version: number): RegistryKey => ({
  keytype: 'SCHEMA',
  subject,
  version,
  magic: 1,
});
export const configKey = (subject: string | null): RegistryKey => ({ keytype: 'CONFIG', subject, magic: 0 });
export const modeKey = (subject: string | null): RegistryKey => ({ keytype: 'MODE', subject, magic: 0 });
export const deleteSubjectKey = (subject: string): RegistryKey => ({ keytype: 'DELETE_SUBJECT', subject, magic: 0 });
export const noopKey = (): RegistryKey => ({ keytype: 'NOOP', magic: 0 });

/** Serializes a schema value with Confluent's property order and omissions. */
export function schemaValueJson(v: SchemaValue): string {
  return JSON.stringify({
    subject: v.subject,
    version: v.version,
    id: v.id,
    ...(v.schemaType && v.schemaType !== 'AVRO' ? { schemaType: v.schemaType } : {}),
    ...(v.references && v.references.length > 0 ? { references: v.references } : {}),
    schema: v.schema,
    deleted: v.deleted,
  });
}

export function encodeKey(key: RegistryKey): Buffer {
  return Buffer.from(JSON.stringify(key));
}

/** Parses a key; null for key types this registry does not know (a newer Confluent writes some), which are skipped. */
export function decodeKey(raw: Buffer): RegistryKey | null {
  const k = JSON.parse(raw.toString('utf8')) as { keytype?: string } & Record<string, unknown>;
  switch (k.keytype) {
    case 'SCHEMA':
    case 'CONFIG':
    case 'MODE':
    case 'DELETE_SUBJECT':
    case 'CLEAR_SUBJECT':
    case 'NOOP':
      return k as unknown as RegistryKey;
    default:
      return null;
  }
}
