import { ConfigException, NotFoundException } from '@tributary/api';
import {
  type ConnectorInfo,
  type ConnectorStateInfo,
  ForbiddenError,
  NotFoundError,
  RebalanceNeededError,
} from '@tributary/runtime';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type RestRequester, httpRequester, injectRequester } from '../test-support/conformance.js';
import { DEFAULT_LISTENERS, parseListeners, startRestServer } from './listen.js';
import { type RestServerOptions, createRestServer } from './server.js';
import { FakeHerder, signFakeRequest } from '../test-support/fake-herder.js';

const SOURCE = { 'connector.class': 'FakeSourceConnector', topic: 't', 'tasks.max': '2' };

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function serve(herder: FakeHerder, options: Partial<RestServerOptions> = {}): RestRequester {
  app = createRestServer({ herder, ...options });
  return injectRequester(app);
}

async function withConnector(herder: FakeHerder, name = 'c1', config: Record<string, string> = SOURCE): Promise<void> {
  await herder.putConnectorConfig(name, { ...config, name }, { allowReplace: false });
}

describe('GET /health', () => {
  it('answers 503 while the worker starts and 500 when it is unhealthy', async () => {
    const herder = new FakeHerder();
    const request = serve(herder);
    herder.setHealth({ status: 'starting', message: 'Worker is still starting up.' });
    let res = await request({ method: 'GET', path: '/health' });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'starting', message: 'Worker is still starting up.' });
    herder.setHealth({ status: 'unhealthy', message: 'Worker is shutting down.', details: 'stage: stopping' });
    res = await request({ method: 'GET', path: '/health' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ status: 'unhealthy', message: 'Worker is shutting down.', details: 'stage: stopping' });
  });

  it('answers unhealthy (500) when the herder does not answer within the health check timeout', async () => {
    const herder = new FakeHerder();
    herder.delayMs = 500;
    const request = serve(herder, { healthCheckTimeoutMs: 20 });
    const res = await request({ method: 'GET', path: '/health' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      status: 'unhealthy',
      message: 'Worker was unable to handle this request and may be unable to handle other requests.',
    });
  });
});

describe('error mapping', () => {
  it('answers 500 "Request timed out" when the herder takes longer than the request timeout', async () => {
    const herder = new FakeHerder();
    herder.delayMs = 500;
    const request = serve(herder, { requestTimeoutMs: 20 });
    const res = await request({ method: 'GET', path: '/connectors' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error_code: 500, message: 'Request timed out' });
  });

  it('passes ConnectRestException subclasses through with their status and error_code', async () => {
    const herder = new FakeHerder();
    const request = serve(herder);
    herder.failNext = new RebalanceNeededError();
    let res = await request({ method: 'GET', path: '/connectors' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error_code: 409,
      message: 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)',
    });
    herder.failNext = new ForbiddenError('Internal request contained invalid signature.');
    res = await request({ method: 'GET', path: '/connectors' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error_code: 403, message: 'Internal request contained invalid signature.' });
  });

  it("maps the SDK's NotFoundException to 404 and anything else to 500 with its message", async () => {
    const herder = new FakeHerder();
    const request = serve(herder);
    herder.failNext = new NotFoundException('no such thing');
    let res = await request({ method: 'GET', path: '/connectors' });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error_code: 404, message: 'no such thing' });
    herder.failNext = new TypeError('cannot read properties of undefined');
    res = await request({ method: 'GET', path: '/connectors' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error_code: 500, message: 'cannot read properties of undefined' });
  });

  it('renders a ConfigException as a 400 listing every field and why', async () => {
    const herder = new FakeHerder();
    const request = serve(herder);
    herder.failNext = new ConfigException({
      'tasks.max': ['must be at least 1'],
      topic: ['Missing required configuration "topic" which has no default value.'],
    });
    const res = await request({ method: 'POST', path: '/connectors', body: { name: 'c1', config: SOURCE } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error_code: 400,
      message:
        'Connector configuration is invalid and contains the following 2 error(s):\n' +
        'tasks.max: must be at least 1\n' +
        'Missing required configuration "topic" which has no default value.\n' +
        'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
    });
  });

  it("answers the herder's own invalid-config errors with Kafka Connect's wording", async () => {
    const request = serve(new FakeHerder());
    const res = await request({
      method: 'POST',
      path: '/connectors',
      body: { name: 'c1', config: { 'connector.class': 'NoSuchConnector' } },
    });
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain(
      'Invalid value NoSuchConnector for configuration connector.class: Class NoSuchConnector could not be found.',
    );
  });

  it('answers malformed percent-encoding, empty bodies, oversized bodies and non-JSON media types in the error shape', async () => {
    const request = serve(new FakeHerder(), { bodyLimit: 200 });
    let res = await request({ method: 'GET', path: '/connectors/%zz' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_code: 400 });

    res = await request({
      method: 'POST',
      path: '/connectors',
      rawBody: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.body).toEqual({ error_code: 400, message: 'Request body is required' });

    res = await request({
      method: 'POST',
      path: '/connectors',
      body: { name: 'c1', config: { big: 'x'.repeat(500) } },
    });
    expect(res.body).toEqual({ error_code: 413, message: 'HTTP 413 Request Entity Too Large' });

    res = await request({
      method: 'PUT',
      path: '/connectors/c1/config',
      rawBody: 'a=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.body).toEqual({ error_code: 415, message: 'HTTP 415 Unsupported Media Type' });
  });

  it('accepts application/json with a charset parameter', async () => {
    const request = serve(new FakeHerder());
    const res = await request({
      method: 'POST',
      path: '/connectors',
      rawBody: JSON.stringify({ name: 'c1', config: SOURCE }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(201);
  });

  it('names the offending field when a body fails its schema', async () => {
    const request = serve(new FakeHerder());
    let res = await request({ method: 'POST', path: '/connectors', body: { name: 7, config: SOURCE } });
    expect(res.body).toEqual({
      error_code: 400,
      message: 'Request body field "name" must be a string, not the number 7',
    });
    res = await request({ method: 'PUT', path: '/connectors/c1/config', body: { ...SOURCE, transforms: null } });
    expect(res.body).toEqual({
      error_code: 400,
      message: 'Connector config field "transforms" must be a string, not null',
    });
    res = await request({ method: 'PUT', path: '/connectors/c1/config', body: 'just a string' });
    expect(res.body).toEqual({ error_code: 400, message: 'Connector config must be a JSON object, not a string' });
    res = await request({
      method: 'PATCH',
      path: '/connectors/c1/offsets',
      body: { offsets: [{ partition: 'p', offset: null }] },
    });
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toContain('"offsets.0.partition"');
  });
});

describe('connectors', () => {
  it('writes Location from the advertised URL, else from the request Host', async () => {
    let request = serve(new FakeHerder(), { advertisedUrl: 'http://worker-1.example:8083/' });
    let res = await request({ method: 'POST', path: '/connectors', body: { name: 'a b', config: SOURCE } });
    expect(res.headers.location).toBe('http://worker-1.example:8083/connectors/a%20b');
    await app?.close();

    request = serve(new FakeHerder());
    res = await request({
      method: 'PUT',
      path: '/connectors/c2/config',
      body: SOURCE,
      headers: { host: 'connect.internal:8083' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe('http://connect.internal:8083/connectors/c2');
  });

  it('rejects a PATCH that renames the connector', async () => {
    const herder = new FakeHerder();
    await withConnector(herder);
    const request = serve(herder);
    const res = await request({ method: 'PATCH', path: '/connectors/c1/config', body: { name: 'c2' } });
    expect(res.body).toEqual({
      error_code: 400,
      message: "Connector name configuration (c2) doesn't match connector name in the URL (c1)",
    });
  });

  it('maps initial_state RUNNING to the STARTED target state and passes PAUSED and STOPPED through', async () => {
    const seen: Array<string | undefined> = [];
    class Recording extends FakeHerder {
      override putConnectorConfig(...args: Parameters<FakeHerder['putConnectorConfig']>) {
        seen.push(args[2].initialState);
        return super.putConnectorConfig(...args);
      }
    }
    const request = serve(new Recording());
    for (const [i, state] of ['RUNNING', 'paused', 'Stopped', undefined].entries()) {
      const body = { name: `c${i}`, config: SOURCE, ...(state ? { initial_state: state } : {}) };
      expect((await request({ method: 'POST', path: '/connectors', body })).status).toBe(201);
    }
    expect(seen).toEqual(['STARTED', 'PAUSED', 'STOPPED', undefined]);
  });

  it('restarts only the failed instances with onlyFailed, and shows their traces', async () => {
    const herder = new FakeHerder();
    await withConnector(herder);
    herder.fail('c1', 1, 'org.example.Boom: disk full');
    const request = serve(herder);
    const before = (await request({ method: 'GET', path: '/connectors/c1/status' })).body as ConnectorStateInfo;
    expect(before.tasks[1]).toEqual({
      id: 1,
      state: 'FAILED',
      worker_id: 'fake-worker:8083',
      trace: 'org.example.Boom: disk full',
      version: null,
    });
    // Kafka Connect 4 adds the plugin version of what runs; a failed task has none.
    expect(before.tasks[0]).toEqual({ id: 0, state: 'RUNNING', worker_id: 'fake-worker:8083', version: '0.1.0' });

    const res = await request({ method: 'POST', path: '/connectors/c1/restart?includeTasks=TRUE&onlyFailed=true' });
    expect(res.status).toBe(202);
    const plan = res.body as ConnectorStateInfo;
    expect(plan.connector.state).toBe('RUNNING');
    expect(plan.tasks.map((t) => t.state)).toEqual(['RUNNING', 'RESTARTING']);
    const after = (await request({ method: 'GET', path: '/connectors/c1/status' })).body as ConnectorStateInfo;
    expect(after.tasks.map((t) => t.state)).toEqual(['RUNNING', 'RUNNING']);
  });

  it('answers only the fields Kafka Connect defines, whatever else the herder returns', async () => {
    class Leaky extends FakeHerder {
      override async connectorInfo(name: string): Promise<ConnectorInfo> {
        const info = await super.connectorInfo(name);
        return { ...info, secret: 'hunter2', tasks: info.tasks.map((t) => ({ ...t, extra: true })) } as ConnectorInfo;
      }
    }
    const herder = new Leaky();
    await withConnector(herder);
    const res = await serve(herder)({ method: 'GET', path: '/connectors/c1' });
    expect(Object.keys(res.body as object)).toEqual(['name', 'config', 'tasks', 'type']);
    expect((res.body as ConnectorInfo).tasks).toEqual([
      { connector: 'c1', task: 0 },
      { connector: 'c1', task: 1 },
    ]);
  });

  it('leaves out connectors deleted during ?expand and ignores unknown expansions', async () => {
    class Racy extends FakeHerder {
      override async connectorStatus(name: string): Promise<ConnectorStateInfo> {
        if (name === 'gone') throw new NotFoundError(`Connector ${name} not found`);
        return super.connectorStatus(name);
      }
    }
    const herder = new Racy();
    await withConnector(herder, 'kept');
    await withConnector(herder, 'gone');
    const request = serve(herder);
    const res = await request({ method: 'GET', path: '/connectors?expand=status' });
    expect(Object.keys(res.body as object)).toEqual(['kept']);
    const bogus = await request({ method: 'GET', path: '/connectors?expand=bogus' });
    expect(bogus.body).toEqual({ gone: {}, kept: {} });
  });
});

describe('topic tracking settings', () => {
  it('answers 403 when topic tracking or its reset is disabled', async () => {
    const herder = new FakeHerder();
    await withConnector(herder);
    let request = serve(herder, { topicTrackingEnabled: false });
    expect((await request({ method: 'GET', path: '/connectors/c1/topics' })).body).toEqual({
      error_code: 403,
      message: 'Topic tracking is disabled.',
    });
    await app?.close();
    request = serve(herder, { topicTrackingAllowReset: false });
    expect((await request({ method: 'GET', path: '/connectors/c1/topics' })).body).toEqual({ c1: { topics: ['t'] } });
    expect((await request({ method: 'PUT', path: '/connectors/c1/topics/reset' })).body).toEqual({
      error_code: 403,
      message: 'Topic tracking reset is disabled.',
    });
  });
});

describe('loggers', () => {
  it('answers 204 for scope=cluster and treats an unknown scope as worker', async () => {
    const request = serve(new FakeHerder());
    let res = await request({
      method: 'PUT',
      path: '/admin/loggers/org.example?scope=cluster',
      body: { level: 'warn' },
    });
    expect(res.status).toBe(204);
    res = await request({
      method: 'PUT',
      path: '/admin/loggers/org.example.child?scope=galaxy',
      body: { level: 'ERROR' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(['org.example.child']);
    res = await request({ method: 'PUT', path: '/admin/loggers/org.example', body: { level: 'TRACE' } });
    expect(res.body).toEqual(['org.example', 'org.example.child']);
  });
});

describe('internal task configs endpoint', () => {
  it('hands signed task configs to the herder with the raw body, and is not documented', async () => {
    const herder = new FakeHerder();
    await withConnector(herder);
    const request = serve(herder);
    const raw = JSON.stringify([{ 'task.id': 'a' }, { 'task.id': 'b' }, { 'task.id': 'c' }]);
    const headers = { 'content-type': 'application/json', 'x-connect-request-signature-algorithm': 'HmacSHA256' };
    let res = await request({
      method: 'POST',
      path: '/connectors/c1/tasks',
      rawBody: raw,
      headers: { ...headers, 'x-connect-authorization': signFakeRequest(raw) },
    });
    expect(res.status).toBe(204);
    expect((await herder.taskConfigs('c1')).map((t) => t.config['task.id'])).toEqual(['a', 'b', 'c']);

    res = await request({ method: 'POST', path: '/connectors/c1/tasks', rawBody: raw, headers });
    expect(res.body).toEqual({
      error_code: 400,
      message: 'Internal request missing required header X-Connect-Authorization',
    });
    res = await request({
      method: 'POST',
      path: '/connectors/c1/tasks',
      rawBody: raw,
      headers: { ...headers, 'x-connect-authorization': signFakeRequest(`${raw} `) },
    });
    expect(res.body).toEqual({ error_code: 403, message: 'Internal request contained invalid signature.' });

    const doc = (await request({ method: 'GET', path: '/openapi.json' })).body as { paths: Record<string, object> };
    expect(Object.keys(doc.paths['/connectors/{connector}/tasks'] ?? {})).toEqual(['get']);
  });
});

describe('routing', () => {
  it('answers OPTIONS with the allowed methods, 405 with an Allow header, and tolerates a trailing slash', async () => {
    const request = serve(new FakeHerder());
    let res = await request({ method: 'OPTIONS', path: '/connectors/x/config' });
    expect(res.status).toBe(200);
    expect(res.headers.allow).toBe('GET,PUT,PATCH,HEAD,OPTIONS');
    res = await request({ method: 'OPTIONS', path: '/nothing/here' });
    expect(res.body).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' });
    res = await request({ method: 'DELETE', path: '/connectors/x/status' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    res = await request({ method: 'GET', path: '/connectors/' });
    expect(res.body).toEqual([]);
  });
});

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 whose references all resolve and whose operation ids are unique', async () => {
    const request = serve(new FakeHerder());
    const doc = (await request({ method: 'GET', path: '/openapi.json' })).body as {
      openapi: string;
      info: { version: string };
      paths: Record<string, Record<string, { operationId: string }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('0.1.0');
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const r of refs) expect(doc.components.schemas, `component ${r}`).toHaveProperty(r);
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.components.schemas.ConnectorInfo).toMatchObject({
      type: 'object',
      required: ['name', 'config', 'tasks', 'type'],
      additionalProperties: false,
    });
    // Request config values are documented as users may send them: strings, numbers or booleans.
    expect(JSON.stringify(doc.components.schemas.ConnectorConfig)).toContain('"number"');
  });
});

describe('listeners', () => {
  it("parses Kafka Connect's listeners syntax", () => {
    expect(parseListeners(DEFAULT_LISTENERS)).toEqual([{ protocol: 'http', host: '', port: 8083 }]);
    expect(parseListeners('HTTP://127.0.0.1:8083, https://[::1]:8443')).toEqual([
      { protocol: 'http', host: '127.0.0.1', port: 8083 },
      { protocol: 'https', host: '::1', port: 8443 },
    ]);
    expect(() => parseListeners('tcp://:8083')).toThrow(/http or https/);
    expect(() => parseListeners('http://localhost')).toThrow(/protocol:\/\/host:port/);
    expect(() => parseListeners('')).toThrow(/at least one/);
  });

  it('serves the API on every listener and stops them all on close', async () => {
    const server = await startRestServer({
      herder: new FakeHerder(),
      listeners: 'http://127.0.0.1:0,http://localhost:0',
    });
    try {
      expect(server.urls).toHaveLength(2);
      for (const url of server.urls) {
        const res = await httpRequester(url)({ method: 'GET', path: '/' });
        expect(res.body).toEqual({ version: '0.1.0', commit: 'fakecommit', kafka_cluster_id: 'fake-cluster-id' });
      }
    } finally {
      await server.close();
    }
    await expect(fetch(`${server.urls[0]}/`)).rejects.toThrow();
  });

  it('refuses an https listener without a key and certificate', async () => {
    await expect(startRestServer({ herder: new FakeHerder(), listeners: 'https://127.0.0.1:0' })).rejects.toThrow(
      /TLS/,
    );
  });
});
