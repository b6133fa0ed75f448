// The console's serving at /ui (types, SPA fallback, caching, gzip) and its /tributary endpoints, against the fake herder.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createRestServer } from './server.js';
import { FakeHerder } from '../test-support/fake-herder.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function assets(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-console-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(path.join(dir, 'assets', 'main-ABC123.js'), 'console.log("hi")');
  writeFileSync(path.join(dir, 'assets', 'styles-DEF456.css'), 'body{}');
  return dir;
}

describe('GET /ui', () => {
  it('serves index.html for the console and every console route, revalidated, with a strict CSP', async () => {
    app = createRestServer({ herder: new FakeHerder(), console: { dir: assets() } });
    for (const url of ['/ui', '/ui/', '/ui/connectors/my%20connector', '/ui/dlq/t?x=1']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
      expect(res.body).toContain('<title>console</title>');
    }
  });

  it('serves hashed assets with their content type, cached for good, gzipped when asked', async () => {
    app = createRestServer({ herder: new FakeHerder(), console: { dir: assets() } });
    const js = await app.inject({ method: 'GET', url: '/ui/assets/main-ABC123.js' });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.body).toBe('console.log("hi")');
    const css = await app.inject({
      method: 'GET',
      url: '/ui/assets/styles-DEF456.css',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(css.rawPayload).toString()).toBe('body{}');
  });

  it('answers 404 for a missing file (no fallback for paths with an extension) and never leaves the directory', async () => {
    app = createRestServer({ herder: new FakeHerder(), console: { dir: assets() } });
    for (const url of ['/ui/assets/gone-1.js', '/ui/../package.json', '/ui/%2e%2e/%2e%2e/etc/passwd.txt']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it('says how to build the console when it has not been built, and can be turned off', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'tributary-console-empty-'));
    app = createRestServer({ herder: new FakeHerder(), console: { dir: empty } });
    const res = await app.inject({ method: 'GET', url: '/ui' });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toContain('pnpm build');
    await app.close();
    app = createRestServer({ herder: new FakeHerder(), console: false });
    expect((await app.inject({ method: 'GET', url: '/ui' })).json()).toEqual({
      error_code: 404,
      message: 'HTTP 404 Not Found',
    });
  });
});

describe('/tributary endpoints', () => {
  it('GET /tributary/cluster lists the workers, the leader and what fails', async () => {
    const herder = new FakeHerder();
    app = createRestServer({ herder, console: false });
    await herder.putConnectorConfig(
      'c1',
      { name: 'c1', 'connector.class': 'FakeSourceConnector', topic: 't', 'tasks.max': '1' },
      { allowReplace: false },
    );
    const res = await app.inject({ method: 'GET', url: '/tributary/cluster' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ leader: 'fake:8083', workers: [{ id: 'fake:8083', connectors: ['c1'] }] });
  });

  it('GET /tributary/topics/{t}/records answers base64 bytes and checks its query parameters', async () => {
    const herder = new FakeHerder();
    herder.topics.set('t', [
      {
        topic: 't',
        partition: 0,
        offset: 0,
        timestamp: 1,
        key: Buffer.from('k'),
        value: Buffer.from('{"a":1}'),
        headers: [['h', Buffer.from('v')]],
      },
    ]);
    app = createRestServer({ herder, console: false });
    const res = await app.inject({ method: 'GET', url: '/tributary/topics/t/records?limit=10' });
    expect(res.json().records).toEqual([
      {
        topic: 't',
        partition: 0,
        offset: 0,
        timestamp: 1,
        key: Buffer.from('k').toString('base64'),
        value: Buffer.from('{"a":1}').toString('base64'),
        headers: [{ key: 'h', value: Buffer.from('v').toString('base64') }],
      },
    ]);
    const bad = await app.inject({ method: 'GET', url: '/tributary/topics/t/records?limit=-1' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('limit');
    const tooMany = await app.inject({ method: 'GET', url: '/tributary/topics/t/records?limit=501' });
    expect(tooMany.json().message).toContain('at most 500');
    expect((await app.inject({ method: 'GET', url: '/tributary/topics/nope/records' })).statusCode).toBe(404);
  });

  it('POST /tributary/dlq/{t}/replay validates its body, naming what is wrong', async () => {
    app = createRestServer({ herder: new FakeHerder(), console: false });
    const res = await app.inject({
      method: 'POST',
      url: '/tributary/dlq/t/replay',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ records: [{ partition: 'x', offset: 1 }] }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('records.0.partition');
    const empty = await app.inject({
      method: 'POST',
      url: '/tributary/dlq/t/replay',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ records: [] }),
    });
    expect(empty.json().message).toContain('at least one record');
  });

  it('GET /tributary/metrics/history answers the samples since a time', async () => {
    app = createRestServer({ herder: new FakeHerder(), console: false });
    const res = await app.inject({ method: 'GET', url: '/tributary/metrics/history?since=5' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ interval_ms: 2000, worker_id: 'fake:8083' });
  });
});
