/** The registry's in-memory state, rebuilt from the `_schemas` topic record by record (Confluent's KafkaStoreMessageHandler + lookup cache). */
import type { DeleteSubjectValue, Mode, RegistryKey, SchemaReference, SchemaType, SchemaValue } from './records.js';

export interface StoredVersion {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaType;
  references: SchemaReference[];
  schema: string;
  deleted: boolean;
}

export interface StoredSchema {
  id: number;
  schemaType: SchemaType;
  references: SchemaReference[];
  schema: string;
}

/** Identity of a schema across subjects: the same text, type and references get the same id. */
export const schemaIdentity = (schemaType: SchemaType, schema: string, refs: readonly SchemaReference[]): string =>
  JSON.stringify([schemaType, schema, refs.map((r) => [r.name, r.subject, r.version])]);

export class SchemaStore {
  /** subject → version → entry. */
  readonly #subjects = new Map<string, Map<number, StoredVersion>>();
  readonly #byId = new Map<number, StoredSchema>();
  readonly #idByIdentity = new Map<string, number>();
  readonly #configs = new Map<string | null, string>();
  readonly #modes = new Map<string | null, Mode>();
  #maxId = 0;

  get maxId(): number {
    return this.#maxId;
  }

  apply(key: RegistryKey, value: unknown): void {
    switch (key.keytype) {
      case 'SCHEMA':
        this.#applySchema(key.subject, key.version, value as SchemaValue | null);
        return;
      case 'CONFIG': {
        const v = value as { compatibilityLevel?: string; compatibility?: string } | null;
        const level = v?.compatibilityLevel ?? v?.compatibility;
        if (level) this.#configs.set(key.subject, level);
        else this.#configs.delete(key.subject);
        return;
      }
      case 'MODE': {
        const v = value as { mode?: Mode } | null;
        if (v?.mode) this.#modes.set(key.subject, v.mode);
        else this.#modes.delete(key.subject);
        return;
      }
      case 'DELETE_SUBJECT': {
        const v = value as DeleteSubjectValue | null;
        if (!v) return;
        for (const entry of this.#subjects.get(key.subject)?.values() ?? []) {
          if (entry.version <= v.version) entry.deleted = true;
        }
        return;
      }
      case 'CLEAR_SUBJECT':
      case 'NOOP':
        return;
    }
  }

  #applySchema(subject: string, version: number, v: SchemaValue | null): void {
    let versions = this.#subjects.get(subject);
    if (!v) {
      versions?.delete(version);
      if (versions && versions.size === 0) this.#subjects.delete(subject);
      return;
    }
    if (!versions) {
      versions = new Map();
      this.#subjects.set(subject, versions);
    }
    const schemaType = v.schemaType ?? 'AVRO';
    const references = v.references ?? [];
    versions.set(version, { subject, version, id: v.id, schemaType, references, schema: v.schema, deleted: v.deleted });
    // Ids stay known after a permanent delete, so they are never handed out again.
    if (!this.#byId.has(v.id)) this.#byId.set(v.id, { id: v.id, schemaType, references, schema: v.schema });
    const identity = schemaIdentity(schemaType, v.schema, references);
    if (!this.#idByIdentity.has(identity)) this.#idByIdentity.set(identity, v.id);
    if (v.id > this.#maxId) this.#maxId = v.id;
  }

  subjects(includeDeleted: boolean): string[] {
    return [...this.#subjects.entries()]
      .filter(([, vs]) => [...vs.values()].some((e) => includeDeleted || !e.deleted))
      .map(([s]) => s)
      .sort();
  }

  /** Versions of a subject in order; soft-deleted ones only when asked. */
  versions(subject: string, includeDeleted: boolean): StoredVersion[] {
    const vs = this.#subjects.get(subject);
    if (!vs) return [];
    return [...vs.values()].filter((e) => includeDeleted || !e.deleted).sort((a, b) => a.version - b.version);
  }

  /** Highest version ever written to the subject (soft-deleted included): a new version takes the next one. */
  highestVersion(subject: string): number {
    let max = 0;
    for (const v of this.#subjects.get(subject)?.keys() ?? []) max = Math.max(max, v);
    return max;
  }

  byId(id: number): StoredSchema | undefined {
    return this.#byId.get(id);
  }

  idFor(schemaType: SchemaType, schema: string, refs: readonly SchemaReference[]): number | undefined {
    return this.#idByIdentity.get(schemaIdentity(schemaType, schema, refs));
  }

  /** Every (subject, version) that holds the schema with this id. */
  usesOf(id: number, includeDeleted: boolean): StoredVersion[] {
    const out: StoredVersion[] = [];
    for (const vs of this.#subjects.values())
      for (const e of vs.values()) if (e.id === id && (includeDeleted || !e.deleted)) out.push(e);
    return out.sort((a, b) => (a.subject === b.subject ? a.version - b.version : a.subject < b.subject ? -1 : 1));
  }

  /** Ids of the live schemas that reference subject/version. */
  referencedBy(subject: string, version: number): number[] {
    const ids = new Set<number>();
    for (const vs of this.#subjects.values())
      for (const e of vs.values())
        if (!e.deleted && e.references.some((r) => r.subject === subject && r.version === version)) ids.add(e.id);
    return [...ids].sort((a, b) => a - b);
  }

  config(subject: string | null): string | undefined {
    return this.#configs.get(subject);
  }

  mode(subject: string | null): Mode | undefined {
    return this.#modes.get(subject);
  }
}
