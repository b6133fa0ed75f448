/** Helpers the SMTs share: key/value sides, Requirements checks, schemaless maps, schema copying and caching, Java regexes. */
import {
  ConfigException,
  type ConnectRecord,
  DataException,
  type Headers,
  type Schema,
  SchemaBuilder,
  SinkRecord,
  Struct,
} from '@tributary/api';

/** Which half of the record a $Key/$Value transform works on. */
export type Side = 'key' | 'value';

/** A schemaless struct-like value: a plain object (what schemaless JsonConverter gives) or a Map with string keys. */
export type SchemalessMap = Record<string, unknown> | Map<string, unknown>;

/** A short type name for error messages, in place of Java's class names. */
export function className(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'Array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'Object';
  return typeof value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function isSchemalessMap(value: unknown): value is SchemalessMap {
  return value instanceof Map || isPlainObject(value);
}

/** Kafka Connect's Requirements.requireMap, for plain objects and Maps. */
export function requireMap(value: unknown, purpose: string): SchemalessMap {
  if (!isSchemalessMap(value))
    throw new DataException(
      `Only Map objects supported in absence of schema for [${purpose}], found: ${className(value)}`,
    );
  return value;
}

export function requireMapOrNull(value: unknown, purpose: string): SchemalessMap | null {
  return value === null || value === undefined ? null : requireMap(value, purpose);
}

export function requireStruct(value: unknown, purpose: string): Struct {
  if (!(value instanceof Struct))
    throw new DataException(`Only Struct objects supported for [${purpose}], found: ${className(value)}`);
  return value;
}

export function requireStructOrNull(value: unknown, purpose: string): Struct | null {
  return value === null || value === undefined ? null : requireStruct(value, purpose);
}

export function requireSchema(schema: Schema | null, purpose: string): Schema {
  if (!schema) throw new DataException(`Schema required for [${purpose}]`);
  return schema;
}

export function requireSinkRecord(record: ConnectRecord, purpose: string): SinkRecord {
  if (!(record instanceof SinkRecord))
    throw new DataException(`Only SinkRecord supported for [${purpose}], found: ${className(record)}`);
  return record;
}

export function mapGet(m: SchemalessMap, key: string): unknown {
  if (m instanceof Map) return m.get(key) ?? null;
  return Object.hasOwn(m, key) ? (m[key] ?? null) : null;
}

export function mapEntries(m: SchemalessMap): [string, unknown][] {
  return m instanceof Map ? [...m.entries()] : Object.entries(m);
}

/** A mutable map of the same kind as `like` (Map or plain object), filled with `entries`. */
export class MapBuilder {
  readonly #asMap: boolean;
  readonly #entries = new Map<string, unknown>();

  constructor(like: SchemalessMap | null, entries: Iterable<[string, unknown]> = []) {
    this.#asMap = like instanceof Map;
    for (const [k, v] of entries) this.#entries.set(k, v);
  }

  set(key: string, value: unknown): this {
    this.#entries.set(key, value);
    return this;
  }

  delete(key: string): this {
    this.#entries.delete(key);
    return this;
  }

  build(): SchemalessMap {
    if (this.#asMap) return new Map(this.#entries);
    const out: Record<string, unknown> = {};
    for (const [k, v] of this.#entries) {
      if (k === '__proto__')
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
    }
    return out;
  }
}

/** Kafka Connect's SchemaUtil.copySchemaBasics: name, version, doc and parameters (not optionality or default). */
export function copySchemaBasics(source: Schema, builder: SchemaBuilder = builderFor(source)): SchemaBuilder {
  if (source.name !== null) builder.name(source.name);
  if (source.version !== null) builder.version(source.version);
  if (source.doc !== null) builder.doc(source.doc);
  if (source.parameters) builder.parameters({ ...source.parameters });
  return builder;
}

function builderFor(source: Schema): SchemaBuilder {
  if (source.type === 'array') return SchemaBuilder.array(source.valueSchema!);
  if (source.type === 'map') return SchemaBuilder.map(source.keySchema!, source.valueSchema!);
  return SchemaBuilder.type(source.type);
}

/** Derived-schema cache keyed by the input schema object (Kafka Connect keeps an LRU of 16 per transform). */
export class SchemaCache {
  #map = new WeakMap<Schema, Schema>();
  get(schema: Schema): Schema | undefined {
    return this.#map.get(schema);
  }
  set(schema: Schema, derived: Schema): void {
    this.#map.set(schema, derived);
  }
  getOrCompute(schema: Schema, compute: (s: Schema) => Schema): Schema {
    let d = this.#map.get(schema);
    if (!d) {
      d = compute(schema);
      this.#map.set(schema, d);
    }
    return d;
  }
}

/** The field's value, with or without its schema default (replace.null.with.default). */
export function fieldValue(
  struct: Struct,
  field: string | { name: string; index: number; schema: Schema },
  replaceNullWithDefault: boolean,
): unknown {
  const f = typeof field === 'string' ? struct.schema.field(field) : field;
  if (!f) throw new DataException(`${String(field)} is not a valid field name`);
  return replaceNullWithDefault ? struct.get(f) : struct.getWithoutDefault(f);
}

/** Reads, replaces and rebuilds the key or the value of a record, as Kafka Connect's $Key/$Value pairs do. */
export const sides = {
  schema(record: ConnectRecord, side: Side): Schema | null {
    return side === 'key' ? record.keySchema : record.valueSchema;
  },
  value(record: ConnectRecord, side: Side): unknown {
    return side === 'key' ? record.key : record.value;
  },
  newRecord<R extends ConnectRecord>(
    record: R,
    side: Side,
    schema: Schema | null,
    value: unknown,
    headers?: Headers,
  ): R {
    const h = headers ? { headers } : {};
    return side === 'key'
      ? record.newRecord({ keySchema: schema, key: value, ...h })
      : record.newRecord({ valueSchema: schema, value, ...h });
  },
};

/**
 * Compiles a Java regular expression for JavaScript. Java and JS agree on the common syntax; the
 * differences that matter in topic patterns are handled: \A and \Z anchors, possessive quantifiers
 * and atomic groups (treated as their greedy forms), and inline (?i) flags at the start.
 */
export function javaRegex(pattern: string, anchored: boolean): RegExp {
  let src = pattern;
  let flags = 'u';
  const inline = /^\(\?([imsx]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    if (inline[1]!.includes('i')) flags += 'i';
    if (inline[1]!.includes('s')) flags += 's';
    if (inline[1]!.includes('m')) flags += 'm';
  }
  src = src
    .replace(/\\A/g, '^')
    .replace(/\\[Zz]/g, '$')
    .replace(/\(\?>/g, '(?:')
    .replace(/([*+?}])\+/g, '$1');
  try {
    return new RegExp(anchored ? `^(?:${src})$` : src, flags);
  } catch {
    // Some Java patterns are valid only without the unicode flag (e.g. escaped non-special characters).
    return new RegExp(anchored ? `^(?:${src})$` : src, flags.replace('u', ''));
  }
}

/** Checks that a config value is a valid Java-style regex; returns the reason when it is not. */
export function regexError(pattern: string): string | null {
  try {
    javaRegex(pattern, true);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Java's Matcher.replaceFirst replacement syntax: $n and ${name} refer to groups, a backslash
 * escapes the next character. Returns a function usable with String.prototype.replace.
 */
export function javaReplacement(replacement: string): (match: string, ...args: unknown[]) => string {
  type Part = string | { group: number | string };
  const parts: Part[] = [];
  let lit = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === '\\') {
      i++;
      if (i >= replacement.length) throw new ConfigException('character to be escaped is missing');
      lit += replacement[i];
    } else if (c === '$') {
      if (lit) parts.push(lit);
      lit = '';
      if (replacement[i + 1] === '{') {
        const end = replacement.indexOf('}', i + 2);
        if (end < 0) throw new ConfigException("named capturing group is missing trailing '}'");
        parts.push({ group: replacement.slice(i + 2, end) });
        i = end;
      } else {
        const m = /^\d+/.exec(replacement.slice(i + 1));
        if (!m) throw new ConfigException('Illegal group reference');
        parts.push({ group: Number(m[0]) });
        i += m[0].length;
      }
    } else lit += c;
  }
  if (lit) parts.push(lit);
  return (match: string, ...args: unknown[]) => {
    const last = args[args.length - 1];
    const named = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : undefined;
    const groups = args.slice(0, named ? -3 : -2) as (string | undefined)[];
    return parts
      .map((p) => {
        if (typeof p === 'string') return p;
        if (typeof p.group === 'number') {
          if (p.group === 0) return match;
          if (p.group > groups.length) throw new DataException(`No group ${p.group}`);
          return groups[p.group - 1] ?? '';
        }
        if (!named || !(p.group in named)) throw new DataException(`No group with name {${p.group}}`);
        return named[p.group] ?? '';
      })
      .join('');
  };
}

/** Kafka Connect's "field!" (required) / "field?" (optional, the default) syntax of InsertField. */
export interface InsertionSpec {
  name: string;
  optional: boolean;
}
export function parseInsertionSpec(spec: string | null): InsertionSpec | null {
  if (spec === null || spec === '') return null;
  if (spec.endsWith('?')) return { name: spec.slice(0, -1), optional: true };
  if (spec.endsWith('!')) return { name: spec.slice(0, -1), optional: false };
  return { name: spec, optional: true };
}

/** Rejects an empty list for a required list key, naming the key as ConfigDef validators do. */
export function requireNonEmpty(list: readonly string[], key: string): string[] {
  const items = list.filter((s) => s !== '');
  if (items.length === 0)
    throw new ConfigException({ [key]: [`Invalid value for configuration ${key}: Empty list is not allowed`] });
  return items;
}
