// The console's schema registry pages and registry-decoded topics in Chromium: a real registry with basic auth, behind a worker with a console token.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConsoleSchemaRegistry, type RunningRestServer, startRestServer } from '@tributary/rest';
import type { ConnectRuntime } from '@tributary/runtime';
import { Kafka } from 'kafkajs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RegistryCluster, registryCluster } from '../schema-registry/helpers.js';
import {
  eventually,
  kafkaBootstrap,
  readTopic,
  startTestWorker,
  stopTestWorkers,
  testWorkerProps,
  unique,
} from '../helpers.js';
import { buildConsole, launchBrowser, screenshot } from './harness.js';

const TOKEN = 'console-token-for-the-registry-test';
const REGISTRY_USER = 'alice:registry-s3cret';
const name = unique('ui-sr');
const topic = `${name}-orders`;
const subject = `${topic}-value`;

let cluster: RegistryCluster;
let registryUrl: string;
let runtime: ConnectRuntime;
let rest: RunningRestServer;
/** The same worker behind a REST server without a registry: what a worker that names none shows. */
let bare: RunningRestServer;
let browser: BrowserContext;
let page: Page;
let tmp: string;
const pageErrors: string[] = [];
/** Every body the browser received, to show the registry's credentials never reach it. */
const bodies: string[] = [];
const kafka = new Kafka({ clientId: 'ui-sr-test', brokers: kafkaBootstrap(), logLevel: 0 });

const registryAuth = { authorization: `Basic ${Buffer.from(REGISTRY_USER).toString('base64')}` };

/** The registry's own REST API, with its credentials: what the page did is checked there, not on the page. */
async function registry<T>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(registryUrl + p, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...registryAuth },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  buildConsole();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tributary-ui-sr-'));
  const users = path.join(tmp, 'users.properties');
  writeFileSync(users, 'alice: registry-s3cret,admin\n');
  cluster = registryCluster('ui', {
    'authentication.method': 'BASIC',
    'authentication.realm': 'SchemaRegistry-Props',
    'authentication.basic.users.file': users,
  });
  const r = await cluster.start();
  await cluster.writerElected();
  registryUrl = r.url;
  const props = testWorkerProps(name, {
    'tributary.console.token': TOKEN,
    'tributary.console.schema.registry.url': registryUrl,
    'tributary.console.schema.registry.basic.auth.credentials.source': 'USER_INFO',
    'tributary.console.schema.registry.basic.auth.user.info': REGISTRY_USER,
  });
  [runtime, browser] = await Promise.all([startTestWorker(props), launchBrowser()]);
  rest = await startRestServer({
    herder: runtime.herder,
    listeners: 'http://127.0.0.1:0',
    security: runtime.restSecurity,
    schemaRegistry: ConsoleSchemaRegistry.fromWorkerConfig(props),
  });
  bare = await startRestServer({ herder: runtime.herder, listeners: 'http://127.0.0.1:0' });
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('dialog', (d) => void d.accept(TOKEN));
  page.on('response', (res) => {
    void res.text().then(
      (t) => bodies.push(t),
      () => undefined,
    );
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rest?.close();
  await bare?.close();
  await stopTestWorkers();
  await cluster?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

afterEach(async (ctx) => {
  if ((ctx.task.result?.state === 'fail' || (ctx.task.result?.errors?.length ?? 0) > 0) && page)
    await screenshot(page, `FAILED-${ctx.task.name.slice(0, 40)}`);
});

async function finish(shot: string): Promise<void> {
  const unlabelled = await page.evaluate<string[]>(`[...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && el.labels.length === 0 && !el.getAttribute('aria-label'))
    .map((el) => el.outerHTML.slice(0, 120))`);
  expect(unlabelled).toEqual([]);
  await screenshot(page, shot);
  expect(pageErrors).toEqual([]);
  expect(await page.content()).not.toContain('registry-s3cret');
}

describe('console and the schema registry', () => {
  it('reads Avro records a datagen source wrote with the AvroConverter, decoded, and marks a record not in the wire format', async () => {
    await runtime.herder.putConnectorConfig(
      `${name}-gen`,
      {
        'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
        'kafka.topic': topic,
        quickstart: 'orders',
        iterations: '5',
        'max.interval': '0',
        'value.converter': 'io.confluent.connect.avro.AvroConverter',
        'value.converter.schema.registry.url': registryUrl,
        'value.converter.basic.auth.credentials.source': 'USER_INFO',
        'value.converter.basic.auth.user.info': REGISTRY_USER,
      },
      { allowReplace: false },
    );
    const id = await eventually(
      async () => {
        const subjects = await registry<string[]>('GET', '/subjects');
        return subjects.includes(subject)
          ? (await registry<{ id: number }>('GET', `/subjects/${subject}/versions/1`)).id
          : undefined;
      },
      { timeoutMs: 60_000, what: 'datagen registering its Avro schema' },
    );
    // A record some other producer wrote as plain JSON: no magic byte, so no schema id to decode it with.
    const producer = kafka.producer();
    await producer.connect();
    await readTopic(topic, 5, 60_000);
    await producer.send({ topic, messages: [{ key: 'plain', value: '{"not":"avro"}' }] });
    await producer.disconnect();

    // The proxy and the records endpoint sit behind the worker's auth like the rest of the console.
    expect((await fetch(`${rest.urls[0]}/tributary/schema-registry/subjects`)).status).toBe(401);

    await page.goto(`${rest.urls[0]}/ui/topics/${topic}?limit=20&decode=avro`);
    const rows = page.locator('table.records tbody tr');
    await eventually(async () => ((await rows.count()) === 6 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'six records on the Topics page',
    });
    await page.getByText(`schema id ${id}`).first().waitFor({ timeout: 30_000 });
    const decodedRows = rows.filter({ hasText: `schema id ${id}` });
    expect(await decodedRows.count()).toBe(5);
    const first = ((await decodedRows.first().locator('td').nth(3).textContent()) ?? '').replace(/\s+/g, ' ');
    // datagen's orders: every field decoded by the AvroConverter into named values.
    for (const field of ['"ordertime"', '"orderid"', '"itemid"', '"orderunits"', '"address"', '"city"'])
      expect(first).toContain(field);
    await expect
      .poll(() =>
        decodedRows
          .first()
          .getByRole('link', { name: `${subject} v1` })
          .count(),
      )
      .toBe(1);
    const plain = rows.filter({ hasText: 'Not in the schema registry wire format' });
    expect(await plain.count()).toBe(1);
    const plainValue = (await plain.locator('td').nth(3).textContent()) ?? '';
    expect(plainValue).toContain('first byte 123, not the magic byte 0');
    // The raw bytes are shown: '{"not"' in hex.
    expect(plainValue).toContain('7b 22 6e 6f 74 22');
    // Its key, written as a string beside the Avro value, is shown as text.
    expect((await plain.locator('td').nth(2).textContent()) ?? '').toContain('plain');
    await finish('topics-avro');
  }, 180_000);

  it('decodes on the DLQ page the Avro bytes a JsonConverter sink dead-lettered', async () => {
    const dlq = `${topic}-dlq`;
    // The wrong converter for the topic: every record fails to convert and goes to the DLQ with its original bytes.
    await runtime.herder.putConnectorConfig(
      `${name}-wrong-converter`,
      {
        'connector.class': 'FileStreamSink',
        topics: topic,
        file: path.join(tmp, 'wrong-converter.txt'),
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': dlq,
        'errors.deadletterqueue.topic.replication.factor': '1',
        'errors.deadletterqueue.context.headers.enable': 'true',
      },
      { allowReplace: false },
    );
    await readTopic(dlq, 6, 60_000);
    const { id } = await registry<{ id: number }>('GET', `/subjects/${subject}/versions/1`);
    await page.goto(`${rest.urls[0]}/ui/dlq/${dlq}`);
    const rows = page.locator('table.records tbody tr');
    await eventually(async () => ((await rows.count()) === 6 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'six records on the DLQ page',
    });
    await page.getByLabel('Decode as').selectOption('avro');
    await page.getByText(`schema id ${id}`).first().waitFor({ timeout: 30_000 });
    const decoded = rows.filter({ hasText: `schema id ${id}` });
    expect(await decoded.count()).toBe(5);
    const row = ((await decoded.first().textContent()) ?? '').replace(/\s+/g, ' ');
    // The decoded value beside the error that sent it here.
    for (const text of ['"orderid"', '"address"', 'VALUE_CONVERTER', 'org.apache.kafka.connect.json.JsonConverter'])
      expect(row).toContain(text);
    expect(await rows.filter({ hasText: 'Not in the schema registry wire format' }).count()).toBe(1);
    await finish('dlq-avro');
  }, 120_000);

  it('decodes JSON Schema and Protobuf records through the registry too', async () => {
    for (const [format, converter] of [
      ['json-schema', 'io.confluent.connect.json.JsonSchemaConverter'],
      ['protobuf', 'io.confluent.connect.protobuf.ProtobufConverter'],
    ] as const) {
      const t = `${name}-${format}`;
      await runtime.herder.putConnectorConfig(
        `${name}-gen-${format}`,
        {
          'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
          'kafka.topic': t,
          quickstart: 'orders',
          iterations: '3',
          'max.interval': '0',
          'value.converter': converter,
          'value.converter.schema.registry.url': registryUrl,
          'value.converter.basic.auth.credentials.source': 'USER_INFO',
          'value.converter.basic.auth.user.info': REGISTRY_USER,
        },
        { allowReplace: false },
      );
      const registered = await eventually(
        async () =>
          (await registry<string[]>('GET', '/subjects')).includes(`${t}-value`)
            ? registry<{ id: number; schemaType: string }>('GET', `/subjects/${t}-value/versions/1`)
            : undefined,
        { timeoutMs: 60_000, what: `datagen registering its ${format} schema` },
      );
      expect(registered.schemaType).toBe(format === 'protobuf' ? 'PROTOBUF' : 'JSON');
      await readTopic(t, 3, 60_000);
      await page.goto(`${rest.urls[0]}/ui/topics/${t}?limit=20&decode=${format}`);
      const rows = page.locator('table.records tbody tr');
      await eventually(
        async () => ((await rows.filter({ hasText: `schema id ${registered.id}` }).count()) === 3 ? true : undefined),
        { timeoutMs: 60_000, what: `three ${format} records decoded on the Topics page` },
      );
      const value = ((await rows.first().locator('td').nth(3).textContent()) ?? '').replace(/\s+/g, ' ');
      for (const field of ['"orderid"', '"itemid"', '"orderunits"', '"city"']) expect(value).toContain(field);
      expect(
        await rows
          .first()
          .getByRole('link', { name: `${t}-value v1` })
          .count(),
      ).toBe(1);
      await finish(`topics-${format}`);
    }
  }, 180_000);

  it('lists subjects with a filter, shows a version with its schema, and changes compatibility, checked in the registry', async () => {
    // A second subject the filter must hide, and a second version of ours (compatible: a field with a default).
    await registry('POST', `/subjects/${name}-other-value/versions`, { schema: '"string"' });
    const v1 = await registry<{ schema: string }>('GET', `/subjects/${subject}/versions/1`);
    const avro = JSON.parse(v1.schema) as { fields: unknown[] };
    avro.fields.push({ name: 'note', type: ['null', 'string'], default: null });
    const { id: id2 } = await registry<{ id: number }>('POST', `/subjects/${subject}/versions`, {
      schema: JSON.stringify(avro),
    });

    await page.goto(`${rest.urls[0]}/ui/schemas`);
    await page.getByRole('heading', { name: 'Schema registry', level: 1 }).waitFor();
    await page.getByLabel('Global compatibility').waitFor({ timeout: 30_000 });
    expect(await page.getByLabel('Global compatibility').inputValue()).toBe(
      (await registry<{ compatibilityLevel: string }>('GET', '/config')).compatibilityLevel,
    );
    await page.getByRole('searchbox', { name: 'Filter' }).fill(`${name}-orders`);
    await page.getByRole('link', { name: subject }).waitFor();
    expect(await page.getByRole('link', { name: `${name}-other-value` }).count()).toBe(0);
    await finish('schema-subjects');

    await page.getByRole('link', { name: subject }).click();
    await page.getByRole('heading', { name: 'Version 2' }).waitFor({ timeout: 30_000 });
    const versions = page.getByRole('list', { name: 'Versions' });
    expect(await versions.getByRole('listitem').allTextContents()).toEqual(['version 2', 'version 1']);
    const facts = page.locator('section', { has: page.getByRole('heading', { name: 'Version 2' }) });
    await expect.poll(async () => (await facts.textContent()) ?? '').toContain(`${id2}`);
    expect((await facts.textContent()) ?? '').toContain('AVRO');
    const schemaText =
      (await page.getByRole('figure', { name: 'Schema of version 2' }).locator('pre').textContent()) ?? '';
    // Pretty-printed: one field per line, indented.
    expect(schemaText).toContain('\n  "fields": [');
    expect(JSON.parse(schemaText)).toEqual(avro);

    // The subject inherits the global level until the page sets its own.
    await expect.poll(() => page.getByText('inherited from the global level').count()).toBe(1);
    await page.getByLabel('Compatibility of this subject').selectOption('FULL_TRANSITIVE');
    await eventually(
      async () => {
        const c = await registry<{ compatibilityLevel: string }>('GET', `/config/${subject}`).catch(() => null);
        return c?.compatibilityLevel === 'FULL_TRANSITIVE';
      },
      { what: 'the subject compatibility set through the console' },
    );
    await page.getByRole('button', { name: 'Use the global level' }).waitFor();
    // And the global level, checked in the registry too.
    await page.getByRole('link', { name: 'Schema registry', exact: true }).first().click();
    await page.getByLabel('Global compatibility').selectOption('FORWARD');
    await eventually(
      async () => (await registry<{ compatibilityLevel: string }>('GET', '/config')).compatibilityLevel === 'FORWARD',
      { what: 'the global compatibility set through the console' },
    );
    await registry('PUT', '/config', { compatibility: 'BACKWARD' });
  }, 120_000);

  it('soft-deletes a version after a confirmation and marks it, then deletes it permanently', async () => {
    await page.goto(`${rest.urls[0]}/ui/schemas/${subject}?version=1`);
    await page.getByRole('heading', { name: 'Version 1' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Delete version' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Delete version 1 of ${subject}?`).waitFor();
    await dialog.getByRole('button', { name: 'Delete version' }).click();
    await eventually(
      async () => JSON.stringify(await registry<number[]>('GET', `/subjects/${subject}/versions`)) === '[2]',
      { what: 'version 1 soft-deleted through the console' },
    );
    expect(await registry<number[]>('GET', `/subjects/${subject}/versions?deleted=true`)).toEqual([1, 2]);
    const v1 = page.getByRole('list', { name: 'Versions' }).getByRole('listitem').filter({ hasText: 'version 1' });
    await v1.getByText('soft-deleted').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Delete permanently' }).waitFor();
    await finish('schema-subject');

    await page.getByRole('button', { name: 'Delete permanently' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete permanently' }).click();
    await eventually(
      async () =>
        JSON.stringify(await registry<number[]>('GET', `/subjects/${subject}/versions?deleted=true`)) === '[2]',
      { what: 'version 1 deleted permanently through the console' },
    );
    // Nothing the browser received carried the registry's credentials; the worker's log scrubs them.
    expect(bodies.length).toBeGreaterThan(10);
    for (const b of bodies) expect(b).not.toContain('registry-s3cret');
    expect(runtime.loggers.secrets.scrub(`user ${REGISTRY_USER}`)).not.toContain('registry-s3cret');
  }, 120_000);

  it('says how to configure a registry when the worker names none', async () => {
    await page.goto(`${bare.urls[0]}/ui/schemas`);
    await page.getByRole('heading', { name: 'No schema registry configured' }).waitFor({ timeout: 30_000 });
    expect((await page.locator('main').textContent()) ?? '').toContain('tributary.console.schema.registry.url');
    await finish('schema-not-configured');
    // The Topics page offers the registry formats disabled, saying why.
    await page.goto(`${bare.urls[0]}/ui/topics/${topic}`);
    const avro = page.getByRole('option', { name: 'Avro (no registry)' });
    await avro.waitFor({ state: 'attached' });
    expect(await avro.isDisabled()).toBe(true);
    const res = await fetch(`${bare.urls[0]}/tributary/topics/${topic}/records?format=avro`);
    expect(res.status).toBe(404);
  }, 60_000);
});
