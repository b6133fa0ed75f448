/**
 * The registry, black-box, through two clients nobody here wrote: @kafkajs/confluent-schema-registry
 * and Confluent's own @confluentinc/schemaregistry. Register, look up, compatibility failures (409
 * naming the rule), invalid schemas (422 with the parser's reason), soft and permanent deletes,
 * modes and config; and the `_schemas` records in Confluent's exact format, read with kafkajs.
 */
import { SchemaRegistry as KafkajsRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { RestError, SchemaRegistryClient } from './confluent.js';
import type { RunningSchemaRegistry } from '@tributary/schema-registry';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBootstrap, unique } from '../helpers.js';
import { type RegistryCluster, registryCluster } from './helpers.js';

const user = (fields: object[]) => JSON.stringify({ type: 'record', name: 'User', namespace: 'com.example', fields });
const V1 = user([{ name: 'id', type: 'long' }]);
const V2 = user([
  { name: 'id', type: 'long' },
  { name: 'email', type: ['null', 'string'], default: null },
]);
/** A new required field without a default: old data cannot be read, so BACKWARD refuses it. */
const BREAKING = user([
  { name: 'id', type: 'long' },
  { name: 'name', type: 'string' },
]);

async function rest(r: RunningSchemaRegistry, path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${r.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      'content-type': 'application/vnd.schemaregistry.v1+json',
      accept: 'application/vnd.schemaregistry.v1+json',
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as unknown };
}

async function restError(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RestError) return err;
    throw err;
  }
  throw new Error('expected the registry to refuse the request');
}

describe('schema registry through third-party clients', () => {
  let cluster: RegistryCluster;
  let registry: RunningSchemaRegistry;
  let confluent: SchemaRegistryClient;
  let kafkajs: KafkajsRegistry;

  beforeAll(async () => {
    cluster = registryCluster('clients');
    registry = await cluster.start();
    await cluster.writerElected();
    confluent = new SchemaRegistryClient({ baseURLs: [registry.url], maxRetries: 0 });
    kafkajs = new KafkajsRegistry({ host: registry.url });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('registers and looks up schemas with @kafkajs/confluent-schema-registry, and encodes/decodes through it', async () => {
    const subject = unique('kafkajs-value');
    const { id } = await kafkajs.register({ type: SchemaType.AVRO, schema: V1 }, { subject });
    expect(id).toBeGreaterThan(0);
    // The same schema again is the same id and no new version.
    expect((await kafkajs.register({ type: SchemaType.AVRO, schema: V1 }, { subject })).id).toBe(id);
    expect(await kafkajs.getLatestSchemaId(subject)).toBe(id);
    expect(await kafkajs.getRegistryId(subject, 1)).toBe(id);
    expect(await kafkajs.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: V1 })).toBe(id);
    const { id: id2 } = await kafkajs.register({ type: SchemaType.AVRO, schema: V2 }, { subject });
    expect(id2).toBe(id + 1);
    expect(await kafkajs.getLatestSchemaId(subject)).toBe(id2);

    const encoded = await kafkajs.encode(id2, { id: 7, email: 'a@b.c' });
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id2);
    // A fresh client knows nothing: decode fetches the writer schema by id from the registry.
    const fresh = new KafkajsRegistry({ host: registry.url });
    expect(await fresh.decode(encoded)).toEqual({ id: 7, email: 'a@b.c' });
  });

  it('refuses an incompatible schema with 409 naming the rule, in both clients', async () => {
    const subject = unique('compat-value');
    await confluent.register(subject, { schema: V1 });
    const err = await restError(confluent.register(subject, { schema: BREAKING }));
    expect(err.status).toBe(409);
    expect(err.errorCode).toBe(409);
    expect(err.message).toContain('READER_FIELD_MISSING_DEFAULT_VALUE');
    expect(err.message).toContain("The field 'name' at path '/fields/1' in the new schema has no default value");
    expect(err.message).toContain("compatibility: 'BACKWARD'");
    await expect(kafkajs.register({ type: SchemaType.AVRO, schema: BREAKING }, { subject })).rejects.toThrow(
      /incompatible with an earlier schema/,
    );

    expect(await confluent.testSubjectCompatibility(subject, { schema: BREAKING })).toBe(false);
    expect(await confluent.testCompatibility(subject, 1, { schema: V2 })).toBe(true);
    const verbose = await rest(registry, `/compatibility/subjects/${subject}/versions/latest?verbose=true`, {
      method: 'POST',
      body: { schema: BREAKING },
    });
    expect(verbose.status).toBe(200);
    expect(verbose.body).toMatchObject({ is_compatible: false });
    expect(JSON.stringify(verbose.body)).toContain('READER_FIELD_MISSING_DEFAULT_VALUE');

    // A type change under FORWARD: the old reader cannot read a string where it expects a long.
    await confluent.updateCompatibility(subject, 'FORWARD' as never);
    const typeChange = user([{ name: 'id', type: 'string' }]);
    const forward = await restError(confluent.register(subject, { schema: typeChange }));
    expect(forward.status).toBe(409);
    expect(forward.message).toContain('TYPE_MISMATCH');
    expect(forward.message).toContain("compatibility: 'FORWARD'");

    // NONE lets it through.
    await confluent.updateCompatibility(subject, 'NONE' as never);
    expect(await confluent.register(subject, { schema: typeChange })).toBeGreaterThan(0);
  });

  it('checks every earlier version under a transitive level, only the latest otherwise', async () => {
    const subject = unique('transitive-value');
    await confluent.updateCompatibility(subject, 'BACKWARD' as never);
    const a = user([
      { name: 'id', type: 'long' },
      { name: 'x', type: 'int' },
    ]);
    const b = user([{ name: 'id', type: 'long' }]);
    // c re-adds x as a string with a default: c can read b (x absent), but reads a's int x as string — no.
    const c = user([
      { name: 'id', type: 'long' },
      { name: 'x', type: 'string', default: '' },
    ]);
    await confluent.register(subject, { schema: a });
    await confluent.register(subject, { schema: b });
    expect(await confluent.testSubjectCompatibility(subject, { schema: c })).toBe(true);
    await confluent.updateCompatibility(subject, 'BACKWARD_TRANSITIVE' as never);
    const err = await restError(confluent.register(subject, { schema: c }));
    expect(err.status).toBe(409);
    expect(err.message).toContain('TYPE_MISMATCH');
    expect(err.message).toContain('{oldSchemaVersion: 1}');
  });

  it('refuses an invalid schema with 422 and the parser reason', async () => {
    const subject = unique('invalid-value');
    const err = await restError(
      confluent.register(subject, {
        schema: JSON.stringify({ type: 'record', name: 'X', fields: [{ name: 'a', type: 'strin' }] }),
      }),
    );
    expect(err.status).toBe(422);
    expect(err.errorCode).toBe(42201);
    expect(err.message).toContain('strin');
    const notJson = await rest(registry, `/subjects/${subject}/versions`, {
      method: 'POST',
      body: { schema: '{"type":' },
    });
    expect(notJson.status).toBe(422);
    expect(notJson.body).toMatchObject({ error_code: 42201 });
    const badDefault = await restError(
      confluent.register(subject, {
        schema: JSON.stringify({ type: 'record', name: 'X', fields: [{ name: 'a', type: 'int', default: 'x' }] }),
      }),
    );
    expect(badDefault.errorCode).toBe(42201);
    expect(badDefault.message).toContain('invalid');
  });

  it('answers lookups, ids, versions and subjects with Confluent shapes, errors and media type', async () => {
    const subject = unique('lookup-value');
    const id = await confluent.register(subject, { schema: V1 });
    const latest = await confluent.getLatestSchemaMetadata(subject);
    expect(latest).toMatchObject({ id, version: 1, subject, schema: V1 });
    expect(await confluent.getId(subject, { schema: V1 })).toBe(id);
    expect(await confluent.getVersion(subject, { schema: V1 })).toBe(1);
    expect((await confluent.getBySubjectAndId(subject, id)).schema).toBe(V1);
    expect(await confluent.getAllVersions(subject)).toEqual([1]);
    expect(await confluent.getAllSubjects()).toContain(subject);

    // The same schema under another subject keeps its id.
    const other = unique('lookup-other');
    expect(await confluent.register(other, { schema: V1 })).toBe(id);
    const byId = await rest(registry, `/schemas/ids/${id}/versions`);
    expect(byId.body).toEqual(
      expect.arrayContaining([
        { subject, version: 1 },
        { subject: other, version: 1 },
      ]),
    );
    expect((await rest(registry, `/schemas/ids/${id}/subjects`)).body).toEqual(
      expect.arrayContaining([subject, other]),
    );
    expect((await rest(registry, `/subjects?subjectPrefix=${subject}`)).body).toEqual([subject]);
    expect((await rest(registry, `/subjects/${subject}/versions/-1/schema`)).body).toEqual(JSON.parse(V1));
    expect((await rest(registry, `/schemas/ids/${id}/schema`)).body).toEqual(JSON.parse(V1));

    const ok = await rest(registry, `/schemas/ids/${id}`);
    expect(ok.contentType).toContain('application/vnd.schemaregistry.v1+json');
    expect(ok.body).toEqual({ schema: V1 });
    expect(await rest(registry, '/schemas/ids/999999')).toMatchObject({
      status: 404,
      body: { error_code: 40403, message: 'Schema 999999 not found' },
    });
    expect(await rest(registry, '/subjects/nope-nope/versions')).toMatchObject({
      status: 404,
      body: { error_code: 40401, message: "Subject 'nope-nope' not found." },
    });
    expect(await rest(registry, `/subjects/${subject}/versions/7`)).toMatchObject({
      status: 404,
      body: { error_code: 40402 },
    });
    expect(await rest(registry, `/subjects/${subject}/versions/0`)).toMatchObject({
      status: 422,
      body: { error_code: 42202 },
    });
    expect(await rest(registry, `/subjects/${subject}`, { method: 'POST', body: { schema: V2 } })).toMatchObject({
      status: 404,
      body: { error_code: 40403, message: 'Schema not found' },
    });
    // normalize=true: the same schema written differently (namespace folded into the name, key order) is found.
    const respelled = JSON.stringify({
      name: 'com.example.User',
      type: 'record',
      fields: [{ type: 'long', name: 'id' }],
    });
    expect(
      await rest(registry, `/subjects/${subject}?normalize=true`, { method: 'POST', body: { schema: respelled } }),
    ).toMatchObject({
      status: 200,
      body: { id, version: 1 },
    });
  });

  it('resolves schema references', async () => {
    const addressSubject = unique('address');
    const address = JSON.stringify({
      type: 'record',
      name: 'Address',
      namespace: 'com.example',
      fields: [{ name: 'city', type: 'string' }],
    });
    const addressId = await confluent.register(addressSubject, { schema: address });
    const person = JSON.stringify({
      type: 'record',
      name: 'Person',
      namespace: 'com.example',
      fields: [{ name: 'home', type: 'com.example.Address' }],
    });
    const subject = unique('person-value');
    const references = [{ name: 'com.example.Address', subject: addressSubject, version: 1 }];
    const id = await confluent.register(subject, { schema: person, references });
    expect(id).not.toBe(addressId);
    const meta = await confluent.getLatestSchemaMetadata(subject);
    expect(meta.references).toEqual(references);
    expect((await rest(registry, `/subjects/${addressSubject}/versions/1/referencedby`)).body).toEqual([id]);
    // Referenced schemas cannot be deleted while referenced.
    expect(await rest(registry, `/subjects/${addressSubject}/versions/1`, { method: 'DELETE' })).toMatchObject({
      status: 422,
      body: { error_code: 42206 },
    });
    // Without the reference the type is unknown: 422.
    const missing = await restError(confluent.register(unique('person-norefs'), { schema: person }));
    expect(missing.errorCode).toBe(42201);
    expect(missing.message).toContain('com.example.Address');
  });

  it('soft-deletes and permanently deletes subjects and versions', async () => {
    const subject = unique('delete-value');
    const id1 = await confluent.register(subject, { schema: V1 });
    await confluent.register(subject, { schema: V2 });
    expect(await confluent.deleteSubjectVersion(subject, 2, false)).toBe(2);
    expect(await confluent.getAllVersions(subject)).toEqual([1]);
    expect((await rest(registry, `/subjects/${subject}/versions?deleted=true`)).body).toEqual([1, 2]);
    expect(await rest(registry, `/subjects/${subject}/versions/2`, { method: 'DELETE' })).toMatchObject({
      status: 404,
      body: { error_code: 40406 },
    });
    expect(await rest(registry, `/subjects/${subject}/versions/1?permanent=true`, { method: 'DELETE' })).toMatchObject({
      status: 404,
      body: { error_code: 40407 },
    });
    expect(await confluent.deleteSubjectVersion(subject, 2, true)).toBe(2);

    const permanentFirst = await restError(confluent.deleteSubject(subject, true));
    expect(permanentFirst.errorCode).toBe(40405);
    expect(await confluent.deleteSubject(subject, false)).toEqual([1]);
    expect(await confluent.getAllSubjects()).not.toContain(subject);
    expect((await rest(registry, '/subjects?deleted=true')).body).toContain(subject);
    const again = await restError(confluent.deleteSubject(subject, false));
    expect(again.errorCode).toBe(40404);
    // A soft-deleted schema is still readable by id: consumers of old records keep working.
    expect((await rest(registry, `/schemas/ids/${id1}`)).status).toBe(200);
    expect(await confluent.deleteSubject(subject, true)).toEqual([1]);
    expect((await rest(registry, '/subjects?deleted=true')).body).not.toContain(subject);
    // Registering after a permanent delete starts a new history at version 1, with the id the schema had.
    expect(await confluent.register(subject, { schema: V1 })).toBe(id1);
    expect(await confluent.getAllVersions(subject)).toEqual([1]);
  });

  it('keeps global and subject config, with defaultToGlobal and 40408', async () => {
    expect(await confluent.getDefaultCompatibility()).toBe('BACKWARD');
    const subject = unique('config-value');
    expect(await rest(registry, `/config/${subject}`)).toMatchObject({ status: 404, body: { error_code: 40408 } });
    expect((await rest(registry, `/config/${subject}?defaultToGlobal=true`)).body).toEqual({
      compatibilityLevel: 'BACKWARD',
    });
    expect(await confluent.updateCompatibility(subject, 'FULL_TRANSITIVE' as never)).toBe('FULL_TRANSITIVE');
    expect(await confluent.getCompatibility(subject)).toBe('FULL_TRANSITIVE');
    expect(
      await rest(registry, `/config/${subject}`, { method: 'PUT', body: { compatibility: 'SIDEWAYS' } }),
    ).toMatchObject({
      status: 422,
      body: { error_code: 42203 },
    });
    expect((await rest(registry, `/config/${subject}`, { method: 'DELETE' })).body).toEqual({
      compatibilityLevel: 'FULL_TRANSITIVE',
    });
    expect(await rest(registry, `/config/${subject}`)).toMatchObject({ status: 404, body: { error_code: 40408 } });
  });

  it('honours READONLY and IMPORT modes', async () => {
    const subject = unique('mode-value');
    await confluent.register(subject, { schema: V1 });
    expect((await rest(registry, '/mode')).body).toEqual({ mode: 'READWRITE' });
    expect(await rest(registry, `/mode/${subject}`)).toMatchObject({ status: 404, body: { error_code: 40409 } });
    expect((await rest(registry, `/mode/${subject}`, { method: 'PUT', body: { mode: 'READONLY' } })).body).toEqual({
      mode: 'READONLY',
    });
    const ro = await restError(confluent.register(subject, { schema: V2 }));
    expect(ro.errorCode).toBe(42205);
    expect(ro.message).toContain('read-only');
    // Reads still work.
    expect(await confluent.getAllVersions(subject)).toEqual([1]);
    expect((await rest(registry, `/mode/${subject}`, { method: 'DELETE' })).body).toEqual({ mode: 'READONLY' });
    expect(await confluent.register(subject, { schema: V2 })).toBeGreaterThan(0);

    // IMPORT: schemas keep the ids they had in the registry they came from.
    const imported = unique('import-value');
    expect(await rest(registry, `/mode/${imported}`, { method: 'PUT', body: { mode: 'IMPORT' } })).toMatchObject({
      status: 200,
      body: { mode: 'IMPORT' },
    });
    expect(
      await rest(registry, `/subjects/${imported}/versions`, {
        method: 'POST',
        body: { schema: V1.replace('User', 'Imported'), id: 50_000, version: 3 },
      }),
    ).toMatchObject({ status: 200, body: { id: 50_000 } });
    expect((await rest(registry, `/subjects/${imported}/versions/3`)).body).toMatchObject({ id: 50_000, version: 3 });
    expect(await rest(registry, `/mode/${subject}`, { method: 'PUT', body: { mode: 'IMPORT' } })).toMatchObject({
      status: 422,
      body: { error_code: 42205 },
    });
    expect(await rest(registry, `/mode/${subject}`, { method: 'PUT', body: { mode: 'BOGUS' } })).toMatchObject({
      status: 422,
      body: { error_code: 42204 },
    });
  });

  it("writes Confluent's exact key and value JSON to the schemas topic", async () => {
    const subject = unique('format-value');
    const id = await confluent.register(subject, { schema: V1 });
    await confluent.updateCompatibility(subject, 'NONE' as never);
    await confluent.deleteSubject(subject, false);
    const kafka = new Kafka({ clientId: unique('sr-format'), brokers: kafkaBootstrap(), logLevel: 0 });
    const consumer = kafka.consumer({ groupId: unique('sr-format') });
    const seen: Array<{ key: string; value: string | null }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic: cluster.topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? null });
          if (seen.some((s) => s.key.includes('DELETE_SUBJECT') && s.key.includes(subject))) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();
    const mine = seen.filter((s) => s.key.includes(`"${subject}"`));
    expect(mine).toEqual([
      {
        key: `{"keytype":"SCHEMA","subject":"${subject}","version":1,"magic":1}`,
        value: JSON.stringify({ subject, version: 1, id, schema: V1, deleted: false }),
      },
      { key: `{"keytype":"CONFIG","subject":"${subject}","magic":0}`, value: '{"compatibilityLevel":"NONE"}' },
      {
        key: `{"keytype":"DELETE_SUBJECT","subject":"${subject}","magic":0}`,
        value: `{"subject":"${subject}","version":1}`,
      },
    ]);
    const topics = await kafka.admin();
    await topics.connect();
    const [meta] = (await topics.fetchTopicMetadata({ topics: [cluster.topic] })).topics;
    const configs = await topics.describeConfigs({
      resources: [{ type: 2, name: cluster.topic, configNames: ['cleanup.policy'] }],
      includeSynonyms: false,
    });
    await topics.disconnect();
    expect(meta?.partitions.length).toBe(1);
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');
  });

  it('rebuilds its state from the topic: a second instance serves what the first wrote and forwards writes to it', async () => {
    const subject = unique('replay-value');
    const id = await confluent.register(subject, { schema: V1 });
    const follower = await cluster.start();
    await cluster.writerElected();
    const followerClient = new SchemaRegistryClient({ baseURLs: [follower.url], maxRetries: 0 });
    expect(await followerClient.getId(subject, { schema: V1 })).toBe(id);
    const writer = cluster.instances.find((i) => i.isLeader())!;
    const other = cluster.instances.find((i) => i !== writer)!;
    const viaOther = new SchemaRegistryClient({ baseURLs: [other.url], maxRetries: 0 });
    const id2 = await viaOther.register(subject, { schema: V2 });
    expect(id2).toBeGreaterThan(id);
    expect(await confluent.getId(subject, { schema: V2 })).toBe(id2);
  });
});
