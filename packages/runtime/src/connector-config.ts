/** The keys every connector config has (Kafka Connect's ConnectorConfig, SinkConnectorConfig, SourceConnectorConfig) and the SMT chain built from them. */
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
import { z } from 'zod';
import type { RecordContext, RetryWithToleranceOperator } from './errors/tolerance.js';
import type { Plugins } from './plugins.js';
import { TASK_ISOLATION, withPrefix } from './worker-config.js';

const G_COMMON = 'Common';
const G_TRANSFORMS = 'Transforms';
const G_PREDICATES = 'Predicates';
const G_ERRORS = 'Error Handling';
const G_HEALING = 'Self-healing';

/**
 * Tributary's own connector keys (Kafka Connect has none of these); auto.restart.enable=false is Kafka
 * Connect's behaviour.
 */
const SELF_HEALING_KEYS = {
  'auto.restart.enable': ConfigKeys.boolean({
    default: true,
    group: G_HEALING,
    doc: 'Restart the connector or a task by itself after it failed, with exponential backoff and jitter. false: a failed connector or task stays FAILED until restarted through the REST API, as in Kafka Connect.',
  }),
  'auto.restart.initial.delay.ms': ConfigKeys.long({
    default: 1_000,
    group: G_HEALING,
    doc: 'Delay before the first automatic restart; it doubles with each failure in a row.',
    validate: z.number().int().min(0, 'must be at least 0'),
  }),
  'auto.restart.max.delay.ms': ConfigKeys.long({
    default: 60_000,
    group: G_HEALING,
    doc: 'Longest delay between automatic restarts. A connector or task that stayed RUNNING this long starts over at the initial delay.',
    validate: z.number().int().min(0, 'must be at least 0'),
  }),
  'auto.restart.max.attempts': ConfigKeys.int({
    default: -1,
    group: G_HEALING,
    doc: 'Automatic restarts in a row before giving up (the status then keeps FAILED); -1 never gives up.',
    validate: z.number().int().min(-1, 'must be -1 (no limit) or more'),
  }),
  'task.isolation': ConfigKeys.enum(TASK_ISOLATION, {
    default: null,
    group: G_HEALING,
    doc: "Where a source task's connector code runs: 'thread' runs its poll(), transforms and converters in a thread of its own (a second core, and a task that blocks or crashes cannot stall the others), 'none' in the worker's thread. Unset follows the worker's task.isolation, and where that is unset too, the connector plugin's own choice (thread for the CDC connectors, none for the others).",
  }),
  'task.watchdog.timeout.ms': ConfigKeys.long({
    default: 300_000,
    group: G_HEALING,
    doc: 'Report a task (status, log, metric) whose poll() or put() has not returned for this long; 0 turns the watchdog off. The task is not stopped: the report is for the operator.',
    validate: z.number().int().min(0, 'must be at least 0'),
  }),
};

/** The self-healing keys alone, for reading them from any connector config. */
export const SelfHealingConfigDef = defineConfig(SELF_HEALING_KEYS);

const G_TOPIC_CREATION = 'Topic Creation';
const G_EXACTLY_ONCE = 'Exactly Once Support';
const G_OFFSETS_TOPIC = 'offsets.topic';

/** Kafka's ConfigDef.Range.atLeast, with its message. */
const atLeast = (min: number) => z.number().min(min, { error: `Value must be at least ${min}` });

/** Keys every connector has, with Kafka Connect 4.3.1's definitions (ConnectorConfig): documentation, groups, order. */
export const ConnectorConfigDef = defineConfig({
  name: ConfigKeys.string({
    group: G_COMMON,
    orderInGroup: 1,
    width: 'MEDIUM',
    displayName: 'Connector name',
    importance: 'HIGH',
    doc: 'Globally unique name to use for this connector.',
  }),
  'connector.class': ConfigKeys.string({
    group: G_COMMON,
    orderInGroup: 2,
    width: 'LONG',
    displayName: 'Connector class',
    importance: 'HIGH',
    doc: 'Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name,  or use "FileStreamSink" or "FileStreamSinkConnector" to make the configuration a bit shorter',
  }),
  'connector.plugin.version': ConfigKeys.string({
    default: null,
    group: G_COMMON,
    orderInGroup: 3,
    width: 'MEDIUM',
    displayName: 'Connector version',
    importance: 'MEDIUM',
    doc: 'Version of the connector.',
  }),
  'tasks.max': ConfigKeys.int({
    default: 1,
    validate: atLeast(1),
    group: G_COMMON,
    orderInGroup: 4,
    width: 'SHORT',
    displayName: 'Tasks max',
    importance: 'HIGH',
    doc: 'Maximum number of tasks to use for this connector.',
  }),
  'tasks.max.enforce': ConfigKeys.boolean({
    default: true,
    group: G_COMMON,
    orderInGroup: 5,
    width: 'SHORT',
    displayName: 'Enforce tasks max',
    importance: 'LOW',
    doc: '(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. By default, connectors that generate too many tasks will fail, and existing sets of tasks that exceed the tasks.max property will also be failed. If this property is set to false, then connectors will be allowed to generate more than the maximum number of tasks, and existing sets of tasks that exceed the tasks.max property will be allowed to run. This property is deprecated and will be removed in an upcoming major release.',
  }),
  'key.converter': ConfigKeys.class({
    default: null,
    group: G_COMMON,
    orderInGroup: 6,
    width: 'SHORT',
    displayName: 'Key converter class',
    importance: 'LOW',
    doc: 'Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the keys in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro.',
  }),
  'key.converter.plugin.version': ConfigKeys.string({
    default: null,
    group: G_COMMON,
    orderInGroup: 7,
    width: 'SHORT',
    displayName: 'Key converter version',
    importance: 'LOW',
    doc: 'Version of the key converter.',
  }),
  'value.converter': ConfigKeys.class({
    default: null,
    group: G_COMMON,
    orderInGroup: 8,
    width: 'SHORT',
    displayName: 'Value converter class',
    importance: 'LOW',
    doc: 'Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the values in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro.',
  }),
  'value.converter.plugin.version': ConfigKeys.string({
    default: null,
    group: G_COMMON,
    orderInGroup: 9,
    width: 'SHORT',
    displayName: 'Value converter version',
    importance: 'LOW',
    doc: 'Version of the value converter.',
  }),
  'header.converter': ConfigKeys.class({
    default: null,
    group: G_COMMON,
    orderInGroup: 10,
    width: 'SHORT',
    displayName: 'Header converter class',
    importance: 'LOW',
    doc: 'HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the header values in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro. By default, the SimpleHeaderConverter is used to serialize header values to strings and deserialize them by inferring the schemas.',
  }),
  'header.converter.plugin.version': ConfigKeys.string({
    default: null,
    group: G_COMMON,
    orderInGroup: 11,
    width: 'SHORT',
    displayName: 'Header converter version',
    importance: 'LOW',
    doc: 'Version of the header converter.',
  }),
  transforms: ConfigKeys.list({
    default: [],
    group: G_TRANSFORMS,
    orderInGroup: 12,
    width: 'LONG',
    displayName: 'Transforms',
    importance: 'LOW',
    doc: 'Aliases for the transformations to be applied to records.',
  }),
  predicates: ConfigKeys.list({
    default: [],
    group: G_PREDICATES,
    orderInGroup: 13,
    width: 'LONG',
    displayName: 'Predicates',
    importance: 'LOW',
    doc: 'Aliases for the predicates used by transformations.',
  }),
  'config.action.reload': ConfigKeys.enum(['none', 'restart'], {
    default: 'restart',
    group: G_COMMON,
    orderInGroup: 14,
    width: 'MEDIUM',
    displayName: 'Reload Action',
    importance: 'LOW',
    doc: "The action that Connect should take on the connector when changes in external configuration providers result in a change in the connector's configuration properties. A value of 'none' indicates that Connect will do nothing. A value of 'restart' indicates that Connect should restart/reload the connector with the updated configuration properties.The restart may actually be scheduled in the future if the external configuration provider indicates that a configuration value will expire in the future.",
  }),
  'errors.retry.timeout': ConfigKeys.long({
    default: 0,
    group: G_ERRORS,
    orderInGroup: 1,
    width: 'MEDIUM',
    displayName: 'Retry Timeout for Errors',
    importance: 'MEDIUM',
    doc: 'The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.',
  }),
  'errors.retry.delay.max.ms': ConfigKeys.long({
    default: 60_000,
    group: G_ERRORS,
    orderInGroup: 2,
    width: 'MEDIUM',
    displayName: 'Maximum Delay Between Retries for Errors',
    importance: 'MEDIUM',
    doc: 'The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.',
  }),
  'errors.tolerance': ConfigKeys.enum(['none', 'all'], {
    default: 'none',
    group: G_ERRORS,
    orderInGroup: 3,
    width: 'SHORT',
    displayName: 'Error Tolerance',
    importance: 'MEDIUM',
    doc: "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.",
  }),
  'errors.log.enable': ConfigKeys.boolean({
    default: false,
    group: G_ERRORS,
    orderInGroup: 4,
    width: 'SHORT',
    displayName: 'Log Errors',
    importance: 'MEDIUM',
    doc: "If true, write each error and the details of the failed operation and problematic record to the Connect application log. This is 'false' by default, so that only errors that are not tolerated are reported.",
  }),
  'errors.log.include.messages': ConfigKeys.boolean({
    default: false,
    group: G_ERRORS,
    orderInGroup: 5,
    width: 'SHORT',
    displayName: 'Log Error Details',
    importance: 'MEDIUM',
    doc: "Whether to include in the log the Connect record that resulted in a failure. For sink records, the topic, partition, offset, and timestamp will be logged. For source records, the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and source offset will be logged. This is 'false' by default, which will prevent record keys, values, and headers from being written to log files.",
  }),
  ...SELF_HEALING_KEYS,
});

/** SinkConnectorConfig's keys. */
export const SinkConnectorConfigDef = ConnectorConfigDef.extend({
  topics: ConfigKeys.list({
    default: [],
    group: G_COMMON,
    orderInGroup: 4,
    width: 'LONG',
    displayName: 'Topics',
    importance: 'HIGH',
    doc: 'List of topics to consume, separated by commas',
  }),
  'topics.regex': ConfigKeys.string({
    default: '',
    group: G_COMMON,
    orderInGroup: 4,
    width: 'LONG',
    displayName: 'Topics regex',
    importance: 'HIGH',
    doc: 'Regular expression giving topics to consume. Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be specified.',
  }),
  'errors.deadletterqueue.topic.name': ConfigKeys.string({
    default: '',
    group: G_ERRORS,
    orderInGroup: 6,
    width: 'MEDIUM',
    displayName: 'Dead Letter Queue Topic Name',
    importance: 'MEDIUM',
    doc: 'The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ.',
  }),
  'errors.deadletterqueue.topic.replication.factor': ConfigKeys.short({
    default: 3,
    group: G_ERRORS,
    orderInGroup: 7,
    width: 'MEDIUM',
    displayName: 'Dead Letter Queue Topic Replication Factor',
    importance: 'MEDIUM',
    doc: "Replication factor used to create the dead letter queue topic when it doesn't already exist.",
  }),
  'errors.deadletterqueue.context.headers.enable': ConfigKeys.boolean({
    default: false,
    group: G_ERRORS,
    orderInGroup: 8,
    width: 'MEDIUM',
    displayName: 'Enable Error Context Headers',
    importance: 'MEDIUM',
    doc: 'If true, add headers containing error context to the messages written to the dead letter queue. To avoid clashing with headers from the original record, all error context header keys, all error context header keys will start with <code>__connect.errors.</code>',
  }),
});

/** SourceConnectorConfig's keys. */
export const SourceConnectorConfigDef = ConnectorConfigDef.extend({
  'topic.creation.groups': ConfigKeys.list({
    default: [],
    group: G_TOPIC_CREATION,
    orderInGroup: 1,
    width: 'LONG',
    displayName: 'Topic Creation Groups',
    importance: 'LOW',
    doc: 'Groups of configurations for topics created by source connectors',
  }),
  'exactly.once.support': ConfigKeys.enum(['requested', 'required'], {
    default: 'requested',
    group: G_EXACTLY_ONCE,
    orderInGroup: 2,
    width: 'SHORT',
    displayName: 'Exactly once support',
    importance: 'MEDIUM',
    doc: 'Permitted values are requested, required. If set to "required", forces a preflight check for the connector to ensure that it can provide exactly-once semantics with the given configuration. Some connectors may be capable of providing exactly-once semantics but not signal to Connect that they support this; in that case, documentation for the connector should be consulted carefully before creating it, and the value for this property should be set to "requested". Additionally, if the value is set to "required" but the worker that performs preflight validation does not have exactly-once support enabled for source connectors, requests to create or validate the connector will fail.',
  }),
  'transaction.boundary': ConfigKeys.enum(['poll', 'interval', 'connector'], {
    default: 'poll',
    group: G_EXACTLY_ONCE,
    orderInGroup: 3,
    width: 'SHORT',
    displayName: 'Transaction Boundary',
    importance: 'MEDIUM',
    doc: "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from this connector provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that not all connectors are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with this value will fail. Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed.",
  }),
  'transaction.boundary.interval.ms': ConfigKeys.long({
    default: null,
    group: G_EXACTLY_ONCE,
    orderInGroup: 4,
    width: 'SHORT',
    displayName: 'Transaction boundary interval',
    importance: 'LOW',
    doc: "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is specified.",
  }),
  'offsets.storage.topic': ConfigKeys.string({
    default: null,
    group: G_OFFSETS_TOPIC,
    orderInGroup: 1,
    width: 'LONG',
    displayName: 'Offsets topic',
    importance: 'LOW',
    doc: "The name of a separate offsets topic to use for this connector. If empty or not specified, the worker\u2019s global offsets topic name will be used. If specified, the offsets topic will be created if it does not already exist on the Kafka cluster targeted by this connector (which may be different from the one used for the worker's global offsets topic if the bootstrap.servers property of the connector's producer has been overridden from the worker's). Only applicable in distributed mode; in standalone mode, setting this property will have no effect.",
  }),
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

  /**
   * Runs the record through every stage under errors.* (Kafka Connect's TransformationChain.apply):
   * null when a stage drops it or its failure is tolerated. Synchronous while every stage succeeds,
   * so the record path pays for a promise only when a stage needed a retry, a wait or a report.
   */
  apply<R extends ConnectRecord>(
    record: R,
    tolerance: RetryWithToleranceOperator,
    context: RecordContext,
  ): R | null | Promise<R | null> {
    return this.#applyFrom(0, record, tolerance, context);
  }

  #applyFrom<R extends ConnectRecord>(
    first: number,
    record: R,
    tolerance: RetryWithToleranceOperator,
    context: RecordContext,
  ): R | null | Promise<R | null> {
    let current = record;
    for (let i = first; i < this.stages.length; i++) {
      const stage = this.stages[i]!;
      const input = current;
      const out = tolerance.execute(
        'TRANSFORMATION',
        stage.className,
        () => TransformationChain.applyStage(stage, input),
        context,
      );
      if (out instanceof Promise)
        return out.then((r) => (r.ok && r.value ? this.#applyFrom(i + 1, r.value, tolerance, context) : null));
      if (!out.ok || !out.value) return null;
      current = out.value;
    }
    return current;
  }

  /** Applies one stage, its predicate first; apply() runs it under errors.*. */
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
          // As ConnectorConfig.EnrichablePlugin: the type first (0), then its version key (1, which we do not
          // have: a plugin here has one version), then the plugin's own keys from 2.
          order_in_group: 0,
          width: 'LONG',
          display_name: `${kind === 'transformation' ? 'Transformation' : 'Predicate'} type for ${prefix.split('.')[1]}`,
          dependents: [],
        },
        value: { name: typeKey, value: type ?? null, recommended_values: [], errors: errs, visible: true },
      });
      defs.forEach((d, i) => {
        const v = values[i]!;
        out.push({
          definition: { ...d, name: prefix + d.name, group, order_in_group: 2 + i },
          value: { ...v, name: prefix + v.name },
        });
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
