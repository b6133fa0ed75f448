/** The REST route table: every Kafka Connect endpoint (connectors, plugins, offsets, loggers, health) with its docs and handler. */
import { javaHashMapOrder } from '@tributary/api';
import type { Herder, TargetState } from '@tributary/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ConsoleSchemaRegistry } from './console-registry.js';
import { RestError, httpError, validationError } from './errors.js';
import {
  AlterOffsetsRequest,
  ConnectorConfig,
  ConnectorConfigPatch,
  CreateConnectorRequest,
  LoggerLevelRequest,
  TaskConfigsRequest,
  type requestSchemas,
  type responseSchemas,
} from './schemas.js';
import {
  configInfosView,
  configKeyView,
  connectorInfoView,
  connectorStateView,
  loggerLevelView,
  offsetsView,
  pluginView,
  taskInfoView,
  taskStateView,
} from './views.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A response body schema by component name; `[name]` is an array of it, `{name}` a map of it. */
export type SchemaRef =
  | keyof typeof responseSchemas
  | { array: keyof typeof responseSchemas | 'string' }
  | { map: keyof typeof responseSchemas | 'string' }
  | { oneOf: SchemaRef[] };

export interface QueryParam {
  name: string;
  type: 'boolean' | 'string';
  description: string;
  default?: boolean | string;
  repeated?: boolean;
  enum?: string[];
}

export interface RouteSpec {
  method: HttpMethod;
  /** fastify path syntax (`:connector`). */
  url: string;
  tag: 'Server' | 'Connectors' | 'Tasks' | 'Offsets' | 'Topics' | 'Plugins' | 'Loggers';
  summary: string;
  description?: string;
  query?: QueryParam[];
  body?: { schema: keyof typeof requestSchemas; description: string };
  responses: Record<number, { description: string; schema?: SchemaRef; headers?: Record<string, string> }>;
  /** Worker-to-worker endpoints: served, but left out of the OpenAPI document as Kafka Connect hides them. */
  internal?: boolean;
  handler(ctx: RouteContext): Promise<void>;
}

export interface RouteContext {
  req: FastifyRequest;
  reply: FastifyReply;
  herder: Herder;
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  options: RouteOptions;
  /** The request body as received (internal requests are signed over these exact bytes). */
  rawBody: string | undefined;
  /** The schema registry the console proxies to and decodes with (null when the worker names none). */
  schemaRegistry: ConsoleSchemaRegistry | null;
  /** Runs a herder call under the request timeout (Kafka Connect answers 500 "Request timed out"). */
  call<T>(p: Promise<T> | T): Promise<T>;
}

export interface RouteOptions {
  advertisedUrl?: string;
  topicTrackingEnabled: boolean;
  topicTrackingAllowReset: boolean;
  healthCheckTimeoutMs: number;
}

/** Path parameter documentation for the OpenAPI document. */
export const pathParams: Record<string, string> = {
  connector: 'The name of the connector (URL-encoded)',
  task: 'The task id (0-based integer)',
  plugin: 'The plugin class name or alias',
  logger: 'The logger name (URL-encoded)',
};

// -------------------------------------------------------------------------------------------- helpers

function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  if (body === undefined) throw new RestError(400, `${what} is required`);
  const r = schema.safeParse(body, { reportInput: true });
  if (!r.success) throw validationError(what, r.error);
  return r.data;
}

/** Code points Java's Character.isISOControl rejects: U+0000–U+001F and U+007F–U+009F. */
function isoControlChars(s: string): number[] {
  const found: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f)) found.push(cp);
  }
  return found;
}

/**
 * Kafka Connect validates connector names with NonEmptyStringWithoutControlChars and reports the
 * failure as an invalid `name` config (400). The REST layer checks it up front so every Herder
 * gets the same answer.
 */
function checkConnectorName(name: string): void {
  let reason: string | null = null;
  const found = isoControlChars(name);
  if (name.length === 0) reason = 'String may not be empty';
  else if (found.length > 0)
    reason = `String may not contain control sequences but had the following ASCII chars: ${found.join(', ')}`;
  if (reason) {
    const line = `Invalid value ${name} for configuration name: ${reason}`;
    throw new RestError(
      400,
      `Connector configuration is invalid and contains the following 1 error(s):\n${line}\n` +
        'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
    );
  }
}

/** Kafka Connect's checkAndPutConnectorConfigName: config.name must match, or is filled in. */
function checkAndPutConnectorConfigName(name: string, config: Record<string, string>): void {
  const included = config.name;
  if (included !== undefined) {
    if (included !== name) {
      throw new RestError(
        400,
        `Connector name configuration (${included}) doesn't match connector name in the URL (${name})`,
      );
    }
  } else {
    config.name = name;
  }
}

/** A query flag read as Java's Boolean.valueOf: "true" in any case is true, anything else false. */
function flag(v: string | string[] | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  const s = Array.isArray(v) ? v[0] : v;
  return (s ?? '').toLowerCase() === 'true';
}

/** Jersey answers 404 when an Integer path parameter does not parse. */
function taskParam(s: string | undefined): number {
  if (s === undefined || !/^[+-]?\d{1,10}$/.test(s)) throw httpError(404);
  const n = Number(s);
  if (n > 2147483647 || n < -2147483648) throw httpError(404);
  return n;
}

function connectorLocation(ctx: RouteContext, name: string): string {
  const base = ctx.options.advertisedUrl?.replace(/\/+$/, '') ?? `${ctx.req.protocol}://${ctx.req.host || 'localhost'}`;
  return `${base}/connectors/${encodeURIComponent(name)}`;
}

const TARGET_STATE: Record<string, TargetState> = {
  RUNNING: 'STARTED',
  STARTED: 'STARTED',
  PAUSED: 'PAUSED',
  STOPPED: 'STOPPED',
};

const LOG4J_LEVELS = new Set(['OFF', 'FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE', 'ALL']);

function isNotFound(e: unknown): boolean {
  return e instanceof Error && (e as { statusCode?: unknown }).statusCode === 404;
}

const ERR = (description: string) => ({ description, schema: 'ErrorMessage' as const });
const E404 = ERR('Connector not found');
const E409 = ERR('Conflicting operation, e.g. a worker rebalance');
const E500 = ERR('Request timed out or failed unexpectedly');

// --------------------------------------------------------------------------------------------- routes

export const routes: RouteSpec[] = [
  {
    method: 'GET',
    url: '/',
    tag: 'Server',
    summary: 'Version of the worker, its commit and the Kafka cluster id',
    responses: { 200: { description: 'Server information', schema: 'ServerInfo' } },
    async handler({ reply, herder }) {
      const i = herder.serverInfo();
      reply.send({ version: i.version, commit: i.commit, kafka_cluster_id: i.kafka_cluster_id });
    },
  },
  {
    method: 'GET',
    url: '/health',
    tag: 'Server',
    summary: 'Whether the worker has started and can serve requests',
    responses: {
      200: { description: 'The worker is healthy', schema: 'WorkerStatus' },
      500: {
        description: 'The worker is running but failed to answer the health check in time',
        schema: 'WorkerStatus',
      },
      503: { description: 'The worker is still starting', schema: 'WorkerStatus' },
    },
    async handler({ reply, herder, options }) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), options.healthCheckTimeoutMs);
      });
      let h: Awaited<ReturnType<Herder['health']>> | null;
      try {
        h = await Promise.race([Promise.resolve(herder.health()), timedOut]);
      } catch {
        h = null;
      } finally {
        clearTimeout(timer);
      }
      if (!h) {
        h = {
          status: 'unhealthy',
          message: 'Worker was unable to handle this request and may be unable to handle other requests.',
        };
      }
      // Kafka Connect: healthy 200, starting 503, unhealthy 500.
      const status = h.status === 'healthy' ? 200 : h.status === 'starting' ? 503 : 500;
      reply.code(status).send({ status: h.status, message: h.message, ...(h.details ? { details: h.details } : {}) });
    },
  },
  {
    method: 'GET',
    url: '/connectors',
    tag: 'Connectors',
    summary: 'Names of all connectors, or their status and info with ?expand=',
    query: [
      {
        name: 'expand',
        type: 'string',
        repeated: true,
        enum: ['status', 'info'],
        description:
          'Return a map of connector name to the requested details instead of a list of names; repeat for both.',
      },
    ],
    responses: {
      200: {
        description: 'Connector names, or connector details keyed by name when expand is given',
        schema: { oneOf: [{ array: 'string' }, { map: 'ConnectorExpansion' }] },
      },
    },
    async handler(ctx) {
      const names = await ctx.call(ctx.herder.connectors());
      const expand = ctx.query.expand;
      if (expand === undefined) {
        ctx.reply.send(names);
        return;
      }
      const kinds = Array.isArray(expand) ? expand : [expand];
      const out: Record<string, Record<string, unknown>> = {};
      await Promise.all(
        names.map(async (name) => {
          const entry: Record<string, unknown> = {};
          try {
            for (const kind of kinds) {
              if (kind === 'status')
                entry.status = connectorStateView(await ctx.call(ctx.herder.connectorStatus(name)));
              else if (kind === 'info') entry.info = connectorInfoView(await ctx.call(ctx.herder.connectorInfo(name)));
              else ctx.req.log.info({ expansion: kind }, 'Ignoring unknown expansion type');
            }
          } catch (e) {
            // Deleted while we looked it up: Kafka Connect leaves it out of the answer.
            if (isNotFound(e)) return;
            throw e;
          }
          out[name] = javaHashMapOrder(entry);
        }),
      );
      // Kafka Connect builds both levels as HashMaps (ConnectorsResource.listConnectors): answer in their order.
      const inserted: Record<string, Record<string, unknown>> = {};
      for (const name of names) if (out[name]) inserted[name] = out[name];
      ctx.reply.send(javaHashMapOrder(inserted));
    },
  },
  {
    method: 'POST',
    url: '/connectors',
    tag: 'Connectors',
    summary: 'Create a connector',
    body: {
      schema: 'CreateConnectorRequest',
      description: 'The connector name, its config and optionally its initial state',
    },
    responses: {
      201: { description: 'Created', schema: 'ConnectorInfo', headers: { Location: 'URL of the new connector' } },
      400: ERR('Invalid request or connector configuration'),
      409: ERR('A connector with this name already exists, or a rebalance is in progress'),
      500: E500,
    },
    async handler(ctx) {
      const req = parseBody(CreateConnectorRequest, ctx.req.body, 'Request body');
      const name = (req.name ?? '').trim();
      const config = { ...req.config };
      checkAndPutConnectorConfigName(name, config);
      checkConnectorName(name);
      const initialState = req.initial_state ? TARGET_STATE[req.initial_state] : undefined;
      const r = await ctx.call(
        ctx.herder.putConnectorConfig(name, config, { allowReplace: false, ...(initialState ? { initialState } : {}) }),
      );
      ctx.reply.code(201).header('Location', connectorLocation(ctx, name)).send(connectorInfoView(r.info, false));
    },
  },
  {
    method: 'GET',
    url: '/connectors/:connector',
    tag: 'Connectors',
    summary: 'A connector: its config, tasks and type',
    responses: { 200: { description: 'Connector info', schema: 'ConnectorInfo' }, 404: E404, 500: E500 },
    async handler(ctx) {
      ctx.reply.send(connectorInfoView(await ctx.call(ctx.herder.connectorInfo(ctx.params.connector!))));
    },
  },
  {
    method: 'DELETE',
    url: '/connectors/:connector',
    tag: 'Connectors',
    summary: 'Delete a connector, stopping its tasks',
    responses: { 204: { description: 'Deleted' }, 404: E404, 409: E409, 500: E500 },
    async handler(ctx) {
      await ctx.call(ctx.herder.deleteConnector(ctx.params.connector!));
      ctx.reply.code(204).send();
    },
  },
  {
    method: 'GET',
    url: '/connectors/:connector/config',
    tag: 'Connectors',
    summary: "A connector's configuration",
    responses: { 200: { description: 'Connector config', schema: { map: 'string' } }, 404: E404, 500: E500 },
    async handler(ctx) {
      ctx.reply.send(javaHashMapOrder(await ctx.call(ctx.herder.connectorConfig(ctx.params.connector!))));
    },
  },
  {
    method: 'PUT',
    url: '/connectors/:connector/config',
    tag: 'Connectors',
    summary: "Create a connector, or replace an existing connector's configuration",
    body: { schema: 'ConnectorConfig', description: 'The full connector configuration' },
    responses: {
      200: { description: 'Reconfigured', schema: 'ConnectorInfo' },
      201: { description: 'Created', schema: 'ConnectorInfo', headers: { Location: 'URL of the new connector' } },
      400: ERR('Invalid connector configuration'),
      409: E409,
      500: E500,
    },
    async handler(ctx) {
      const name = ctx.params.connector!;
      const config = { ...parseBody(ConnectorConfig, ctx.req.body, 'Connector config') };
      checkAndPutConnectorConfigName(name, config);
      checkConnectorName(name);
      const r = await ctx.call(ctx.herder.putConnectorConfig(name, config, { allowReplace: true }));
      if (r.created) ctx.reply.code(201).header('Location', connectorLocation(ctx, name));
      else ctx.reply.code(200);
      ctx.reply.send(connectorInfoView(r.info, false));
    },
  },
  {
    method: 'PATCH',
    url: '/connectors/:connector/config',
    tag: 'Connectors',
    summary: "Change some keys of a connector's configuration",
    description: 'Keys with string values are set, keys with null values are removed, other keys keep their values.',
    body: { schema: 'ConnectorConfigPatch', description: 'The keys to set or remove' },
    responses: {
      200: { description: 'Patched', schema: 'ConnectorInfo' },
      400: ERR('Invalid connector configuration'),
      404: E404,
      409: E409,
      500: E500,
    },
    async handler(ctx) {
      const name = ctx.params.connector!;
      const patch = parseBody(ConnectorConfigPatch, ctx.req.body, 'Connector config patch');
      const included = patch.name;
      if (typeof included === 'string' && included !== name) {
        throw new RestError(
          400,
          `Connector name configuration (${included}) doesn't match connector name in the URL (${name})`,
        );
      }
      ctx.reply.send(connectorInfoView(await ctx.call(ctx.herder.patchConnectorConfig(name, patch))));
    },
  },
  {
    method: 'GET',
    url: '/connectors/:connector/status',
    tag: 'Connectors',
    summary: 'The state of a connector and its tasks, and the worker each runs on',
    responses: { 200: { description: 'Connector status', schema: 'ConnectorStateInfo' }, 404: E404, 500: E500 },
    async handler(ctx) {
      ctx.reply.send(connectorStateView(await ctx.call(ctx.herder.connectorStatus(ctx.params.connector!))));
    },
  },
  {
    method: 'POST',
    url: '/connectors/:connector/restart',
    tag: 'Connectors',
    summary: 'Restart a connector, and optionally its tasks',
    query: [
      { name: 'includeTasks', type: 'boolean', default: false, description: 'Also restart the tasks' },
      {
        name: 'onlyFailed',
        type: 'boolean',
        default: false,
        description: 'Restart only the instances that are FAILED',
      },
    ],
    responses: {
      202: {
        description: 'Restart accepted (includeTasks or onlyFailed given): the states after the request',
        schema: 'ConnectorStateInfo',
      },
      204: { description: 'The connector was restarted (neither flag given)' },
      404: E404,
      409: E409,
      500: E500,
    },
    async handler(ctx) {
      const includeTasks = flag(ctx.query.includeTasks, false);
      const onlyFailed = flag(ctx.query.onlyFailed, false);
      const r = await ctx.call(ctx.herder.restartConnector(ctx.params.connector!, { includeTasks, onlyFailed }));
      if (!includeTasks && !onlyFailed) {
        ctx.reply.code(204).send();
        return;
      }
      if (!r) throw new RestError(500, 'The herder returned no status for a restart with includeTasks or onlyFailed');
      ctx.reply.code(202).send(connectorStateView(r));
    },
  },
  {
    method: 'PUT',
    url: '/connectors/:connector/pause',
    tag: 'Connectors',
    summary: 'Pause a connector and its tasks',
    description: 'Idempotent. The state changes asynchronously; watch /status.',
    responses: { 202: { description: 'Pause accepted' }, 404: E404, 500: E500 },
    async handler(ctx) {
      await ctx.call(ctx.herder.pauseConnector(ctx.params.connector!));
      ctx.reply.code(202).send();
    },
  },
  {
    method: 'PUT',
    url: '/connectors/:connector/resume',
    tag: 'Connectors',
    summary: 'Resume a paused or stopped connector',
    description: 'Idempotent. The state changes asynchronously; watch /status.',
    responses: { 202: { description: 'Resume accepted' }, 404: E404, 500: E500 },
    async handler(ctx) {
      await ctx.call(ctx.herder.resumeConnector(ctx.params.connector!));
      ctx.reply.code(202).send();
    },
  },
  {
    method: 'PUT',
    url: '/connectors/:connector/stop',
    tag: 'Connectors',
    summary: 'Stop a connector and shut down its tasks, keeping its config',
    description: 'Idempotent. A stopped connector has no tasks; its offsets can then be altered or reset.',
    responses: { 204: { description: 'Stopped' }, 404: E404, 409: E409, 500: E500 },
    async handler(ctx) {
      await ctx.call(ctx.herder.stopConnector(ctx.params.connector!));
      ctx.reply.code(204).send();
    },
  },
  {
    method: 'GET',
    url: '/connectors/:connector/tasks',
    tag: 'Tasks',
    summary: "A connector's tasks and their configs",
    responses: { 200: { description: 'Task configs', schema: { array: 'TaskInfo' } }, 404: E404, 500: E500 },
    async handler(ctx) {
      ctx.reply.send((await ctx.call(ctx.herder.taskConfigs(ctx.params.connector!))).map(taskInfoView));
    },
  },
  {
    method: 'POST',
    url: '/connectors/:connector/tasks',
    tag: 'Tasks',
    internal: true,
    summary: 'Internal: a worker hands the task configs it generated to the leader',
    body: { schema: 'TaskConfigsRequest', description: 'The task configs, signed in X-Connect-Authorization' },
    responses: {
      204: { description: 'Accepted' },
      400: ERR('Missing signature'),
      403: ERR('Invalid signature'),
      404: E404,
      409: E409,
    },
    async handler(ctx) {
      const configs = parseBody(TaskConfigsRequest, ctx.req.body, 'Request body');
      const header = (h: string): string | null => {
        const v = ctx.req.headers[h];
        return (Array.isArray(v) ? v[0] : v) ?? null;
      };
      await ctx.call(
        ctx.herder.putTaskConfigsFromWorker(ctx.params.connector!, configs, {
          signature: header('x-connect-authorization'),
          algorithm: header('x-connect-request-signature-algorithm'),
          body: ctx.rawBody ?? '',
          timestamp: header('x-tributary-request-timestamp'),
        }),
      );
      ctx.reply.code(204).send();
    },
  },
  {
    method: 'GET',
    url: '/connectors/:connector/tasks/:task/status',
    tag: 'Tasks',
    summary: 'The state of one task',
    responses: { 200: { description: 'Task status', schema: 'TaskState' }, 404: ERR('Connector or task not found') },
    async handler(ctx) {
      const task = taskParam(ctx.params.task);
      ctx.reply.send(taskStateView(await ctx.call(ctx.herder.taskStatus(ctx.params.connector!, task))));
    },
  },
  {
    method: 'POST',
    url: '/connectors/:connector/tasks/:task/restart',
    tag: 'Tasks',
    summary: 'Restart one task',
    responses: { 204: { description: 'Restarted' }, 404: ERR('Connector or task not found'), 409: E409, 500: E500 },
    async handler(ctx) {
      const task = taskParam(ctx.params.task);
      await ctx.call(ctx.herder.restartTask(ctx.params.connector!, task));
      ctx.reply.code(204).send();
    },
  },
  {
    method: 'GET',
    url: '/connectors/:connector/topics',
    tag: 'Topics',
    summary: 'The topics a connector has used since it was created or its topics were last reset',
    responses: {
      200: { description: 'Active topics keyed by connector name', schema: { map: 'ActiveTopicsInfo' } },
      403: ERR('Topic tracking is disabled'),
      404: E404,
    },
    async handler(ctx) {
      if (!ctx.options.topicTrackingEnabled) throw new RestError(403, 'Topic tracking is disabled.');
      const name = ctx.params.connector!;
      const topics = await ctx.call(ctx.herder.connectorActiveTopics(name));
      ctx.reply.send({ [name]: { topics: [...topics] } });
    },
  },
  {
    method: 'PUT',
    url: '/connectors/:connector/topics/reset',
    tag: 'Topics',
    summary: "Empty a connector's set of active topics",
    responses: {
      202: { description: 'Reset accepted' },
      403: ERR('Topic tracking or its reset is disabled'),
      404: E404,
    },
    async handler(ctx) {
      if (!ctx.options.topicTrackingEnabled) throw new RestError(403, 'Topic tracking is disabled.');
      if (!ctx.options.topicTrackingAllowReset) throw new RestError(403, 'Topic tracking reset is disabled.');
      await ctx.call(ctx.herder.resetConnectorActiveTopics(ctx.params.connector!));
      ctx.reply.code(202).send();
    },
  },
  {
    method: 'GET',
    url: '/connectors/:connector/offsets',
    tag: 'Offsets',
    summary: "A connector's committed offsets",
    description:
      'Source connectors: the partition and offset maps the connector wrote. Sink connectors: ' +
      '{"kafka_topic","kafka_partition"} partitions with {"kafka_offset"} offsets of the consumer group.',
    responses: { 200: { description: 'Offsets', schema: 'ConnectorOffsets' }, 404: E404, 500: E500 },
    async handler(ctx) {
      ctx.reply.send(offsetsView(await ctx.call(ctx.herder.connectorOffsets(ctx.params.connector!))));
    },
  },
  {
    method: 'PATCH',
    url: '/connectors/:connector/offsets',
    tag: 'Offsets',
    summary: "Alter a stopped connector's offsets",
    description: 'The connector must be STOPPED. A null offset removes the offset of that partition.',
    body: { schema: 'AlterOffsetsRequest', description: 'The offsets to write' },
    responses: {
      200: { description: 'Altered', schema: 'Message' },
      400: ERR('No offsets given, invalid offsets, or the connector is not STOPPED'),
      404: E404,
      409: E409,
      500: E500,
    },
    async handler(ctx) {
      const req = parseBody(AlterOffsetsRequest, ctx.req.body, 'Request body');
      if (!req.offsets || req.offsets.length === 0) {
        throw new RestError(400, 'Partitions / offsets need to be provided for an alter offsets request');
      }
      const offsets = req.offsets.map((o) => ({ partition: o.partition, offset: o.offset }));
      const m = await ctx.call(ctx.herder.alterConnectorOffsets(ctx.params.connector!, offsets));
      ctx.reply.send({ message: m.message });
    },
  },
  {
    method: 'DELETE',
    url: '/connectors/:connector/offsets',
    tag: 'Offsets',
    summary: "Reset a stopped connector's offsets",
    description: 'The connector must be STOPPED.',
    responses: {
      200: { description: 'Reset', schema: 'Message' },
      400: ERR('The connector is not STOPPED'),
      404: E404,
      409: E409,
      500: E500,
    },
    async handler(ctx) {
      const m = await ctx.call(ctx.herder.resetConnectorOffsets(ctx.params.connector!));
      ctx.reply.send({ message: m.message });
    },
  },
  {
    method: 'GET',
    url: '/connector-plugins',
    tag: 'Plugins',
    summary: 'The plugins installed on this worker',
    query: [
      {
        name: 'connectorsOnly',
        type: 'boolean',
        default: true,
        description:
          'List only source and sink connectors; false also lists converters, transformations and predicates',
      },
    ],
    responses: { 200: { description: 'Plugins', schema: { array: 'PluginInfo' } } },
    async handler(ctx) {
      ctx.reply.send(ctx.herder.plugins(flag(ctx.query.connectorsOnly, true)).map(pluginView));
    },
  },
  {
    method: 'GET',
    url: '/connector-plugins/:plugin/config',
    tag: 'Plugins',
    summary: "A plugin's configuration definition",
    responses: {
      200: { description: 'Config key definitions', schema: { array: 'ConfigKeyInfo' } },
      404: ERR('Unknown plugin'),
    },
    async handler(ctx) {
      ctx.reply.send(ctx.herder.pluginConfig(ctx.params.plugin!).map(configKeyView));
    },
  },
  {
    method: 'PUT',
    url: '/connector-plugins/:plugin/config/validate',
    tag: 'Plugins',
    summary: 'Validate a connector configuration against a connector plugin',
    body: { schema: 'ConnectorConfig', description: 'The connector configuration to validate' },
    responses: {
      200: { description: 'Validation results for every key; error_count > 0 when invalid', schema: 'ConfigInfos' },
      400: ERR('connector.class names another plugin, or the body is not a config'),
      500: E500,
    },
    async handler(ctx) {
      const config = parseBody(ConnectorConfig, ctx.req.body, 'Connector config');
      ctx.reply.send(configInfosView(await ctx.call(ctx.herder.validateConnectorConfig(ctx.params.plugin!, config))));
    },
  },
  {
    method: 'GET',
    url: '/admin/loggers',
    tag: 'Loggers',
    summary: 'The loggers whose level is set, and their levels',
    responses: { 200: { description: 'Levels keyed by logger name', schema: { map: 'LoggerLevel' } } },
    async handler(ctx) {
      const all = ctx.herder.loggers();
      const out: Record<string, unknown> = {};
      for (const name of Object.keys(all).sort()) out[name] = loggerLevelView(all[name]!);
      ctx.reply.send(out);
    },
  },
  {
    method: 'GET',
    url: '/admin/loggers/:logger',
    tag: 'Loggers',
    summary: "A logger's level",
    responses: { 200: { description: 'Level', schema: 'LoggerLevel' }, 404: ERR('Unknown logger') },
    async handler(ctx) {
      ctx.reply.send(loggerLevelView(ctx.herder.logger(ctx.params.logger!)));
    },
  },
  {
    method: 'PUT',
    url: '/admin/loggers/:logger',
    tag: 'Loggers',
    summary: 'Set the level of a logger and the loggers below it',
    description: 'Levels are log4j names: OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL (any case).',
    query: [
      {
        name: 'scope',
        type: 'string',
        default: 'worker',
        enum: ['worker', 'cluster'],
        description: 'worker: this worker only, answers the changed loggers; cluster: every worker, answers 204',
      },
    ],
    body: { schema: 'LoggerLevelRequest', description: '{"level": "<level>"}' },
    responses: {
      200: { description: 'The loggers whose level changed', schema: { array: 'string' } },
      204: { description: 'Level set (scope=cluster)' },
      400: ERR("The 'level' field is missing"),
      404: ERR('Unknown log level'),
    },
    async handler(ctx) {
      const name = ctx.params.logger!;
      const req = parseBody(LoggerLevelRequest, ctx.req.body, 'Request body');
      const level = req.level;
      if (level === undefined || level === null) {
        throw new RestError(400, "Desired 'level' parameter was not specified in request.");
      }
      // Kafka Connect answers an unknown level with 404 (a log4j NotFoundException), so do we.
      if (!LOG4J_LEVELS.has(level.toUpperCase())) throw new RestError(404, `invalid log level '${level}'.`);
      const scopeParam = ctx.query.scope;
      const scope = (Array.isArray(scopeParam) ? scopeParam[0] : scopeParam)?.toLowerCase() ?? 'worker';
      if (scope !== 'worker' && scope !== 'cluster') {
        ctx.req.log.warn(
          { scope },
          "Received invalid scope in request to adjust logging level; will default to 'worker'",
        );
      }
      if (scope === 'cluster') {
        await ctx.call(ctx.herder.setClusterLoggerLevel(name, level));
        ctx.reply.code(204).send();
      } else ctx.reply.send([...ctx.herder.setLoggerLevel(name, level)]);
    },
  },
];
