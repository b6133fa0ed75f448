/** A Kafka Connect REST conformance suite: endpoint cases (status codes, field names, error shapes) runnable against any worker. */
import assert from 'node:assert/strict';
import type { ConnectorOffset } from '@tributary/runtime';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  ActiveTopics,
  ConfigInfos,
  ConfigKeyInfo,
  ConnectorExpansion,
  ConnectorInfo,
  ConnectorOffsets,
  ConnectorStateInfo,
  ErrorMessage,
  LoggerLevel,
  LoggerLevels,
  Message,
  PluginInfo,
  ServerInfo,
  TaskInfo,
  TaskState,
  WorkerStatus,
} from '../src/schemas.js';

/*
 * Kafka Connect REST conformance: every endpoint's status codes, JSON field names and error shapes,
 * as a table of cases that run against anything that speaks HTTP — a fastify app through `inject`
 * or a real worker through `fetch`. Each case uses its own connector names and deletes what it
 * created, so the table can run against a shared worker in any order.
 *
 *   for (const c of restConformanceCases) it(c.name, () => runConformanceCase(c, httpRequester(url), fixture));
 */

export interface RestRequest {
  method: string;
  /** Path and query, already URL-encoded. */
  path: string;
  /** Sent as JSON (with Content-Type: application/json). */
  body?: unknown;
  /** Sent as is, instead of `body`; set the Content-Type in `headers`. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface RestResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  text: string;
  /** The parsed JSON body, or undefined when the body is empty. */
  body: unknown;
}

export type RestRequester = (req: RestRequest) => Promise<RestResponse>;

function prepare(req: RestRequest): { headers: Record<string, string>; payload: string | undefined } {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let payload: string | undefined;
  if (req.rawBody !== undefined) payload = req.rawBody;
  else if (req.body !== undefined) {
    payload = JSON.stringify(req.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }
  return { headers, payload };
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Requests against a worker listening at `baseUrl` (e.g. http://127.0.0.1:8083). */
export function httpRequester(baseUrl: string): RestRequester {
  const base = baseUrl.replace(/\/+$/, '');
  return async (req) => {
    const { headers, payload } = prepare(req);
    const res = await fetch(base + req.path, {
      method: req.method,
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const text = await res.text();
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      out[k.toLowerCase()] = v;
    });
    return { status: res.status, headers: out, text, body: parse(text) };
  };
}

/** Requests through fastify's `inject`, without a socket. */
export function injectRequester(app: Pick<FastifyInstance, 'inject'>): RestRequester {
  return async (req) => {
    const { headers, payload } = prepare(req);
    const method = req.method.toUpperCase() as 'GET';
    const res = await app.inject({ method, url: req.path, headers, ...(payload !== undefined ? { payload } : {}) });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k.toLowerCase()] = String(v);
    return { status: res.statusCode, headers: out, text: res.body, body: parse(res.body) };
  };
}

/** What the suite needs to know about the worker under test. */
export interface ConformanceFixture {
  /** A source connector that can run without outside systems beyond the worker's Kafka. */
  source: {
    /** The class name GET /connector-plugins lists for it. */
    plugin: string;
    config(name: string): Record<string, string>;
    /** Partition/offset pairs PATCH /offsets accepts for this connector; omit to skip the alter step. */
    offsets?: ConnectorOffset[];
  };
  /** A sink connector; omit to skip the sink cases. */
  sink?: { plugin: string; config(name: string): Record<string, string> };
  /** A config with one bad value: `field` must be named in the 400 and carry errors in validate. */
  invalid: { config(name: string): Record<string, string>; field: string };
  /** Whether GET /connector-plugins?connectorsOnly=false lists converters or transformations. Default true. */
  nonConnectorPlugins?: boolean;
  /** How long state changes (RUNNING, PAUSED, STOPPED) may take. Default 30 s. */
  timeoutMs?: number;
  /** Prefix of connector names the suite creates. Default "conformance". */
  namePrefix?: string;
}

export interface ConformanceContext {
  fixture: ConformanceFixture;
  request: RestRequester;
  /** A fresh connector name, deleted after the case. */
  name(label: string): string;
  get(path: string): Promise<RestResponse>;
  post(path: string, body?: unknown): Promise<RestResponse>;
  put(path: string, body?: unknown): Promise<RestResponse>;
  patch(path: string, body?: unknown): Promise<RestResponse>;
  delete(path: string): Promise<RestResponse>;
  /** Retries `fn` until it stops throwing or the fixture's timeout passes. */
  eventually<T>(fn: () => Promise<T>): Promise<T>;
}

export interface ConformanceCase {
  name: string;
  run(ctx: ConformanceContext): Promise<void>;
}

let runCounter = 0;

/** Runs one case with its own context and deletes every connector it named afterwards. */
export async function runConformanceCase(
  c: ConformanceCase,
  request: RestRequester,
  fixture: ConformanceFixture,
): Promise<void> {
  const created: string[] = [];
  const run = `${Date.now().toString(36)}${(runCounter++).toString(36)}`;
  const prefix = fixture.namePrefix ?? 'conformance';
  const timeoutMs = fixture.timeoutMs ?? 30_000;
  const send = (method: string, path: string, body?: unknown) =>
    request({ method, path, ...(body !== undefined ? { body } : {}) });
  const ctx: ConformanceContext = {
    fixture,
    request,
    name(label) {
      const n = `${prefix}-${run}-${label}`;
      created.push(n);
      return n;
    },
    get: (p) => send('GET', p),
    post: (p, b) => send('POST', p, b),
    put: (p, b) => send('PUT', p, b),
    patch: (p, b) => send('PATCH', p, b),
    delete: (p) => send('DELETE', p),
    async eventually<T>(fn: () => Promise<T>): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          return await fn();
        } catch (e) {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
  };
  try {
    await c.run(ctx);
  } finally {
    for (const n of created) await send('DELETE', `/connectors/${enc(n)}`).catch(() => undefined);
  }
}

// ------------------------------------------------------------------------------------------ helpers

const enc = encodeURIComponent;

/** Asserts the body has exactly the schema's fields (strict schemas reject extra ones). */
export function expectShape<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    assert.fail(`${what} does not have Kafka Connect's shape: ${issues}\nbody: ${JSON.stringify(body)}`);
  }
  return r.data;
}

function expectStatus(res: RestResponse, status: number, what: string): void {
  assert.equal(res.status, status, `${what}: expected HTTP ${status}, got ${res.status} ${res.text}`);
}

/** Asserts an error answer: the status, {"error_code": status, "message"} and the message text. */
export function expectError(res: RestResponse, status: number, what: string, message?: string | RegExp): string {
  expectStatus(res, status, what);
  const body = expectShape(ErrorMessage, res.body, `${what} error body`);
  assert.equal(body.error_code, status, `${what}: error_code`);
  const text = body.message ?? '';
  if (typeof message === 'string') assert.equal(text, message, `${what}: message`);
  else if (message) assert.match(text, message, `${what}: message`);
  return text;
}

function expectEmpty(res: RestResponse, status: number, what: string): void {
  expectStatus(res, status, what);
  assert.equal(res.text, '', `${what}: expected no body`);
}

async function create(
  ctx: ConformanceContext,
  name: string,
  config: Record<string, string>,
  extra: Record<string, unknown> = {},
) {
  const res = await ctx.post('/connectors', { name, config, ...extra });
  expectStatus(res, 201, `POST /connectors ${name}`);
  return expectShape(ConnectorInfo, res.body, 'POST /connectors');
}

async function status(ctx: ConformanceContext, name: string) {
  const res = await ctx.get(`/connectors/${enc(name)}/status`);
  expectStatus(res, 200, 'GET status');
  return expectShape(ConnectorStateInfo, res.body, 'GET /connectors/{c}/status');
}

/** Waits until the connector and all its tasks (at least `minTasks`) are in `state`. */
async function awaitState(ctx: ConformanceContext, name: string, state: string, minTasks = 1) {
  return ctx.eventually(async () => {
    const s = await status(ctx, name);
    assert.equal(s.connector.state, state, `connector ${name} state`);
    if (state === 'STOPPED') assert.equal(s.tasks.length, 0, 'a STOPPED connector has no tasks');
    else assert.ok(s.tasks.length >= minTasks, `connector ${name} has ${s.tasks.length} tasks, expected ${minTasks}+`);
    for (const t of s.tasks) assert.equal(t.state, state, `task ${t.id} state`);
    return s;
  });
}

const CONNECTOR_NOT_FOUND = (name: string) => new RegExp(escapeRegExp(name));
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// --------------------------------------------------------------------------------------------- cases

export const restConformanceCases: readonly ConformanceCase[] = [
  {
    name: 'GET / answers version, commit and kafka_cluster_id',
    async run(ctx) {
      const res = await ctx.get('/');
      expectStatus(res, 200, 'GET /');
      assert.match(res.headers['content-type'] ?? '', /^application\/json/);
      const info = expectShape(ServerInfo, res.body, 'GET /');
      assert.ok(info.version.length > 0, 'version is set');
      assert.ok(info.kafka_cluster_id.length > 0, 'kafka_cluster_id is set');
    },
  },
  {
    name: 'GET /health answers 200 {status: healthy, message}',
    async run(ctx) {
      const res = await ctx.get('/health');
      expectStatus(res, 200, 'GET /health');
      const h = expectShape(WorkerStatus, res.body, 'GET /health');
      assert.equal(h.status, 'healthy');
      assert.equal(h.message, 'Worker has completed startup and is ready to handle requests.');
    },
  },
  {
    name: 'POST /connectors creates: 201, ConnectorInfo, Location; the connector and its tasks run',
    async run(ctx) {
      const name = ctx.name('create');
      const config = ctx.fixture.source.config(name);
      const res = await ctx.post('/connectors', { name, config });
      expectStatus(res, 201, 'POST /connectors');
      const info = expectShape(ConnectorInfo, res.body, 'POST /connectors');
      assert.equal(info.name, name);
      assert.equal(info.type, 'source');
      assert.deepEqual(info.config, { ...config, name }, 'config echoes the request with name filled in');
      const location = res.headers.location ?? '';
      assert.ok(location.endsWith(`/connectors/${enc(name)}`), `Location ${location} names the connector`);

      const list = await ctx.get('/connectors');
      expectStatus(list, 200, 'GET /connectors');
      assert.ok(Array.isArray(list.body) && list.body.includes(name), 'GET /connectors lists the new connector');

      const s = await awaitState(ctx, name, 'RUNNING');
      assert.equal(s.name, name);
      assert.equal(s.type, 'source');
      assert.ok(s.connector.worker_id.length > 0, 'worker_id is set');
      assert.deepEqual(
        s.tasks.map((t) => t.id),
        s.tasks.map((_, i) => i),
        'task ids count from 0 in order',
      );
    },
  },
  {
    name: 'POST /connectors with an existing name answers 409',
    async run(ctx) {
      const name = ctx.name('dup');
      await create(ctx, name, ctx.fixture.source.config(name));
      const res = await ctx.post('/connectors', { name, config: ctx.fixture.source.config(name) });
      expectError(res, 409, 'POST /connectors (duplicate)', `Connector ${name} already exists`);
    },
  },
  {
    name: 'POST /connectors validates the name: missing, blank, control characters, mismatch with config.name',
    async run(ctx) {
      const name = ctx.name('names');
      const config = ctx.fixture.source.config(name);
      const { name: _omit, ...configWithoutName } = config;
      expectError(await ctx.post('/connectors', { config: configWithoutName }), 400, 'POST without name', /\bname\b/);
      expectError(
        await ctx.post('/connectors', { name: '   ', config: configWithoutName }),
        400,
        'POST blank name',
        /\bname\b/,
      );
      expectError(
        await ctx.post('/connectors', { name: `${name}\u0007bell`, config: configWithoutName }),
        400,
        'POST name with a control character',
        /control/,
      );
      expectError(
        await ctx.post('/connectors', { name, config: { ...config, name: `${name}-other` } }),
        400,
        'POST name mismatch',
        `Connector name configuration (${name}-other) doesn't match connector name in the URL (${name})`,
      );
      const missing = await ctx.get(`/connectors/${enc(name)}`);
      expectError(missing, 404, 'nothing was created by the rejected requests');
    },
  },
  {
    name: 'POST /connectors trims the name',
    async run(ctx) {
      const name = ctx.name('trim');
      const { name: _omit, ...config } = ctx.fixture.source.config(name);
      const res = await ctx.post('/connectors', { name: `  ${name}  `, config });
      expectStatus(res, 201, 'POST with padded name');
      assert.equal(expectShape(ConnectorInfo, res.body, 'POST').name, name);
      expectStatus(await ctx.get(`/connectors/${enc(name)}`), 200, 'GET trimmed name');
    },
  },
  {
    name: 'POST /connectors with an invalid config answers 400 naming the field',
    async run(ctx) {
      const name = ctx.name('invalid');
      const res = await ctx.post('/connectors', { name, config: ctx.fixture.invalid.config(name) });
      const message = expectError(res, 400, 'POST invalid config');
      assert.ok(message.includes(ctx.fixture.invalid.field), `message names ${ctx.fixture.invalid.field}: ${message}`);
      expectError(await ctx.get(`/connectors/${enc(name)}`), 404, 'invalid connector was not created');
    },
  },
  {
    name: 'POST /connectors rejects bodies that are not JSON or not a connector request (400 naming the field)',
    async run(ctx) {
      const name = ctx.name('badbody');
      const json = { 'content-type': 'application/json' };
      expectError(
        await ctx.request({ method: 'POST', path: '/connectors', rawBody: '{"name": ', headers: json }),
        400,
        'malformed JSON',
      );
      expectError(await ctx.post('/connectors', { name }), 400, 'missing config', /config/);
      expectError(await ctx.post('/connectors', [name]), 400, 'array body');
      const nested = await ctx.post('/connectors', {
        name,
        config: { ...ctx.fixture.source.config(name), 'transforms.x': { a: 1 } },
      });
      expectError(nested, 400, 'object config value', /transforms\.x/);
      expectError(
        await ctx.post('/connectors', { name, config: ctx.fixture.source.config(name), initial_state: 'SLEEPING' }),
        400,
        'unknown initial_state',
        /initial_state/,
      );
      expectError(await ctx.get(`/connectors/${enc(name)}`), 404, 'nothing was created');
    },
  },
  {
    name: 'POST /connectors accepts numbers and booleans as config values, as strings',
    async run(ctx) {
      const name = ctx.name('coerce');
      const config: Record<string, unknown> = {
        ...ctx.fixture.source.config(name),
        'tasks.max': 1,
        'conformance.flag': true,
      };
      const res = await ctx.post('/connectors', { name, config });
      expectStatus(res, 201, 'POST with number values');
      const info = expectShape(ConnectorInfo, res.body, 'POST');
      assert.equal(info.config['tasks.max'], '1');
      assert.equal(info.config['conformance.flag'], 'true');
    },
  },
  {
    name: 'POST /connectors rejects requests that are not application/json with 415',
    async run(ctx) {
      const name = ctx.name('mediatype');
      const res = await ctx.request({
        method: 'POST',
        path: '/connectors',
        rawBody: JSON.stringify({ name, config: ctx.fixture.source.config(name) }),
        headers: { 'content-type': 'text/plain' },
      });
      expectError(res, 415, 'text/plain body');
    },
  },
  {
    name: 'POST /connectors honours initial_state PAUSED and STOPPED',
    async run(ctx) {
      const paused = ctx.name('init-paused');
      await create(ctx, paused, ctx.fixture.source.config(paused), { initial_state: 'PAUSED' });
      // Kafka Connect never starts a connector created paused, so it has no tasks until it is resumed.
      await awaitState(ctx, paused, 'PAUSED', 0);
      const stopped = ctx.name('init-stopped');
      await create(ctx, stopped, ctx.fixture.source.config(stopped), { initial_state: 'stopped' });
      await awaitState(ctx, stopped, 'STOPPED');
      const running = ctx.name('init-running');
      await create(ctx, running, ctx.fixture.source.config(running), { initial_state: 'RUNNING' });
      await awaitState(ctx, running, 'RUNNING');
    },
  },
  {
    name: 'connector names are URL-decoded in paths, and Location is encoded',
    async run(ctx) {
      const name = ctx.name('spaced ünïcode+plus');
      const res = await ctx.post('/connectors', { name, config: ctx.fixture.source.config(name) });
      expectStatus(res, 201, 'POST');
      assert.ok((res.headers.location ?? '').endsWith(`/connectors/${enc(name)}`), `Location ${res.headers.location}`);
      const got = await ctx.get(`/connectors/${enc(name)}`);
      expectStatus(got, 200, 'GET encoded name');
      assert.equal(expectShape(ConnectorInfo, got.body, 'GET').name, name);
    },
  },
  {
    name: 'GET /connectors/{c} and /config answer the connector; unknown answers 404',
    async run(ctx) {
      const name = ctx.name('get');
      const config = ctx.fixture.source.config(name);
      await create(ctx, name, config);
      const info = await ctx.eventually(async () => {
        const res = await ctx.get(`/connectors/${enc(name)}`);
        expectStatus(res, 200, 'GET /connectors/{c}');
        const i = expectShape(ConnectorInfo, res.body, 'GET /connectors/{c}');
        assert.ok(i.tasks.length >= 1, 'tasks are listed once generated');
        return i;
      });
      assert.deepEqual(
        info.tasks,
        info.tasks.map((_, task) => ({ connector: name, task })),
      );
      const cfg = await ctx.get(`/connectors/${enc(name)}/config`);
      expectStatus(cfg, 200, 'GET config');
      assert.deepEqual(cfg.body, { ...config, name });
      const missing = `${name}-missing`;
      expectError(await ctx.get(`/connectors/${enc(missing)}`), 404, 'GET unknown', `Connector ${missing} not found`);
      expectError(
        await ctx.get(`/connectors/${enc(missing)}/config`),
        404,
        'GET unknown config',
        `Connector ${missing} not found`,
      );
    },
  },
  {
    name: 'PUT /connectors/{c}/config creates (201 + Location) then updates (200)',
    async run(ctx) {
      const name = ctx.name('put');
      const config = ctx.fixture.source.config(name);
      const created = await ctx.put(`/connectors/${enc(name)}/config`, config);
      expectStatus(created, 201, 'PUT new');
      assert.ok((created.headers.location ?? '').endsWith(`/connectors/${enc(name)}`), 'Location on create');
      assert.deepEqual(expectShape(ConnectorInfo, created.body, 'PUT new').config, { ...config, name });

      const { name: _omit, ...withoutName } = config;
      const updated = await ctx.put(`/connectors/${enc(name)}/config`, { ...withoutName, 'conformance.extra': 'x' });
      expectStatus(updated, 200, 'PUT existing');
      const info = expectShape(ConnectorInfo, updated.body, 'PUT existing');
      assert.equal(info.config['conformance.extra'], 'x');
      assert.equal(info.config.name, name, 'name is filled in from the URL');

      expectError(
        await ctx.put(`/connectors/${enc(name)}/config`, { ...config, name: 'other' }),
        400,
        'PUT name mismatch',
        `Connector name configuration (other) doesn't match connector name in the URL (${name})`,
      );
      const bad = await ctx.put(`/connectors/${enc(name)}/config`, ctx.fixture.invalid.config(name));
      assert.ok(
        expectError(bad, 400, 'PUT invalid').includes(ctx.fixture.invalid.field),
        'PUT invalid names the field',
      );
      expectError(
        await ctx.put(`/connectors/${enc(name)}/config`, { 'tasks.max': ['1'] }),
        400,
        'PUT array value',
        /tasks\.max/,
      );
    },
  },
  {
    name: 'PATCH /connectors/{c}/config merges, null removes; unknown answers 404',
    async run(ctx) {
      const name = ctx.name('patch');
      const config = ctx.fixture.source.config(name);
      await create(ctx, name, { ...config, 'conformance.keep': 'k', 'conformance.drop': 'd' });
      const res = await ctx.patch(`/connectors/${enc(name)}/config`, {
        'conformance.drop': null,
        'conformance.new': 'n',
      });
      expectStatus(res, 200, 'PATCH');
      const info = expectShape(ConnectorInfo, res.body, 'PATCH');
      assert.equal(info.name, name);
      assert.deepEqual(info.config, { ...config, name, 'conformance.keep': 'k', 'conformance.new': 'n' });
      const cfg = await ctx.get(`/connectors/${enc(name)}/config`);
      assert.deepEqual(cfg.body, info.config, 'GET config shows the patched config');
      const missing = `${name}-missing`;
      expectError(
        await ctx.patch(`/connectors/${enc(missing)}/config`, { a: 'b' }),
        404,
        'PATCH unknown',
        `Connector ${missing} not found`,
      );
    },
  },
  {
    name: 'GET /connectors/{c}/status, /tasks and /tasks/{t}/status answer Kafka Connect shapes; unknown answers 404',
    async run(ctx) {
      const name = ctx.name('status');
      await create(ctx, name, ctx.fixture.source.config(name));
      const s = await awaitState(ctx, name, 'RUNNING');
      const tasks = await ctx.get(`/connectors/${enc(name)}/tasks`);
      expectStatus(tasks, 200, 'GET tasks');
      const list = expectShape(TaskInfo.array(), tasks.body, 'GET /connectors/{c}/tasks');
      assert.equal(list.length, s.tasks.length);
      assert.deepEqual(
        list.map((t) => t.id),
        list.map((_, task) => ({ connector: name, task })),
      );

      const t0 = await ctx.get(`/connectors/${enc(name)}/tasks/0/status`);
      expectStatus(t0, 200, 'GET task status');
      const ts = expectShape(TaskState, t0.body, 'GET /connectors/{c}/tasks/{t}/status');
      assert.equal(ts.id, 0);
      assert.equal(ts.state, 'RUNNING');

      expectError(
        await ctx.get(`/connectors/${enc(name)}/tasks/99/status`),
        404,
        'unknown task',
        `No status found for task ${name}-99`,
      );
      expectError(await ctx.get(`/connectors/${enc(name)}/tasks/abc/status`), 404, 'non-numeric task');
      const missing = `${name}-missing`;
      expectError(
        await ctx.get(`/connectors/${enc(missing)}/status`),
        404,
        'status of unknown',
        CONNECTOR_NOT_FOUND(missing),
      );
      expectError(
        await ctx.get(`/connectors/${enc(missing)}/tasks`),
        404,
        'tasks of unknown',
        CONNECTOR_NOT_FOUND(missing),
      );
    },
  },
  {
    name: 'GET /connectors?expand=status&expand=info answers a map of name to details',
    async run(ctx) {
      const name = ctx.name('expand');
      await create(ctx, name, ctx.fixture.source.config(name));
      const both = await ctx.get('/connectors?expand=status&expand=info');
      expectStatus(both, 200, 'expand both');
      const entry = (both.body as Record<string, unknown>)[name];
      const e = expectShape(ConnectorExpansion, entry, 'expanded entry');
      assert.ok(e.status && e.info, 'both status and info are present');
      assert.equal(e.info.name, name);
      assert.equal(e.status.name, name);

      const statusOnly = await ctx.get('/connectors?expand=status');
      const s = expectShape(
        ConnectorExpansion,
        (statusOnly.body as Record<string, unknown>)[name],
        'expand=status entry',
      );
      assert.deepEqual(Object.keys(s), ['status']);
      const infoOnly = await ctx.get('/connectors?expand=info');
      const i = expectShape(ConnectorExpansion, (infoOnly.body as Record<string, unknown>)[name], 'expand=info entry');
      assert.deepEqual(Object.keys(i), ['info']);
    },
  },
  {
    name: 'POST /connectors/{c}/restart: 204 plain, 202 with the status when includeTasks or onlyFailed',
    async run(ctx) {
      const name = ctx.name('restart');
      await create(ctx, name, ctx.fixture.source.config(name));
      await awaitState(ctx, name, 'RUNNING');
      expectEmpty(await ctx.post(`/connectors/${enc(name)}/restart`), 204, 'plain restart');

      const all = await ctx.post(`/connectors/${enc(name)}/restart?includeTasks=true&onlyFailed=false`);
      expectStatus(all, 202, 'restart includeTasks');
      const plan = expectShape(ConnectorStateInfo, all.body, 'restart includeTasks');
      assert.equal(plan.name, name);
      assert.equal(plan.connector.state, 'RESTARTING');
      assert.ok(
        plan.tasks.length >= 1 && plan.tasks.every((t) => t.state === 'RESTARTING'),
        'every task is RESTARTING',
      );
      await awaitState(ctx, name, 'RUNNING');

      const onlyFailed = await ctx.post(`/connectors/${enc(name)}/restart?includeTasks=true&onlyFailed=true`);
      expectStatus(onlyFailed, 202, 'restart onlyFailed');
      const none = expectShape(ConnectorStateInfo, onlyFailed.body, 'restart onlyFailed');
      assert.notEqual(none.connector.state, 'RESTARTING', 'nothing failed, so nothing restarts');
      assert.ok(none.tasks.every((t) => t.state !== 'RESTARTING'));

      const missing = `${name}-missing`;
      expectError(
        await ctx.post(`/connectors/${enc(missing)}/restart`),
        404,
        'restart unknown',
        CONNECTOR_NOT_FOUND(missing),
      );
    },
  },
  {
    name: 'POST /connectors/{c}/tasks/{t}/restart answers 204; unknown task or connector 404',
    async run(ctx) {
      const name = ctx.name('taskrestart');
      await create(ctx, name, ctx.fixture.source.config(name));
      await awaitState(ctx, name, 'RUNNING');
      expectEmpty(await ctx.post(`/connectors/${enc(name)}/tasks/0/restart`), 204, 'task restart');
      await awaitState(ctx, name, 'RUNNING');
      expectError(
        await ctx.post(`/connectors/${enc(name)}/tasks/99/restart`),
        404,
        'unknown task',
        `Unknown task: ${name}-99`,
      );
      const missing = `${name}-missing`;
      expectError(
        await ctx.post(`/connectors/${enc(missing)}/tasks/0/restart`),
        404,
        'unknown connector',
        CONNECTOR_NOT_FOUND(missing),
      );
    },
  },
  {
    name: 'PUT pause and resume answer 202, stop answers 204; the states follow',
    async run(ctx) {
      const name = ctx.name('lifecycle');
      await create(ctx, name, ctx.fixture.source.config(name));
      await awaitState(ctx, name, 'RUNNING');
      expectEmpty(await ctx.put(`/connectors/${enc(name)}/pause`), 202, 'pause');
      await awaitState(ctx, name, 'PAUSED');
      expectEmpty(await ctx.put(`/connectors/${enc(name)}/pause`), 202, 'pause again (idempotent)');
      expectEmpty(await ctx.put(`/connectors/${enc(name)}/resume`), 202, 'resume');
      await awaitState(ctx, name, 'RUNNING');
      expectEmpty(await ctx.put(`/connectors/${enc(name)}/stop`), 204, 'stop');
      await awaitState(ctx, name, 'STOPPED');
      const info = expectShape(ConnectorInfo, (await ctx.get(`/connectors/${enc(name)}`)).body, 'GET stopped');
      assert.deepEqual(info.tasks, [], 'a stopped connector has no tasks');
      expectEmpty(await ctx.put(`/connectors/${enc(name)}/resume`), 202, 'resume from STOPPED');
      await awaitState(ctx, name, 'RUNNING');

      const missing = `${name}-missing`;
      for (const action of ['pause', 'resume', 'stop']) {
        expectError(
          await ctx.put(`/connectors/${enc(missing)}/${action}`),
          404,
          `${action} unknown`,
          CONNECTOR_NOT_FOUND(missing),
        );
      }
    },
  },
  {
    name: 'pause and resume accept an empty JSON body',
    async run(ctx) {
      const name = ctx.name('emptybody');
      await create(ctx, name, ctx.fixture.source.config(name));
      const res = await ctx.request({
        method: 'PUT',
        path: `/connectors/${enc(name)}/pause`,
        headers: { 'content-type': 'application/json' },
        rawBody: '',
      });
      expectEmpty(res, 202, 'pause with Content-Type and no body');
    },
  },
  {
    name: 'GET /connectors/{c}/topics answers {name: {topics}}; PUT /topics/reset answers 202 and empties it',
    async run(ctx) {
      const name = ctx.name('topics');
      await create(ctx, name, ctx.fixture.source.config(name));
      await awaitState(ctx, name, 'RUNNING');
      const res = await ctx.get(`/connectors/${enc(name)}/topics`);
      expectStatus(res, 200, 'GET topics');
      const topics = expectShape(ActiveTopics, res.body, 'GET /connectors/{c}/topics');
      assert.deepEqual(Object.keys(topics), [name]);
      await ctx.put(`/connectors/${enc(name)}/stop`);
      await awaitState(ctx, name, 'STOPPED');
      expectEmpty(await ctx.put(`/connectors/${enc(name)}/topics/reset`), 202, 'reset topics');
      const after = expectShape(
        ActiveTopics,
        (await ctx.get(`/connectors/${enc(name)}/topics`)).body,
        'GET topics after reset',
      );
      assert.deepEqual(after, { [name]: { topics: [] } });
      const missing = `${name}-missing`;
      const none = await ctx.get(`/connectors/${enc(missing)}/topics`);
      expectStatus(none, 200, 'GET topics of a connector that does not exist');
      assert.deepEqual(none.body, { [missing]: { topics: [] } }, 'as Kafka Connect: no topics, not a 404');
    },
  },
  {
    name: 'offsets: GET answers {offsets}; PATCH and DELETE need a STOPPED connector and answer {message}',
    async run(ctx) {
      const name = ctx.name('offsets');
      await create(ctx, name, ctx.fixture.source.config(name));
      await awaitState(ctx, name, 'RUNNING');
      const get = await ctx.get(`/connectors/${enc(name)}/offsets`);
      expectStatus(get, 200, 'GET offsets');
      expectShape(ConnectorOffsets, get.body, 'GET /connectors/{c}/offsets');

      const sample = ctx.fixture.source.offsets ?? [{ partition: { conformance: 'p' }, offset: { position: 1 } }];
      expectError(
        await ctx.patch(`/connectors/${enc(name)}/offsets`, { offsets: sample }),
        400,
        'PATCH offsets while running',
        /^Connectors must be in the STOPPED state before their offsets can be modified/,
      );
      expectError(await ctx.delete(`/connectors/${enc(name)}/offsets`), 400, 'DELETE offsets while running', /STOPPED/);

      expectEmpty(await ctx.put(`/connectors/${enc(name)}/stop`), 204, 'stop');
      await awaitState(ctx, name, 'STOPPED');
      const noOffsets = 'Partitions / offsets need to be provided for an alter offsets request';
      expectError(await ctx.patch(`/connectors/${enc(name)}/offsets`, {}), 400, 'PATCH without offsets', noOffsets);
      expectError(
        await ctx.patch(`/connectors/${enc(name)}/offsets`, { offsets: [] }),
        400,
        'PATCH empty offsets',
        noOffsets,
      );

      if (ctx.fixture.source.offsets) {
        const altered = await ctx.patch(`/connectors/${enc(name)}/offsets`, { offsets: ctx.fixture.source.offsets });
        expectStatus(altered, 200, 'PATCH offsets');
        assert.match(expectShape(Message, altered.body, 'PATCH offsets').message, /altered successfully/);
        await ctx.eventually(async () => {
          const now = expectShape(
            ConnectorOffsets,
            (await ctx.get(`/connectors/${enc(name)}/offsets`)).body,
            'GET offsets',
          );
          for (const o of ctx.fixture.source.offsets ?? []) {
            assert.ok(
              now.offsets.some((x) => JSON.stringify(x.partition) === JSON.stringify(o.partition)),
              `offset for ${JSON.stringify(o.partition)} is stored`,
            );
          }
        });
      }
      const reset = await ctx.delete(`/connectors/${enc(name)}/offsets`);
      expectStatus(reset, 200, 'DELETE offsets');
      assert.match(expectShape(Message, reset.body, 'DELETE offsets').message, /reset successfully/);
      await ctx.eventually(async () => {
        const now = expectShape(
          ConnectorOffsets,
          (await ctx.get(`/connectors/${enc(name)}/offsets`)).body,
          'GET offsets',
        );
        assert.deepEqual(now.offsets, [], 'no offsets after reset');
      });

      const missing = `${name}-missing`;
      expectError(
        await ctx.get(`/connectors/${enc(missing)}/offsets`),
        404,
        'offsets of unknown',
        CONNECTOR_NOT_FOUND(missing),
      );
    },
  },
  {
    name: 'sink connectors report type sink',
    async run(ctx) {
      const sink = ctx.fixture.sink;
      if (!sink) return;
      const name = ctx.name('sink');
      const info = await create(ctx, name, sink.config(name));
      assert.equal(info.type, 'sink');
      const s = await awaitState(ctx, name, 'RUNNING');
      assert.equal(s.type, 'sink');
      const offsets = await ctx.get(`/connectors/${enc(name)}/offsets`);
      expectStatus(offsets, 200, 'GET sink offsets');
      const o = expectShape(ConnectorOffsets, offsets.body, 'GET sink offsets');
      for (const x of o.offsets) {
        assert.deepEqual(Object.keys(x.partition).sort(), ['kafka_partition', 'kafka_topic']);
        assert.deepEqual(Object.keys(x.offset ?? {}), ['kafka_offset']);
      }
    },
  },
  {
    name: 'DELETE /connectors/{c} answers 204, then the connector is gone (404)',
    async run(ctx) {
      const name = ctx.name('delete');
      await create(ctx, name, ctx.fixture.source.config(name));
      expectEmpty(await ctx.delete(`/connectors/${enc(name)}`), 204, 'DELETE');
      expectError(await ctx.get(`/connectors/${enc(name)}`), 404, 'GET deleted', `Connector ${name} not found`);
      expectError(await ctx.delete(`/connectors/${enc(name)}`), 404, 'DELETE again', `Connector ${name} not found`);
      const list = await ctx.get('/connectors');
      assert.ok(Array.isArray(list.body) && !list.body.includes(name), 'not listed any more');
    },
  },
  {
    name: 'GET /connector-plugins lists connectors by default and every plugin with connectorsOnly=false',
    async run(ctx) {
      const res = await ctx.get('/connector-plugins');
      expectStatus(res, 200, 'GET /connector-plugins');
      const plugins = expectShape(PluginInfo.array(), res.body, 'GET /connector-plugins');
      assert.ok(plugins.length > 0, 'some plugins');
      assert.ok(
        plugins.every((p) => p.type === 'source' || p.type === 'sink'),
        'only connectors by default',
      );
      assert.ok(
        plugins.some((p) => p.class === ctx.fixture.source.plugin && p.type === 'source'),
        'lists the source plugin',
      );
      const sink = ctx.fixture.sink;
      if (sink)
        assert.ok(
          plugins.some((p) => p.class === sink.plugin && p.type === 'sink'),
          'lists the sink plugin',
        );

      const all = expectShape(
        PluginInfo.array(),
        (await ctx.get('/connector-plugins?connectorsOnly=false')).body,
        'connectorsOnly=false',
      );
      assert.ok(all.length >= plugins.length);
      if (ctx.fixture.nonConnectorPlugins !== false) {
        assert.ok(
          all.some((p) => p.type !== 'source' && p.type !== 'sink'),
          'lists converters, transformations or predicates',
        );
      }
    },
  },
  {
    name: 'GET /connector-plugins/{p}/config answers ConfigKeyInfo definitions; unknown plugin 404',
    async run(ctx) {
      const plugin = ctx.fixture.source.plugin;
      const res = await ctx.get(`/connector-plugins/${enc(plugin)}/config`);
      expectStatus(res, 200, 'GET plugin config');
      const defs = expectShape(ConfigKeyInfo.array(), res.body, 'GET /connector-plugins/{p}/config');
      assert.ok(defs.length > 0, 'the plugin defines config keys');
      const unknown = 'com.example.NoSuchConnector';
      expectError(
        await ctx.get(`/connector-plugins/${unknown}/config`),
        404,
        'unknown plugin',
        `Unknown plugin ${unknown}.`,
      );
    },
  },
  {
    name: 'PUT /connector-plugins/{p}/config/validate answers ConfigInfos with error_count and per-field errors',
    async run(ctx) {
      const plugin = ctx.fixture.source.plugin;
      const name = ctx.name('validate');
      // Kafka Connect validates `name` too: a config without it has one error.
      const ok = await ctx.put(`/connector-plugins/${enc(plugin)}/config/validate`, {
        ...ctx.fixture.source.config(name),
        name,
      });
      expectStatus(ok, 200, 'validate valid');
      const good = expectShape(ConfigInfos, ok.body, 'validate valid');
      assert.equal(
        good.error_count,
        0,
        `no errors: ${JSON.stringify(good.configs.filter((c) => c.value.errors.length))}`,
      );
      assert.ok(good.configs.length > 0);

      const bad = await ctx.put(`/connector-plugins/${enc(plugin)}/config/validate`, {
        ...ctx.fixture.invalid.config(name),
        name,
      });
      expectStatus(bad, 200, 'validate invalid');
      const infos = expectShape(ConfigInfos, bad.body, 'validate invalid');
      assert.ok(infos.error_count > 0, 'error_count counts the errors');
      const field = infos.configs.find((c) => c.value.name === ctx.fixture.invalid.field);
      assert.ok(field && field.value.errors.length > 0, `${ctx.fixture.invalid.field} carries errors`);
      assert.equal(
        infos.error_count,
        infos.configs.reduce((n, c) => n + c.value.errors.length, 0),
      );

      expectError(
        await ctx.put(`/connector-plugins/${enc(plugin)}/config/validate`, { a: { b: 1 } }),
        400,
        'object value',
        /"a"/,
      );
      const sink = ctx.fixture.sink;
      if (sink) {
        const mismatch = await ctx.put(`/connector-plugins/${enc(plugin)}/config/validate`, sink.config(name));
        expectError(mismatch, 400, 'connector.class of another plugin');
      }
    },
  },
  {
    name: 'GET|PUT /admin/loggers: levels, set a level (200 + changed loggers), 400 and 404 paths',
    async run(ctx) {
      const all = await ctx.get('/admin/loggers');
      expectStatus(all, 200, 'GET /admin/loggers');
      const levels = expectShape(LoggerLevels, all.body, 'GET /admin/loggers');
      assert.ok(levels.root, 'root is listed');

      const ns = `org.example.${ctx.name('logger').replace(/[^A-Za-z0-9]/g, '')}`;
      const set = await ctx.put(`/admin/loggers/${enc(ns)}`, { level: 'DEBUG' });
      expectStatus(set, 200, 'PUT logger');
      assert.ok(Array.isArray(set.body) && set.body.includes(ns), `answers the changed loggers: ${set.text}`);
      const one = await ctx.get(`/admin/loggers/${enc(ns)}`);
      expectStatus(one, 200, 'GET logger');
      const l = expectShape(LoggerLevel, one.body, 'GET /admin/loggers/{name}');
      assert.equal(l.level, 'DEBUG');
      assert.equal(typeof l.last_modified, 'number');

      expectError(
        await ctx.put(`/admin/loggers/${enc(ns)}`, {}),
        400,
        'PUT without level',
        "Desired 'level' parameter was not specified in request.",
      );
      expectError(
        await ctx.put(`/admin/loggers/${enc(ns)}`, { level: 'LOUD' }),
        404,
        'PUT unknown level',
        "invalid log level 'LOUD'.",
      );
      const unknown = `${ns}.never.set`;
      expectError(
        await ctx.get(`/admin/loggers/${enc(unknown)}`),
        404,
        'GET unknown logger',
        `Logger ${unknown} not found.`,
      );
      await ctx.put(`/admin/loggers/${enc(ns)}`, { level: 'INFO' });
    },
  },
  {
    name: 'unknown paths answer 404 and wrong methods 405, in the error shape',
    async run(ctx) {
      expectError(await ctx.get('/no-such-resource'), 404, 'unknown path', 'HTTP 404 Not Found');
      expectError(await ctx.get('/connectors/x/no-such-resource'), 404, 'unknown sub-resource', 'HTTP 404 Not Found');
      expectError(
        await ctx.delete('/connector-plugins'),
        405,
        'DELETE /connector-plugins',
        'HTTP 405 Method Not Allowed',
      );
      expectError(await ctx.post('/connectors/x/pause'), 405, 'POST pause', 'HTTP 405 Method Not Allowed');
    },
  },
  {
    name: 'GET /openapi.json documents every endpoint',
    async run(ctx) {
      const res = await ctx.get('/openapi.json');
      expectStatus(res, 200, 'GET /openapi.json');
      const doc = res.body as { openapi?: string; paths?: Record<string, Record<string, unknown>> };
      assert.match(doc.openapi ?? '', /^3\./);
      const expected: Array<[string, string]> = [
        ['/', 'get'],
        ['/health', 'get'],
        ['/connectors', 'get'],
        ['/connectors', 'post'],
        ['/connectors/{connector}', 'get'],
        ['/connectors/{connector}', 'delete'],
        ['/connectors/{connector}/config', 'get'],
        ['/connectors/{connector}/config', 'put'],
        ['/connectors/{connector}/config', 'patch'],
        ['/connectors/{connector}/status', 'get'],
        ['/connectors/{connector}/restart', 'post'],
        ['/connectors/{connector}/pause', 'put'],
        ['/connectors/{connector}/resume', 'put'],
        ['/connectors/{connector}/stop', 'put'],
        ['/connectors/{connector}/tasks', 'get'],
        ['/connectors/{connector}/tasks/{task}/status', 'get'],
        ['/connectors/{connector}/tasks/{task}/restart', 'post'],
        ['/connectors/{connector}/topics', 'get'],
        ['/connectors/{connector}/topics/reset', 'put'],
        ['/connectors/{connector}/offsets', 'get'],
        ['/connectors/{connector}/offsets', 'patch'],
        ['/connectors/{connector}/offsets', 'delete'],
        ['/connector-plugins', 'get'],
        ['/connector-plugins/{plugin}/config', 'get'],
        ['/connector-plugins/{plugin}/config/validate', 'put'],
        ['/admin/loggers', 'get'],
        ['/admin/loggers/{logger}', 'get'],
        ['/admin/loggers/{logger}', 'put'],
      ];
      for (const [path, method] of expected)
        assert.ok(doc.paths?.[path]?.[method], `documents ${method.toUpperCase()} ${path}`);
    },
  },
];
