// The console behind tributary.console.token: Chromium loads it, is asked for the token once, and manages connectors with it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type RunningRestServer, startRestServer } from '@tributary/rest';
import type { ConnectRuntime } from '@tributary/runtime';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestWorker, stopTestWorkers, testWorkerProps, unique } from '../helpers.js';
import { buildConsole, launchBrowser, screenshot } from './harness.js';

const TOKEN = 'console-token-for-the-ui-test';
let runtime: ConnectRuntime;
let rest: RunningRestServer;
let browser: BrowserContext;
let page: Page;
let tmp: string;
const name = unique('ui-token');

async function api(method: string, p: string, body?: unknown, token: string | null = TOKEN): Promise<Response> {
  return fetch(rest.urls[0] + p, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  buildConsole();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tributary-ui-token-'));
  const input = path.join(tmp, 'in.txt');
  writeFileSync(input, 'a\nb\n');
  [runtime, browser] = await Promise.all([
    startTestWorker(testWorkerProps(name, { 'tributary.console.token': TOKEN })),
    launchBrowser(),
  ]);
  rest = await startRestServer({
    herder: runtime.herder,
    listeners: 'http://127.0.0.1:0',
    security: runtime.restSecurity,
  });
  const created = await api('POST', '/connectors', {
    name: `${name}-source`,
    config: { 'connector.class': 'FileStreamSource', file: input, topic: `${name}-out`, 'tasks.max': '1' },
  });
  expect(created.status).toBe(201);
  page = await browser.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rest?.close();
  await stopTestWorkers();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('console with a bearer token', () => {
  it('asks for the token once, then lists and pauses connectors with it', async () => {
    expect((await api('GET', '/connectors', undefined, null)).status).toBe(401);
    const asked: string[] = [];
    page.on('dialog', (d) => {
      asked.push(d.message());
      void d.accept(TOKEN);
    });
    await page.goto(`${rest.urls[0]}/ui/connectors`);
    await page.getByRole('link', { name: `${name}-source` }).waitFor({ timeout: 30_000 });
    await page.getByLabel('Select all shown connectors').check();
    await page
      .getByRole('toolbar', { name: 'Actions on selected connectors' })
      .getByRole('button', { name: 'Pause' })
      .click();
    await page.getByRole('dialog').getByRole('button', { name: 'Pause' }).click();
    await eventually(
      async () => {
        const s = (await (await api('GET', `/connectors/${name}-source/status`)).json()) as {
          connector: { state: string };
        };
        return s.connector.state === 'PAUSED';
      },
      { what: 'the connector paused from the console' },
    );
    await page.locator('tbody .badge', { hasText: 'PAUSED' }).first().waitFor();
    await screenshot(page, 'console-token');
    // Several calls were made; the token was asked for once and kept for the tab.
    expect(asked).toEqual(['This worker needs its console token (tributary.console.token):']);
  }, 90_000);
});
