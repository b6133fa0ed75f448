/**
 * Basic auth: a registry with authentication.method=BASIC refuses anonymous requests with 401 and
 * serves Confluent's client and the AvroConverter once they send credentials (basic.auth.user.info,
 * or user info in schema.registry.url); writes forwarded from a follower carry the caller's credentials.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Schema, SchemaBuilder, Struct } from '@tributary/api';
import { AvroConverter } from '@tributary/converters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unique } from '../helpers.js';
import { SchemaRegistryClient } from './confluent.js';
import { type RegistryCluster, registryCluster, settle } from './helpers.js';

describe('schema registry with basic auth', () => {
  let cluster: RegistryCluster;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sr-auth-'));
    const users = path.join(dir, 'users.properties');
    writeFileSync(users, '# user: password,role\nalice: s3cret,admin\nbob: other,user\n');
    cluster = registryCluster('auth', {
      'authentication.method': 'BASIC',
      'authentication.realm': 'SchemaRegistry-Props',
      'authentication.basic.users.file': users,
    });
    await cluster.start();
    await cluster.start();
    await cluster.writerElected();
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('refuses requests without valid credentials and serves clients that send them', async () => {
    const [a] = cluster.instances;
    const anonymous = await fetch(`${a!.url}/subjects`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="SchemaRegistry-Props"');
    const wrong = await fetch(`${a!.url}/subjects`, {
      headers: { authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);

    const subject = unique('auth-value');
    const writer = cluster.instances.find((i) => i.isLeader())!;
    const follower = cluster.instances.find((i) => i !== writer)!;
    // Through the follower: the forwarded write must carry alice's credentials to the writer.
    const client = new SchemaRegistryClient({
      baseURLs: [follower.url],
      maxRetries: 0,
      basicAuthCredentials: { credentialsSource: 'USER_INFO', userInfo: 'alice:s3cret' },
    });
    const id = await client.register(subject, { schema: '"string"' });
    expect(await client.getId(subject, { schema: '"string"' })).toBe(id);

    const S = SchemaBuilder.struct().name('auth.Thing').field('a', Schema.INT32_SCHEMA).build();
    const viaUserInfo = new AvroConverter();
    viaUserInfo.configure(
      {
        'schema.registry.url': writer.url,
        'basic.auth.credentials.source': 'USER_INFO',
        'basic.auth.user.info': 'bob:other',
      },
      false,
    );
    const bytes = await settle(() => viaUserInfo.fromConnectData(subject, null, S, new Struct(S).put('a', 1)));
    const viaUrl = new AvroConverter();
    viaUrl.configure({ 'schema.registry.url': writer.url.replace('http://', 'http://alice:s3cret@') }, false);
    const back = await settle(() => viaUrl.toConnectData(subject, null, bytes));
    expect((back.value as Struct).get('a')).toBe(1);

    const anonymousConverter = new AvroConverter();
    anonymousConverter.configure({ 'schema.registry.url': writer.url }, false);
    await expect(settle(() => anonymousConverter.toConnectData(subject, null, bytes))).rejects.toThrow(/Unauthorized/);
  });
});
