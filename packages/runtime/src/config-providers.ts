/** Config providers and ${provider:path:key} placeholders (Kafka's FileConfigProvider, DirectoryConfigProvider, EnvVarConfigProvider, ConfigTransformer). */
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { type ConfigData, ConfigException, type ConfigProvider, type Logger } from '@tributary/api';
import type { Plugins } from './plugins.js';
import { parseProperties, withPrefix } from './worker-config.js';

/** Restricts providers to allowed.paths (comma-separated directories), as Kafka's AllowedPaths. */
class AllowedPaths {
  readonly #roots: string[] | null;
  constructor(spec: string | undefined) {
    this.#roots = spec?.trim() ? spec.split(',').map((p) => path.resolve(p.trim())) : null;
  }
  check(p: string): string {
    const abs = path.resolve(p);
    if (!this.#roots) return abs;
    let real = abs;
    try {
      real = realpathSync(abs);
    } catch {
      // A missing file is reported by the reader; the allow check uses the lexical path.
    }
    if (!this.#roots.some((r) => real === r || real.startsWith(r + path.sep))) {
      throw new ConfigException(`The path ${p} is not allowed to be accessed`);
    }
    return abs;
  }
}

/** ${file:/path/creds.properties:key} — keys of a .properties file (Kafka's FileConfigProvider). */
export class FileConfigProvider implements ConfigProvider {
  #allowed = new AllowedPaths(undefined);
  configure(props: Readonly<Record<string, string>>): void {
    this.#allowed = new AllowedPaths(props['allowed.paths']);
  }
  get(p: string, keys?: readonly string[]): ConfigData {
    if (!p) return { data: {} };
    const file = this.#allowed.check(p);
    const all = parseProperties(readFileSync(file, 'utf8'));
    if (!keys) return { data: all };
    const data: Record<string, string> = {};
    for (const k of keys) if (all[k] !== undefined) data[k] = all[k]!;
    return { data };
  }
}

/** ${directory:/run/secrets:db-password} — file contents by file name (Kafka's DirectoryConfigProvider). */
export class DirectoryConfigProvider implements ConfigProvider {
  #allowed = new AllowedPaths(undefined);
  configure(props: Readonly<Record<string, string>>): void {
    this.#allowed = new AllowedPaths(props['allowed.paths']);
  }
  get(p: string, keys?: readonly string[]): ConfigData {
    if (!p) return { data: {} };
    const dir = this.#allowed.check(p);
    const names = keys ?? readdirSync(dir).filter((f) => statSync(path.join(dir, f)).isFile());
    const data: Record<string, string> = {};
    for (const k of names) {
      if (k.includes('/') || k.includes('\\')) continue;
      try {
        data[k] = readFileSync(path.join(dir, k), 'utf8');
      } catch {
        // Missing files resolve to nothing, as in Kafka.
      }
    }
    return { data };
  }
}

/** ${env:VAR} — environment variables matching allowlist.pattern (Kafka's EnvVarConfigProvider). */
export class EnvVarConfigProvider implements ConfigProvider {
  #allow: RegExp | null = null;
  configure(props: Readonly<Record<string, string>>): void {
    const p = props['allowlist.pattern'];
    this.#allow = p ? new RegExp(`^(?:${p})$`) : null;
  }
  get(p: string, keys?: readonly string[]): ConfigData {
    if (p) return { data: {} };
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v === undefined || (this.#allow && !this.#allow.test(k))) continue;
      if (!keys || keys.includes(k)) data[k] = v;
    }
    return { data };
  }
}

const BUILT_IN: Record<string, () => ConfigProvider> = {
  'org.apache.kafka.common.config.provider.FileConfigProvider': () => new FileConfigProvider(),
  FileConfigProvider: () => new FileConfigProvider(),
  'org.apache.kafka.common.config.provider.DirectoryConfigProvider': () => new DirectoryConfigProvider(),
  DirectoryConfigProvider: () => new DirectoryConfigProvider(),
  'org.apache.kafka.common.config.provider.EnvVarConfigProvider': () => new EnvVarConfigProvider(),
  EnvVarConfigProvider: () => new EnvVarConfigProvider(),
};

const PATTERN = /\$\{([^}:]*?):(?:([^}]*?):)?([^}]*?)\}/g;

/**
 * Resolves ${provider:path:key} placeholders (Kafka's ConfigTransformer) with the providers named
 * in the worker's config.providers. Only the running connector and its tasks see resolved values:
 * the config topic, the REST API and the logs keep the placeholders.
 */
export class ConfigTransformer {
  readonly #providers = new Map<string, ConfigProvider>();

  constructor(workerProps: Readonly<Record<string, string>>, plugins: Plugins, logger: Logger) {
    const names = (workerProps['config.providers'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const name of names) {
      const cls = workerProps[`config.providers.${name}.class`];
      if (!cls)
        throw new ConfigException({
          [`config.providers.${name}.class`]: [
            `Missing required configuration "config.providers.${name}.class" which has no default value.`,
          ],
        });
      let provider: ConfigProvider;
      const builtIn = BUILT_IN[cls];
      if (builtIn) provider = builtIn();
      else provider = plugins.create(cls, 'config_provider');
      provider.configure(withPrefix(workerProps, `config.providers.${name}.param.`));
      this.#providers.set(name, provider);
      logger.info({ provider: name, class: cls }, 'config provider configured');
    }
  }

  /** A copy of props with every placeholder of a configured provider replaced. */
  async transform(props: Readonly<Record<string, string>>): Promise<Record<string, string>> {
    if (this.#providers.size === 0) return { ...props };
    const wanted = new Map<string, Map<string, Set<string>>>();
    for (const v of Object.values(props)) {
      for (const m of v.matchAll(PATTERN)) {
        const [, provider, p = '', key] = m;
        if (!this.#providers.has(provider!)) continue;
        const byPath = wanted.get(provider!) ?? new Map<string, Set<string>>();
        wanted.set(provider!, byPath);
        const keys = byPath.get(p) ?? new Set<string>();
        byPath.set(p, keys);
        keys.add(key!);
      }
    }
    const resolved = new Map<string, string>();
    for (const [provider, byPath] of wanted) {
      for (const [p, keys] of byPath) {
        const data = await this.#providers.get(provider)!.get(p, [...keys]);
        for (const [k, v] of Object.entries(data.data)) resolved.set(`${provider}\u0000${p}\u0000${k}`, v);
      }
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) {
      out[k] = v.replace(
        PATTERN,
        (whole, provider: string, p: string | undefined, key: string) =>
          resolved.get(`${provider}\u0000${p ?? ''}\u0000${key}`) ?? whole,
      );
    }
    return out;
  }

  close(): void {
    for (const p of this.#providers.values()) p.close?.();
  }
}
