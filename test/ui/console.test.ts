// The web console end to end: a real worker and Kafka, Debian's Chromium clicking through each journey of issue 17.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kafkaBootstrap, stopTestWorkers, unique, createTopic } from '../helpers.js';
import { type ConsoleWorker, buildConsole, launchBrowser, screenshot, startConsoleWorker } from './harness.js';

let worker: ConsoleWorker;
let browser: BrowserContext;
let page: Page;
let tmp: string;
const kafka = new Kafka({ clientId: 'ui-test', brokers: kafkaBootstrap(), logLevel: 0 });

beforeAll(async () => {
  buildConsole();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tributary-ui-'));
  [worker, browser] = await Promise.all([startConsoleWorker(unique('ui')), launchBrowser()]);
  page = await browser.newPage();
  // A console error (a failed fetch, a React-style crash) fails the journey that caused it.
  page.on('pageerror', (e) => pageErrors.push(String(e)));
});

afterAll(async () => {
  await browser?.close();
  await worker?.rest.close();
  await stopTestWorkers();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const pageErrors: string[] = [];

// A failed journey leaves a screenshot of where it stopped.
afterEach(async (ctx) => {
  if ((ctx.task.result?.state === 'fail' || (ctx.task.result?.errors?.length ?? 0) > 0) && page)
    await screenshot(page, `FAILED-${ctx.task.name.slice(0, 40)}`);
});

async function rest<T>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(worker.url + p, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

interface Status {
  connector: { state: string };
  tasks: Array<{ id: number; state: string; trace?: string }>;
}
const status = (name: string): Promise<Status> => rest<Status>('GET', `/connectors/${encodeURIComponent(name)}/status`);

async function open(p: string): Promise<void> {
  await page.goto(worker.url + '/ui' + p);
}

/** Every form control on the page has a label (or aria-label): the console's controls are all named. */
async function expectLabelled(): Promise<void> {
  // Evaluated in the page (as a string: this file is compiled without the DOM's types).
  const unlabelled = await page.evaluate<string[]>(`[...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && el.labels.length === 0 && !el.getAttribute('aria-label'))
    .map((el) => el.outerHTML.slice(0, 120))`);
  expect(unlabelled).toEqual([]);
}

async function finish(name: string): Promise<void> {
  await expectLabelled();
  await screenshot(page, name);
  expect(pageErrors).toEqual([]);
}

async function pluginValue(match: string): Promise<string> {
  await page.locator('#plugin option', { hasText: match }).first().waitFor({ state: 'attached' });
  return (await page.locator('#plugin option', { hasText: match }).first().getAttribute('value'))!;
}

/** Fills the new-connector form for `plugin`, reviews the diff and creates it; lands on the connector page. */
async function createThroughForm(plugin: string, fields: Record<string, string>): Promise<void> {
  await open('/new');
  await page.selectOption('#plugin', await pluginValue(plugin));
  await page.locator('#cfg-name').waitFor();
  for (const [key, value] of Object.entries(fields))
    await page.fill(`#cfg-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`, value);
  await page.getByText('Valid', { exact: true }).waitFor();
  await screenshot(page, `00-new-${plugin}`);
  await page.getByRole('button', { name: 'Review and create' }).click();
  await page.getByRole('heading', { name: 'Changes to apply' }).waitFor();
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL(`**/ui/connectors/${encodeURIComponent(fields.name!)}`);
}

async function produce(
  topic: string,
  messages: Array<{ key?: string; value: string; headers?: Record<string, string>; timestamp?: string }>,
) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
}

async function endOffset(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

function brokenPath(name: string): { file: string; fix(): void } {
  // Root may write anywhere, so "unwritable" is a path whose parent is a regular file (ENOTDIR).
  const blocker = path.join(tmp, `${name}-blocker`);
  writeFileSync(blocker, 'not a directory');
  return {
    file: path.join(blocker, 'out.txt'),
    fix() {
      rmSync(blocker);
      mkdirSync(blocker);
    },
  };
}

describe('the web console', () => {
  it('creates a file source and a file sink through the new-connector form and shows them RUNNING', async () => {
    const name = unique('form');
    const input = path.join(tmp, `${name}-in.txt`);
    const output = path.join(tmp, `${name}-out.txt`);
    writeFileSync(input, 'alpha\nbeta\ngamma\n');
    const topic = `${name}-lines`;

    await createThroughForm('FileStreamSource', { name: `${name}-source`, file: input, topic });
    await page.locator('h1 .badge', { hasText: 'RUNNING' }).waitFor();
    await finish('01-source-created');

    await createThroughForm('FileStreamSink', { name: `${name}-sink`, topics: topic, file: output });
    await page.locator('h1 .badge', { hasText: 'RUNNING' }).waitFor();
    await page.locator('td .badge', { hasText: 'RUNNING' }).first().waitFor();
    expect((await status(`${name}-source`)).connector.state).toBe('RUNNING');
    // The page shows the connector RUNNING as soon as it is; its task may start a moment later.
    await expect.poll(async () => (await status(`${name}-sink`)).tasks.map((t) => t.state)).toEqual(['RUNNING']);
    // The pipeline the form built really runs: the lines went through Kafka into the sink's file.
    await eventually(() => readFileSync(output, 'utf8').split('\n').filter(Boolean).length === 3, {
      what: 'three lines in the sink file',
    });
    await finish('02-sink-created');

    // The worker's own metrics, charted: the sink task read and put the three records.
    await page.getByRole('tab', { name: 'Metrics' }).click();
    await page.locator('figure.chart', { hasText: 'Sink lag per partition' }).waitFor();
    await eventually(
      async () =>
        /put: [\d.]+ rec\/s \(3 total\)/.test((await page.locator('figure.chart').first().textContent()) ?? ''),
      { what: 'a records/s chart with data' },
    );
    await finish('02b-sink-metrics');

    await open('/connectors');
    await page.getByRole('link', { name: `${name}-sink` }).waitFor();
    await page.getByLabel('Name').fill(name);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    await page.getByLabel('Type').selectOption('sink');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Type').selectOption('');
    // Bulk: pause both after the confirmation that names them.
    await page.getByLabel('Select all shown connectors').check();
    await page
      .getByRole('toolbar', { name: 'Actions on selected connectors' })
      .getByRole('button', { name: 'Pause' })
      .click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain(`${name}-source`);
    await dialog.getByRole('button', { name: 'Pause' }).click();
    await eventually(
      async () =>
        (await status(`${name}-source`)).connector.state === 'PAUSED' &&
        (await status(`${name}-sink`)).connector.state === 'PAUSED',
      { what: 'both connectors PAUSED' },
    );
    await page.locator('tbody .badge', { hasText: 'PAUSED' }).nth(1).waitFor();
    await finish('03-connectors');
  });

  it('pins a failing connector on the overview with the first line of its trace and how long it has failed', async () => {
    const name = unique('broken');
    const broken = brokenPath(name);
    await rest('POST', '/connectors', {
      name,
      config: { 'connector.class': 'FileStreamSink', topics: `${name}-in`, file: broken.file },
    });
    await eventually(async () => (await status(name)).tasks[0]?.state === 'FAILED', { what: 'the task to fail' });
    await open('/');
    const pinned = page.locator('.failure', { hasText: name });
    await pinned.waitFor();
    expect(await pinned.locator('.trace-line').textContent()).toContain("Couldn't find or create file");
    expect(await pinned.textContent()).toMatch(/failing for \d+/);
    // Health first: the failures come before the counts.
    const order = await page.evaluate<string[]>("[...document.querySelectorAll('main h2')].map((h) => h.textContent)");
    expect(order[0]).toMatch(/^Failing/);
    await finish('04-overview-failing');
    await page.setViewportSize({ width: 390, height: 800 });
    await finish('04b-overview-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });

    await pinned.getByRole('link').click();
    await page.locator('details.trace summary').first().click();
    expect(await page.locator('details.trace pre').first().textContent()).toContain('ConnectException');
    await finish('05-connector-trace');
  });

  it('restarts only the failed tasks of a connector once its cause is fixed', async () => {
    const name = unique('restart');
    const broken = brokenPath(name);
    await rest('POST', '/connectors', {
      name,
      // The manual restart is what this journey shows: no automatic one may come first.
      config: {
        'connector.class': 'FileStreamSink',
        topics: `${name}-in`,
        file: broken.file,
        'tasks.max': '1',
        'auto.restart.enable': 'false',
      },
    });
    await eventually(async () => (await status(name)).tasks[0]?.state === 'FAILED', { what: 'the task to fail' });
    await open(`/connectors/${name}`);
    await page.locator('td .badge', { hasText: 'FAILED' }).waitFor();
    broken.fix();
    await page.getByRole('button', { name: 'Restart failed' }).click();
    await page.locator('td .badge', { hasText: 'RUNNING' }).nth(1).waitFor();
    expect((await status(name)).tasks.map((t) => t.state)).toEqual(['RUNNING']);
    await finish('06-restarted-failed');
    await page.setViewportSize({ width: 390, height: 800 });
    await finish('06b-connector-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows a bad config value next to its field, and applies the fixed config after the diff', async () => {
    const name = unique('edit');
    await rest('POST', '/connectors', {
      name,
      config: { 'connector.class': 'FileStreamSink', topics: `${name}-in`, file: path.join(tmp, `${name}.txt`) },
    });
    await open(`/connectors/${name}`);
    await page.getByRole('tab', { name: 'Config' }).click();
    const tasksMax = page.getByLabel('tasks.max', { exact: false }).first();
    await page.locator('#cfg-tasks_max').waitFor();
    await page.fill('#cfg-tasks_max', 'many');
    const error = page.locator('#cfg-tasks_max-err');
    await error.waitFor();
    expect(await error.textContent()).toContain('tasks.max');
    expect(await page.locator('#cfg-tasks_max').getAttribute('aria-invalid')).toBe('true');
    await finish('07-config-error');

    await tasksMax.fill('2');
    await error.waitFor({ state: 'detached' });
    await page.getByText('Valid', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Review changes' }).click();
    const diff = page.locator('.diff');
    await diff.waitFor();
    expect(await diff.locator('tbody tr').count()).toBe(1);
    expect(await diff.locator('tbody tr').textContent()).toContain('tasks.max');
    await finish('08-config-diff');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await eventually(
      async () => (await rest<Record<string, string>>('GET', `/connectors/${name}/config`))['tasks.max'] === '2',
      {
        what: 'tasks.max=2 stored',
      },
    );
  });

  it('never shows secret config values, and keeps them when a config is applied', async () => {
    const name = unique('secret');
    const secrets = { 'connection.password': 'hunter2-pw-value', 'aws.secret.access.key': 'AKIA-secret-value' };
    await rest('POST', '/connectors', {
      name,
      config: {
        'connector.class': 'FileStreamSink',
        topics: `${name}-in`,
        file: path.join(tmp, `${name}.txt`),
        ...secrets,
      },
    });
    const noSecretShown = async (): Promise<void> => {
      const html = await page.content();
      for (const v of Object.values(secrets)) expect(html).not.toContain(v);
      const values = await page.evaluate<string[]>(
        "[...document.querySelectorAll('input, textarea')].map((e) => e.value)",
      );
      for (const v of Object.values(secrets)) expect(values.join('\n')).not.toContain(v);
    };
    await open(`/connectors/${name}`);
    await page.getByRole('tab', { name: 'Config' }).click();
    await page.locator('#cfg-connection_password').waitFor();
    expect(await page.locator('#cfg-connection_password').getAttribute('type')).toBe('password');
    await noSecretShown();
    await page.getByRole('tab', { name: 'JSON' }).click();
    expect(await page.locator('#config-json').inputValue()).toContain('"connection.password": "[hidden]"');
    await noSecretShown();
    await finish('09a-secrets-json');
    await page.getByRole('tab', { name: 'Form' }).click();
    await page.fill('#cfg-tasks_max', '3');
    await page.getByText('Valid', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Review changes' }).click();
    await page.locator('.diff').waitFor();
    await noSecretShown();
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await eventually(
      async () => (await rest<Record<string, string>>('GET', `/connectors/${name}/config`))['tasks.max'] === '3',
      {
        what: 'tasks.max=3 stored',
      },
    );
    // REST answers [hidden] for them (rest.secrets.mask); the connector still runs with the stored values.
    const shown = await rest<Record<string, string>>('GET', `/connectors/${name}/config`);
    expect(shown['connection.password']).toBe('[hidden]');
    const stored = await eventually(() => {
      const c = worker.runtime.herder.worker.runningConnector(name)?.config;
      return c?.['tasks.max'] === '3' ? c : null;
    });
    expect(stored['connection.password']).toBe(secrets['connection.password']);
    expect(stored['aws.secret.access.key']).toBe(secrets['aws.secret.access.key']);
  });

  it('stops a connector, edits its offsets and resets them', async () => {
    const name = unique('offsets');
    const input = path.join(tmp, `${name}.txt`);
    writeFileSync(input, 'one\ntwo\n');
    await rest('POST', '/connectors', {
      name,
      config: { 'connector.class': 'FileStreamSource', file: input, topic: `${name}-lines` },
    });
    await eventually(
      async () => (await rest<{ offsets: unknown[] }>('GET', `/connectors/${name}/offsets`)).offsets.length > 0,
      { what: 'committed source offsets' },
    );
    await open(`/connectors/${name}`);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop' }).click();
    await page.locator('h1 .badge', { hasText: 'STOPPED' }).waitFor();
    await page.getByRole('tab', { name: 'Offsets' }).click();
    const json = page.locator('#offsets-json');
    await eventually(async () => ((await json.inputValue()) ?? '').includes('position'), { what: 'offsets shown' });
    await finish('09-offsets');
    // Edit: move the source back to byte 4 (after "one\n") and save.
    const edited = (await json.inputValue()).replace(/"position": \d+/, '"position": 4');
    await json.fill(edited);
    await page.getByRole('button', { name: 'Save offsets' }).click();
    await eventually(
      async () =>
        JSON.stringify((await rest<{ offsets: unknown[] }>('GET', `/connectors/${name}/offsets`)).offsets).includes(
          '"position":4',
        ),
      { what: 'the edited offset stored' },
    );
    await page.getByRole('button', { name: 'Reset offsets' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reset offsets' }).click();
    await page.getByText('No committed offsets.').waitFor();
    expect((await rest<{ offsets: unknown[] }>('GET', `/connectors/${name}/offsets`)).offsets).toEqual([]);
    await finish('10-offsets-reset');
  });

  it('browses a dead letter queue record with its error headers and re-sends it to its original topic', async () => {
    const name = unique('dlq');
    const topic = `${name}-in`;
    const dlq = `${name}-dlq`;
    await createTopic(topic);
    await produce(topic, [
      { key: 'good', value: '{"id":1}' },
      { key: 'bad', value: 'not json {', headers: { 'trace-id': 'abc-123' } },
    ]);
    await rest('POST', '/connectors', {
      name,
      config: {
        'connector.class': 'FileStreamSink',
        topics: topic,
        file: path.join(tmp, `${name}.txt`),
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'false',
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': dlq,
        'errors.deadletterqueue.topic.replication.factor': '1',
        'errors.deadletterqueue.context.headers.enable': 'true',
      },
    });
    await eventually(async () => (await endOffset(dlq).catch(() => 0)) === 1, { what: 'one record in the DLQ' });
    await open('/dlq');
    await page.getByRole('link', { name: dlq }).click();
    const row = page.locator('table.records tbody tr').first();
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('not json {');
    expect(text).toContain(`${topic}-0@1`);
    expect(text).toContain('VALUE_CONVERTER');
    expect(text).toContain('trace-id');
    await finish('11-dlq');

    await row.getByRole('checkbox').check();
    await page.getByRole('button', { name: /Re-send selected/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Re-send' }).click();
    await page.getByText(`re-sent to ${topic}-0`).waitFor();
    // The record is back on its topic (offset 2) and, still not JSON, lands in the DLQ a second time.
    expect(await endOffset(topic)).toBe(3);
    await eventually(async () => (await endOffset(dlq)) === 2, { what: 'the re-sent record dead-lettered again' });
    await finish('12-dlq-resent');
  });

  it('reads the last records of a topic decoded as JSON, string or bytes', async () => {
    const topic = unique('read');
    await createTopic(topic, { partitions: 2 });
    await produce(
      topic,
      // Distinct timestamps: the console orders the records of all partitions by time.
      Array.from({ length: 30 }, (_, i) => ({
        key: `k${i}`,
        value: JSON.stringify({ n: i }),
        headers: { h: `v${i}` },
        timestamp: String(Date.now() - 30_000 + i * 1000),
      })),
    );
    await open('/topics');
    await page.getByLabel('Topic', { exact: true }).fill(topic);
    await page.getByLabel('Last').fill('5');
    await page.getByRole('button', { name: 'Read' }).click();
    await page.getByRole('heading', { name: `${topic}: last 5 records` }).waitFor();
    const rows = page.locator('table.records tbody tr');
    expect(await rows.count()).toBe(5);
    // Newest last: the five newest of 30, by timestamp, over both partitions.
    const all = (await rows.allTextContents()).join('\n');
    expect(all).toContain('"n": 29');
    expect(all).toContain('k29');
    expect(all).toContain('v29');
    await finish('13-topic-json');
    await page.getByLabel('Decode as').selectOption('bytes');
    expect(await rows.last().textContent()).toContain('7b 22 6e 22 3a 32 39 7d'); // {"n":29}
    await finish('14-topic-bytes');
  });

  it('changes a log level, with the keyboard alone', async () => {
    await open('/');
    // Keyboard: skip link, then the main navigation, to the Loggers page.
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | null>('document.activeElement?.textContent')).toBe('Skip to content');
    let found = false;
    for (let i = 0; i < 10 && !found; i++) {
      await page.keyboard.press('Tab');
      found = (await page.evaluate<string | null>('document.activeElement?.textContent')) === 'Loggers';
    }
    expect(found).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Loggers', level: 1 }).waitFor();
    const logger = `tributary.ui-test-${unique('l')}`;
    await page.getByLabel('Logger name').focus();
    await page.keyboard.type(logger);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByLabel(`Level of ${logger}`).waitFor();
    const levels = await rest<Record<string, { level: string }>>('GET', '/admin/loggers');
    expect(levels[logger]?.level).toBe('DEBUG');
    await page.getByLabel(`Level of ${logger}`).selectOption('WARN');
    await eventually(
      async () => (await rest<Record<string, { level: string }>>('GET', '/admin/loggers'))[logger]?.level === 'WARN',
      {
        what: 'level WARN',
      },
    );
    await finish('15-loggers');
  });
});
