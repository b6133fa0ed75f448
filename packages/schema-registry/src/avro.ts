/** Avro schemas for the registry: parsing with references, the stored and normalized forms, and Avro's resolution rules. */
import avro from 'avsc';
import { type CompatibilityLevel, type ParsedSchema, type Words, checkSchemaCompatibility } from './parsed-schema.js';

type AvroType = avro.Type;

/** Parses an Avro schema whose named types may come from referenced schemas (already resolved, dependencies first). */
export function parseAvro(schema: string, references: readonly string[] = []): AvroType {
  const registry: Record<string, AvroType> = {};
  for (const ref of references) avro.Type.forSchema(parseJsonSchema(ref), { registry, wrapUnions: false });
  return avro.Type.forSchema(parseJsonSchema(schema), { registry, wrapUnions: false });
}

function parseJsonSchema(schema: string): avro.Schema {
  try {
    return JSON.parse(schema) as avro.Schema;
  } catch (err) {
    // Avro accepts a bare primitive name (string) as a schema document.
    const t = schema.trim();
    if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(t)) return t as avro.Schema;
    throw new Error(`Invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * The form the registry stores and compares: the schema's JSON without insignificant whitespace,
 * as Confluent stores Avro's Schema.toString(). A document that is only a primitive type in an
 * object ({"type":"string"}) is stored as the bare name, as Avro prints it.
 */
export function storedForm(schema: string): string {
  const parsed = parseJsonSchema(schema) as unknown;
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const o = parsed as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.type === 'string' && PRIMITIVES.has(o.type))
      return JSON.stringify(o.type);
  }
  return JSON.stringify(parsed);
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/**
 * normalize=true: a form in which equivalent schemas compare equal — names fully qualified,
 * namespaces folded in, attributes in Avro's canonical order, docs/aliases/defaults/logical types kept
 * (they change what a schema means to a reader, unlike whitespace or key order).
 */
export function normalizedForm(type: AvroType): string {
  return JSON.stringify(type.schema({ exportAttrs: true }));
}

export { COMPATIBILITY_LEVELS, type CompatibilityLevel } from './parsed-schema.js';

/** One incompatibility, with Avro's SchemaIncompatibilityType as errorType (as Confluent reports them). */
export interface Incompatibility {
  errorType:
    | 'NAME_MISMATCH'
    | 'FIXED_SIZE_MISMATCH'
    | 'MISSING_ENUM_SYMBOLS'
    | 'READER_FIELD_MISSING_DEFAULT_VALUE'
    | 'TYPE_MISMATCH'
    | 'MISSING_UNION_BRANCH';
  description: string;
  additionalInfo: string;
}

const PROMOTIONS: Record<string, readonly string[]> = {
  int: ['int', 'long', 'float', 'double'],
  long: ['long', 'float', 'double'],
  float: ['float', 'double'],
  string: ['string', 'bytes'],
  bytes: ['bytes', 'string'],
};

/** avsc's type name without its union flavour; logical types resolve as their underlying type. */
function kind(t: AvroType): string {
  const under = (t as unknown as { underlyingType?: AvroType }).underlyingType;
  if (under) return kind(under);
  return t.typeName.startsWith('union') ? 'union' : t.typeName;
}

function base(t: AvroType): AvroType {
  return (t as unknown as { underlyingType?: AvroType }).underlyingType ?? t;
}

const unqualified = (name: string | undefined): string => (name ?? '').slice((name ?? '').lastIndexOf('.') + 1);

function namesMatch(reader: AvroType, writer: AvroType): boolean {
  if (unqualified(reader.name) === unqualified(writer.name)) return true;
  return (reader.aliases ?? []).some((a) => unqualified(a) === unqualified(writer.name));
}

/**
 * Avro's SchemaCompatibility: can data written with `writer` be read with `reader`? Returns every
 * incompatibility found, with the JSON-pointer-like path Avro reports. "new"/"old" wording follows the
 * direction asked for, as Confluent's messages do.
 */
export function checkReaderWriter(
  reader: AvroType,
  writer: AvroType,
  words: { reader: string; writer: string } = { reader: 'new', writer: 'old' },
): Incompatibility[] {
  const out: Incompatibility[] = [];
  const seen = new Set<string>();
  const visit = (r: AvroType, w: AvroType, path: string): void => {
    const rk = kind(r);
    const wk = kind(w);
    const rb = base(r);
    const wb = base(w);
    if (rk === 'record' || rk === 'enum' || rk === 'fixed') {
      const memo = `${rb.name}|${wb.name}|${path.split('/').length}`;
      if (seen.has(memo)) return;
      seen.add(memo);
    }
    if (wk === 'union') {
      const branches = (wb as unknown as { types: AvroType[] }).types;
      branches.forEach((branch, i) => {
        if (kind(branch) === 'union') return;
        if (rk === 'union') {
          const rs = (rb as unknown as { types: AvroType[] }).types;
          if (!rs.some((x) => checkReaderWriter(x, branch, words).length === 0))
            out.push({
              errorType: 'MISSING_UNION_BRANCH',
              description: `The ${words.reader} schema is missing a type inside a union field at path '${path}/${i}' in the ${words.writer} schema`,
              additionalInfo: `reader union lacking writer type: ${kind(branch).toUpperCase()}`,
            });
        } else visit(r, branch, `${path}/${i}`);
      });
      return;
    }
    if (rk === 'union') {
      const rs = (rb as unknown as { types: AvroType[] }).types;
      if (!rs.some((x) => checkReaderWriter(x, w, words).length === 0))
        out.push({
          errorType: 'MISSING_UNION_BRANCH',
          description: `The ${words.reader} schema is missing a type inside a union field at path '${path}' in the ${words.writer} schema`,
          additionalInfo: `reader union lacking writer type: ${wk.toUpperCase()}`,
        });
      return;
    }
    if (rk !== wk) {
      if ((PROMOTIONS[wk] ?? [wk]).includes(rk)) return;
      out.push({
        errorType: 'TYPE_MISMATCH',
        description: `The type (path '${path}') of a field in the ${words.reader} schema does not match with the ${words.writer} schema`,
        additionalInfo: `reader type: ${rk.toUpperCase()} not compatible with writer type: ${wk.toUpperCase()}`,
      });
      return;
    }
    switch (rk) {
      case 'record': {
        if (!namesMatch(rb, wb)) {
          out.push({
            errorType: 'NAME_MISMATCH',
            description: `The name of the schema has changed (path '${path}/name')`,
            additionalInfo: `expected: ${wb.name}`,
          });
          return;
        }
        const rFields = (rb as avro.types.RecordType).fields;
        const wFields = (wb as avro.types.RecordType).fields;
        rFields.forEach((f, i) => {
          const wf = wFields.find((x) => x.name === f.name) ?? wFields.find((x) => (f.aliases ?? []).includes(x.name));
          if (!wf) {
            if (f.defaultValue() === undefined)
              out.push({
                errorType: 'READER_FIELD_MISSING_DEFAULT_VALUE',
                description: `The field '${f.name}' at path '${path}/fields/${i}' in the ${words.reader} schema has no default value and is missing in the ${words.writer} schema`,
                additionalInfo: f.name,
              });
            return;
          }
          visit(f.type, wf.type, `${path}/fields/${i}/type`);
        });
        return;
      }
      case 'enum': {
        if (!namesMatch(rb, wb)) {
          out.push({
            errorType: 'NAME_MISMATCH',
            description: `The name of the schema has changed (path '${path}/name')`,
            additionalInfo: `expected: ${wb.name}`,
          });
          return;
        }
        const rSymbols = new Set((rb as avro.types.EnumType).symbols);
        // An enum default (Avro 1.9+) lets the reader take unknown symbols.
        const hasDefault = (rb as unknown as { default?: string }).default !== undefined;
        const missing = (wb as avro.types.EnumType).symbols.filter((s) => !rSymbols.has(s));
        if (missing.length > 0 && !hasDefault)
          out.push({
            errorType: 'MISSING_ENUM_SYMBOLS',
            description: `The ${words.reader} schema is missing enum symbols '${missing.join(', ')}' at path '${path}/symbols' in the ${words.writer} schema`,
            additionalInfo: `[${missing.join(', ')}]`,
          });
        return;
      }
      case 'fixed': {
        if (!namesMatch(rb, wb)) {
          out.push({
            errorType: 'NAME_MISMATCH',
            description: `The name of the schema has changed (path '${path}/name')`,
            additionalInfo: `expected: ${wb.name}`,
          });
          return;
        }
        const rs = (rb as avro.types.FixedType).size;
        const ws = (wb as avro.types.FixedType).size;
        if (rs !== ws)
          out.push({
            errorType: 'FIXED_SIZE_MISMATCH',
            description: `The size of FIXED type field at path '${path}/size' in the ${words.reader} schema does not match with the ${words.writer} schema`,
            additionalInfo: `expected: ${ws}, found: ${rs}`,
          });
        return;
      }
      case 'array':
        visit(
          (rb as avro.types.ArrayType).itemsType as AvroType,
          (wb as avro.types.ArrayType).itemsType as AvroType,
          `${path}/items`,
        );
        return;
      case 'map':
        visit(
          (rb as avro.types.MapType).valuesType as AvroType,
          (wb as avro.types.MapType).valuesType as AvroType,
          `${path}/values`,
        );
        return;
      default:
        return;
    }
  };
  visit(reader, writer, '');
  return out;
}

/** A parsed Avro schema for the registry. */
export class AvroSchema implements ParsedSchema {
  readonly schemaType = 'AVRO' as const;
  readonly type: AvroType;
  readonly stored: string;
  readonly normalized: string;

  constructor(type: AvroType, text: string | null, normalize: boolean) {
    this.type = type;
    this.normalized = normalizedForm(type);
    this.stored = normalize || text === null ? this.normalized : storedForm(text);
  }

  readProblems(writer: ParsedSchema, words: Words): Incompatibility[] {
    return checkReaderWriter(this.type, (writer as AvroSchema).type, words);
  }
}

/** Avro's compatibility under a level, as checkSchemaCompatibility checks every schema type. */
export function checkCompatibility(
  level: CompatibilityLevel,
  candidate: AvroType,
  previous: ReadonlyArray<{ version: number; schema: string; type: AvroType }>,
): string[] {
  return checkSchemaCompatibility(
    level,
    new AvroSchema(candidate, null, false),
    previous.map((p) => ({ version: p.version, schema: p.schema, parsed: new AvroSchema(p.type, null, false) })),
  );
}
