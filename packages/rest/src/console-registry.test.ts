// The console's schema registry proxy: which worker keys name the registry, the path allow-list, and that credentials never cross it.
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleSchemaRegistry, consoleRegistryProps, registryRequest } from './console-registry.js';
import { createRestServer } from './server.js';
import { FakeHerder } from '../test-support/fake-herder.js';

const q = (s = ''): URLSearchParams => new URLSearchParams(s);

describe('registryRequest (the allow-list)', () => {
  it('forwards the Confluent paths the console uses, segments re-encoded, with their own query parameters', () => {
    expect(registryRequest('GET', '/subjects', q('deleted=true'))).toBe('/subjects?deleted=true');
    expect(registryRequest('GET', '/subjects', q('subjectPrefix=orders'))).toBe('/subjects?subjectPrefix=orders');
    expect(registryRequest('GET', '/subjects/orders-value/versions', q())).toBe('/subjects/orders-value/versions');
    expect(registryRequest('GET', '/subjects/a%2Fb/versions/latest', q())).toBe('/subjects/a%2Fb/versions/latest');
    expect(registryRequest('GET', '/subjects/a%20b/versions/3/referencedby', q())).toBe(
      '/subjects/a%20b/versions/3/referencedby',
    );
    expect(registryRequest('DELETE', '/subjects/s/versions/2', q('permanent=true'))).toBe(
      '/subjects/s/versions/2?permanent=true',
    );
    expect(registryRequest('DELETE', '/subjects/s', q())).toBe('/subjects/s');
    expect(registryRequest('PUT', '/config', q())).toBe('/config');
    expect(registryRequest('PUT', '/config/s', q())).toBe('/config/s');
    expect(registryRequest('DELETE', '/config/s', q())).toBe('/config/s');
    expect(registryRequest('GET', '/config/s', q('defaultToGlobal=true'))).toBe('/config/s?defaultToGlobal=true');
    expect(registryRequest('GET', '/mode', q())).toBe('/mode');
    expect(registryRequest('GET', '/mode/s', q())).toBe('/mode/s');
    expect(registryRequest('GET', '/schemas/ids/7', q())).toBe('/schemas/ids/7');
    expect(registryRequest('GET', '/schemas/ids/7/versions', q())).toBe('/schemas/ids/7/versions');
    expect(registryRequest('GET', '/schemas/types', q())).toBe('/schemas/types');
  });

  it('refuses every other path, method and query parameter', () => {
    const refused: Array<[string, string, string?]> = [
      // Writes the console does not make: registering schemas, modes, deleting the global config.
      ['POST', '/subjects/s/versions'],
      ['POST', '/subjects/s'],
      ['PUT', '/mode'],
      ['PUT', '/mode/s'],
      ['DELETE', '/config'],
      ['POST', '/compatibility/subjects/s/versions/latest'],
      // Paths that are not the registry's, or try to leave the one named.
      ['GET', '/'],
      ['GET', ''],
      ['GET', 'subjects'],
      ['GET', '/subjects/'],
      ['GET', '/subjects/../config'],
      ['GET', '/subjects/%2E%2E/versions'],
      ['GET', '/subjects//versions'],
      ['GET', '/subjects/s/versions/one'],
      ['GET', '/subjects/s/versions/%zz'],
      ['GET', '/schemas/ids/x'],
      ['GET', '/v1/metadata/id'],
      ['GET', '/contexts'],
      // Query parameters the path does not take, or booleans that are not.
      ['GET', '/subjects', 'lookupDeletedSchema=true'],
      ['GET', '/subjects/s/versions', 'deleted=yes'],
      ['DELETE', '/subjects/s', 'deleted=true'],
    ];
    for (const [method, path, query] of refused)
      expect(registryRequest(method, path, q(query)), `${method} ${path}`).toBe(null);
  });
});

describe('consoleRegistryProps (where the worker learns the registry)', () => {
  it("prefers the console's own keys, then the value converter's, then the key converter's", () => {
    const converter = {
      'value.converter.schema.registry.url': 'http://v:8081',
      'value.converter.basic.auth.credentials.source': 'USER_INFO',
      'value.converter.basic.auth.user.info': 'v:pw',
      'key.converter.schema.registry.url': 'http://k:8081',
    };
    expect(consoleRegistryProps(converter)).toEqual({
      source: 'value.converter.',
      props: {
        'schema.registry.url': 'http://v:8081',
        'basic.auth.credentials.source': 'USER_INFO',
        'basic.auth.user.info': 'v:pw',
      },
    });
    expect(consoleRegistryProps({ 'key.converter.schema.registry.url': 'http://k:8081' })?.source).toBe(
      'key.converter.',
    );
    const own = consoleRegistryProps({
      ...converter,
      'tributary.console.schema.registry.url': 'http://c:8081',
      'tributary.console.schema.registry.basic.auth.credentials.source': 'USER_INFO',
      'tributary.console.schema.registry.basic.auth.user.info': 'c:pw',
    });
    expect(own).toEqual({
      source: 'tributary.console.',
      props: {
        'schema.registry.url': 'http://c:8081',
        'basic.auth.credentials.source': 'USER_INFO',
        'basic.auth.user.info': 'c:pw',
      },
    });
    expect(consoleRegistryProps({ 'value.converter': 'org.apache.kafka.connect.json.JsonConverter' })).toBe(null);
  });

  it('names a bad registry key', () => {
    expect(() =>
      ConsoleSchemaRegistry.fromWorkerConfig({
        'tributary.console.schema.registry.url': 'http://r:8081',
        'tributary.console.basic.auth.credentials.source': 'USER_INFO',
      }),
    ).toThrow(/keys under tributary\.console\.\): .*basic\.auth\.user\.info/);
  });
});

/** Stands in for a registry to see what the proxy sends it (the integration tests use the real one). */
async function capture(status = 200): Promise<{ url: string; seen: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json', 'set-cookie': 'x=1' });
    res.end(JSON.stringify(status === 200 ? ['orders-value'] : { error_code: status, message: 'Unauthorized' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('the proxy and secrets', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("sends the registry's credentials, never the browser's, and shows the URL without them", async () => {
    const registry = await capture();
    try {
      const withUserInfo = registry.url.replace('http://', 'http://alice:url-s3cret@');
      app = createRestServer({
        herder: new FakeHerder(),
        console: false,
        schemaRegistry: ConsoleSchemaRegistry.fromWorkerConfig({
          'tributary.console.schema.registry.url': withUserInfo,
        }),
      });
      const info = await app.inject({ method: 'GET', url: '/tributary/schema-registry' });
      expect(info.json()).toEqual({
        configured: true,
        urls: [`${registry.url}/`],
        source: 'tributary.console.schema.registry.url',
      });
      expect(info.body).not.toContain('s3cret');

      const res = await app.inject({
        method: 'GET',
        url: '/tributary/schema-registry/subjects',
        headers: { authorization: 'Bearer the-workers-console-token', cookie: 'session=browser' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(['orders-value']);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body).not.toContain('s3cret');
      expect(registry.seen).toHaveLength(1);
      expect(registry.seen[0]!.authorization).toBe(`Basic ${Buffer.from('alice:url-s3cret').toString('base64')}`);
      expect(registry.seen[0]!.cookie).toBeUndefined();

      const refused = await app.inject({ method: 'POST', url: '/tributary/schema-registry/subjects/s/versions' });
      expect(refused.statusCode).toBe(405);
      const notForwarded = await app.inject({ method: 'GET', url: '/tributary/schema-registry/contexts' });
      expect(notForwarded.statusCode).toBe(403);
      expect(notForwarded.json().message).toContain('does not forward GET /contexts');
      const badBody = await app.inject({
        method: 'PUT',
        url: '/tributary/schema-registry/config',
        payload: { compatibility: 'SOMETIMES' },
      });
      expect(badBody.statusCode).toBe(400);
      expect(registry.seen).toHaveLength(1);
    } finally {
      await registry.close();
    }
  });

  it('answers that no registry is configured, and 502 naming the URL when it cannot be reached', async () => {
    app = createRestServer({ herder: new FakeHerder(), console: false });
    expect((await app.inject({ method: 'GET', url: '/tributary/schema-registry' })).json()).toEqual({
      configured: false,
    });
    const none = await app.inject({ method: 'GET', url: '/tributary/schema-registry/subjects' });
    expect(none.statusCode).toBe(404);
    expect(none.json().message).toContain('tributary.console.schema.registry.url');
    await app.close();

    const registry = await capture();
    const url = registry.url;
    await registry.close();
    app = createRestServer({
      herder: new FakeHerder(),
      console: false,
      schemaRegistry: ConsoleSchemaRegistry.fromWorkerConfig({
        'value.converter.schema.registry.url': url,
        'value.converter.basic.auth.credentials.source': 'USER_INFO',
        'value.converter.basic.auth.user.info': 'bob:info-s3cret',
      }),
    });
    const down = await app.inject({ method: 'GET', url: '/tributary/schema-registry/subjects' });
    expect(down.statusCode).toBe(502);
    expect(down.json().message).toContain(url);
    expect(down.body).not.toContain('s3cret');
  });

  it("answers 502 when the registry refuses the worker's registry credentials, not a 401 the browser would take for its own", async () => {
    const registry = await capture(401);
    try {
      app = createRestServer({
        herder: new FakeHerder(),
        console: false,
        schemaRegistry: ConsoleSchemaRegistry.fromWorkerConfig({
          'tributary.console.schema.registry.url': registry.url,
          'tributary.console.schema.registry.basic.auth.credentials.source': 'USER_INFO',
          'tributary.console.schema.registry.basic.auth.user.info': 'alice:wrong-s3cret',
        }),
      });
      const res = await app.inject({ method: 'GET', url: '/tributary/schema-registry/subjects' });
      expect(res.statusCode).toBe(502);
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(res.json().message).toContain('check the keys under tributary.console.');
      expect(res.body).not.toContain('s3cret');
    } finally {
      await registry.close();
    }
  });
});
