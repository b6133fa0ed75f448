// Which config values are secrets, how they are shown ([hidden]), and scrubbing known secret values from text.
import type { Plugins } from './plugins.js';

/** What a masked value reads as (Kafka's Password.toString()). */
export const HIDDEN = '[hidden]';

/**
 * Keys whose values are secrets whatever the plugin declares: `*.password` (database.password,
 * connection.password, ssl.keystore.password, ssl.key.password, …), any key with a `secret` part
 * (aws.secret.access.key, client.secret, …), `*.sasl.jaas.config`, and the schema registry's
 * `*.basic.auth.user.info` (user:password), `*.bearer.auth.token` and `*.ssl.keystore.key` (a PEM private key).
 */
const WELL_KNOWN: readonly RegExp[] = [
  /(^|[._-])password$/i,
  /(^|[._-])passwd$/i,
  /(^|[._-])secret/i,
  /(^|\.)sasl\.jaas\.config$/i,
  /(^|\.)basic\.auth\.user\.info$/i,
  // Kafka's PASSWORD-typed PEM key and a registry client's bearer token, under any prefix (value.converter.…).
  /(^|\.)ssl\.keystore\.key$/i,
  /(^|\.)bearer\.auth\.token$/i,
];

/** True when the key's value is a secret: a PASSWORD key of the plugin, or a well-known secret key. */
export function isSecretKey(key: string, passwordKeys: ReadonlySet<string> = new Set()): boolean {
  return passwordKeys.has(key) || WELL_KNOWN.some((re) => re.test(key));
}

const declared = new WeakMap<Plugins, Map<string, ReadonlySet<string>>>();

/** The keys a connector's plugin declares as PASSWORD (its config definitions), cached per class. */
export function passwordKeys(plugins: Plugins, config: Readonly<Record<string, string>>): ReadonlySet<string> {
  const cls = config['connector.class'] ?? '';
  let byClass = declared.get(plugins);
  if (!byClass) {
    byClass = new Map();
    declared.set(plugins, byClass);
  }
  let keys = byClass.get(cls);
  if (!keys) {
    const found = new Set<string>();
    try {
      const p = plugins.find(cls);
      const instance = p?.descriptor.create() as {
        config?: () => { definitions(): Array<{ name: string; type: string }> };
      };
      for (const d of instance?.config?.().definitions() ?? []) if (d.type === 'PASSWORD') found.add(d.name);
    } catch {
      // A plugin that cannot be created declares nothing; the well-known keys still apply.
    }
    keys = found;
    byClass.set(cls, keys);
  }
  return keys;
}

/** A value made only of `${provider:path:key}` references names where the secret is, not the secret itself. */
export function isPlaceholderOnly(value: string): boolean {
  return /^(?:\$\{[^{}]*\})+$/.test(value.trim());
}

/** The config as REST shows it: secret values `[hidden]`, placeholders as they are. */
export function maskConfig(
  config: Readonly<Record<string, string>>,
  passwordKeys: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    out[k] = isSecretKey(k, passwordKeys) && v !== '' && !isPlaceholderOnly(v) ? HIDDEN : v;
  }
  return out;
}

/** Shorter values are not scrubbed from text: replacing every "abc" in a log would garble it and hide nothing. */
const MIN_SCRUB_LENGTH = 4;
const MAX_VALUES = 10_000;

/**
 * The secret values this process knows (literal ones from connector configs and what config
 * providers resolved for secret keys), replaced by `[hidden]` wherever they appear in a log line or
 * an error trace shown over REST. Values are kept in memory only.
 */
export class SecretValues {
  readonly #values = new Set<string>();
  #pattern: RegExp | null = null;

  /** Remembers the secret values of a config. */
  addConfig(config: Readonly<Record<string, string>>, passwordKeys: ReadonlySet<string> = new Set()): void {
    for (const [k, v] of Object.entries(config)) {
      if (isSecretKey(k, passwordKeys) && !isPlaceholderOnly(v)) this.add(v);
    }
  }

  add(value: string): void {
    if (value.length < MIN_SCRUB_LENGTH || this.#values.has(value)) return;
    // Bounded: configs written again and again with new secrets must not grow memory without end.
    if (this.#values.size >= MAX_VALUES) this.#values.delete(this.#values.values().next().value!);
    this.#values.add(value);
    // JSON log lines carry the value JSON-escaped.
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) this.#values.add(escaped);
    this.#pattern = null;
  }

  get size(): number {
    return this.#values.size;
  }

  /** The text with every known secret value replaced by `[hidden]`. */
  scrub(text: string): string {
    if (this.#values.size === 0) return text;
    this.#pattern ??= new RegExp(
      [...this.#values]
        .sort((a, b) => b.length - a.length)
        .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.#pattern, HIDDEN);
  }
}
