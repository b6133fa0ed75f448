/** Field paths of SMT configs, parsed with Kafka Connect's V1 or V2 syntax (KIP-821 SingleFieldPath), with lookups over values. */
import type { Field, Schema, Struct } from '@tributary/api';
import { fieldValue, isSchemalessMap, mapGet, type SchemalessMap } from './util.js';

export type FieldSyntaxVersion = 'V1' | 'V2';

/**
 * Splits a field path as Kafka Connect's SingleFieldPath does (KIP-821): with V1 the whole string
 * is one field name; with V2 dots separate nested fields, and a name containing dots is wrapped in
 * backticks (a backtick inside such a name that precedes a dot is escaped with a backslash).
 */
export function parseFieldPath(path: string, version: FieldSyntaxVersion): string[] {
  if (version === 'V1') return [path];
  const steps: string[] = [];
  let i = 0;
  for (;;) {
    if (path[i] === '`') {
      let name = '';
      let j = i + 1;
      let closed = false;
      while (j < path.length) {
        if (path[j] === '\\' && path[j + 1] === '`') {
          name += '`';
          j += 2;
        } else if (path[j] === '`' && (j + 1 === path.length || path[j + 1] === '.')) {
          closed = true;
          break;
        } else name += path[j++];
      }
      if (closed) {
        steps.push(name);
        i = j + 1;
        if (i >= path.length) return steps;
        i++; // the dot
        continue;
      }
    }
    const dot = path.indexOf('.', i);
    if (dot < 0) {
      steps.push(path.slice(i));
      return steps;
    }
    steps.push(path.slice(i, dot));
    i = dot + 1;
  }
}

/** A parsed single-field path with lookups over schemas, structs and schemaless maps. */
export class SingleFieldPath {
  readonly steps: readonly string[];
  constructor(
    readonly path: string,
    version: FieldSyntaxVersion,
  ) {
    this.steps = parseFieldPath(path, version);
  }

  fieldFrom(schema: Schema | null): Field | null {
    let s = schema;
    let field: Field | null = null;
    for (const step of this.steps) {
      if (s?.type !== 'struct') return null;
      field = s.field(step);
      if (!field) return null;
      s = field.schema;
    }
    return field;
  }

  valueFromStruct(struct: Struct | null, replaceNullWithDefault: boolean): unknown {
    let current: unknown = struct;
    for (let i = 0; i < this.steps.length; i++) {
      const s = current as Struct | null;
      if (s === null || s === undefined || typeof (s as Struct).schema !== 'object') return null;
      const f = s.schema.field(this.steps[i]!);
      if (!f) return null;
      current = fieldValue(s, f, replaceNullWithDefault);
    }
    return current ?? null;
  }

  valueFromMap(map: SchemalessMap | null): unknown {
    let current: unknown = map;
    for (const step of this.steps) {
      if (!isSchemalessMap(current)) return null;
      current = mapGet(current, step);
    }
    return current ?? null;
  }
}
