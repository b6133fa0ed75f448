import {
  ConfigException,
  ConfigKeys,
  type ConfigKeyInfo,
  type ConfigOf,
  type ConfigValueInfo,
  type ConnectRecord,
  defineConfig,
  type Predicate,
  type Transformation,
} from '@tributary/api';
import type { Plugins } from './plugins.js';
import { withPrefix } from './worker-config.js';

const G_COMMON = 'Common';
const G_TRANSFORMS = 'Transforms';
const G_PREDICATES = 'Predicates';
const G_ERRORS = 'Error Handling';

/** Keys every connector has (Kafka Connect's ConnectorConfig). */
export const ConnectorConfigDef = defineConfig({
  name: ConfigKeys.string({
    group: G_COMMON,
    importance: 'HIGH',
    doc: 'Globally unique name to use for this connector.',
  }),
  'connector.class': ConfigKeys.class({
    group: G_COMMON,
    importance: 'HIGH',
    doc: 'Name or alias of the connector class.',
  }),
  'tasks.max': ConfigKeys.int({
    default: 1,
    group: G_COMMON,
    importance: 'HIGH',
    doc: 'Maximum number of tasks to use for this connector.',
  }),
  'tasks.max.enforce': ConfigKeys.boolean({ default: true, group: G_COMMON }),
  'key.converter': ConfigKeys.class({ default: null, group: G_COMMON, doc: 'Overrides the worker key converter.' }),
  'value.converter': ConfigKeys.class({ default: null, group: G_COMMON, doc: 'Overrides the worker value converter.' }),
  'header.converter': ConfigKeys.class({ default: null, group: G_COMMON }),
  'config.action.reload': ConfigKeys.enum(['none', 'restart'], { default: 'restart', group: G_COMMON }),
  transforms: ConfigKeys.list({
    default: [],
    group: G_TRANSFORMS,
    doc: 'Aliases for the transformations to apply to records.',
  }),
  predicates: ConfigKeys.list({
    default: [],
    group: G_PREDICATES,
    doc: 'Aliases for the predicates used by transformations.',
  }),
  'errors.retry.timeout': ConfigKeys.long({
    default: 0,
    group: G_ERRORS,
    doc: 'Maximum ms to retry a failed operation; -1 retries forever.',
  }),
  'errors.retry.delay.max.ms': ConfigKeys.long({ default: 60_000, group: G_ERRORS }),
  'errors.tolerance': ConfigKeys.enum(['none', 'all'], { default: 'none', group: G_ERRORS }),
  'errors.log.enable': ConfigKeys.boolean({ default: false, group: G_ERRORS }),
  'errors.log.include.messages': ConfigKeys.boolean({ default: false, group: G_ERRORS }),
});

export const SinkConnectorConfigDef = ConnectorConfigDef.extend({
  topics: ConfigKeys.list({ default: [], group: G_COMMON, doc: 'Topics to consume.' }),
  'topics.regex': ConfigKeys.string({ default: '', group: G_COMMON, doc: 'Regular expression of topics to consume.' }),
  'errors.deadletterqueue.topic.name': ConfigKeys.string({ default: '', group: G_ERRORS }),
  'errors.deadletterqueue.topic.replication.factor': ConfigKeys.short({ default: 3, group: G_ERRORS }),
  'errors.deadletterqueue.context.headers.enable': ConfigKeys.boolean({ default: false, group: G_ERRORS }),
});

export const SourceConnectorConfigDef = ConnectorConfigDef.extend({
  'topic.creation.groups': ConfigKeys.list({ default: [], group: 'Topic Creation' }),
  'exactly.once.support': ConfigKeys.enum(['requested', 'required'], {
    default: 'requested',
    group: 'Exactly Once Support',
  }),
  'transaction.boundary': ConfigKeys.enum(['poll', 'interval', 'connector'], {
    default: 'poll',
    group: 'Exactly Once Support',
  }),
  'transaction.boundary.interval.ms': ConfigKeys.long({ default: null, group: 'Exactly Once Support' }),
  'offsets.storage.topic': ConfigKeys.string({ default: null, group: 'Exactly Once Support' }),
});

export type ConnectorConfig = ConfigOf<typeof ConnectorConfigDef>;
export type SinkConnectorConfig = ConfigOf<typeof SinkConnectorConfigDef>;
export type SourceConnectorConfig = ConfigOf<typeof SourceConnectorConfigDef>;

/** A transform with its optional predicate, as configured under transforms.<alias>.* */
export interface TransformStage {
  alias: string;
  className: string;
  transform: Transformation;
  predicate: Predicate | null;
  negate: boolean;
}

/** Applies the configured SMTs in order; null from any stage drops the record. */
export class TransformationChain {
  readonly stages: readonly TransformStage[];

  constructor(stages: readonly TransformStage[]) {
    this.stages = stages;
  }

  static empty(): TransformationChain {
    return new TransformationChain([]);
  }

  /**
   * Builds the chain from a connector config. Every problem is reported against its key
   * (transforms.<alias>.type, predicates.<alias>.type, or the transform's own keys).
   */
  static build(props: Readonly<Record<string, string>>, plugins: Plugins): TransformationChain {
    const aliases = splitList(props.transforms);
    const predicateAliases = new Set(splitList(props.predicates));
    const errors: Record<string, string[]> = {};
    const stages: TransformStage[] = [];
    for (const alias of aliases) {
      const prefix = `transforms.${alias}.`;
      const type = props[`${prefix}type`];
      if (!type) {
        errors[`${prefix}type`] = [`Missing required configuration "${prefix}type" which has no default value.`];
        continue;
      }
      let transform: Transformation;
      try {
        transform = plugins.create(type, 'transformation');
      } catch (e) {
        errors[`${prefix}type`] = [`Invalid value ${type} for configuration ${prefix}type: ${(e as Error).message}`];
        continue;
      }
      const own = withPrefix(props, prefix);
      delete own.type;
      const predicateAlias = own.predicate;
      const negate = own.negate === 'true';
      delete own.predicate;
      delete own.negate;
      try {
        transform.configure(own);
      } catch (e) {
        addConfigErrors(errors, e, prefix);
        continue;
      }
      let predicate: Predicate | null = null;
      if (predicateAlias) {
        if (!predicateAliases.has(predicateAlias)) {
          errors[`${prefix}predicate`] = [
            `Invalid value ${predicateAlias} for configuration ${prefix}predicate: not one of the predicates (${[...predicateAliases].join(', ') || 'none configured'})`,
          ];
          continue;
        }
        const pPrefix = `predicates.${predicateAlias}.`;
        const pType = props[`${pPrefix}type`];
        if (!pType) {
          errors[`${pPrefix}type`] = [`Missing required configuration "${pPrefix}type" which has no default value.`];
          continue;
        }
        try {
          predicate = plugins.create(pType, 'predicate');
          const pOwn = withPrefix(props, pPrefix);
          delete pOwn.type;
          predicate.configure(pOwn);
        } catch (e) {
          addConfigErrors(errors, e, pPrefix);
          continue;
        }
      }
      stages.push({ alias, className: type, transform, predicate, negate });
    }
    if (Object.keys(errors).length > 0) throw new ConfigException(errors);
    return new TransformationChain(stages);
  }

  /** Applies one stage; the caller wraps this in error handling per stage. */
  static applyStage<R extends ConnectRecord>(stage: TransformStage, record: R): R | null {
    if (stage.predicate) {
      const match = stage.predicate.test(record);
      if (match === stage.negate) return record;
    }
    return stage.transform.apply(record);
  }

  close(): void {
    for (const s of this.stages) {
      s.transform.close?.();
      s.predicate?.close?.();
    }
  }

  /** Config definitions of each transform and predicate, under their prefixed names (for validate). */
  static definitions(
    props: Readonly<Record<string, string>>,
    plugins: Plugins,
  ): Array<{ definition: ConfigKeyInfo; value: ConfigValueInfo }> {
    const out: Array<{ definition: ConfigKeyInfo; value: ConfigValueInfo }> = [];
    const add = (
      prefix: string,
      type: string | undefined,
      kind: 'transformation' | 'predicate',
      group: string,
    ): void => {
      const typeKey = `${prefix}type`;
      let errs: string[] = [];
      let defs: ConfigKeyInfo[] = [];
      let values: ConfigValueInfo[] = [];
      if (!type) errs = [`Missing required configuration "${typeKey}" which has no default value.`];
      else {
        try {
          const p = plugins.create(type, kind);
          const def = p.config();
          const own = withPrefix(props, prefix);
          defs = def.definitions();
          values = def.validate(own);
        } catch (e) {
          errs = [`Invalid value ${type} for configuration ${typeKey}: ${(e as Error).message}`];
        }
      }
      out.push({
        definition: {
          name: typeKey,
          type: 'CLASS',
          required: true,
          default_value: null,
          importance: 'HIGH',
          documentation: `Class for the '${prefix.split('.')[1]}' ${kind}.`,
          group,
          width: 'LONG',
          display_name: typeKey,
          dependents: [],
          order: 0,
        },
        value: { name: typeKey, value: type ?? null, recommended_values: [], errors: errs, visible: true },
      });
      defs.forEach((d, i) => {
        const v = values[i]!;
        out.push({ definition: { ...d, name: prefix + d.name, group }, value: { ...v, name: prefix + v.name } });
      });
    };
    for (const alias of splitList(props.transforms))
      add(`transforms.${alias}.`, props[`transforms.${alias}.type`], 'transformation', `Transforms: ${alias}`);
    for (const alias of splitList(props.predicates))
      add(`predicates.${alias}.`, props[`predicates.${alias}.type`], 'predicate', `Predicates: ${alias}`);
    return out;
  }
}

function splitList(v: string | undefined): string[] {
  return v?.trim()
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

function addConfigErrors(errors: Record<string, string[]>, e: unknown, prefix: string): void {
  if (e instanceof ConfigException) {
    for (const [k, v] of Object.entries(e.errors)) errors[k ? prefix + k : `${prefix}type`] = [...v];
  } else errors[`${prefix}type`] = [(e as Error).message];
}
