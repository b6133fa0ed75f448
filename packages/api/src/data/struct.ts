/** A struct value bound to its struct schema, with checked field access (Kafka Connect's Struct). */
import { DataException } from '../errors.js';
import { type Field, type Schema, schemaEquals, validateValue, valuesEqual } from './schema.js';
import { brand } from '../brand.js';

/** A structured record value bound to a struct schema, as Kafka Connect's Struct. */
export class Struct {
  readonly schema: Schema;
  readonly #values: unknown[];

  constructor(schema: Schema) {
    if (schema.type !== 'struct') throw new DataException('Not a struct schema: ' + schema.type);
    this.schema = schema;
    this.#values = new Array<unknown>(schema.fields.length).fill(null);
  }

  #lookup(name: string): Field {
    const f = this.schema.field(name);
    if (!f) throw new DataException(`${name} is not a valid field name`);
    return f;
  }

  /** The field's value, or its schema default when unset. */
  get(field: string | Field): unknown {
    const f = typeof field === 'string' ? this.#lookup(field) : field;
    const v = this.#values[f.index];
    return v === null || v === undefined ? (f.schema.defaultValue ?? null) : v;
  }

  /** The field's value without applying its default. */
  getWithoutDefault(field: string | Field): unknown {
    const f = typeof field === 'string' ? this.#lookup(field) : field;
    return this.#values[f.index] ?? null;
  }

  getString(name: string): string | null {
    return this.#typed(name, 'string') as string | null;
  }
  getInt32(name: string): number | null {
    return this.#typed(name, 'int32') as number | null;
  }
  getInt64(name: string): number | bigint | null {
    return this.#typed(name, 'int64') as number | bigint | null;
  }
  getFloat64(name: string): number | null {
    return this.#typed(name, 'float64') as number | null;
  }
  getBoolean(name: string): boolean | null {
    return this.#typed(name, 'boolean') as boolean | null;
  }
  getBytes(name: string): Uint8Array | null {
    return this.#typed(name, 'bytes') as Uint8Array | null;
  }
  getStruct(name: string): Struct | null {
    return this.#typed(name, 'struct') as Struct | null;
  }
  getArray(name: string): unknown[] | null {
    return this.#typed(name, 'array') as unknown[] | null;
  }
  getMap(name: string): Map<unknown, unknown> | null {
    return this.#typed(name, 'map') as Map<unknown, unknown> | null;
  }

  #typed(name: string, type: Schema['type']): unknown {
    const f = this.#lookup(name);
    if (f.schema.type !== type) {
      throw new DataException(`Field '${name}' is not of type ${type.toUpperCase()}`);
    }
    return this.get(f);
  }

  /** Sets a field after checking the value against the field's schema; returns this for chaining. */
  put(field: string | Field, value: unknown): this {
    const f = typeof field === 'string' ? this.#lookup(field) : field;
    validateValue(f.schema, value, f.name);
    this.#values[f.index] = value ?? null;
    return this;
  }

  /**
   * Checks every field against its schema: that each required field without a default has a value, and
   * that each value still fits. A string, number, bigint, boolean or bytes value was checked by put() and
   * cannot have changed since, so only nulls and values that can change after put (arrays, maps, structs,
   * dates, decimals) are checked again: a struct put into an envelope is not read twice for nothing.
   */
  validate(): void {
    const fields = this.schema.fields;
    for (let i = 0; i < fields.length; i++) {
      const v = this.#values[i];
      const t = typeof v;
      if (t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean' || v instanceof Uint8Array) continue;
      const f = fields[i]!;
      validateValue(f.schema, v, f.name);
    }
  }

  equals(other: unknown): boolean {
    if (!(other instanceof Struct)) return false;
    if (!schemaEquals(this.schema, other.schema)) return false;
    // The other Struct may come from another copy of the SDK, whose private fields this class cannot read.
    return this.schema.fields.every((f) => valuesEqual(this.#values[f.index], other.getWithoutDefault(f)));
  }

  toString(): string {
    const parts = this.schema.fields.map((f) => `${f.name}=${String(this.#values[f.index])}`);
    return `Struct{${parts.join(',')}}`;
  }

  /** A plain object view (fields → values, nested structs converted), for logs and schemaless sinks. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.schema.fields) {
      const v = this.#values[f.index];
      out[f.name] = v instanceof Struct ? v.toJSON() : v;
    }
    return out;
  }
}

brand(Struct, 'Struct');
