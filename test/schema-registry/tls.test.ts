/**
 * TLS end to end for the schema registry: instances that serve https and forward writes to an https writer
 * (presenting their keystore when the writer requires client certificates), AvroConverters that reach them with
 * Confluent's schema.registry.ssl.* keys, Confluent's own JS client over https, and the failures a user meets
 * (no client certificate, a truststore that does not vouch for the registry, a follower that does not trust the
 * writer, bad key files) each named in words, not as a bare ECONNRESET.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigException, Schema, SchemaBuilder, Struct } from '@tributary/api';
import { AvroConverter, JsonSchemaConverter, ProtobufConverter } from '@tributary/converters';
import { type RegistryConfigError, type RunningSchemaRegistry, parseRegistryConfig } from '@tributary/schema-registry';
import { type TestCerts, makeTestCerts } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBootstrap, unique } from '../helpers.js';
import { AvroDeserializer, AvroSerializer, SchemaRegistryClient, SerdeType } from './confluent.js';
import { type RegistryCluster, registryCluster, settle } from './helpers.js';

const Order = SchemaBuilder.struct()
  .name('com.example.Order')
  .field('id', Schema.INT64_SCHEMA)
  .field('item', Schema.STRING_SCHEMA)
  .field('note', Schema.OPTIONAL_STRING_SCHEMA)
  .build();

function order(id: number): Struct {
  return new Struct(Order)
    .put('id', id)
    .put('item', `item-${id}`)
    .put('note', id % 2 ? null : 'even');
}

function avro(url: string, props: Record<string, string>): AvroConverter {
  const c = new AvroConverter();
  c.configure({ 'schema.registry.url': url, ...props }, false);
  return c;
}

/** Writes a record through the converter and reads it back, as a source task's and a sink task's converters do. */
async function roundTrip(c: AvroConverter, topic: string, id: number): Promise<void> {
  const bytes = await settle(() => c.fromConnectData(topic, null, Order, order(id)));
  const back = await settle(() => c.toConnectData(topic, null, bytes));
  expect((back.value as Struct).get('item')).toBe(`item-${id}`);
  expect((back.value as Struct).get('id')).toBe(id);
}

let certs: TestCerts;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sr-tls-'));
  certs = makeTestCerts(path.join(dir, 'certs'));
});

/** The registry's own keys for an https listener with the test server certificate. */
function httpsRegistry(extra: Record<string, string> = {}): Record<string, string> {
  return {
    listeners: 'https://127.0.0.1:0',
    'ssl.keystore.location': certs.serverKeystoreP12,
    'ssl.keystore.password': certs.serverKeystorePassword,
    'ssl.keystore.type': 'PKCS12',
    'ssl.truststore.location': certs.truststoreP12Keytool,
    'ssl.truststore.password': certs.truststorePassword,
    'ssl.truststore.type': 'PKCS12',
    'inter.instance.protocol': 'https',
    ...extra,
  };
}

const trusting = (): Record<string, string> => ({
  'schema.registry.ssl.truststore.location': certs.truststoreP12,
  'schema.registry.ssl.truststore.password': certs.truststorePassword,
  'schema.registry.ssl.truststore.type': 'PKCS12',
});

const withClientCertificate = (): Record<string, string> => ({
  ...trusting(),
  'schema.registry.ssl.keystore.location': certs.clientKeystoreP12,
  'schema.registry.ssl.keystore.password': certs.serverKeystorePassword,
  'schema.registry.ssl.keystore.type': 'PKCS12',
});

describe('schema registry over https with client authentication REQUIRED', () => {
  let cluster: RegistryCluster;
  let writer: RunningSchemaRegistry;
  let follower: RunningSchemaRegistry;

  beforeAll(async () => {
    cluster = registryCluster('tls-mtls', httpsRegistry({ 'ssl.client.authentication': 'REQUIRED' }));
    await cluster.start();
    await cluster.start();
    writer = await cluster.writerElected();
    follower = cluster.instances.find((i) => i !== writer)!;
  }, 90_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('forms a group over https; a write sent to the follower lands through the writer', async () => {
    for (const i of cluster.instances) expect(i.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(follower.leaderUrl()).toBe(writer.url);
    const subject = unique('mtls-forwarded-value');
    const agent = new Agent({
      ca: certs.caPem,
      key: certs.clientKey,
      cert: certs.clientCert,
    });
    const client = new SchemaRegistryClient({
      baseURLs: [follower.url],
      createAxiosDefaults: { httpsAgent: agent },
    });
    const id = await client.register(subject, { schemaType: 'AVRO', schema: '"string"' });
    // The writer allocated the id and wrote it to _schemas: it serves the schema, and so does the follower once read.
    expect(writer.registry.store.versions(subject, false).map((v) => v.id)).toEqual([id]);
    const seen = await new SchemaRegistryClient({
      baseURLs: [writer.url],
      createAxiosDefaults: { httpsAgent: agent },
    }).getBySubjectAndId(subject, id);
    expect(seen.schema).toBe('"string"');
    agent.destroy();
  });

  it('an AvroConverter with a client keystore and the truststore round-trips records, through either instance', async () => {
    const topic = unique('mtls-orders');
    for (const instance of [follower, writer]) {
      const c = avro(instance.url, withClientCertificate());
      await roundTrip(c, topic, 1);
      await roundTrip(c, topic, 2);
      c.close();
    }
    // Confluent's own deserializer, over https with the same certificates, reads what our converter wrote.
    const c = avro(writer.url, withClientCertificate());
    const bytes = await settle(() => c.fromConnectData(topic, null, Order, order(7)));
    c.close();
    const agent = new Agent({ ca: certs.caPem, key: certs.clientKey, cert: certs.clientCert });
    const confluent = new SchemaRegistryClient({ baseURLs: [writer.url], createAxiosDefaults: { httpsAgent: agent } });
    const decoded = await new AvroDeserializer(confluent, SerdeType.VALUE, {}).deserialize(topic, Buffer.from(bytes!));
    expect(decoded).toEqual({ id: 7, item: 'item-7', note: null });
    // And what Confluent's serializer writes over https our converter reads.
    const written = await new AvroSerializer(confluent, SerdeType.VALUE, { useLatestVersion: true }).serialize(topic, {
      id: 8,
      item: 'item-8',
      note: null,
    });
    agent.destroy();
    const reader = avro(follower.url, withClientCertificate());
    const back = await settle(() => reader.toConnectData(topic, null, written));
    reader.close();
    expect((back.value as Struct).get('item')).toBe('item-8');
  });

  it('JsonSchemaConverter and ProtobufConverter take the same keys (one registry client for the three)', async () => {
    for (const Converter of [JsonSchemaConverter, ProtobufConverter]) {
      const topic = unique(`mtls-${Converter.name}`);
      const c = new Converter();
      c.configure({ 'schema.registry.url': follower.url, ...withClientCertificate() }, false);
      const bytes = await settle(() => c.fromConnectData(topic, null, Order, order(4)));
      const back = await settle(() => c.toConnectData(topic, null, bytes));
      c.close();
      expect((back.value as Struct).get('item')).toBe('item-4');
      const bare = new Converter();
      bare.configure({ 'schema.registry.url': follower.url, ...trusting() }, false);
      const err = await settle(() => bare.fromConnectData(unique('mtls-bare'), null, Order, order(1))).catch(
        (e: unknown) => e as Error,
      );
      bare.close();
      expect((err as Error).message).toContain('schema.registry.ssl.keystore.location');
    }
  });

  it('a converter without a client certificate fails naming schema.registry.ssl.keystore.location', async () => {
    const c = avro(writer.url, trusting());
    const err = await settle(() => c.fromConnectData(unique('mtls-nocert'), null, Order, order(1))).catch(
      (e: unknown) => e as Error,
    );
    c.close();
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(writer.url);
    expect((err as Error).message).toMatch(/client certificate/);
    expect((err as Error).message).toContain('schema.registry.ssl.keystore.location');
    expect((err as Error).message).not.toMatch(/^[^;]*: ECONNRESET$/);
  });

  it('a converter whose truststore does not vouch for the registry fails saying the certificate is not trusted', async () => {
    const c = avro(writer.url, {
      'schema.registry.ssl.truststore.location': path.join(certs.dir, 'stranger-ca.pem'),
      'schema.registry.ssl.truststore.type': 'PEM',
    });
    const err = await settle(() => c.fromConnectData(unique('mtls-stranger'), null, Order, order(1))).catch(
      (e: unknown) => e as Error,
    );
    c.close();
    expect((err as Error).message).toMatch(/TLS certificate is not trusted/);
    expect((err as Error).message).toContain('schema.registry.ssl.truststore.location');
    // No truststore at all: Node's default CAs do not know the test CA either, and the message says so.
    const d = avro(writer.url, {});
    const err2 = await settle(() => d.fromConnectData(unique('mtls-default-ca'), null, Order, order(1))).catch(
      (e: unknown) => e as Error,
    );
    d.close();
    expect((err2 as Error).message).toMatch(/not trusted.*only the default CAs are trusted/);
  });
});

describe('schema registry over https with basic auth', () => {
  let cluster: RegistryCluster;
  let writer: RunningSchemaRegistry;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // Confluent's way: a JAAS file named in SCHEMA_REGISTRY_OPTS, its authentication.realm section pointing
    // Jetty's PropertyFileLoginModule at the users, authentication.roles saying which roles get in.
    const users = path.join(dir, 'users.properties');
    writeFileSync(users, 'alice: s3cret,admin\nbob: other,guest\n');
    const jaas = path.join(dir, 'registry-jaas.conf');
    writeFileSync(
      jaas,
      `SchemaRegistry-Props {\n  org.eclipse.jetty.jaas.spi.PropertyFileLoginModule required\n  file="${users}"\n  debug="false";\n};\n`,
    );
    env = { SCHEMA_REGISTRY_OPTS: `-Xmx512m -Djava.security.auth.login.config=${jaas}` };
    cluster = registryCluster(
      'tls-basic',
      httpsRegistry({
        // Every interface, so the host name test can reach it under a name its certificate does not carry.
        listeners: 'https://0.0.0.0:0',
        'authentication.method': 'BASIC',
        'authentication.realm': 'SchemaRegistry-Props',
        'authentication.roles': 'admin,developer',
      }),
    );
    await cluster.start({}, { env });
    writer = await cluster.writerElected();
  }, 90_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('serves converters that send basic auth (USER_INFO, user info in the URL, SASL_INHERIT) over https, with a PEM truststore', async () => {
    const pemTrust = {
      'schema.registry.ssl.truststore.location': certs.truststorePem,
      'schema.registry.ssl.truststore.type': 'PEM',
    };
    const topic = unique('basic-orders');
    const userInfo = avro(writer.url, {
      ...pemTrust,
      'basic.auth.credentials.source': 'USER_INFO',
      'basic.auth.user.info': 'alice:s3cret',
    });
    await roundTrip(userInfo, topic, 1);
    userInfo.close();
    const inUrl = avro(writer.url.replace('https://', 'https://alice:s3cret@'), {
      ...pemTrust,
      'basic.auth.credentials.source': 'URL',
    });
    await roundTrip(inUrl, topic, 2);
    inUrl.close();
    // SASL_INHERIT: the username and password of the converter's sasl.jaas.config, as Confluent's provider takes them.
    const inherited = avro(writer.url, {
      ...pemTrust,
      'basic.auth.credentials.source': 'SASL_INHERIT',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cret";',
    });
    await roundTrip(inherited, topic, 4);
    inherited.close();
    const anonymous = avro(writer.url, pemTrust);
    const err = await settle(() => anonymous.fromConnectData(unique('basic-anon'), null, Order, order(1))).catch(
      (e: unknown) => e as Error,
    );
    anonymous.close();
    expect((err as Error).message).toMatch(/Unauthorized; error code: 401/);
    // bob's password is right, his role is not among authentication.roles.
    const guest = avro(writer.url, {
      ...pemTrust,
      'basic.auth.credentials.source': 'USER_INFO',
      'basic.auth.user.info': 'bob:other',
    });
    const denied = await settle(() => guest.fromConnectData(unique('basic-guest'), null, Order, order(1))).catch(
      (e: unknown) => e as Error,
    );
    guest.close();
    expect((denied as Error).message).toMatch(/Forbidden; error code: 403/);
  });

  it('sends bearer.auth.token over https (through a gateway that takes bearer tokens in front of the registry)', async () => {
    // Tributary's registry, like Confluent's, has no bearer check of its own; deployments put a gateway in front.
    const upstream = new Agent({ ca: certs.caPem });
    const gateway = createHttpsServer({ key: certs.serverKey, cert: certs.serverChain }, (req, res) => {
      if (req.headers.authorization !== 'Bearer t0ken-for-registry') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error_code":401,"message":"bad token"}');
        return;
      }
      const out = httpsRequest(
        new URL(req.url ?? '/', writer.url),
        {
          method: req.method,
          agent: upstream,
          headers: {
            ...req.headers,
            host: new URL(writer.url).host,
            authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
          },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(out);
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    try {
      const bearer = (token: string) =>
        avro(url, {
          ...trusting(),
          'bearer.auth.credentials.source': 'STATIC_TOKEN',
          'bearer.auth.token': token,
        });
      const good = bearer('t0ken-for-registry');
      await roundTrip(good, unique('bearer-orders'), 5);
      good.close();
      const bad = bearer('wrong-token');
      const err = await settle(() => bad.fromConnectData(unique('bearer-bad'), null, Order, order(1))).catch(
        (e: unknown) => e as Error,
      );
      bad.close();
      expect((err as Error).message).toMatch(/bad token; error code: 401/);
    } finally {
      gateway.closeAllConnections();
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
      upstream.destroy();
    }
  });

  it('takes an https host name check off only when schema.registry.ssl.endpoint.identification.algorithm is empty', async () => {
    // The certificate names localhost and 127.0.0.1; a URL with another name for this machine fails the check.
    const other = writer.url.replace('localhost', '127.0.0.2');
    const props = {
      ...trusting(),
      'basic.auth.credentials.source': 'USER_INFO',
      'basic.auth.user.info': 'alice:s3cret',
    };
    const checked = avro(other, props);
    const err = await settle(() => checked.fromConnectData(unique('hostname'), null, Order, order(1))).catch(
      (e: unknown) => e as Error,
    );
    checked.close();
    expect((err as Error).message).toMatch(/does not name this host/);
    expect((err as Error).message).toContain('schema.registry.ssl.endpoint.identification.algorithm');
    const unchecked = avro(other, { ...props, 'schema.registry.ssl.endpoint.identification.algorithm': '' });
    await roundTrip(unchecked, unique('hostname'), 3);
    unchecked.close();
  });

  it('a follower that does not trust the writer answers 50003 naming ssl.truststore.location', async () => {
    const doubter = await cluster.start(
      {
        'leader.eligibility': 'false',
        'ssl.truststore.location': path.join(certs.dir, 'stranger-ca.pem'),
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.password': '',
      },
      { env },
    );
    await cluster.writerElected();
    expect(doubter.leaderUrl()).toBe(writer.url);
    const agent = new Agent({ ca: certs.caPem });
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(`${doubter.url}/subjects/${unique('doubted')}/versions`, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/vnd.schemaregistry.v1+json',
          authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
        },
      });
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c: Buffer) => {
          body += c.toString();
        });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ schema: '"int"' }));
    });
    agent.destroy();
    expect(res.status).toBe(500);
    const body = JSON.parse(res.body) as { error_code: number; message: string };
    expect(body.error_code).toBe(50003);
    expect(body.message).toContain(writer.url);
    expect(body.message).toMatch(/not trusted.*ssl\.truststore\.location/);
  });
});

describe('TLS configuration errors name the key', () => {
  const configure = (props: Record<string, string>): unknown => {
    try {
      avro('https://127.0.0.1:1', props);
      return null;
    } catch (e) {
      return e;
    }
  };

  it('converter: a JKS truststore, a missing file, a wrong password, an unknown algorithm', () => {
    const jks = configure({
      'schema.registry.ssl.keystore.location': certs.jksKeystore,
      'schema.registry.ssl.keystore.password': certs.serverKeystorePassword,
    }) as ConfigException;
    expect(jks).toBeInstanceOf(ConfigException);
    expect(jks.errors['schema.registry.ssl.keystore.location']?.join()).toMatch(
      /is a JKS keystore, which Node cannot read; convert it to PKCS12/,
    );
    const missing = configure({
      'schema.registry.ssl.truststore.location': path.join(dir, 'nope.p12'),
    }) as ConfigException;
    expect(missing.errors['schema.registry.ssl.truststore.location']?.join()).toMatch(
      /cannot read .*nope\.p12: ENOENT/,
    );
    const wrong = configure({
      'schema.registry.ssl.truststore.location': certs.truststoreP12,
      'schema.registry.ssl.truststore.password': 'not-it',
      'schema.registry.ssl.truststore.type': 'PKCS12',
    }) as ConfigException;
    expect(wrong.errors['schema.registry.ssl.truststore.location']?.join()).toMatch(
      /wrong schema\.registry\.ssl\.truststore\.password/,
    );
    const keyPassword = configure({
      'schema.registry.ssl.keystore.location': certs.serverEncryptedPem,
      'schema.registry.ssl.keystore.type': 'PEM',
      'schema.registry.ssl.key.password': 'not-it',
    }) as ConfigException;
    expect(keyPassword.errors['schema.registry.ssl.keystore.location']?.join()).toMatch(
      /wrong schema\.registry\.ssl\.keystore\.password or schema\.registry\.ssl\.key\.password/,
    );
    const algorithm = configure({ 'schema.registry.ssl.endpoint.identification.algorithm': 'ldap' }) as ConfigException;
    expect(Object.keys(algorithm.errors)).toEqual(['schema.registry.ssl.endpoint.identification.algorithm']);
    // PEM with its key password loads.
    expect(
      configure({
        'schema.registry.ssl.keystore.location': certs.serverEncryptedPem,
        'schema.registry.ssl.keystore.type': 'PEM',
        'schema.registry.ssl.key.password': certs.serverKeyPassword,
      }),
    ).toBeNull();
  });

  it('registry: ssl.client.authentication, the older ssl.client.auth, inter.instance.protocol, the keystore', () => {
    const base = { 'kafkastore.bootstrap.servers': kafkaBootstrap().join(',') };
    const https = { ...base, ...httpsRegistry() };
    expect(parseRegistryConfig({ ...https, 'ssl.client.authentication': 'REQUESTED' }).tls?.clientAuth).toBe(
      'requested',
    );
    expect(parseRegistryConfig({ ...https, 'ssl.client.auth': 'true' }).tls?.clientAuth).toBe('required');
    // ssl.client.authentication wins over the older key, as in rest-utils.
    expect(
      parseRegistryConfig({ ...https, 'ssl.client.auth': 'true', 'ssl.client.authentication': 'NONE' }).tls?.clientAuth,
    ).toBe('none');
    const c = parseRegistryConfig({ ...https, listeners: 'http://127.0.0.1:0,https://127.0.0.1:0' });
    expect(c.interInstanceProtocol).toBe('https');
    expect(c.forwardTls?.verifyHostname).toBe(false);
    expect(c.forwardTls?.ca?.length).toBe(1);
    const problems = (props: Record<string, string>): string[] => {
      try {
        parseRegistryConfig(props);
        return [];
      } catch (e) {
        return (e as RegistryConfigError).problems;
      }
    };
    expect(problems({ ...https, 'ssl.client.authentication': 'ALWAYS' })).toEqual([
      "ssl.client.authentication: 'ALWAYS' is not one of NONE, REQUESTED, REQUIRED",
    ]);
    expect(problems({ ...base, listeners: 'http://127.0.0.1:0', 'inter.instance.protocol': 'https' })).toEqual([
      'inter.instance.protocol: no listener configured with requested scheme https (listeners: http://127.0.0.1:0)',
    ]);
    expect(problems({ ...https, 'ssl.keystore.location': certs.jksKeystore, 'ssl.keystore.type': 'JKS' })[0]).toMatch(
      /^ssl\.keystore\.location: .*server\.jks is a JKS keystore, which Node cannot read/,
    );
    expect(problems({ ...https, 'ssl.keystore.password': 'wrong' })[0]).toMatch(
      /^ssl\.keystore\.location: cannot load the key and certificate .*wrong ssl\.keystore\.password/,
    );
  });
});
