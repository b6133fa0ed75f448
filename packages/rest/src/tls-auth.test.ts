// Real HTTPS listeners built from Kafka Connect's ssl.* keys, admin.listeners, response headers, CORS, basic auth and the request checks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { restSecuritySettings } from '@tributary/runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRestServer, startRestServer } from './listen.js';
import { httpCall, makeTestCerts, type TestCerts } from '@tributary/testkit';
import { FakeHerder } from '../test-support/fake-herder.js';

let certs: TestCerts;
let dir: string;
const servers: RunningRestServer[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-tls-'));
  certs = makeTestCerts(dir);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A REST server on 127.0.0.1 with the worker props given, read as the worker reads them. */
async function serve(props: Record<string, string>, herder = new FakeHerder()): Promise<RunningRestServer> {
  const listeners = (props.listeners ?? 'http://127.0.0.1:0').split(',');
  const security = restSecuritySettings(props, listeners, { env: {} });
  const server = await startRestServer({
    herder,
    listeners,
    ...(security.adminListeners !== undefined ? { adminListeners: security.adminListeners } : {}),
    ...(security.tls ? { tls: security.tls } : {}),
    ...(security.adminTls ? { adminTls: security.adminTls } : {}),
    security,
    console: false,
  });
  servers.push(server);
  return server;
}

const p12 = (): Record<string, string> => ({
  'ssl.keystore.location': certs.serverKeystoreP12,
  'ssl.keystore.password': certs.serverKeystorePassword,
  'ssl.keystore.type': 'PKCS12',
});

describe('https listeners from ssl.* keys', () => {
  it('serves a PKCS12 keystore; clients that trust the CA get in, others are refused', async () => {
    const s = await serve({ listeners: 'https://127.0.0.1:0', ...p12() });
    expect(s.urls[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ok = await httpCall(`${s.urls[0]}/`, { ca: certs.caPem });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toHaveProperty('version');
    await expect(httpCall(`${s.urls[0]}/`)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('reads a keystore of type JKS that is a PKCS12 file (as Java does) and a PEM keystore', async () => {
    const jksTyped = await serve({ listeners: 'https://127.0.0.1:0', ...p12(), 'ssl.keystore.type': 'JKS' });
    expect((await httpCall(`${jksTyped.urls[0]}/`, { ca: certs.caPem })).status).toBe(200);
    const pem = await serve({
      listeners: 'https://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.serverPem,
    });
    expect((await httpCall(`${pem.urls[0]}/`, { ca: certs.caPem })).status).toBe(200);
  });

  it('reads an encrypted PEM key with ssl.key.password, and PEM given inline in the keys', async () => {
    const encrypted = await serve({
      listeners: 'https://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.serverEncryptedPem,
      'ssl.key.password': certs.serverKeyPassword,
    });
    expect((await httpCall(`${encrypted.urls[0]}/`, { ca: certs.caPem })).status).toBe(200);
    expect(() =>
      restSecuritySettings(
        { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverEncryptedPem, 'ssl.key.password': 'wrong' },
        ['https://127.0.0.1:0'],
        { env: {} },
      ),
    ).toThrow(/ssl\.key\.password/);
    const inline = await serve({
      listeners: 'https://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.key': certs.serverKey,
      'ssl.keystore.certificate.chain': certs.serverChain,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.certificates': certs.caPem,
      'ssl.client.auth': 'required',
    });
    const url = `${inline.urls[0]}/`;
    expect((await httpCall(url, { ca: certs.caPem, key: certs.clientKey, cert: certs.clientCert })).status).toBe(200);
    await expect(httpCall(url, { ca: certs.caPem })).rejects.toThrow();
  });

  it('listeners.https.* replaces every ssl.* key when one is set (all or nothing, as Kafka Connect)', async () => {
    const s = await serve({
      listeners: 'https://127.0.0.1:0',
      // Broken plain keys: used only when no listeners.https. key is set.
      'ssl.keystore.location': path.join(dir, 'missing.p12'),
      'ssl.keystore.password': 'wrong',
      'ssl.client.auth': 'required',
      'listeners.https.ssl.keystore.location': certs.serverKeystoreP12,
      'listeners.https.ssl.keystore.password': certs.serverKeystorePassword,
      'listeners.https.ssl.keystore.type': 'PKCS12',
    });
    // ssl.client.auth=required of the plain keys does not apply either: no client certificate needed.
    expect((await httpCall(`${s.urls[0]}/`, { ca: certs.caPem })).status).toBe(200);
  });

  it('ssl.client.auth=required needs a client certificate the truststore trusts', async () => {
    const s = await serve({
      listeners: 'https://127.0.0.1:0',
      ...p12(),
      'ssl.truststore.location': certs.truststoreP12,
      'ssl.truststore.password': certs.truststorePassword,
      'ssl.truststore.type': 'PKCS12',
      'ssl.client.auth': 'required',
    });
    const url = `${s.urls[0]}/`;
    await expect(httpCall(url, { ca: certs.caPem })).rejects.toThrow();
    await expect(
      httpCall(url, { ca: certs.caPem, key: certs.strangerKey, cert: certs.strangerCert }),
    ).rejects.toThrow();
    expect((await httpCall(url, { ca: certs.caPem, key: certs.clientKey, cert: certs.clientCert })).status).toBe(200);
  });

  it('ssl.client.auth=requested lets clients without a certificate in, not those with an untrusted one', async () => {
    const s = await serve({
      listeners: 'https://127.0.0.1:0',
      ...p12(),
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.truststorePem,
      'ssl.client.auth': 'requested',
    });
    const url = `${s.urls[0]}/`;
    expect((await httpCall(url, { ca: certs.caPem })).status).toBe(200);
    expect((await httpCall(url, { ca: certs.caPem, key: certs.clientKey, cert: certs.clientCert })).status).toBe(200);
    await expect(
      httpCall(url, { ca: certs.caPem, key: certs.strangerKey, cert: certs.strangerCert }),
    ).rejects.toThrow();
  });

  it('ssl.enabled.protocols and ssl.cipher.suites (Java names) decide what is negotiated', async () => {
    const only13 = await serve({ listeners: 'https://127.0.0.1:0', ...p12(), 'ssl.enabled.protocols': 'TLSv1.3' });
    await expect(httpCall(`${only13.urls[0]}/`, { ca: certs.caPem, maxVersion: 'TLSv1.2' })).rejects.toThrow();
    expect((await httpCall(`${only13.urls[0]}/`, { ca: certs.caPem })).protocol).toBe('TLSv1.3');
    const suite = await serve({
      listeners: 'https://127.0.0.1:0',
      ...p12(),
      'ssl.enabled.protocols': 'TLSv1.2',
      'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
    });
    const a = await httpCall(`${suite.urls[0]}/`, { ca: certs.caPem });
    expect(a.protocol).toBe('TLSv1.2');
    expect(a.cipher).toBe('ECDHE-RSA-AES256-GCM-SHA384');
  });

  it('refuses what Node cannot serve, naming the key', () => {
    const https = ['https://127.0.0.1:0'];
    expect(() => restSecuritySettings({}, https, { env: {} })).toThrow(/ssl\.keystore\.location/);
    expect(() =>
      restSecuritySettings(
        { 'ssl.keystore.location': certs.jksKeystore, 'ssl.keystore.password': certs.serverKeystorePassword },
        https,
        { env: {} },
      ),
    ).toThrow(/ssl\.keystore\.location: .*server\.jks is a JKS keystore, which Node cannot read/);
    expect(() => restSecuritySettings({ ...p12(), 'ssl.keystore.password': 'wrong' }, https, { env: {} })).toThrow(
      /ssl\.keystore\.password/,
    );
    expect(() =>
      restSecuritySettings({ ...p12(), 'listeners.https.ssl.enabled.protocols': 'SSLv3' }, https, { env: {} }),
    ).toThrow(
      /listeners\.https\.ssl\.keystore\.location.*listeners\.https\.ssl\.enabled\.protocols: unknown protocol SSLv3/,
    );
    expect(() =>
      restSecuritySettings({ ...p12(), 'ssl.client.auth': 'always', 'ssl.cipher.suites': 'TLS_NOPE' }, https, {
        env: {},
      }),
    ).toThrow(/ssl\.cipher\.suites: unknown cipher suite TLS_NOPE.*ssl\.client\.auth: always/);
    // http listeners need none of it.
    expect(restSecuritySettings({}, ['http://:8083'], { env: {} }).tls).toBeNull();
  });
});

describe('admin.listeners, response.http.headers.config, CORS', () => {
  it('serves /admin/* only on the admin listeners when they are set, and nowhere when empty', async () => {
    const s = await serve({ listeners: 'http://127.0.0.1:0', 'admin.listeners': 'https://127.0.0.1:0', ...p12() });
    expect((await httpCall(`${s.urls[0]}/admin/loggers`)).status).toBe(404);
    expect((await httpCall(`${s.urls[0]}/connectors`)).status).toBe(200);
    expect(s.adminUrls[0]).toMatch(/^https:/);
    expect((await httpCall(`${s.adminUrls[0]}/admin/loggers`, { ca: certs.caPem })).status).toBe(200);
    expect((await httpCall(`${s.adminUrls[0]}/connectors`, { ca: certs.caPem })).status).toBe(404);
    const off = await serve({ listeners: 'http://127.0.0.1:0', 'admin.listeners': '' });
    expect(off.adminUrls).toEqual([]);
    expect((await httpCall(`${off.urls[0]}/admin/loggers`)).status).toBe(404);
    const unset = await serve({ listeners: 'http://127.0.0.1:0' });
    expect((await httpCall(`${unset.urls[0]}/admin/loggers`)).status).toBe(200);
  });

  it('applies response.http.headers.config to every answer, errors included', async () => {
    const s = await serve({
      'response.http.headers.config':
        'set X-Frame-Options: DENY, "add Cache-Control: no-cache, no-store, must-revalidate", setDate Expires: 31540000000',
    });
    for (const p of ['/', '/connectors/nope']) {
      const a = await httpCall(`${s.urls[0]}${p}`);
      expect(a.headers['x-frame-options']).toBe('DENY');
      expect(a.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
      expect(new Date(String(a.headers.expires)).getFullYear()).toBeGreaterThan(new Date().getFullYear());
    }
    expect(() =>
      restSecuritySettings({ 'response.http.headers.config': 'put X-A: b' }, ['http://:1'], { env: {} }),
    ).toThrow(/response\.http\.headers\.config: Invalid header config action: 'put'/);
  });

  it('sends no CORS headers unless access.control.allow.origin is set, then only to the origins it names', async () => {
    const none = await serve({});
    const a = await httpCall(`${none.urls[0]}/`, { headers: { origin: 'https://evil.example' } });
    expect(a.headers['access-control-allow-origin']).toBeUndefined();
    const some = await serve({
      'access.control.allow.origin': 'https://console.example',
      'access.control.allow.methods': 'GET,PUT',
    });
    const ok = await httpCall(`${some.urls[0]}/`, { headers: { origin: 'https://console.example' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://console.example');
    const pre = await httpCall(`${some.urls[0]}/connectors`, {
      method: 'OPTIONS',
      headers: { origin: 'https://console.example', 'access-control-request-method': 'PUT' },
    });
    expect(pre.headers['access-control-allow-methods']).toBe('GET,PUT');
    const other = await httpCall(`${some.urls[0]}/`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('authentication and request checks', () => {
  const jaas = (file: string): string =>
    `// as in Kafka Connect's docs\nKafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${file}";\n};\n`;
  const basic = (user: string, password: string): string =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  let authProps: Record<string, string>;

  beforeAll(() => {
    const credentials = path.join(dir, 'connect.password');
    writeFileSync(credentials, 'admin: admin-secret\nops: ops-secret\n');
    writeFileSync(path.join(dir, 'connect-jaas.conf'), jaas(credentials));
    authProps = {
      'rest.extension.classes': 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
      'java.security.auth.login.config': path.join(dir, 'connect-jaas.conf'),
    };
  });

  it('answers 401 with WWW-Authenticate without or with wrong credentials, 200 with right ones', async () => {
    const s = await serve(authProps);
    const none = await httpCall(`${s.urls[0]}/connectors`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="KafkaConnect"');
    expect(none.text).toBe('User cannot access the resource.');
    expect(
      (await httpCall(`${s.urls[0]}/connectors`, { headers: { authorization: basic('admin', 'nope') } })).status,
    ).toBe(401);
    expect(
      (await httpCall(`${s.urls[0]}/connectors`, { headers: { authorization: basic('nobody', 'x') } })).status,
    ).toBe(401);
    expect((await httpCall(`${s.urls[0]}/connectors`, { headers: { authorization: 'Basic !!!' } })).status).toBe(401);
    expect(
      (await httpCall(`${s.urls[0]}/connectors`, { headers: { authorization: basic('ops', 'ops-secret') } })).status,
    ).toBe(200);
  });

  it('lets the internal task-config endpoint through to its session-key check, as JaasBasicAuthFilter', async () => {
    const s = await serve(authProps);
    const a = await httpCall(`${s.urls[0]}/connectors/c1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    expect(a.status).toBe(400);
    expect(a.text).toMatch(/X-Connect-Authorization/);
  });

  it('finds the JAAS file in KAFKA_OPTS and refuses a config it cannot honour, naming the key', () => {
    const listeners = ['http://:8083'];
    const ext = { 'rest.extension.classes': authProps['rest.extension.classes']! };
    const viaOpts = restSecuritySettings(ext, listeners, {
      env: { KAFKA_OPTS: `-Xmx1g -Djava.security.auth.login.config=${authProps['java.security.auth.login.config']}` },
    });
    expect(viaOpts.basicAuth?.credentials.get('admin')).toBe('admin-secret');
    expect(() => restSecuritySettings(ext, listeners, { env: {} })).toThrow(/java\.security\.auth\.login\.config/);
    expect(() =>
      restSecuritySettings({ 'rest.extension.classes': 'com.example.MyExtension' }, listeners, { env: {} }),
    ).toThrow(/rest\.extension\.classes: com\.example\.MyExtension cannot be loaded/);
    writeFileSync(path.join(dir, 'other-jaas.conf'), 'KafkaConnect {\n com.example.LdapLoginModule required;\n};\n');
    expect(() =>
      restSecuritySettings(
        { ...ext, 'java.security.auth.login.config': path.join(dir, 'other-jaas.conf') },
        listeners,
        {
          env: {},
        },
      ),
    ).toThrow(/com\.example\.LdapLoginModule/);
  });

  it('accepts the console bearer token, and needs JSON (or X-Requested-With) on state-changing requests', async () => {
    const token = 'console-token-0123456789';
    const herder = new FakeHerder();
    const s = await serve({ ...authProps, 'tributary.console.token': token }, herder);
    const bearer = { authorization: `Bearer ${token}` };
    const none = await httpCall(`${s.urls[0]}/connectors`);
    expect(none.headers['www-authenticate']).toEqual(expect.stringContaining('Bearer realm="tributary"'));
    expect((await httpCall(`${s.urls[0]}/connectors`, { headers: bearer })).status).toBe(200);
    expect(
      (await httpCall(`${s.urls[0]}/connectors`, { headers: { authorization: 'Bearer wrong-token-0000000' } })).status,
    ).toBe(401);
    const created = await httpCall(`${s.urls[0]}/connectors`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'c1',
        config: { 'connector.class': 'FakeSourceConnector', topic: 't', 'tasks.max': '1' },
      }),
    });
    expect(created.status).toBe(201);
    // A no-cors cross-site fetch can send a POST with no content type: refused.
    const bare = await httpCall(`${s.urls[0]}/connectors/c1/restart`, { method: 'POST', headers: bearer });
    expect(bare.status).toBe(415);
    const form = await httpCall(`${s.urls[0]}/connectors/c1/restart`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(form.status).toBe(415);
    const xrw = await httpCall(`${s.urls[0]}/connectors/c1/restart`, {
      method: 'POST',
      headers: { ...bearer, 'x-requested-with': 'script' },
    });
    expect(xrw.status).toBe(204);
  });

  it('checks Host against the listeners (or tributary.rest.allowed.hosts) once authentication is on', async () => {
    const s = await serve({ ...authProps, listeners: 'http://127.0.0.1:0' });
    const auth = { authorization: basic('admin', 'admin-secret') };
    expect((await httpCall(`${s.urls[0]}/`, { headers: auth })).status).toBe(200);
    const rebound = await httpCall(`${s.urls[0]}/`, { headers: { ...auth, host: 'evil.example:8083' } });
    expect(rebound.status).toBe(421);
    const listed = await serve({ ...authProps, 'tributary.rest.allowed.hosts': 'connect.example' });
    expect((await httpCall(`${listed.urls[0]}/`, { headers: { ...auth, host: 'connect.example' } })).status).toBe(200);
    expect((await httpCall(`${listed.urls[0]}/`, { headers: auth })).status).toBe(421);
  });

  it('keeps the old behaviour when none of the keys is set', async () => {
    const s = await serve({});
    expect((await httpCall(`${s.urls[0]}/`, { headers: { host: 'anything.example' } })).status).toBe(200);
    expect((await httpCall(`${s.urls[0]}/connectors`)).status).toBe(200);
  });
});
