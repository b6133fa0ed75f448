/** The registry's operations (Confluent's KafkaSchemaRegistry): reads answer from the store, writes go to `_schemas` and return once read back. */
import { COMPATIBILITY_LEVELS, type CompatibilityLevel } from './avro.js';
import { RegistryError, errors } from './errors.js';
import {
  MODES,
  type Mode,
  type RegistryKey,
  type SchemaReference,
  type SchemaType,
  configKey,
  deleteSubjectKey,
  modeKey,
  schemaKey,
  schemaValueJson,
} from './records.js';
import type { ProtobufSchema } from './protobuf.js';
import {
  type ParsedSchema,
  type ResolvedReference,
  SCHEMA_TYPES,
  checkSchemaCompatibility,
  parseSchema,
} from './schema-types.js';
import type { SchemaStore, StoredVersion } from './store.js';

export interface WriteRecord {
  key: RegistryKey;
  /** The value's JSON; null writes a tombstone. */
  value: string | null;
}

export interface RegistryOptions {
  store: SchemaStore;
  /** Appends records to `_schemas` and resolves once this instance has read them back into the store. */
  write: (records: WriteRecord[]) => Promise<void>;
  /** schema.compatibility.level */
  defaultCompatibility: CompatibilityLevel;
  /** mode.mutability: whether PUT /mode is allowed. */
  modeMutability: boolean;
}

export interface SchemaRequest {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
  id?: unknown;
  version?: unknown;
}

/** A schema as the REST API shows it: schemaType absent for AVRO and references absent when empty, as Confluent does. */
export interface SchemaView {
  subject: string;
  version: number;
  id: number;
  schemaType?: SchemaType;
  references?: SchemaReference[];
  schema: string;
}

export function view(e: StoredVersion): SchemaView {
  return {
    subject: e.subject,
    version: e.version,
    id: e.id,
    ...(e.schemaType !== 'AVRO' ? { schemaType: e.schemaType } : {}),
    ...(e.references.length > 0 ? { references: e.references } : {}),
    schema: e.schema,
  };
}

const MAX_VERSION = 2 ** 31 - 1;

interface Parsed {
  schemaType: SchemaType;
  stored: string;
  normalized: string;
  references: SchemaReference[];
  parsed: ParsedSchema;
}

export class SchemaRegistry {
  readonly #options: RegistryOptions;
  /**
   * Writes to one subject run one at a time (a version and the compatibility check depend on the
   * previous write), while writes to different subjects overlap: the log keeps their order and each
   * waits only for its own record to be read back.
   */
  readonly #chains = new Map<string, Promise<unknown>>();
  /** The highest id handed out by this instance, written or still in flight. */
  #reservedId = 0;

  constructor(o: RegistryOptions) {
    this.#options = o;
  }

  get store(): SchemaStore {
    return this.#options.store;
  }

  #serial<T>(fn: () => Promise<T>, subject: string | null = null): Promise<T> {
    const key = subject ?? '\u0000global';
    const run = (this.#chains.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    this.#chains.set(key, tail);
    void tail.then(() => {
      if (this.#chains.get(key) === tail) this.#chains.delete(key);
    });
    return run;
  }

  /** A new id: above every id in the log and every id this instance reserved for a write still in flight. */
  #nextId(): number {
    this.#reservedId = Math.max(this.#reservedId, this.#options.store.maxId) + 1;
    return this.#reservedId;
  }

  /** Parses "latest", -1 or a positive version number (Confluent's VersionId). */
  static parseVersion(v: string): number | 'latest' {
    if (v === 'latest' || v === '-1') return 'latest';
    if (!/^\d+$/.test(v)) throw errors.invalidVersion(v);
    const n = Number(v);
    if (n < 1 || n > MAX_VERSION) throw errors.invalidVersion(v);
    return n;
  }

  #parse(req: SchemaRequest, normalize: boolean): Parsed {
    if (typeof req.schema !== 'string' || req.schema.length === 0)
      throw errors.invalidSchema('the request must carry a non-empty "schema" string');
    const raw = req.schemaType ?? 'AVRO';
    const schemaType = (typeof raw === 'string' ? raw.toUpperCase() : raw) as SchemaType;
    if (!SCHEMA_TYPES.includes(schemaType))
      throw errors.invalidSchema(`unknown schemaType ${String(raw)}; one of ${SCHEMA_TYPES.join(', ')}`);
    const references = this.#references(req.references);
    const refSchemas = this.#resolveReferences(references, new Set());
    try {
      const parsed = parseSchema(schemaType, req.schema, refSchemas, normalize);
      return { schemaType, stored: parsed.stored, normalized: parsed.normalized, references, parsed };
    } catch (err) {
      throw errors.invalidSchema((err as Error).message);
    }
  }

  #references(raw: unknown): SchemaReference[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw errors.invalidSchema('references must be an array');
    return raw.map((r: { name?: unknown; subject?: unknown; version?: unknown }) => {
      if (typeof r?.name !== 'string' || typeof r.subject !== 'string' || typeof r.version !== 'number')
        throw errors.invalidSchema('a reference needs a string name, a string subject and a numeric version');
      const version = r.version === -1 ? this.#latest(r.subject).version : r.version;
      return { name: r.name, subject: r.subject, version };
    });
  }

  /** The referenced schemas by the names they are referred to with, dependencies first, so their named types are defined before use. */
  #resolveReferences(refs: readonly SchemaReference[], visiting: Set<string>): ResolvedReference[] {
    const out: ResolvedReference[] = [];
    for (const r of refs) {
      const key = `${r.subject}/${r.version}`;
      if (visiting.has(key)) continue;
      visiting.add(key);
      const e = this.#options.store.versions(r.subject, true).find((x) => x.version === r.version);
      if (!e)
        throw errors.invalidSchema(`reference ${r.name} names ${r.subject} version ${r.version}, which does not exist`);
      out.push(...this.#resolveReferences(e.references, visiting), { name: r.name, schema: e.schema });
    }
    return out;
  }

  /**
   * A schema's text in the `format` a GET asks for: `serialized` turns a Protobuf schema into its base64
   * FileDescriptorProto (Confluent's JS Protobuf serde asks for that); other formats and types answer the
   * stored text.
   */
  formatted(
    e: { schemaType: SchemaType; schema: string; references: SchemaReference[] },
    format: string | undefined,
  ): string {
    if (format !== 'serialized' || e.schemaType !== 'PROTOBUF') return e.schema;
    const parsed = parseSchema(e.schemaType, e.schema, this.#resolveReferences(e.references, new Set()), false);
    return (parsed as ProtobufSchema).serialized();
  }

  #parsedOf(e: StoredVersion): ParsedSchema {
    return parseSchema(e.schemaType, e.schema, this.#resolveReferences(e.references, new Set()), false);
  }

  #latest(subject: string): StoredVersion {
    const vs = this.#options.store.versions(subject, false);
    const last = vs[vs.length - 1];
    if (!last) throw errors.subjectNotFound(subject);
    return last;
  }

  compatibilityOf(subject: string | null): CompatibilityLevel {
    const level =
      (subject !== null ? this.#options.store.config(subject) : undefined) ?? this.#options.store.config(null);
    return (level as CompatibilityLevel | undefined) ?? this.#options.defaultCompatibility;
  }

  modeOf(subject: string | null): Mode {
    return (
      (subject !== null ? this.#options.store.mode(subject) : undefined) ??
      this.#options.store.mode(null) ??
      'READWRITE'
    );
  }

  // ---- reads ----

  subjects(opts: { deleted: boolean; subjectPrefix?: string }): string[] {
    const all = this.#options.store.subjects(opts.deleted);
    return opts.subjectPrefix ? all.filter((s) => s.startsWith(opts.subjectPrefix!)) : all;
  }

  versions(subject: string, deleted: boolean): number[] {
    const vs = this.#options.store.versions(subject, deleted);
    if (vs.length === 0) throw errors.subjectNotFound(subject);
    return vs.map((v) => v.version);
  }

  get(subject: string, version: string, deleted: boolean): StoredVersion {
    const v = SchemaRegistry.parseVersion(version);
    const all = this.#options.store.versions(subject, true);
    if (all.length === 0) throw errors.subjectNotFound(subject);
    if (v === 'latest') {
      const live = all.filter((e) => deleted || !e.deleted);
      const last = live[live.length - 1];
      if (!last) throw errors.subjectNotFound(subject);
      return last;
    }
    const e = all.find((x) => x.version === v);
    if (!e || (e.deleted && !deleted)) throw errors.versionNotFound(v);
    return e;
  }

  schemaById(id: number): { schema: string; schemaType: SchemaType; references: SchemaReference[] } {
    const s = this.#options.store.byId(id);
    if (!s || this.#options.store.usesOf(id, true).length === 0) throw errors.schemaNotFound(id);
    return s;
  }

  /** POST /subjects/{subject}: is this schema registered under the subject? */
  lookup(subject: string, req: SchemaRequest, opts: { normalize: boolean; deleted: boolean }): StoredVersion {
    const all = this.#options.store.versions(subject, opts.deleted);
    if (all.length === 0) throw errors.subjectNotFound(subject);
    const p = this.#parse(req, false);
    const match = this.#findExisting(all, p, opts.normalize);
    if (!match) throw errors.schemaNotFound();
    return match;
  }

  #findExisting(candidates: StoredVersion[], p: Parsed, normalize: boolean): StoredVersion | undefined {
    const sameRefs = (e: StoredVersion): boolean => JSON.stringify(e.references) === JSON.stringify(p.references);
    const exact = candidates.find((e) => e.schemaType === p.schemaType && e.schema === p.stored && sameRefs(e));
    if (exact || !normalize) return exact;
    return candidates.find((e) => {
      if (e.schemaType !== p.schemaType || !sameRefs(e)) return false;
      try {
        return this.#parsedOf(e).normalized === p.normalized;
      } catch {
        return false;
      }
    });
  }

  /** POST /compatibility/subjects/{subject}/versions[/{version}]: messages empty when compatible. */
  testCompatibility(subject: string, version: string | null, req: SchemaRequest): string[] {
    const p = this.#parse(req, false);
    const live = this.#options.store.versions(subject, false);
    let against: StoredVersion[];
    let level = this.compatibilityOf(subject);
    if (version === null) {
      against = live;
    } else {
      if (live.length === 0 && SchemaRegistry.parseVersion(version) === 'latest') return [];
      against = [this.get(subject, version, false)];
      // A check against one named version applies the level's direction to that version alone.
      level = level.replace('_TRANSITIVE', '') as CompatibilityLevel;
    }
    return checkSchemaCompatibility(level, p.parsed, this.#previous(against));
  }

  #previous(vs: StoredVersion[]): Array<{ version: number; schema: string; parsed: ParsedSchema }> {
    return vs.map((e) => ({ version: e.version, schema: e.schema, parsed: this.#parsedOf(e) }));
  }

  // ---- writes ----

  /** POST /subjects/{subject}/versions: the id of the schema under the subject, registering it when new. */
  register(subject: string, req: SchemaRequest, opts: { normalize: boolean }): Promise<StoredVersion> {
    return this.#serial(async () => {
      const mode = this.modeOf(subject);
      if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE')
        throw errors.operationNotPermitted(`Subject ${subject} is in read-only mode`);
      const p = this.#parse(req, opts.normalize);
      const requestedId = req.id === undefined || req.id === null || req.id === -1 ? undefined : req.id;
      if (
        requestedId !== undefined &&
        (typeof requestedId !== 'number' || !Number.isInteger(requestedId) || requestedId < 1)
      )
        throw errors.invalidRequest('id must be a positive integer');
      if (requestedId !== undefined && mode !== 'IMPORT')
        throw errors.operationNotPermitted(`Subject ${subject} is not in import mode`);
      const live = this.#options.store.versions(subject, false);
      const existing = this.#findExisting(live, p, opts.normalize);
      if (existing && (requestedId === undefined || requestedId === existing.id)) return existing;

      let id: number;
      let version: number;
      if (mode === 'IMPORT') {
        if (requestedId === undefined)
          throw errors.operationNotPermitted(`Subject ${subject} is in import mode: give an id`);
        const taken = this.#options.store.byId(requestedId);
        if (taken && (taken.schema !== p.stored || JSON.stringify(taken.references) !== JSON.stringify(p.references)))
          throw errors.idInUse(requestedId);
        id = requestedId;
        const rv = req.version;
        version = typeof rv === 'number' && rv > 0 ? rv : this.#options.store.highestVersion(subject) + 1;
      } else {
        const messages = checkSchemaCompatibility(this.compatibilityOf(subject), p.parsed, this.#previous(live));
        if (messages.length > 0) throw errors.incompatible(subject, messages);
        id = this.#options.store.idFor(p.schemaType, p.stored, p.references) ?? this.#nextId();
        version = this.#options.store.highestVersion(subject) + 1;
      }
      await this.#options.write([
        {
          key: schemaKey(subject, version),
          value: schemaValueJson({
            subject,
            version,
            id,
            schemaType: p.schemaType,
            references: p.references,
            schema: p.stored,
            deleted: false,
          }),
        },
      ]);
      const written = this.#options.store.versions(subject, false).find((e) => e.version === version);
      if (!written) throw errors.storeError(`version ${version} of ${subject} was written but not read back`);
      return written;
    }, subject);
  }

  /** DELETE /subjects/{subject}: the versions deleted. A permanent delete needs a soft delete first. */
  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.#serial(async () => {
      this.#assertWritable(subject);
      const all = this.#options.store.versions(subject, true);
      if (all.length === 0) throw errors.subjectNotFound(subject);
      const live = all.filter((e) => !e.deleted);
      for (const e of live) this.#assertUnreferenced(e);
      if (!permanent) {
        if (live.length === 0) throw errors.subjectSoftDeleted(subject);
        const highest = live[live.length - 1]!.version;
        await this.#options.write([
          { key: deleteSubjectKey(subject), value: JSON.stringify({ subject, version: highest }) },
        ]);
        return live.map((e) => e.version);
      }
      if (live.length > 0) throw errors.subjectNotSoftDeleted(subject);
      await this.#options.write([
        ...all.map((e) => ({ key: schemaKey(subject, e.version), value: null })),
        ...(this.#options.store.config(subject) !== undefined ? [{ key: configKey(subject), value: null }] : []),
        ...(this.#options.store.mode(subject) !== undefined ? [{ key: modeKey(subject), value: null }] : []),
      ]);
      return all.map((e) => e.version);
    }, subject);
  }

  /** DELETE /subjects/{subject}/versions/{version}. */
  deleteVersion(subject: string, version: string, permanent: boolean): Promise<number> {
    return this.#serial(async () => {
      this.#assertWritable(subject);
      // A numbered version is found even when soft-deleted, to answer 40406 rather than 40402.
      const e = this.get(subject, version, permanent || SchemaRegistry.parseVersion(version) !== 'latest');
      this.#assertUnreferenced(e);
      if (!permanent) {
        if (e.deleted) throw errors.versionSoftDeleted(subject, e.version);
        await this.#options.write([
          { key: schemaKey(subject, e.version), value: schemaValueJson({ ...e, deleted: true }) },
        ]);
        return e.version;
      }
      if (!e.deleted) throw errors.versionNotSoftDeleted(subject, e.version);
      await this.#options.write([{ key: schemaKey(subject, e.version), value: null }]);
      return e.version;
    }, subject);
  }

  #assertWritable(subject: string): void {
    const mode = this.modeOf(subject);
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE')
      throw errors.operationNotPermitted(`Subject ${subject} is in read-only mode`);
  }

  #assertUnreferenced(e: StoredVersion): void {
    if (this.#options.store.referencedBy(e.subject, e.version).length > 0)
      throw errors.referenceExists(e.subject, e.version);
  }

  /** PUT /config[/{subject}]. */
  setCompatibility(subject: string | null, level: unknown): Promise<CompatibilityLevel> {
    return this.#serial(async () => {
      const l = typeof level === 'string' ? level.toUpperCase() : '';
      if (!(COMPATIBILITY_LEVELS as readonly string[]).includes(l)) throw errors.invalidCompatibility();
      await this.#options.write([{ key: configKey(subject), value: JSON.stringify({ compatibilityLevel: l }) }]);
      return l as CompatibilityLevel;
    }, subject);
  }

  /** DELETE /config[/{subject}]: the level that was in force. */
  deleteCompatibility(subject: string | null): Promise<CompatibilityLevel> {
    return this.#serial(async () => {
      const before = this.compatibilityOf(subject);
      if (subject !== null && this.#options.store.config(subject) === undefined) {
        if (this.#options.store.versions(subject, true).length === 0) throw errors.subjectNotFound(subject);
        throw errors.subjectConfigNotFound(subject);
      }
      await this.#options.write([{ key: configKey(subject), value: null }]);
      return before;
    }, subject);
  }

  /** PUT /mode[/{subject}]. IMPORT needs an empty registry (or subject) unless forced, as Confluent. */
  setMode(subject: string | null, mode: unknown, force: boolean): Promise<Mode> {
    return this.#serial(async () => {
      if (!this.#options.modeMutability) throw errors.operationNotPermitted('Mode changes are not allowed');
      const m = typeof mode === 'string' ? mode.toUpperCase() : '';
      if (!(MODES as readonly string[]).includes(m)) throw errors.invalidMode(String(mode));
      if (m === 'IMPORT' && !force) {
        const nonEmpty =
          subject === null
            ? this.#options.store.subjects(true).length > 0
            : this.#options.store.versions(subject, true).length > 0;
        if (nonEmpty) throw errors.operationNotPermitted('Cannot import since found existing subjects');
      }
      await this.#options.write([{ key: modeKey(subject), value: JSON.stringify({ mode: m }) }]);
      return m as Mode;
    }, subject);
  }

  /** DELETE /mode/{subject}: the mode that was in force. */
  deleteMode(subject: string): Promise<Mode> {
    return this.#serial(async () => {
      const before = this.modeOf(subject);
      if (this.#options.store.mode(subject) === undefined) throw errors.subjectModeNotFound(subject);
      await this.#options.write([{ key: modeKey(subject), value: null }]);
      return before;
    }, subject);
  }
}

export { RegistryError };
