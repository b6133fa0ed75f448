/** The database's types by OID (pg_type), loaded once and refreshed when a relation refers to an unknown type. */
import type pg from 'pg';

/** One row of pg_type, with what the mapping needs. */
export interface PgType {
  readonly oid: number;
  readonly name: string;
  readonly namespace: string;
  /** typtype: b base, c composite, d domain, e enum, p pseudo, r range, m multirange. */
  readonly kind: string;
  readonly category: string;
  /** Element type of an array type (0 otherwise). */
  readonly elemOid: number;
  /** Base type of a domain (0 otherwise). */
  readonly baseOid: number;
  readonly baseTypmod: number;
  readonly delimiter: string;
  readonly enumValues: readonly string[] | null;
}

const TYPES_SQL = `
SELECT t.oid::int8 AS oid, t.typname, n.nspname, t.typtype, t.typcategory, t.typelem::int8 AS typelem,
       t.typbasetype::int8 AS typbasetype, t.typtypmod, t.typdelim,
       CASE WHEN t.typtype = 'e' THEN
         (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)
       END AS enum_values
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace`;

interface TypeRow {
  oid: string;
  typname: string;
  nspname: string;
  typtype: string;
  typcategory: string;
  typelem: string;
  typbasetype: string;
  typtypmod: number;
  typdelim: string;
  enum_values: string[] | null;
}

/**
 * The database's types by OID. Loaded once, refreshed when a relation refers to a type it does
 * not know yet (a type created after start, or an enum that gained labels).
 */
export class TypeRegistry {
  readonly #byOid = new Map<number, PgType>();

  static async load(client: pg.Client): Promise<TypeRegistry> {
    const r = new TypeRegistry();
    await r.refresh(client);
    return r;
  }

  async refresh(client: pg.Client): Promise<void> {
    const res = await client.query<TypeRow>(TYPES_SQL);
    this.#byOid.clear();
    for (const row of res.rows) {
      const oid = Number(row.oid);
      this.#byOid.set(oid, {
        oid,
        name: row.typname,
        namespace: row.nspname,
        kind: row.typtype,
        category: row.typcategory,
        elemOid: Number(row.typelem),
        baseOid: Number(row.typbasetype),
        baseTypmod: row.typtypmod,
        delimiter: row.typdelim,
        enumValues: row.enum_values,
      });
    }
  }

  /** Registers a type directly (tests and fixed builtins). */
  add(type: PgType): void {
    this.#byOid.set(type.oid, type);
  }

  get(oid: number): PgType | undefined {
    return this.#byOid.get(oid);
  }

  has(oid: number): boolean {
    return this.#byOid.has(oid);
  }

  /** Follows domains down to their base type; a domain's typmod applies when the column has none. */
  resolve(oid: number, typmod: number): { type: PgType; typmod: number } | undefined {
    let t = this.#byOid.get(oid);
    let mod = typmod;
    for (let depth = 0; t && t.kind === 'd' && depth < 16; depth++) {
      if (mod < 0) mod = t.baseTypmod;
      t = this.#byOid.get(t.baseOid);
    }
    return t ? { type: t, typmod: mod } : undefined;
  }
}
