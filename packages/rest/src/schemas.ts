/** The JSON shapes of Kafka Connect's REST API as zod schemas, for request validation, strict responses and the OpenAPI document. */
import { z } from 'zod';

/*
 * The JSON shapes of Kafka Connect's REST API, as zod schemas. Request schemas validate what users
 * send; response schemas are strict (no extra fields) so the conformance suite can check that a
 * worker answers with exactly Kafka Connect's field names, and the OpenAPI document is generated
 * from the same definitions.
 */

// ------------------------------------------------------------------------------------------ requests

/**
 * A connector config value. Kafka Connect reads configs as Map<String, String> with Jackson, which
 * coerces JSON numbers and booleans to their text, so `"tasks.max": 1` works there and must work
 * here; objects, arrays and null are rejected.
 */
export const ConfigValue = z
  .union([z.string(), z.number(), z.boolean()], {
    error: (iss) => `must be a string, not ${describe(iss.input)}`,
  })
  .transform((v) => String(v));

export const ConnectorConfig = z.record(z.string(), ConfigValue).meta({
  description: 'Connector configuration: every value is a string (numbers and booleans are accepted and converted).',
});

/** PATCH /connectors/{c}/config: null removes a key. */
export const ConnectorConfigPatch = z
  .record(
    z.string(),
    z.union([z.string(), z.number(), z.boolean(), z.null()], {
      error: (iss) => `must be a string or null, not ${describe(iss.input)}`,
    }),
  )
  .transform((m) => {
    const out: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(m)) out[k] = v === null ? null : String(v);
    return out;
  })
  .meta({ description: 'Keys to set (string values) or remove (null).' });

/** Kafka Connect's CreateConnectorRequest.InitialState, matched case-insensitively as Kafka does. */
export const InitialState = z
  .string()
  .transform((s, ctx) => {
    const u = s.toUpperCase();
    if (u === 'RUNNING' || u === 'PAUSED' || u === 'STOPPED') return u;
    // The target-state spelling (what the config topic stores), as workers forwarding a create send it.
    if (u === 'STARTED') return 'RUNNING';
    ctx.addIssue({ code: 'custom', message: `must be one of RUNNING, PAUSED, STOPPED, not ${JSON.stringify(s)}` });
    return z.NEVER;
  })
  .meta({ description: 'RUNNING (default), PAUSED or STOPPED', enum: ['RUNNING', 'PAUSED', 'STOPPED'] });

export const CreateConnectorRequest = z.object({
  name: z.string({ error: (iss) => `must be a string, not ${describe(iss.input)}` }).nullish(),
  config: ConnectorConfig,
  initial_state: InitialState.nullish(),
});

const OffsetMap = z.record(z.string(), z.unknown());

export const ConnectorOffsetRequest = z.object({
  partition: OffsetMap.meta({
    description:
      'Source: the connector-defined partition map. Sink: {"kafka_topic": <string>, "kafka_partition": <int>}',
  }),
  offset: OffsetMap.nullable().meta({
    description: 'Source: the connector-defined offset map. Sink: {"kafka_offset": <long>}. null removes the offset.',
  }),
});

export const AlterOffsetsRequest = z.object({ offsets: z.array(ConnectorOffsetRequest).nullish() });

/** Internal POST /connectors/{c}/tasks: the task configs a worker generated. */
export const TaskConfigsRequest = z.array(z.record(z.string(), ConfigValue));

export const LoggerLevelRequest = z.object({
  level: z.string({ error: (iss) => `must be a string, not ${describe(iss.input)}` }).nullish(),
});

// ----------------------------------------------------------------------------------------- responses

export const ErrorMessage = z.strictObject({ error_code: z.int(), message: z.string().nullable() });

export const ServerInfo = z.strictObject({ version: z.string(), commit: z.string(), kafka_cluster_id: z.string() });

export const WorkerStatus = z.strictObject({
  status: z.enum(['healthy', 'starting', 'unhealthy']),
  message: z.string(),
  details: z.string().optional(),
});

export const ConnectorTaskId = z.strictObject({ connector: z.string(), task: z.int() });
export const ConnectorType = z.enum(['source', 'sink', 'unknown']);
export const State = z.enum(['UNASSIGNED', 'RUNNING', 'PAUSED', 'FAILED', 'RESTARTING', 'STOPPED']);

export const ConnectorInfo = z.strictObject({
  name: z.string(),
  config: z.record(z.string(), z.string()),
  tasks: z.array(ConnectorTaskId),
  type: ConnectorType,
});

/**
 * Tributary's self-healing state, after Kafka Connect's fields (its clients ignore fields they do not
 * know); present only once the connector or task failed with auto.restart.enable on.
 */
export const AutoRestart = z.strictObject({
  restarts: z.int(),
  last_failure: z.string().nullable(),
  last_failure_at: z.int().nullable(),
  next_attempt_at: z.int().nullable(),
  gave_up: z.boolean(),
});

/** The stuck-task watchdog's report: poll()/put() has not returned since `since` (epoch ms). */
export const Stuck = z.strictObject({ call: z.enum(['poll', 'put']), since: z.int() });

export const ConnectorState = z.strictObject({
  state: State,
  worker_id: z.string(),
  trace: z.string().optional(),
  version: z.string().nullable(),
  auto_restart: AutoRestart.optional(),
});

export const TaskState = z.strictObject({
  id: z.int(),
  state: State,
  worker_id: z.string(),
  trace: z.string().optional(),
  version: z.string().nullable(),
  auto_restart: AutoRestart.optional(),
  stuck: Stuck.optional(),
});

export const ConnectorStateInfo = z.strictObject({
  name: z.string(),
  connector: ConnectorState,
  tasks: z.array(TaskState),
  type: ConnectorType,
});

export const TaskInfo = z.strictObject({ id: ConnectorTaskId, config: z.record(z.string(), z.string()) });

export const ConnectorExpansion = z.strictObject({
  status: ConnectorStateInfo.optional(),
  info: ConnectorInfo.optional(),
});
export const ConnectorExpansions = z.record(z.string(), ConnectorExpansion);

export const ActiveTopicsInfo = z.strictObject({ topics: z.array(z.string()) });
export const ActiveTopics = z.record(z.string(), ActiveTopicsInfo);

export const ConnectorOffset = z.strictObject({ partition: OffsetMap, offset: OffsetMap.nullable() });
export const ConnectorOffsets = z.strictObject({ offsets: z.array(ConnectorOffset) });

export const Message = z.strictObject({ message: z.string() });

export const PluginInfo = z.strictObject({
  class: z.string(),
  type: z.enum(['source', 'sink', 'converter', 'header_converter', 'transformation', 'predicate']),
  version: z.string().optional(),
});

export const ConfigKeyInfo = z.strictObject({
  name: z.string(),
  type: z.string(),
  required: z.boolean(),
  default_value: z.string().nullable(),
  importance: z.string().nullable(),
  documentation: z.string().nullable(),
  group: z.string().nullable(),
  order_in_group: z.int(),
  width: z.string().nullable(),
  display_name: z.string().nullable(),
  dependents: z.array(z.string()),
});

export const ConfigValueInfo = z.strictObject({
  name: z.string(),
  value: z.string().nullable(),
  recommended_values: z.array(z.string()),
  errors: z.array(z.string()),
  visible: z.boolean(),
});

export const ConfigInfo = z.strictObject({ definition: ConfigKeyInfo, value: ConfigValueInfo });

export const ConfigInfos = z.strictObject({
  name: z.string(),
  error_count: z.int(),
  groups: z.array(z.string()),
  configs: z.array(ConfigInfo),
});

export const LoggerLevel = z.strictObject({ level: z.string(), last_modified: z.int().nullable() });
export const LoggerLevels = z.record(z.string(), LoggerLevel);

/** Response schemas by the name they carry in the OpenAPI document's components. */
export const responseSchemas = {
  ErrorMessage,
  ServerInfo,
  WorkerStatus,
  ConnectorTaskId,
  ConnectorInfo,
  ConnectorState,
  TaskState,
  ConnectorStateInfo,
  TaskInfo,
  ConnectorExpansion,
  ActiveTopicsInfo,
  ConnectorOffset,
  ConnectorOffsets,
  Message,
  PluginInfo,
  ConfigKeyInfo,
  ConfigValueInfo,
  ConfigInfo,
  ConfigInfos,
  LoggerLevel,
} as const;

/** Request schemas by the name they carry in the OpenAPI document's components. */
export const requestSchemas = {
  ConnectorConfig,
  ConnectorConfigPatch,
  CreateConnectorRequest,
  ConnectorOffsetRequest,
  AlterOffsetsRequest,
  LoggerLevelRequest,
  TaskConfigsRequest,
} as const;

/** How a JSON value is named in a validation message ("an object", "null", …). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return `a ${typeof v}`;
}
