/** Schema evolution in the S3 sink: when a new schema needs new files (Confluent's schema.compatibility) and projecting values to it (SchemaProjector). */
import { DataException, type Schema, Struct, schemaEquals } from '@tributary/api';

export type Compatibility = 'NONE' | 'BACKWARD' | 'FORWARD' | 'FULL';

/**
 * Whether a record with schema `next` needs new files when the open files were written with
 * `current` (Confluent's StorageSchemaCompatibility.shouldChangeSchema). NONE: any difference.
 * BACKWARD and FULL: a newer version (older records are projected to the newer schema). FORWARD:
 * an older version (newer records are projected to the older schema). Versioned modes need
 * schema versions; schemas without one are compared as NONE does.
 */
export function shouldChangeSchema(mode: Compatibility, next: Schema | null, current: Schema | null): boolean {
  if (next === current) return false;
  if (!next || !current) return true;
  if (mode === 'NONE' || next.version === null || current.version === null) return !schemaEquals(next, current);
  if (next.type !== current.type) return true;
  if (next.version === current.version) return !schemaEquals(next, current);
  return mode === 'FORWARD' ? next.version < current.version : next.version > current.version;
}

const NUMERIC_ORDER = ['int8', 'int16', 'int32', 'int64', 'float32', 'float64'];

/**
 * A value of schema `source` as a value of schema `target` (Kafka Connect's SchemaProjector):
 * struct fields matched by name, fields missing from the source take the target's default or
 * null, numbers widen, anything else must match.
 */
export function project(source: Schema, value: unknown, target: Schema, path = 'value'): unknown {
  if (source === target || schemaEquals(source, target)) return value;
  if (value === null || value === undefined) {
    if (target.defaultValue !== null && target.defaultValue !== undefined) return target.defaultValue;
    if (target.optional) return null;
    throw new DataException(`Cannot project null at ${path} to the required ${target.type} in the target schema`);
  }
  if ((source.name ?? null) !== (target.name ?? null)) {
    throw new DataException(`Cannot project ${path}: schema names differ (${source.name} vs ${target.name})`);
  }
  if (source.type !== target.type) {
    const a = NUMERIC_ORDER.indexOf(source.type);
    const b = NUMERIC_ORDER.indexOf(target.type);
    if (a >= 0 && b >= 0 && a <= b) {
      if (target.type === 'int64') return typeof value === 'bigint' ? value : BigInt(value as number);
      return typeof value === 'bigint' ? Number(value) : value;
    }
    throw new DataException(`Cannot project ${path} from ${source.type} to ${target.type}`);
  }
  switch (target.type) {
    case 'struct': {
      const s = value as Struct;
      const out = new Struct(target);
      for (const f of target.fields) {
        const sf = source.field(f.name);
        if (sf) {
          out.put(f, project(sf.schema, s.get(sf), f.schema, `${path}.${f.name}`));
        } else if (f.schema.defaultValue !== null && f.schema.defaultValue !== undefined) {
          out.put(f, f.schema.defaultValue);
        } else if (!f.schema.optional) {
          throw new DataException(
            `Cannot project ${path}: required field ${f.name} is missing from the source schema and has no default`,
          );
        }
      }
      return out;
    }
    case 'array':
      return (value as unknown[]).map((v, i) => project(source.valueSchema!, v, target.valueSchema!, `${path}[${i}]`));
    case 'map': {
      const m = new Map<unknown, unknown>();
      for (const [k, v] of value as Map<unknown, unknown>) {
        m.set(
          project(source.keySchema!, k, target.keySchema!, `${path}<key>`),
          project(source.valueSchema!, v, target.valueSchema!, `${path}[${String(k)}]`),
        );
      }
      return m;
    }
    default:
      return value;
  }
}
