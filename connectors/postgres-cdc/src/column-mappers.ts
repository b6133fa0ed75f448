/** Debezium's column mappers: column.truncate.to.*, column.mask.with.* and column.mask.hash.* keys parsed and applied to a column's converter. */
import { createHash, getHashes } from 'node:crypto';
import { type Schema, SchemaBuilder } from '@tributary/api';
import { regexList } from './regex-list.js';
import type { ColumnConverter } from './schema/mapping.js';

/**
 * Debezium's column mappers, configured by keys whose names carry the parameter:
 * `column.truncate.to.<length>.chars`, `column.mask.with.<length>.chars`,
 * `column.mask.hash.<algorithm>.with.salt.<salt>` and `column.mask.hash.v2.<algorithm>.with.salt.<salt>`.
 * Each key's value is a list of regular expressions over `<schema>.<table>.<column>`.
 */
type Mapper =
  | { kind: 'truncate'; length: number; columns: RegExp[] }
  | { kind: 'mask'; length: number; columns: RegExp[] }
  | { kind: 'hash'; algorithm: string; salt: Buffer; v2: boolean; columns: RegExp[] };

const TRUNCATE = /^column\.truncate\.to\.(\d+)\.chars$/;
const MASK = /^column\.mask\.with\.(\d+)\.chars$/;
const HASH = /^column\.mask\.hash\.(v2\.)?(.+?)\.with\.salt\.(.*)$/;

/** Java's MessageDigest names (MD5, SHA-1, SHA-256, SHA-512/256, SHA3-256 …) as Node names them. */
function nodeAlgorithm(java: string): string | null {
  const name = java
    .toLowerCase()
    .replace(/^sha-(\d)/, 'sha$1')
    .replace('/', '-');
  return getHashes().includes(name) ? name : null;
}

/** Checks the mapper keys of a raw config: errors by key. */
export function columnMapperErrors(raw: Readonly<Record<string, string | undefined>>): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const key of Object.keys(raw)) {
    if (!key.startsWith('column.truncate.') && !key.startsWith('column.mask.')) continue;
    const t = TRUNCATE.exec(key) ?? MASK.exec(key);
    if (t) {
      if (Number(t[1]) <= 0 && key.startsWith('column.mask.'))
        errors[key] = ['The mask length must be a positive number of characters.'];
      continue;
    }
    const h = HASH.exec(key);
    if (h) {
      if (!nodeAlgorithm(h[2]!))
        errors[key] = [`Unknown hash algorithm '${h[2]}' (use a Java MessageDigest name such as MD5, SHA-1, SHA-256).`];
      continue;
    }
    errors[key] = [
      'Not a column mapper: expected column.truncate.to.<length>.chars, column.mask.with.<length>.chars or column.mask.hash[.v2].<algorithm>.with.salt.<salt>.',
    ];
  }
  return errors;
}

export function parseColumnMappers(raw: Readonly<Record<string, string | undefined>>): Mapper[] {
  const out: Mapper[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value.trim() === '') continue;
    const columns = regexList(value);
    let m = TRUNCATE.exec(key);
    if (m) {
      out.push({ kind: 'truncate', length: Number(m[1]), columns });
      continue;
    }
    m = MASK.exec(key);
    if (m) {
      out.push({ kind: 'mask', length: Number(m[1]), columns });
      continue;
    }
    m = HASH.exec(key);
    const algorithm = m ? nodeAlgorithm(m[2]!) : null;
    if (m && algorithm)
      out.push({ kind: 'hash', algorithm, salt: Buffer.from(m[3]!, 'utf8'), v2: m[1] !== undefined, columns });
  }
  return out;
}

/** Java's serialization of a String (ObjectOutputStream.writeObject): what Debezium's v1 hash digests. */
export function javaSerializedString(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Modified UTF-8: NUL takes two bytes and each UTF-16 surrogate is encoded on its own.
    if (c >= 0x01 && c <= 0x7f) bytes.push(c);
    else if (c <= 0x7ff) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  const body = Buffer.from(bytes);
  const long = body.length > 0xffff;
  const head = Buffer.alloc(long ? 13 : 7);
  head.writeUInt16BE(0xaced, 0);
  head.writeUInt16BE(5, 2);
  if (long) {
    head[4] = 0x7c;
    head.writeBigUInt64BE(BigInt(body.length), 5);
  } else {
    head[4] = 0x74;
    head.writeUInt16BE(body.length, 5);
  }
  return Buffer.concat([head, body]);
}

function withParameter(schema: Schema, name: string, value: string): Schema {
  return SchemaBuilder.from(schema).parameter(name, value).build();
}

export interface MappedColumn {
  /** `<schema>.<table>.<column>` */
  fullName: string;
  /** Declared length (varchar(n), char(n)); null when unbounded. */
  length: number | null;
  /** A character type (Postgres type category S): the only columns masks and hashes apply to, as in Debezium. */
  isString: boolean;
}

/** Applies the first matching mapper of each kind to a column's converter (Debezium applies one mapper per column). */
export function mapColumn(mappers: readonly Mapper[], col: MappedColumn, conv: ColumnConverter): ColumnConverter {
  const mapper = mappers.find((m) => m.columns.some((r) => r.test(col.fullName)));
  if (!mapper) return conv;
  switch (mapper.kind) {
    case 'truncate': {
      const { length } = mapper;
      if (col.length !== null && col.length <= length) return conv;
      const cut = (v: unknown): unknown =>
        typeof v === 'string' && v.length > length
          ? v.slice(0, length)
          : v instanceof Uint8Array && v.length > length
            ? v.slice(0, length)
            : v;
      if (conv.schema.type !== 'string' && conv.schema.type !== 'bytes') return conv;
      return {
        ...conv,
        schema: withParameter(conv.schema, 'truncateLength', String(length)),
        fromText: (t) => cut(conv.fromText(t)),
        nullValue: cut(conv.nullValue),
      };
    }
    case 'mask': {
      if (!col.isString || conv.schema.type !== 'string') return conv;
      const masked = '*'.repeat(mapper.length);
      return {
        ...conv,
        schema: withParameter(conv.schema, 'masked', 'true'),
        fromText: () => masked,
        nullValue: masked,
      };
    }
    case 'hash': {
      if (!col.isString || conv.schema.type !== 'string') return conv;
      const { algorithm, salt, v2 } = mapper;
      const hash = (v: unknown): unknown => {
        if (typeof v !== 'string') return v;
        const h = createHash(algorithm)
          .update(salt)
          .update(v2 ? Buffer.from(v, 'utf8') : javaSerializedString(v))
          .digest('hex');
        return col.length !== null && h.length > col.length ? h.slice(0, col.length) : h;
      };
      return {
        ...conv,
        schema: withParameter(conv.schema, 'masked', 'true'),
        fromText: (t) => hash(conv.fromText(t)),
        nullValue: hash(conv.nullValue),
      };
    }
  }
}
