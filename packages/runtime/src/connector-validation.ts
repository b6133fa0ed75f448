/** Connector config validation as Kafka Connect's AbstractHerder.validateConnectorConfig: common keys, the connector's own, transforms, predicates and converters. */
import {
  type ConfigKeyInfo,
  type ConfigValueInfo,
  type Connector,
  type Logger,
  NotFoundException,
} from '@tributary/api';
import {
  ConnectorConfigDef,
  SinkConnectorConfigDef,
  SourceConnectorConfigDef,
  TransformationChain,
} from './connector-config.js';
import type { ConfigInfos } from './herder-api.js';
import type { Plugins } from './plugins.js';
import { NotFoundError } from './rest-errors.js';
import { errorMessage } from './util/error-text.js';

export interface ConnectorConfigValidatorDeps {
  plugins: Plugins;
  /** Resolves ${provider:path:key} placeholders (the worker's config providers). */
  resolveConfig: (props: Readonly<Record<string, string>>) => Promise<Record<string, string>>;
  /** The worker's converters: what an unset key.converter / value.converter / header.converter defaults to. */
  workerConverters: { keyConverter: string; valueConverter: string; headerConverter: string };
  logger: Logger;
}

/** The definition shown for a key no config spec declares but whose value has errors to report. */
function undeclaredKey(name: string): ConfigKeyInfo {
  return {
    name,
    type: 'STRING',
    required: false,
    default_value: null,
    importance: 'LOW',
    documentation: '',
    group: null,
    order_in_group: -1,
    width: 'NONE',
    display_name: name,
    dependents: [],
  };
}

export class ConnectorConfigValidator {
  readonly #deps: ConnectorConfigValidatorDeps;

  constructor(deps: ConnectorConfigValidatorDeps) {
    this.#deps = deps;
  }

  /**
   * Validates what the connector will see: ${provider:path:key} placeholders are resolved first (so
   * `database.port=${file:…:port}` is checked as the number it names), and the answer shows the
   * placeholders again, never what they resolved to. A placeholder that cannot be resolved is an
   * error of its key.
   */
  async validate(raw: Record<string, string>, pathPlugin: string | null): Promise<ConfigInfos> {
    const { resolved, errors } = await this.#resolveForValidation(raw);
    const infos = await this.#validateResolved(resolved, pathPlugin);
    for (const c of infos.configs) {
      const name = c.value.name;
      if (raw[name] !== undefined && raw[name] !== resolved[name]) {
        c.value.value = raw[name];
        // "Invalid value <resolved> for …" names the placeholder instead.
        const r = resolved[name];
        if (r) c.value.errors = c.value.errors.map((e) => e.split(r).join(raw[name]!));
      }
      for (const e of errors[name] ?? []) if (!c.value.errors.includes(e)) c.value.errors.push(e);
    }
    for (const [name, errs] of Object.entries(errors)) {
      if (infos.configs.some((c) => c.value.name === name)) continue;
      infos.configs.push({
        definition: undeclaredKey(name),
        value: { name, value: raw[name] ?? null, recommended_values: [], errors: [...errs], visible: true },
      });
    }
    infos.error_count = infos.configs.reduce((n, c) => n + c.value.errors.length, 0);
    return infos;
  }

  async #resolveForValidation(
    raw: Record<string, string>,
  ): Promise<{ resolved: Record<string, string>; errors: Record<string, string[]> }> {
    const resolve = this.#deps.resolveConfig;
    try {
      return { resolved: await resolve(raw), errors: {} };
    } catch {
      // Find the keys whose placeholders fail; the others are resolved.
      const resolved: Record<string, string> = { ...raw };
      const errors: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(raw)) {
        if (!v.includes('${')) continue;
        try {
          resolved[k] = (await resolve({ [k]: v }))[k] ?? v;
        } catch (err) {
          errors[k] = [`Could not resolve the config provider placeholder in ${k}: ${errorMessage(err)}`];
        }
      }
      return { resolved, errors };
    }
  }

  async #validateResolved(config: Record<string, string>, pathPlugin: string | null): Promise<ConfigInfos> {
    const cls = config['connector.class'];
    const configs: Array<{ definition: ConfigKeyInfo; value: ConfigValueInfo }> = [];
    let connector: Connector | null = null;
    let name = cls ?? pathPlugin ?? 'unknown';
    if (cls) {
      try {
        const p = this.#deps.plugins.get(cls, 'source', 'sink');
        name = p.className;
        connector = p.descriptor.create();
      } catch (err) {
        if (pathPlugin) throw new NotFoundError(err instanceof NotFoundException ? err.message : String(err));
      }
    }
    const baseDef =
      connector?.kind === 'sink'
        ? SinkConnectorConfigDef
        : connector?.kind === 'source'
          ? SourceConnectorConfigDef
          : ConnectorConfigDef;
    const defs = baseDef.definitions();
    const values = baseDef.validate(config);
    for (const [i, d] of defs.entries()) configs.push({ definition: d, value: values[i]! });
    const byName = (n: string) => configs.find((c) => c.definition.name === n)?.value;
    const pluginVersion = connector ? (this.#deps.plugins.find(cls!)?.version ?? null) : null;
    if (pluginVersion) {
      // One version of each plugin is installed: it is the default, the only recommended value, and the only valid one.
      const d = configs.find((c) => c.definition.name === 'connector.plugin.version')!;
      d.definition = { ...d.definition, default_value: pluginVersion };
      d.value.recommended_values = [pluginVersion];
      const asked = config['connector.plugin.version'];
      if (asked === undefined) d.value.value = pluginVersion;
      else if (asked !== pluginVersion)
        d.value.errors.push(
          `Invalid value ${asked} for configuration connector.plugin.version: ${name} has only version ${pluginVersion}`,
        );
    }
    if (!cls)
      byName('connector.class')!.errors = [
        'Missing required configuration "connector.class" which has no default value.',
      ];
    else if (!connector)
      byName('connector.class')!.errors = [
        `Invalid value ${cls} for configuration connector.class: Class ${cls} could not be found.`,
      ];
    if (connector?.kind === 'sink') {
      const hasTopics = (config.topics ?? '').trim() !== '';
      const hasRegex = (config['topics.regex'] ?? '').trim() !== '';
      if (hasTopics === hasRegex) {
        const msg = hasTopics
          ? 'topics and topics.regex are mutually exclusive options, but both are set.'
          : 'Must configure one of topics or topics.regex';
        byName('topics')!.errors.push(msg);
        byName('topics.regex')!.errors.push(msg);
      }
      const dlq = (config['errors.deadletterqueue.topic.name'] ?? '').trim();
      if (
        dlq &&
        (config.topics ?? '')
          .split(',')
          .map((s) => s.trim())
          .includes(dlq)
      ) {
        byName('errors.deadletterqueue.topic.name')!.errors.push(
          `The DLQ topic '${dlq}' may not be included in the list of topics ('topics=${config.topics}') consumed by the connector`,
        );
      }
    }
    if (connector) {
      const own = connector.config();
      const ownDefs = own.definitions();
      let ownValues: ConfigValueInfo[];
      try {
        ownValues = (await connector.validate(config)).configs;
      } catch (err) {
        ownValues = own.validate(config);
        this.#deps.logger.warn({ err: String(err) }, 'connector validate() failed; falling back to its config spec');
      }
      for (const d of ownDefs) {
        if (configs.some((c) => c.definition.name === d.name)) continue;
        const v = ownValues.find((x) => x.name === d.name) ?? {
          name: d.name,
          value: config[d.name] ?? d.default_value,
          recommended_values: [],
          errors: [],
          visible: true,
        };
        configs.push({ definition: d, value: v });
      }
      // Values for keys the connector validated but did not define (e.g. cross-field checks).
      for (const v of ownValues) {
        if (configs.some((c) => c.definition.name === v.name)) {
          const existing = byName(v.name)!;
          for (const e of v.errors) if (!existing.errors.includes(e)) existing.errors.push(e);
        } else if (v.errors.length > 0) {
          // A key the connector reads by pattern (e.g. Debezium's column.mask.with.<n>.chars) has no
          // definition, but its errors must still reach the 400 and /validate.
          configs.push({
            definition: undeclaredKey(v.name),
            value: v,
          });
        }
      }
    }
    configs.push(...TransformationChain.definitions(config, this.#deps.plugins));
    for (const kind of ['key', 'value', 'header'] as const) {
      const v = config[`${kind}.converter`];
      if (v && !this.#deps.plugins.find(v))
        byName(`${kind}.converter`)!.errors.push(
          `Invalid value ${v} for configuration ${kind}.converter: Class ${v} could not be found.`,
        );
      this.#converterDefaults(kind, configs, config);
    }
    const groups: string[] = [];
    for (const c of configs)
      if (c.definition.group && !groups.includes(c.definition.group)) groups.push(c.definition.group);
    return { name, error_count: configs.reduce((n, c) => n + c.value.errors.length, 0), groups, configs };
  }

  /**
   * As Kafka Connect's validation: an unset converter key defaults to the worker's converter, its plugin.version key to
   * that converter's version, and both recommend what is installed (converters by their Java name where they have one).
   */
  #converterDefaults(
    kind: 'key' | 'value' | 'header',
    configs: Array<{ definition: ConfigKeyInfo; value: ConfigValueInfo }>,
    config: Record<string, string>,
  ): void {
    const opts = this.#deps.workerConverters;
    const workerDefault =
      kind === 'key' ? opts.keyConverter : kind === 'value' ? opts.valueConverter : opts.headerConverter;
    const entry = (n: string) => configs.find((c) => c.definition.name === n);
    const cls = entry(`${kind}.converter`);
    const version = entry(`${kind}.converter.plugin.version`);
    const kinds = kind === 'header' ? ['header_converter', 'converter'] : ['converter'];
    const javaName = (p: { className: string; descriptor: { aliases?: readonly string[] } }): string =>
      p.descriptor.aliases?.find((a) => /^(org|io|com)\./.test(a)) ?? p.className;
    const installed = [
      ...new Set(
        this.#deps.plugins
          .all()
          .filter((p) => kinds.includes(p.descriptor.kind))
          .map(javaName),
      ),
    ].sort();
    if (cls) {
      cls.definition = { ...cls.definition, default_value: workerDefault };
      if (config[`${kind}.converter`] === undefined) cls.value.value = workerDefault;
      cls.value.recommended_values = installed;
    }
    const used = this.#deps.plugins.find(config[`${kind}.converter`] ?? workerDefault);
    if (version && used) {
      version.definition = { ...version.definition, default_value: used.version };
      version.value.recommended_values = [used.version];
      const asked = config[`${kind}.converter.plugin.version`];
      if (asked === undefined) version.value.value = used.version;
      else if (asked !== used.version)
        version.value.errors.push(
          `Invalid value ${asked} for configuration ${kind}.converter.plugin.version: ${used.className} has only version ${used.version}`,
        );
    }
  }
}
