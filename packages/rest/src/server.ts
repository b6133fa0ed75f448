/** The Kafka Connect REST API as a fastify app over a Herder: options, security hooks, the console and the routes. */
import { type Herder, runAsCaller } from '@tributary/runtime';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { consoleAssetsDir } from '@tributary/ui';
import { registerConsole } from './console.js';
import type { ConsoleSchemaRegistry } from './console-registry.js';
import { consoleRoutes } from './console-routes.js';
import { RestError, httpError, toErrorResponse } from './errors.js';
import { openApiDocument } from './openapi.js';
import { type HttpMethod, type RouteContext, type RouteOptions, type RouteSpec, routes } from './routes.js';
import { type RestSecurity, registerSecurity } from './security.js';

export interface RestServerOptions {
  /** The runtime behind the API. */
  herder: Herder;
  /** fastify/pino logger options (`true`, `{ level }`, …). Default: no request logging. */
  logger?: FastifyServerOptions['logger'];
  /** An existing pino logger (e.g. the worker's) to log requests with; takes precedence over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /**
   * The URL other workers and clients reach this worker at (Kafka Connect's advertised URL); used
   * for the Location header of created connectors. Default: the scheme and Host of the request.
   */
  advertisedUrl?: string;
  /** `topic.tracking.enable`: serve GET /connectors/{c}/topics (else 403). Default true. */
  topicTrackingEnabled?: boolean;
  /** `topic.tracking.allow.reset`: serve PUT /connectors/{c}/topics/reset (else 403). Default true. */
  topicTrackingAllowReset?: boolean;
  /** How long a herder call may take before the request answers 500 "Request timed out". Default 90 s, as Kafka Connect. */
  requestTimeoutMs?: number;
  /** How long GET /health waits for the herder before answering unhealthy. Default 10 s, as Kafka Connect. */
  healthCheckTimeoutMs?: number;
  /** Largest request body accepted, in bytes. Default 10 MiB. */
  bodyLimit?: number;
  /** The web console at /ui, served from the built @tributary/ui (default) or another directory; false turns it off. */
  console?: { dir: string } | false;
  /**
   * The schema registry behind the console's registry pages and registry formats (ConsoleSchemaRegistry.fromWorkerConfig).
   * Default: none; the pages then say how to configure one.
   */
  schemaRegistry?: ConsoleSchemaRegistry | null;
  /** Host allow-list, CORS, authentication, the JSON content-type rule and response headers. Default: none. */
  security?: RestSecurity;
  /**
   * Which endpoints this app serves (admin.listeners): all (default), main (all but /admin/*, for regular
   * listeners when the admin endpoints are elsewhere or off), admin (only /admin/*).
   */
  endpoints?: 'all' | 'main' | 'admin';
}

const DEFAULT_REQUEST_TIMEOUT_MS = 90_000;
const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 10_000;

interface CompiledRoute {
  method: HttpMethod;
  pattern: RegExp;
}

function compile(url: string): RegExp {
  const body = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body === '' ? '/' : body}/?$`);
}

/**
 * The Kafka Connect REST API as a fastify app. Mount it with `listen` (see `startRestServer` for
 * Kafka Connect's `listeners`), or call `inject` in tests.
 */
export function createRestServer(options: RestServerOptions): FastifyInstance {
  const { herder } = options;
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
    // Connector names and plugin class names can be long; Jersey accepts /connectors/ as /connectors.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
    return503OnClosing: true,
    frameworkErrors(err, _req, reply) {
      // Malformed URLs (bad percent-encoding) and the like, in the API's error shape.
      const status = typeof err.statusCode === 'number' ? err.statusCode : 400;
      (reply as FastifyReply).code(status).send({ error_code: status, message: err.message });
    },
  });

  // Kafka Connect consumes application/json only (Jersey answers anything else with 415). An empty
  // body is allowed: scripts send `Content-Type: application/json` on PUT …/pause with no body.
  const rawBodies = new WeakMap<FastifyRequest, string>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    rawBodies.set(req, text);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new RestError(400, `Request body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });

  const routeOptions: RouteOptions = {
    ...(options.advertisedUrl ? { advertisedUrl: options.advertisedUrl } : {}),
    topicTrackingEnabled: options.topicTrackingEnabled ?? true,
    topicTrackingAllowReset: options.topicTrackingAllowReset ?? true,
    healthCheckTimeoutMs: options.healthCheckTimeoutMs ?? DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  };
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const call = <T>(p: Promise<T> | T): Promise<T> => withTimeout(Promise.resolve(p), timeoutMs);

  if (options.security) registerSecurity(app, options.security);
  const endpoints = options.endpoints ?? 'all';
  const served = (url: string): boolean => endpoints === 'all' || (endpoints === 'admin') === url.startsWith('/admin/');

  const compiled: CompiledRoute[] = [];
  const register = (
    spec: Pick<RouteSpec, 'method' | 'url'>,
    handler: (req: FastifyRequest, reply: FastifyReply) => Promise<void>,
  ) => {
    compiled.push({ method: spec.method, pattern: compile(spec.url) });
    app.route({ method: spec.method, url: spec.url, handler });
  };

  for (const spec of [...routes, ...consoleRoutes].filter((r) => served(r.url))) {
    register(spec, async (req, reply) => {
      const ctx: RouteContext = {
        req,
        reply,
        herder,
        params: (req.params ?? {}) as Record<string, string>,
        query: (req.query ?? {}) as Record<string, string | string[] | undefined>,
        options: routeOptions,
        rawBody: rawBodies.get(req),
        schemaRegistry: options.schemaRegistry ?? null,
        call,
      };
      // A write this worker forwards to the leader carries the caller's Authorization, as Kafka Connect's RestClient.
      await runAsCaller(req.headers.authorization, () => spec.handler(ctx));
    });
  }

  if (options.console !== false && endpoints !== 'admin')
    registerConsole(app, options.console?.dir ?? consoleAssetsDir());

  let openapi: unknown = null;
  if (endpoints !== 'admin') {
    register({ method: 'GET', url: '/openapi.json' }, async (_req, reply) => {
      openapi ??= openApiDocument(routes, {
        version: herder.serverInfo().version,
        ...(options.advertisedUrl ? { serverUrl: options.advertisedUrl } : {}),
      });
      reply.send(openapi);
    });
  }

  const allowed = (url: string): HttpMethod[] => {
    const path = url.split('?')[0] ?? '/';
    const methods = new Set<HttpMethod>();
    for (const r of compiled) if (r.pattern.test(path)) methods.add(r.method);
    return [...methods];
  };

  // Jersey answers OPTIONS on any resource with the methods it allows.
  app.route({
    method: 'OPTIONS',
    url: '*',
    handler: async (req, reply) => {
      const methods = allowed(req.url);
      if (methods.length === 0) throw httpError(404);
      const withImplicit = [...methods, ...(methods.includes('GET') ? (['HEAD'] as const) : []), 'OPTIONS'];
      reply.code(200).header('Allow', withImplicit.join(',')).send();
    },
  });

  app.setNotFoundHandler(async (req, reply) => {
    const methods = allowed(req.url);
    const { status, body } = toErrorResponse(httpError(methods.length > 0 ? 405 : 404));
    if (methods.length > 0) reply.header('Allow', methods.join(','));
    reply.code(status).send(body);
  });

  app.setErrorHandler(async (err, req, reply) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500) req.log.error({ err }, `Uncaught exception in REST call to ${req.url}`);
    else req.log.debug({ err }, `Request to ${req.url} failed`);
    reply.code(status).send(body);
  });

  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return p;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // The runtime keeps working on the request; the client gets Kafka Connect's answer.
    timer = setTimeout(() => reject(new RestError(500, 'Request timed out')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
