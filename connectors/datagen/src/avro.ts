/**
 * The part of Avro schema JSON that datagen needs: types, names, docs, logical types and the
 * `arg.properties` annotations avro-random-generator reads. Schema files may carry // and
 * block comments, as Avro's own parser accepts them.
 */

export type ArgProperties = Readonly<Record<string, unknown>>;

export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export type AvroType =
  | {
      kind: AvroPrimitive;
      props: ArgProperties;
      logicalType: string | null;
      precision?: number;
      scale?: number;
      doc: string | null;
    }
  | { kind: 'record'; fullName: string; doc: string | null; fields: AvroField[]; props: ArgProperties }
  | { kind: 'enum'; fullName: string; doc: string | null; symbols: string[]; props: ArgProperties }
  | {
      kind: 'fixed';
      fullName: string;
      size: number;
      props: ArgProperties;
      logicalType: string | null;
      precision?: number;
      scale?: number;
    }
  | { kind: 'array'; items: AvroType; props: ArgProperties }
  | { kind: 'map'; values: AvroType; props: ArgProperties }
  | { kind: 'union'; branches: AvroType[]; props: ArgProperties };

export interface AvroField {
  readonly name: string;
  readonly doc: string | null;
  readonly type: AvroType;
  /** Field-level arg.properties (avro-random-generator reads them for unions, e.g. `position`). */
  readonly props: ArgProperties;
  readonly hasDefault: boolean;
  readonly default: unknown;
}

export class AvroSchemaError extends Error {}

const PRIMITIVES = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const ARG = 'arg.properties';

/** Removes // and block comments outside string literals. */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Parses Avro schema JSON text into the type tree. Throws AvroSchemaError naming what is wrong. */
export function parseAvroSchema(text: string): AvroType {
  let json: unknown;
  try {
    json = JSON.parse(stripJsonComments(text));
  } catch (e) {
    throw new AvroSchemaError(`schema is not valid JSON: ${(e as Error).message}`);
  }
  return parseAvroSchemaJson(json);
}

/** Parses an already-decoded Avro schema JSON value. */
export function parseAvroSchemaJson(json: unknown): AvroType {
  return new SchemaParser().parse(json, null);
}

class SchemaParser {
  readonly #named = new Map<string, AvroType>();

  parse(json: unknown, namespace: string | null): AvroType {
    if (typeof json === 'string') return this.#reference(json, namespace);
    if (Array.isArray(json)) return { kind: 'union', branches: json.map((b) => this.parse(b, namespace)), props: {} };
    if (json === null || typeof json !== 'object') throw new AvroSchemaError(`not a schema: ${JSON.stringify(json)}`);
    const o = json as Record<string, unknown>;
    const type = o.type;
    const props = argProps(o);
    const doc = typeof o.doc === 'string' ? o.doc : null;
    const logicalType = typeof o.logicalType === 'string' ? o.logicalType : null;
    const decimal = {
      ...(typeof o.precision === 'number' ? { precision: o.precision } : {}),
      ...(typeof o.scale === 'number' ? { scale: o.scale } : {}),
    };
    if (typeof type === 'string' && PRIMITIVES.has(type)) {
      return { kind: type as AvroPrimitive, props, logicalType, doc, ...decimal };
    }
    switch (type) {
      case 'record':
      case 'error': {
        const { fullName, ns } = this.#name(o, namespace);
        const fields: AvroField[] = [];
        const record: AvroType = { kind: 'record', fullName, doc, fields, props };
        this.#define(fullName, record);
        if (!Array.isArray(o.fields)) throw new AvroSchemaError(`record ${fullName} has no fields array`);
        for (const f of o.fields as unknown[]) {
          if (f === null || typeof f !== 'object')
            throw new AvroSchemaError(`record ${fullName}: a field is not an object`);
          const fo = f as Record<string, unknown>;
          if (typeof fo.name !== 'string' || fo.name === '')
            throw new AvroSchemaError(`record ${fullName}: a field has no name`);
          if (fo.type === undefined) throw new AvroSchemaError(`record ${fullName}: field ${fo.name} has no type`);
          fields.push({
            name: fo.name,
            doc: typeof fo.doc === 'string' ? fo.doc : null,
            type: this.parse(fo.type, ns),
            props: argProps(fo),
            hasDefault: 'default' in fo,
            default: fo.default,
          });
        }
        return record;
      }
      case 'enum': {
        const { fullName } = this.#name(o, namespace);
        if (!Array.isArray(o.symbols) || !o.symbols.every((s) => typeof s === 'string')) {
          throw new AvroSchemaError(`enum ${fullName} needs a symbols array of strings`);
        }
        const e: AvroType = { kind: 'enum', fullName, doc, symbols: o.symbols as string[], props };
        this.#define(fullName, e);
        return e;
      }
      case 'fixed': {
        const { fullName } = this.#name(o, namespace);
        if (typeof o.size !== 'number') throw new AvroSchemaError(`fixed ${fullName} needs a size`);
        const f: AvroType = { kind: 'fixed', fullName, size: o.size, props, logicalType, ...decimal };
        this.#define(fullName, f);
        return f;
      }
      case 'array':
        return { kind: 'array', items: this.parse(o.items, namespace), props };
      case 'map':
        return { kind: 'map', values: this.parse(o.values, namespace), props };
      default:
        // {"type": {...}} or {"type": "SomeNamedType"} wrapping: arg.properties may sit on the wrapper.
        if (type !== undefined) {
          const inner = this.parse(type, namespace);
          return Object.keys(props).length > 0 ? withProps(inner, props) : inner;
        }
        throw new AvroSchemaError(`schema object without a type: ${JSON.stringify(json).slice(0, 200)}`);
    }
  }

  #reference(name: string, namespace: string | null): AvroType {
    if (PRIMITIVES.has(name)) return { kind: name as AvroPrimitive, props: {}, logicalType: null, doc: null };
    const full = name.includes('.') || !namespace ? name : `${namespace}.${name}`;
    const t = this.#named.get(full) ?? this.#named.get(name);
    if (!t) throw new AvroSchemaError(`unknown type ${name}`);
    return t;
  }

  #name(o: Record<string, unknown>, namespace: string | null): { fullName: string; ns: string | null } {
    if (typeof o.name !== 'string' || o.name === '') throw new AvroSchemaError(`a ${String(o.type)} needs a name`);
    if (o.name.includes('.')) return { fullName: o.name, ns: o.name.slice(0, o.name.lastIndexOf('.')) };
    const ns = typeof o.namespace === 'string' && o.namespace !== '' ? o.namespace : namespace;
    return { fullName: ns ? `${ns}.${o.name}` : o.name, ns };
  }

  #define(fullName: string, t: AvroType): void {
    if (this.#named.has(fullName)) throw new AvroSchemaError(`type ${fullName} is defined twice`);
    this.#named.set(fullName, t);
  }
}

function argProps(o: Record<string, unknown>): ArgProperties {
  const p = o[ARG];
  return p !== null && typeof p === 'object' && !Array.isArray(p) ? (p as ArgProperties) : {};
}

function withProps(t: AvroType, props: ArgProperties): AvroType {
  return { ...t, props: { ...t.props, ...props } } as AvroType;
}

/** The top-level field names of a record schema (for schema.keyfield checks). */
export function recordFieldNames(t: AvroType): string[] {
  return t.kind === 'record' ? t.fields.map((f) => f.name) : [];
}
