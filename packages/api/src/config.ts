/** Typed plugin config definitions (Kafka's ConfigDef): key builders, parsing and validation of raw string configs, Password, the REST key and value infos. */
import { z } from 'zod';
import { ConfigException } from './errors.js';
import { brand } from './brand.js';

/** Kafka's ConfigDef.Type names, as the REST API reports them. */
export type ConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';
export type Importance = 'HIGH' | 'MEDIUM' | 'LOW';
export type Width = 'NONE' | 'SHORT' | 'MEDIUM' | 'LONG';

/** A secret config value: prints as [hidden] so it never reaches a log or an API response by accident. */
export class Password {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  value(): string {
    return this.#value;
  }
  toString(): string {
    return '[hidden]';
  }
  toJSON(): string {
    return '[hidden]';
  }
}

export interface ConfigKeyOptions<T> {
  doc?: string;
  importance?: Importance;
  group?: string;
  orderInGroup?: number;
  width?: Width;
  displayName?: string;
  dependents?: readonly string[];
  /** Default applied when the key is absent. Absent default ⇒ the key is required. */
  default?: T;
  /** Further validation of the parsed value (zod), e.g. `z.number().min(1)`. */
  validate?: z.ZodType<NonNullable<T>>;
  /** Allowed values shown to users (recommended_values); enforced except for LIST and CLASS keys. */
  recommended?: readonly string[];
}

/** One configuration key: its type, documentation and how to parse its string form. */
export interface ConfigKey<T> {
  readonly type: ConfigType;
  readonly options: ConfigKeyOptions<T>;
  readonly required: boolean;
  /** Parses the raw string; throws an Error whose message is the reason (Kafka's wording). */
  parse(raw: string): T;
  /** The default rendered as Kafka Connect's REST API shows it (string or null). */
  readonly defaultText: string | null;
}

class Key<T> implements ConfigKey<T> {
  constructor(
    readonly type: ConfigType,
    readonly options: ConfigKeyOptions<T>,
    private readonly parser: (raw: string) => T,
  ) {}
  get required(): boolean {
    return !('default' in this.options);
  }
  parse(raw: string): T {
    const v = this.parser(raw);
    // As Kafka's recommenders: advisory for CLASS keys (a class name has aliases and short forms the
    // plugin resolves itself), enforced for enums.
    if (
      this.options.recommended &&
      this.options.recommended.length > 0 &&
      this.type !== 'LIST' &&
      this.type !== 'CLASS'
    ) {
      const s = String(v);
      if (!this.options.recommended.some((r) => r.toLowerCase() === s.toLowerCase())) {
        throw new Error(`String must be one of: ${this.options.recommended.join(', ')}`);
      }
    }
    if (this.options.validate && v !== null && v !== undefined) {
      const r = this.options.validate.safeParse(v);
      if (!r.success) throw new Error(r.error.issues.map((i) => i.message).join('; '));
    }
    return v;
  }
  get defaultText(): string | null {
    if (!('default' in this.options)) return null;
    const d = this.options.default as unknown;
    if (d === null || d === undefined) return null;
    if (Array.isArray(d)) return d.join(',');
    if (d instanceof Password) return '[hidden]';
    return String(d);
  }
}

function parseInteger(raw: string, type: 'INT' | 'SHORT' | 'LONG'): number {
  const t = raw.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new Error(`Not a number of type ${type}`);
  const n = Number(t);
  const [min, max] =
    type === 'INT'
      ? [-2147483648, 2147483647]
      : type === 'SHORT'
        ? [-32768, 32767]
        : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  if (n < min || n > max) throw new Error(`Not a number of type ${type}`);
  return n;
}

type Opt<T, D> = Omit<ConfigKeyOptions<T>, 'default' | 'validate'> & {
  default?: D;
  validate?: z.ZodType<NonNullable<T>>;
};
type Val<T, D> = [D] extends [null] ? T | null : T;

/** Builders for config keys; each returns a key whose parsed type follows from its default. */
export const ConfigKeys = {
  string<D extends string | null | undefined = undefined>(o: Opt<string, D> = {}): ConfigKey<Val<string, D>> {
    return new Key('STRING', o as ConfigKeyOptions<Val<string, D>>, (raw) => raw.trim() as Val<string, D>);
  },
  /** Like string but keeps surrounding white space (templates, delimiters). */
  rawString<D extends string | null | undefined = undefined>(o: Opt<string, D> = {}): ConfigKey<Val<string, D>> {
    return new Key('STRING', o as ConfigKeyOptions<Val<string, D>>, (raw) => raw as Val<string, D>);
  },
  int<D extends number | null | undefined = undefined>(o: Opt<number, D> = {}): ConfigKey<Val<number, D>> {
    return new Key('INT', o as ConfigKeyOptions<Val<number, D>>, (raw) => parseInteger(raw, 'INT') as Val<number, D>);
  },
  short<D extends number | null | undefined = undefined>(o: Opt<number, D> = {}): ConfigKey<Val<number, D>> {
    return new Key(
      'SHORT',
      o as ConfigKeyOptions<Val<number, D>>,
      (raw) => parseInteger(raw, 'SHORT') as Val<number, D>,
    );
  },
  long<D extends number | null | undefined = undefined>(o: Opt<number, D> = {}): ConfigKey<Val<number, D>> {
    return new Key('LONG', o as ConfigKeyOptions<Val<number, D>>, (raw) => parseInteger(raw, 'LONG') as Val<number, D>);
  },
  double<D extends number | null | undefined = undefined>(o: Opt<number, D> = {}): ConfigKey<Val<number, D>> {
    return new Key('DOUBLE', o as ConfigKeyOptions<Val<number, D>>, (raw) => {
      const n = Number(raw.trim());
      if (raw.trim() === '' || Number.isNaN(n)) throw new Error('Not a number of type DOUBLE');
      return n as Val<number, D>;
    });
  },
  boolean<D extends boolean | null | undefined = undefined>(o: Opt<boolean, D> = {}): ConfigKey<Val<boolean, D>> {
    return new Key('BOOLEAN', o as ConfigKeyOptions<Val<boolean, D>>, (raw) => {
      const t = raw.trim().toLowerCase();
      if (t === 'true') return true as Val<boolean, D>;
      if (t === 'false') return false as Val<boolean, D>;
      throw new Error('Expected value to be either true or false');
    });
  },
  /** Comma-separated list, trimmed; the empty string is the empty list. */
  list<D extends readonly string[] | null | undefined = undefined>(
    o: Opt<string[], D> = {},
  ): ConfigKey<Val<string[], D>> {
    return new Key(
      'LIST',
      o as ConfigKeyOptions<Val<string[], D>>,
      (raw) => (raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim())) as Val<string[], D>,
    );
  },
  password<D extends Password | null | undefined = undefined>(o: Opt<Password, D> = {}): ConfigKey<Val<Password, D>> {
    return new Key('PASSWORD', o as ConfigKeyOptions<Val<Password, D>>, (raw) => new Password(raw) as Val<Password, D>);
  },
  /** A plugin class name (connector, converter, transform …), resolved by the runtime. */
  class<D extends string | null | undefined = undefined>(o: Opt<string, D> = {}): ConfigKey<Val<string, D>> {
    return new Key('CLASS', o as ConfigKeyOptions<Val<string, D>>, (raw) => raw.trim() as Val<string, D>);
  },
  /** One of a fixed set of strings, matched case-insensitively and returned in its declared spelling. */
  enum<const E extends readonly string[], D extends E[number] | null | undefined = undefined>(
    values: E,
    o: Opt<E[number], D> = {},
  ): ConfigKey<Val<E[number], D>> {
    return new Key('STRING', { ...o, recommended: values } as ConfigKeyOptions<Val<E[number], D>>, (raw) => {
      const t = raw.trim().toLowerCase();
      const hit = values.find((v) => v.toLowerCase() === t);
      if (hit === undefined) throw new Error(`String must be one of: ${values.join(', ')}`);
      return hit as Val<E[number], D>;
    });
  },
};

// biome-ignore lint/suspicious/noExplicitAny: variance sink for heterogeneous key maps
export type ConfigKeyMap = Record<string, ConfigKey<any>>;
export type ConfigOf<D> =
  D extends ConfigDef<infer S> ? { -readonly [K in keyof S]: S[K] extends ConfigKey<infer T> ? T : never } : never;
export type RawConfig = Readonly<Record<string, string | undefined>>;

/** What GET /connector-plugins/{p}/config returns for each key (Kafka Connect's ConfigKeyInfo). */
export interface ConfigKeyInfo {
  name: string;
  type: ConfigType;
  required: boolean;
  default_value: string | null;
  importance: Importance;
  documentation: string;
  group: string | null;
  /** The key's place in its group; -1 when the key names none (Kafka's ConfigDef default). */
  order_in_group: number;
  width: Width;
  display_name: string;
  dependents: string[];
}

/** One key's validation outcome (Kafka Connect's ConfigValueInfo). */
export interface ConfigValueInfo {
  name: string;
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}

/**
 * A connector's (or transform's, converter's) configuration spec. Parses the string map users
 * send into typed values, reports every bad field at once, and renders the definitions the REST
 * API serves. `zod` is the equivalent zod schema for callers that compose zod schemas.
 */
export class ConfigDef<S extends ConfigKeyMap = ConfigKeyMap> {
  readonly keys: S;
  /**
   * The rules that involve values (one key against another, a pattern), run by parse() and validate(). Typed
   * without the keys, so a spec stays assignable to ConfigDef of wider key maps.
   */
  readonly checks: readonly ConfigCheck<never>[];

  constructor(keys: S, checks: readonly ConfigCheck<never>[] = []) {
    this.keys = keys;
    this.checks = checks;
  }

  get names(): string[] {
    return Object.keys(this.keys);
  }

  /** A spec with both sets of keys (the other's win on a clash) and both sets of checks. */
  extend<T extends ConfigKeyMap>(other: ConfigDef<T> | T): ConfigDef<Omit<S, keyof T> & T> {
    const keys = other instanceof ConfigDef ? other.keys : other;
    const checks: readonly ConfigCheck<never>[] = [...this.checks, ...(other instanceof ConfigDef ? other.checks : [])];
    return new ConfigDef({ ...this.keys, ...keys } as Omit<S, keyof T> & T, checks);
  }

  /**
   * This spec with more checks: each runs on the parsed values and reports through `report(key, message)`.
   * All of them run even when some keys failed to parse — a check that reads such a key is skipped, as the
   * key is reported already — so one answer names every bad key.
   */
  withChecks(...checks: ConfigCheck<ConfigOf<ConfigDef<S>>>[]): ConfigDef<S> {
    return new ConfigDef<S>(this.keys, [...this.checks, ...checks]);
  }

  /**
   * Typed values, or a ConfigException listing every missing or invalid key and every failed check (this
   * spec's, then `checks`).
   */
  parse(raw: RawConfig, checks: readonly ConfigCheck<ConfigOf<ConfigDef<S>>>[] = []): ConfigOf<ConfigDef<S>> {
    const { values, errors } = this.#run(raw, checks);
    if (Object.keys(errors).length > 0) throw new ConfigException(errors);
    return values;
  }

  /**
   * Per-key validation results in declaration order (for PUT …/config/validate), the checks' findings on the
   * keys they name; a key a check names that the spec does not declare (a pattern key) comes after them.
   */
  validate(raw: RawConfig): ConfigValueInfo[] {
    const { errors } = this.#run(raw, []);
    const infos: ConfigValueInfo[] = Object.entries(this.keys).map(([name, key]) => {
      const v = raw[name];
      return {
        name,
        value: v === undefined ? key.defaultText : key.type === 'PASSWORD' ? '[hidden]' : v,
        recommended_values: [...(key.options.recommended ?? [])],
        errors: errors[name] ?? [],
        visible: true,
      };
    });
    for (const [name, messages] of Object.entries(errors)) {
      if (Object.hasOwn(this.keys, name)) continue;
      infos.push({ name, value: raw[name] ?? null, recommended_values: [], errors: messages, visible: true });
    }
    return infos;
  }

  #run(
    raw: RawConfig,
    extra: readonly ConfigCheck<ConfigOf<ConfigDef<S>>>[],
  ): { values: ConfigOf<ConfigDef<S>>; errors: Record<string, string[]> } {
    const out: Record<string, unknown> = {};
    const errors: Record<string, string[]> = {};
    for (const [name, key] of Object.entries(this.keys)) {
      const r = parseKey(name, key, raw[name]);
      if (r.error) errors[name] = [r.error];
      else out[name] = r.value;
    }
    // Every check was written for this spec's keys (withChecks and parse type them so).
    const checks = [...this.checks, ...extra] as unknown as readonly ConfigCheck<ConfigOf<ConfigDef<S>>>[];
    if (checks.length > 0) {
      const failed = new Set(Object.keys(errors));
      const view = new Proxy(out, {
        get(target, prop) {
          if (typeof prop === 'string' && failed.has(prop)) throw SKIP_CHECK;
          return Reflect.get(target, prop);
        },
      }) as ConfigOf<ConfigDef<S>>;
      const report = (key: string, message: string): void => {
        const list = errors[key] ?? [];
        if (!list.includes(message)) list.push(message);
        errors[key] = list;
      };
      for (const check of checks) {
        try {
          check(view, report);
        } catch (e) {
          if (e !== SKIP_CHECK) throw e;
        }
      }
    }
    return { values: out as ConfigOf<ConfigDef<S>>, errors };
  }

  definitions(): ConfigKeyInfo[] {
    return Object.entries(this.keys).map(([name, key]) => ({
      name,
      type: key.type,
      required: key.required,
      default_value: key.defaultText,
      importance: key.options.importance ?? 'MEDIUM',
      documentation: key.options.doc ?? '',
      group: key.options.group ?? null,
      order_in_group: key.options.orderInGroup ?? -1,
      width: key.options.width ?? 'NONE',
      display_name: key.options.displayName ?? name,
      dependents: [...(key.options.dependents ?? [])],
    }));
  }

  /** The spec as a zod schema over the raw string map, yielding the typed config. */
  get zod(): z.ZodType<ConfigOf<ConfigDef<S>>> {
    return z.record(z.string(), z.string().optional()).transform((raw, ctx) => {
      try {
        return this.parse(raw);
      } catch (e) {
        if (e instanceof ConfigException) {
          for (const [path, msgs] of Object.entries(e.errors))
            for (const m of msgs) ctx.addIssue({ code: 'custom', path: [path], message: m });
          return z.NEVER;
        }
        throw e;
      }
    }) as unknown as z.ZodType<ConfigOf<ConfigDef<S>>>;
  }
}

/** A rule over parsed values; `report(key, message)` records a failure against a key. */
export type ConfigCheck<C> = (config: C, report: (key: string, message: string) => void) => void;

/** Thrown (and caught) when a check reads a key that failed to parse. */
const SKIP_CHECK = Symbol('skip config check');

function parseKey(name: string, key: ConfigKey<unknown>, raw: string | undefined): { value?: unknown; error?: string } {
  if (raw === undefined || raw === null) {
    if (key.required) return { error: `Missing required configuration "${name}" which has no default value.` };
    return { value: key.options.default ?? null };
  }
  try {
    return { value: key.parse(String(raw)) };
  } catch (e) {
    const shown = key.type === 'PASSWORD' ? '[hidden]' : raw;
    return { error: `Invalid value ${shown} for configuration ${name}: ${(e as Error).message}` };
  }
}

export function defineConfig<S extends ConfigKeyMap>(keys: S): ConfigDef<S> {
  return new ConfigDef(keys);
}

brand(Password, 'Password');
brand(ConfigDef, 'ConfigDef');
