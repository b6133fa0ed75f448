/**
 * JSON Schemas in the registry: validity (the document compiles, its `$ref`s to references resolve),
 * the stored and normalized forms, and the reader/writer rules of Confluent's JSON Schema diff for
 * the changes that matter to records: types changed or narrowed, properties added to an open content
 * model or removed from a closed one, required properties added, enum values and oneOf branches lost.
 */
import { checkJsonSchema } from '@tributary/converters';
import type { Difference, ParsedSchema, ResolvedReference, Words } from './parsed-schema.js';

type Obj = { [key: string]: unknown };

/** JSON with object keys sorted: equal for documents that differ only in key order or white space. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson((v as Obj)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export class JsonSchema implements ParsedSchema {
  readonly schemaType = 'JSON' as const;
  readonly value: unknown;
  readonly stored: string;
  readonly normalized: string;

  constructor(text: string, references: readonly ResolvedReference[], normalize: boolean) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new Error(`Invalid JSON: ${(err as Error).message}`);
    }
    checkJsonSchema(
      value,
      references.map((r) => ({ name: r.name, schema: JSON.parse(r.schema) as unknown })),
    );
    this.value = value;
    this.normalized = sortedJson(value);
    this.stored = normalize ? this.normalized : JSON.stringify(value);
  }

  readProblems(writer: ParsedSchema, words: Words): Difference[] {
    const out: Difference[] = [];
    diff((writer as JsonSchema).value, this.value, '#', out, words, writer as JsonSchema, this);
    return out;
  }
}

function deref(node: unknown, root: JsonSchema): unknown {
  let n = node;
  for (let i = 0; i < 32 && n && typeof n === 'object' && typeof (n as Obj).$ref === 'string'; i++) {
    const ref = (n as Obj).$ref as string;
    if (!ref.startsWith('#')) return n;
    let target: unknown = root.value;
    for (const part of ref.slice(1).split('/').filter(Boolean))
      target = target && typeof target === 'object' ? (target as Obj)[part] : undefined;
    if (target === undefined) return n;
    n = target;
  }
  return n;
}

function typesOf(o: Obj): Set<string> | null {
  if (typeof o.type === 'string') return new Set([o.type]);
  if (Array.isArray(o.type)) return new Set(o.type as string[]);
  return null;
}

function branches(o: Obj): unknown[] {
  const c = (o.oneOf ?? o.anyOf) as unknown[] | undefined;
  return Array.isArray(c) ? c : [o];
}

function isOpen(o: Obj): boolean {
  return o.additionalProperties !== false;
}

function push(out: Difference[], errorType: string, path: string, words: Words, text: string): void {
  out.push({
    errorType,
    description: text
      .replaceAll('{path}', path)
      .replaceAll('{reader}', words.reader)
      .replaceAll('{writer}', words.writer),
    additionalInfo: path,
  });
}

/**
 * Confluent's SchemaDiff.compare(original, update) limited to its incompatible changes: `original`
 * is the writer's schema and `update` the reader's.
 */
function diff(
  originalRaw: unknown,
  updateRaw: unknown,
  path: string,
  out: Difference[],
  words: Words,
  originalRoot: JsonSchema,
  updateRoot: JsonSchema,
): void {
  const original = deref(originalRaw, originalRoot);
  const update = deref(updateRaw, updateRoot);
  if (original === false || update === true || update === undefined) return;
  if (update === false) {
    push(
      out,
      'TYPE_NARROWED',
      path,
      words,
      "The {reader} schema at path '{path}' accepts nothing, which the {writer} schema's data can hold",
    );
    return;
  }
  if (!original || typeof original !== 'object' || !update || typeof update !== 'object') return;
  const o = original as Obj;
  const u = update as Obj;
  const oBranches = branches(o);
  const uBranches = branches(u);
  if (oBranches.length > 1 || uBranches.length > 1) {
    oBranches.forEach((ob, i) => {
      const ok = uBranches.some((ub) => {
        const probe: Difference[] = [];
        diff(ob, ub, `${path}/oneOf/${i}`, probe, words, originalRoot, updateRoot);
        return probe.length === 0;
      });
      if (!ok)
        push(
          out,
          'SUM_TYPE_NARROWED',
          `${path}/oneOf/${i}`,
          words,
          "The {reader} schema has no branch for the {writer} schema's type at path '{path}'",
        );
    });
    return;
  }
  const ot = typesOf(o);
  const ut = typesOf(u);
  if (ot && ut) {
    for (const t of ot) {
      if (ut.has(t) || (t === 'integer' && ut.has('number'))) continue;
      if (t === 'number' && ut.has('integer'))
        push(
          out,
          'TYPE_NARROWED',
          path,
          words,
          "The type at path '{path}' is narrower in the {reader} schema (integer) than in the {writer} schema (number)",
        );
      else
        push(
          out,
          'TYPE_CHANGED',
          path,
          words,
          `A type at path '{path}' is different between the {reader} schema and the {writer} schema (${t})`,
        );
      return;
    }
  }
  if (Array.isArray(o.enum) && Array.isArray(u.enum)) {
    const allowed = new Set(u.enum.map((x) => JSON.stringify(x)));
    if (o.enum.some((x) => !allowed.has(JSON.stringify(x))))
      push(
        out,
        'ENUM_ARRAY_NARROWED',
        `${path}/enum`,
        words,
        "The {reader} schema's enum at path '{path}' lacks values of the {writer} schema",
      );
  }
  const oProps = (o.properties ?? {}) as Obj;
  const uProps = (u.properties ?? {}) as Obj;
  const oRequired = new Set(Array.isArray(o.required) ? (o.required as string[]) : []);
  const uRequired = new Set(Array.isArray(u.required) ? (u.required as string[]) : []);
  if (o.properties !== undefined || u.properties !== undefined) {
    for (const k of Object.keys(uProps)) {
      const p = `${path}/properties/${k}`;
      if (!(k in oProps)) {
        if (isOpen(o))
          push(
            out,
            'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
            p,
            words,
            "The {writer} schema has an open content model and the {reader} schema has a property at path '{path}' which it lacks",
          );
        else if (uRequired.has(k))
          push(
            out,
            'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
            p,
            words,
            "The {reader} schema has a required property at path '{path}' which is missing in the {writer} schema",
          );
        continue;
      }
      diff(oProps[k], uProps[k], p, out, words, originalRoot, updateRoot);
      if (uRequired.has(k) && !oRequired.has(k))
        push(
          out,
          'REQUIRED_ATTRIBUTE_ADDED',
          p,
          words,
          "The property at path '{path}' is required in the {reader} schema but not in the {writer} schema",
        );
    }
    for (const k of Object.keys(oProps)) {
      if (k in uProps) continue;
      if (!isOpen(u))
        push(
          out,
          'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL',
          `${path}/properties/${k}`,
          words,
          "The {reader} schema has a closed content model and lacks the property at path '{path}' of the {writer} schema",
        );
    }
  }
  if (o.items !== undefined && u.items !== undefined && !Array.isArray(o.items) && !Array.isArray(u.items))
    diff(o.items, u.items, `${path}/items`, out, words, originalRoot, updateRoot);
  if (
    o.additionalProperties &&
    typeof o.additionalProperties === 'object' &&
    u.additionalProperties &&
    typeof u.additionalProperties === 'object'
  )
    diff(
      o.additionalProperties,
      u.additionalProperties,
      `${path}/additionalProperties`,
      out,
      words,
      originalRoot,
      updateRoot,
    );
}
