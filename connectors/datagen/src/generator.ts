/** Compiles an Avro schema with avro-random-generator annotations into a generator of Connect schemas and values. */
import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  Decimal,
  type Schema,
  SchemaBuilder,
  Struct,
} from '@tributary/api';
import { type ArgProperties, AvroSchemaError, type AvroType } from './avro.js';
import type { Random } from './random.js';
import { RegexGenerator } from './regex.js';

/** What one generated record depends on: the random source and the record's iteration number. */
export interface GenContext {
  readonly random: Random;
  /** 0 for a task's first record ever, counting on across restarts (datagen's current.iteration). */
  readonly generation: number;
}

/** An Avro type compiled once: its Connect schema and a function producing Connect values. */
export interface Compiled {
  readonly schema: Schema;
  generate(ctx: GenContext): unknown;
  /** Converts a JSON literal (from an `options` list) to this type's Connect value. */
  fromJson(v: unknown): unknown;
}

const UNION_NAME = 'io.confluent.connect.avro.Union';
const ENUM_PARAM = 'io.confluent.connect.avro.Enum';
const DEFAULT_LENGTH = { min: 8, max: 16 };
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/**
 * Compiles an Avro type into a generator following avro-random-generator's annotations, with
 * the Connect schema Confluent's AvroData derives from it (records → structs named by their
 * full name, ["null", T] → optional T, enums → strings, field docs → schema docs).
 */
export function compile(
  t: AvroType,
  fieldDoc: string | null = null,
  fieldProps: ArgProperties = {},
  optional = false,
): Compiled {
  switch (t.kind) {
    case 'record':
      return compileRecord(t, fieldDoc, optional);
    case 'union':
      return compileUnion(t, fieldDoc, { ...t.props, ...fieldProps });
    case 'array': {
      const items = compile(t.items);
      const schema = finish(SchemaBuilder.array(items.schema), fieldDoc, optional);
      const length = lengthOf(t.props);
      return withOptions(t.props, {
        schema,
        generate: (ctx) => {
          const n = between(ctx.random, length);
          const out = new Array<unknown>(n);
          for (let i = 0; i < n; i++) out[i] = items.generate(ctx);
          return out;
        },
        fromJson: (v) => {
          if (!Array.isArray(v)) throw new AvroSchemaError(`option ${JSON.stringify(v)} is not an array`);
          return v.map((x) => items.fromJson(x));
        },
      });
    }
    case 'map': {
      const values = compile(t.values);
      const keys = compileString(
        t.props.keys && typeof t.props.keys === 'object' ? (t.props.keys as ArgProperties) : {},
      );
      const schema = finish(SchemaBuilder.map(SchemaBuilder.string().build(), values.schema), fieldDoc, optional);
      const length = lengthOf(t.props);
      return withOptions(t.props, {
        schema,
        generate: (ctx) => {
          const n = between(ctx.random, length);
          const m = new Map<unknown, unknown>();
          for (let i = 0; i < n; i++) m.set(keys(ctx), values.generate(ctx));
          return m;
        },
        fromJson: (v) => {
          if (v === null || typeof v !== 'object')
            throw new AvroSchemaError(`option ${JSON.stringify(v)} is not a map`);
          return new Map(Object.entries(v).map(([k, x]) => [k, values.fromJson(x)]));
        },
      });
    }
    case 'enum': {
      const b = SchemaBuilder.string().name(t.fullName).parameter(ENUM_PARAM, t.fullName);
      for (const s of t.symbols) b.parameter(`${ENUM_PARAM}.${s}`, s);
      const schema = finish(b, fieldDoc ?? t.doc, optional);
      return withOptions(t.props, {
        schema,
        generate: (ctx) => t.symbols[ctx.random.nextInt(t.symbols.length)],
        fromJson: (v) => {
          if (typeof v !== 'string' || !t.symbols.includes(v))
            throw new AvroSchemaError(`option ${JSON.stringify(v)} is not a symbol of ${t.fullName}`);
          return v;
        },
      });
    }
    case 'fixed': {
      if (t.logicalType === 'decimal') return compileDecimal(t.props, t.precision, t.scale, fieldDoc, optional);
      const schema = finish(
        SchemaBuilder.bytes().name(t.fullName).parameter('connect.fixed.size', String(t.size)),
        fieldDoc,
        optional,
      );
      return withOptions(t.props, {
        schema,
        generate: (ctx) => randomBytes(ctx.random, t.size),
        fromJson: bytesFromJson,
      });
    }
    default:
      return compilePrimitive(t, fieldDoc, optional);
  }
}

function compileRecord(t: Extract<AvroType, { kind: 'record' }>, fieldDoc: string | null, optional: boolean): Compiled {
  const fields = t.fields.map((f) => ({ name: f.name, c: compile(f.type, f.doc, f.props), def: f }));
  const b = SchemaBuilder.struct().name(t.fullName);
  for (const f of fields)
    b.field(f.name, withDefault(f.c.schema, f.def.hasDefault ? f.c.fromJson(f.def.default) : undefined));
  const schema = finish(b, t.doc ?? fieldDoc, optional);
  const built = schema.fields;
  const compiled: Compiled = {
    schema,
    generate: (ctx) => {
      const s = new Struct(schema);
      for (let i = 0; i < fields.length; i++) s.put(built[i]!, fields[i]!.c.generate(ctx));
      return s;
    },
    fromJson: (v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v))
        throw new AvroSchemaError(`option ${JSON.stringify(v)} is not a ${t.fullName} record`);
      const o = v as Record<string, unknown>;
      const s = new Struct(schema);
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        const raw = f.name in o ? o[f.name] : f.def.hasDefault ? f.def.default : null;
        s.put(built[i]!, raw === null ? null : f.c.fromJson(raw));
      }
      return s;
    },
  };
  return withOptions(t.props, compiled);
}

function compileUnion(
  t: Extract<AvroType, { kind: 'union' }>,
  fieldDoc: string | null,
  props: ArgProperties,
): Compiled {
  const nonNull = t.branches.filter((b) => b.kind !== 'null');
  const hasNull = nonNull.length < t.branches.length;
  const position = typeof props.position === 'number' ? props.position : null;
  if (position !== null && (position < 0 || position >= t.branches.length))
    throw new AvroSchemaError(`union position ${position} is out of range`);
  const pick = (ctx: GenContext): number => position ?? ctx.random.nextInt(t.branches.length);
  if (nonNull.length === 1) {
    // ["null", T] is how Avro spells an optional T; AvroData maps it to an optional Connect schema.
    const inner = compile(nonNull[0]!, fieldDoc, {}, true);
    const innerIndex = t.branches.indexOf(nonNull[0]!);
    return withOptions(props, {
      schema: inner.schema,
      generate: (ctx) => (pick(ctx) === innerIndex ? inner.generate(ctx) : null),
      fromJson: (v) => (v === null ? null : inner.fromJson(v)),
    });
  }
  const members = nonNull.map((b) => ({ name: unionMemberName(b), c: compile(b, null, {}, true) }));
  const b = SchemaBuilder.struct().name(UNION_NAME);
  for (const m of members) b.field(m.name, m.c.schema);
  if (hasNull) b.optional();
  if (fieldDoc) b.doc(fieldDoc);
  const schema = b.build();
  return withOptions(props, {
    schema,
    generate: (ctx) => {
      const branch = t.branches[pick(ctx)]!;
      if (branch.kind === 'null') return null;
      const m = members[nonNull.indexOf(branch)]!;
      return new Struct(schema).put(m.name, m.c.generate(ctx));
    },
    fromJson: (v) => {
      if (v === null) return null;
      // Avro's JSON encoding of a union value: {"<branch name>": value}.
      const [name, inner] = Object.entries(v as Record<string, unknown>)[0] ?? [];
      const m = members.find((x) => x.name === name || name?.endsWith(`.${x.name}`));
      if (!m) throw new AvroSchemaError(`option ${JSON.stringify(v)} names no branch of the union`);
      return new Struct(schema).put(m.name, m.c.fromJson(inner));
    },
  });
}

function unionMemberName(t: AvroType): string {
  if (t.kind === 'record' || t.kind === 'enum' || t.kind === 'fixed')
    return t.fullName.slice(t.fullName.lastIndexOf('.') + 1);
  return t.kind;
}

type Primitive = Extract<
  AvroType,
  { kind: 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string' | 'null' }
>;

function compilePrimitive(t: Primitive, fieldDoc: string | null, optional: boolean): Compiled {
  const p = t.props;
  const doc = t.doc ?? fieldDoc;
  switch (t.kind) {
    case 'null':
      return { schema: SchemaBuilder.string().optional().build(), generate: () => null, fromJson: () => null };
    case 'boolean': {
      const schema = finish(SchemaBuilder.bool(), doc, optional);
      const it = p.iteration as { start?: unknown } | undefined;
      const odds = typeof p.odds === 'number' ? p.odds : null;
      const gen =
        it && typeof it.start === 'boolean'
          ? (ctx: GenContext) => (ctx.generation % 2 === 0 ? it.start : !it.start)
          : odds !== null
            ? (ctx: GenContext) => ctx.random.nextDouble() < odds
            : (ctx: GenContext) => ctx.random.nextBoolean();
      return withOptions(p, { schema, generate: gen, fromJson: (v) => expectType(v, 'boolean') });
    }
    case 'int':
    case 'long': {
      if (t.logicalType === 'date')
        return numericLogical(t, ConnectDate.builder(), doc, optional, [0, 36_500], (n) =>
          ConnectDate.toLogical(ConnectDate.SCHEMA, n),
        );
      if (t.logicalType === 'time-millis')
        return numericLogical(t, ConnectTime.builder(), doc, optional, [0, 86_400_000], (n) => new Date(n));
      if (t.logicalType === 'timestamp-millis') {
        return numericLogical(t, ConnectTimestamp.builder(), doc, optional, [0, 4_102_444_800_000], (n) => new Date(n));
      }
      const kind = t.kind;
      const schema = finish(kind === 'int' ? SchemaBuilder.int32() : SchemaBuilder.int64(), doc, optional);
      return withOptions(p, {
        schema,
        generate: integerGenerator(kind, p),
        fromJson: (v) => expectInteger(v, kind),
      });
    }
    case 'float':
    case 'double': {
      const schema = finish(t.kind === 'float' ? SchemaBuilder.float32() : SchemaBuilder.float64(), doc, optional);
      return withOptions(p, { schema, generate: floatGenerator(p), fromJson: (v) => expectType(v, 'number') });
    }
    case 'bytes': {
      if (t.logicalType === 'decimal') return compileDecimal(p, t.precision, t.scale, doc, optional);
      const schema = finish(SchemaBuilder.bytes(), doc, optional);
      const length = lengthOf(p);
      return withOptions(p, {
        schema,
        generate: (ctx) => randomBytes(ctx.random, between(ctx.random, length)),
        fromJson: bytesFromJson,
      });
    }
    case 'string': {
      const schema = finish(SchemaBuilder.string(), doc, optional);
      const gen = compileString(p);
      return withOptions(p, { schema, generate: gen, fromJson: (v) => expectType(v, 'string') });
    }
  }
}

/** Strings: a regex (length then bounds it), or random characters of a random length; plus prefix/suffix. */
function compileString(p: ArgProperties): (ctx: GenContext) => string {
  const prefix = typeof p.prefix === 'string' ? p.prefix : '';
  const suffix = typeof p.suffix === 'string' ? p.suffix : '';
  let body: (ctx: GenContext) => string;
  if (typeof p.regex === 'string') {
    const re = new RegexGenerator(p.regex);
    const bounds =
      p.length === undefined
        ? null
        : typeof p.length === 'number'
          ? { min: p.length, max: Number.POSITIVE_INFINITY }
          : lengthOf(p);
    body = (ctx) => {
      if (!bounds) return re.generate(ctx.random);
      const extra = Number.isFinite(bounds.max) ? bounds.max : bounds.min + 8;
      for (let i = 0; i < 100; i++) {
        const s = re.generate(ctx.random, extra);
        if (s.length >= bounds.min && s.length < Math.max(bounds.max, bounds.min + 1)) return s;
      }
      throw new AvroSchemaError(`regex ${p.regex} produced no string within the length bounds`);
    };
  } else if (Array.isArray(p.options)) {
    const options = p.options as unknown[];
    body = (ctx) => String(options[ctx.random.nextInt(options.length)]);
  } else {
    const length = lengthOf(p);
    body = (ctx) => {
      const n = between(ctx.random, length);
      let s = '';
      for (let i = 0; i < n; i++) s += ALNUM[ctx.random.nextInt(ALNUM.length)];
      return s;
    };
  }
  return prefix || suffix ? (ctx) => prefix + body(ctx) + suffix : body;
}

function integerGenerator(kind: 'int' | 'long', p: ArgProperties): (ctx: GenContext) => number | bigint {
  const it = iterationOf(p);
  if (it) return (ctx) => it(ctx.generation);
  const range = p.range as { min?: unknown; max?: unknown } | undefined;
  if (range && typeof range === 'object') {
    const [lo, hi] = kind === 'int' ? [INT_MIN, INT_MAX] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
    const min = typeof range.min === 'number' ? Math.ceil(range.min) : lo;
    const max = typeof range.max === 'number' ? Math.ceil(range.max) : hi;
    if (max <= min) throw new AvroSchemaError(`range max ${max} must be greater than min ${min}`);
    return (ctx) => ctx.random.nextIntBetween(min, max);
  }
  return kind === 'int' ? (ctx) => ctx.random.nextInt32() : (ctx) => ctx.random.nextInt64();
}

function floatGenerator(p: ArgProperties): (ctx: GenContext) => number {
  const it = iterationOf(p);
  if (it) return (ctx) => it(ctx.generation);
  const range = p.range as { min?: unknown; max?: unknown } | undefined;
  if (range && typeof range === 'object') {
    const max0 = typeof range.max === 'number' ? range.max : null;
    const min = typeof range.min === 'number' ? range.min : max0 !== null ? Math.min(0, max0 - 1) : 0;
    const max = max0 ?? min + 1;
    if (max <= min) throw new AvroSchemaError(`range max ${max} must be greater than min ${min}`);
    return (ctx) => min + ctx.random.nextDouble() * (max - min);
  }
  return (ctx) => ctx.random.nextDouble();
}

/**
 * avro-random-generator's `iteration`: the first value is `initial` (default `start`), each
 * record adds `step`, wrapping back to `start` on reaching `restart`. Value n is computed from
 * n directly, so a task resumed at iteration n continues the sequence.
 */
function iterationOf(p: ArgProperties): ((n: number) => number) | null {
  const it = p.iteration as { start?: unknown; restart?: unknown; step?: unknown; initial?: unknown } | undefined;
  if (!it || typeof it !== 'object') return null;
  if (typeof it.start !== 'number') throw new AvroSchemaError('iteration needs a numeric start');
  const start = it.start;
  const restart = typeof it.restart === 'number' ? it.restart : null;
  if (restart !== null && restart === start) throw new AvroSchemaError('iteration restart must differ from start');
  const step = typeof it.step === 'number' ? it.step : restart !== null && restart < start ? -1 : 1;
  const initial = typeof it.initial === 'number' ? it.initial : start;
  if (restart === null) return (n) => initial + step * n;
  const span = Math.abs(restart - start);
  return (n) => {
    const raw = initial + step * n;
    const from = restart > start ? raw - start : start - raw;
    const wrapped = ((from % span) + span) % span;
    return restart > start ? start + wrapped : start - wrapped;
  };
}

function numericLogical(
  t: Primitive,
  builder: SchemaBuilder,
  doc: string | null,
  optional: boolean,
  defaultRange: [number, number],
  toValue: (n: number) => Date,
): Compiled {
  const p = t.props;
  const raw = integerGenerator(
    'long',
    p.range || p.iteration ? p : { ...p, range: { min: defaultRange[0], max: defaultRange[1] } },
  );
  const schema = finish(builder, doc, optional);
  return withOptions(p, {
    schema,
    generate: (ctx) => toValue(Number(raw(ctx))),
    fromJson: (v) => toValue(Number(expectInteger(v, 'long'))),
  });
}

function compileDecimal(
  p: ArgProperties,
  precision: number | undefined,
  scale: number | undefined,
  doc: string | null,
  optional: boolean,
): Compiled {
  const s = scale ?? 0;
  const digits = Math.min(precision ?? 10, 15);
  const b = Decimal.builder(s);
  if (precision !== undefined) b.parameter('connect.decimal.precision', String(precision));
  if (optional) b.optional();
  if (doc) b.doc(doc);
  const schema = b.build();
  const bound = 10 ** digits;
  return withOptions(p, {
    schema,
    generate: (ctx) => new BigDecimal(BigInt(ctx.random.nextInt(bound)), s),
    fromJson: (v) => BigDecimal.parse(String(v)).setScale(s),
  });
}

/** `options` (a list) takes precedence over every other annotation, as in avro-random-generator. */
function withOptions(p: ArgProperties, c: Compiled): Compiled {
  const options = p.options;
  if (options === undefined) return c;
  if (!Array.isArray(options))
    throw new AvroSchemaError('options read from a file are not supported; list them inline');
  if (options.length === 0) throw new AvroSchemaError('options must not be empty');
  const values = options.map((o) => c.fromJson(o));
  return { ...c, generate: (ctx) => values[ctx.random.nextInt(values.length)] };
}

function finish(b: SchemaBuilder, doc: string | null, optional: boolean): Schema {
  if (doc) b.doc(doc);
  if (optional) b.optional();
  return b.build();
}

function withDefault(schema: Schema, value: unknown): Schema {
  if (value === undefined || value === null) return schema;
  return SchemaBuilder.from(schema).defaultValue(value).build();
}

function lengthOf(p: ArgProperties): { min: number; max: number } {
  const l = p.length;
  if (typeof l === 'number') return { min: l, max: l + 1 };
  if (l && typeof l === 'object') {
    const o = l as { min?: unknown; max?: unknown };
    const min = typeof o.min === 'number' ? o.min : 0;
    const max = typeof o.max === 'number' ? o.max : min + DEFAULT_LENGTH.max;
    if (max <= min) throw new AvroSchemaError(`length max ${max} must be greater than min ${min}`);
    return { min, max };
  }
  return DEFAULT_LENGTH;
}

/** [min, max) like avro-random-generator's length bounds. */
function between(random: Random, b: { min: number; max: number }): number {
  return b.min + random.nextInt(b.max - b.min);
}

function randomBytes(random: Random, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = random.nextUint32() & 0xff;
  return out;
}

function bytesFromJson(v: unknown): Uint8Array {
  // Avro's JSON encoding of bytes: each char is one byte (ISO-8859-1).
  if (typeof v !== 'string') throw new AvroSchemaError(`option ${JSON.stringify(v)} is not a bytes string`);
  return Uint8Array.from(v, (c) => c.charCodeAt(0) & 0xff);
}

function expectType(v: unknown, type: 'boolean' | 'number' | 'string'): unknown {
  if (typeof v !== type) throw new AvroSchemaError(`option ${JSON.stringify(v)} is not a ${type}`);
  return v;
}

function expectInteger(v: unknown, kind: 'int' | 'long'): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new AvroSchemaError(`option ${JSON.stringify(v)} is not an ${kind}`);
  if (kind === 'int' && (v < INT_MIN || v > INT_MAX)) throw new AvroSchemaError(`option ${v} does not fit an int`);
  return v;
}
