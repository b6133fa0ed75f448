// The endpoints the console needs beyond Kafka Connect's API, all under /tributary (docs/rest-api.md).
import { COMPATIBILITY_LEVELS } from '@tributary/converters';
import type { TopicRecord } from '@tributary/runtime';
import { z } from 'zod';
import {
  type ConsoleSchemaRegistry,
  REGISTRY_FORMATS,
  type RegistryFormat,
  registryRequest,
} from './console-registry.js';
import { RestError, validationError } from './errors.js';
import type { HttpMethod, RouteContext } from './routes.js';

/** The one prefix every console endpoint lives under, so it can never collide with Kafka Connect's paths. */
export const CONSOLE_API_PREFIX = '/tributary';

export interface ConsoleRouteSpec {
  method: HttpMethod;
  url: string;
  summary: string;
  handler(ctx: RouteContext): Promise<void>;
}

const ReplayRequest = z
  .object({
    records: z
      .array(z.object({ partition: z.number().int().min(0), offset: z.number().int().min(0) }).strict())
      .min(1, 'must name at least one record')
      .max(500, 'may name at most 500 records'),
  })
  .strict();

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A non-negative integer query parameter; a bad value is a 400 naming the parameter and why. */
function intParam(ctx: RouteContext, name: string, dflt: number | undefined, max?: number): number | undefined {
  const raw = one(ctx.query[name]);
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d{1,15}$/.test(raw))
    throw new RestError(400, `Query parameter ${name} must be a non-negative integer, not ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (max !== undefined && n > max)
    throw new RestError(400, `Query parameter ${name} must be at most ${max}, not ${n}`);
  return n;
}

/** The only body the console sends the registry: a compatibility level for /config or /config/{subject}. */
const CompatibilityRequest = z.object({ compatibility: z.enum(COMPATIBILITY_LEVELS) }).strict();

/** Where the console's registry requests go: /tributary/schema-registry/<Confluent path>. */
export const REGISTRY_PROXY_PREFIX = `${CONSOLE_API_PREFIX}/schema-registry`;

const NOT_CONFIGURED =
  'No schema registry is configured for this worker: set tributary.console.schema.registry.url (or value.converter.schema.registry.url)';

function registryOf(ctx: RouteContext): ConsoleSchemaRegistry {
  if (!ctx.schemaRegistry) throw new RestError(404, NOT_CONFIGURED);
  return ctx.schemaRegistry;
}

/** Forwards an allow-listed registry request and answers as the registry did (its status and JSON error body). */
async function proxyRegistry(ctx: RouteContext): Promise<void> {
  const registry = registryOf(ctx);
  const url = ctx.req.url;
  const q = url.indexOf('?');
  // The raw path, still percent-encoded: registryRequest decodes each segment itself.
  const rawPath = (q < 0 ? url : url.slice(0, q)).slice(REGISTRY_PROXY_PREFIX.length);
  const target = registryRequest(ctx.req.method, rawPath, new URLSearchParams(q < 0 ? '' : url.slice(q + 1)));
  if (!target)
    throw new RestError(403, `The console does not forward ${ctx.req.method} ${rawPath} to the schema registry`);
  let body: unknown;
  if (ctx.req.method === 'PUT') {
    const parsed = CompatibilityRequest.safeParse(ctx.req.body, { reportInput: true });
    if (!parsed.success) throw validationError('Request body', parsed.error);
    body = parsed.data;
  }
  let answer: { status: number; body: string };
  try {
    answer = await ctx.call(registry.forward(ctx.req.method, target, body));
  } catch (err) {
    throw new RestError(502, (err as Error).message);
  }
  if (answer.status === 401 || answer.status === 403) {
    // The registry refused the worker's registry credentials; a 401 passed on would read as the worker's own auth failing.
    throw new RestError(
      502,
      `The schema registry refused the worker's credentials for it (HTTP ${answer.status}): check the keys under ${registry.source.replace(/schema\.registry\.url$/, '')}`,
    );
  }
  let json: unknown;
  try {
    json = answer.body === '' ? null : JSON.parse(answer.body);
  } catch {
    // A proxy's HTML page in front of the registry: only its status and the start of its text reach the browser.
    json = { error_code: answer.status, message: answer.body.slice(0, 300) };
  }
  ctx.reply.code(answer.status).type('application/json').send(json);
}

function formatParam(ctx: RouteContext): RegistryFormat | null {
  const raw = one(ctx.query.format);
  if (raw === undefined || raw === '') return null;
  if (!(REGISTRY_FORMATS as readonly string[]).includes(raw))
    throw new RestError(
      400,
      `Query parameter format must be one of ${REGISTRY_FORMATS.join(', ')}, not ${JSON.stringify(raw)}`,
    );
  return raw as RegistryFormat;
}

/** Bytes travel as base64 so that any value survives JSON; the console decodes them as the user picks. */
function recordView(r: TopicRecord): Record<string, unknown> & { decoded?: unknown } {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key ? r.key.toString('base64') : null,
    value: r.value ? r.value.toString('base64') : null,
    headers: r.headers.map(([k, v]) => ({ key: k, value: v ? v.toString('base64') : null })),
  };
}

export const consoleRoutes: ConsoleRouteSpec[] = [
  {
    method: 'GET',
    url: `${CONSOLE_API_PREFIX}/cluster`,
    summary: 'The workers of the cluster, what each runs, and the leader',
    async handler(ctx) {
      ctx.reply.send(await ctx.call(ctx.herder.cluster()));
    },
  },
  {
    method: 'GET',
    url: `${CONSOLE_API_PREFIX}/topics/:topic/records`,
    summary:
      'The last records of a topic (limit, default 50, at most 500; optionally one partition; format=avro|json-schema|protobuf decodes through the schema registry)',
    async handler(ctx) {
      const limit = intParam(ctx, 'limit', 50, 500)!;
      const partition = intParam(ctx, 'partition', undefined);
      const format = formatParam(ctx);
      const registry = format ? registryOf(ctx) : null;
      const r = await ctx.call(
        ctx.herder.readTopic(ctx.params.topic!, { limit, ...(partition !== undefined ? { partition } : {}) }),
      );
      const records = r.records.map(recordView);
      if (registry && format) {
        // The raw bytes stay in each record beside what the registry converter made of them.
        const decoded = await ctx.call(
          Promise.all(r.records.map((rec) => registry.decode(r.topic, format, rec.key, rec.value))),
        );
        records.forEach((rec, i) => {
          rec.decoded = decoded[i];
        });
      }
      ctx.reply.send({ topic: r.topic, partitions: r.partitions, ...(format ? { format } : {}), records });
    },
  },
  {
    method: 'GET',
    url: REGISTRY_PROXY_PREFIX,
    summary: 'Whether a schema registry is configured for the console, and where (URLs without credentials)',
    async handler(ctx) {
      const r = ctx.schemaRegistry;
      ctx.reply.send(r ? { configured: true, urls: r.urls, source: r.source } : { configured: false });
    },
  },
  ...(['GET', 'PUT', 'DELETE'] as const).map(
    (method): ConsoleRouteSpec => ({
      method,
      url: `${REGISTRY_PROXY_PREFIX}/*`,
      summary: "The schema registry's own API, for the paths the console uses (docs/rest-api.md)",
      handler: proxyRegistry,
    }),
  ),
  {
    method: 'POST',
    url: `${CONSOLE_API_PREFIX}/dlq/:topic/replay`,
    summary: 'Re-send dead letter queue records to the topic and partition in their __connect.errors.* headers',
    async handler(ctx) {
      if (ctx.req.body === undefined) throw new RestError(400, 'Request body is required');
      const parsed = ReplayRequest.safeParse(ctx.req.body, { reportInput: true });
      if (!parsed.success) throw validationError('Request body', parsed.error);
      const results = await ctx.call(ctx.herder.replayDeadLetters(ctx.params.topic!, parsed.data.records));
      ctx.reply.send({ results });
    },
  },
  {
    method: 'GET',
    url: `${CONSOLE_API_PREFIX}/metrics/history`,
    summary: "This worker's task metric samples (cumulative counters and sink lag) since ?since= epoch ms",
    async handler(ctx) {
      ctx.reply.send(ctx.herder.metricsHistory(intParam(ctx, 'since', 0)!));
    },
  },
];
