// The console tests' set-up: a built console, a real worker serving it over HTTP, and Debian's Chromium driven by playwright-core.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConsoleSchemaRegistry, type RunningRestServer, startRestServer } from '@tributary/rest';
import type { ConnectRuntime } from '@tributary/runtime';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { startTestWorker, testWorkerProps } from '../helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Chromium's flags on this closed network: no sandbox as root, no GPU, and no background connections. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const ARTIFACTS = path.resolve(import.meta.dirname, '..', 'artifacts', 'ui');

const UI = path.resolve(import.meta.dirname, '..', '..', 'packages', 'ui');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds the console from its sources, so the browser always sees what this checkout says. The console test files
 * run in parallel and a build empties dist/public first: one builds at a time (a lock directory), and a build the
 * sources have not changed since is kept, so no file's worker meets a half-written console.
 */
export function buildConsole(): void {
  const lock = path.join(UI, 'dist', '.build-lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`console build lock ${lock} held for 2 minutes`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    const index = path.join(UI, 'dist', 'public', 'index.html');
    const built = existsSync(index) ? statSync(index).mtimeMs : 0;
    if (built <= Math.max(newestSource(path.join(UI, 'app')), statSync(path.join(UI, 'build.mjs')).mtimeMs))
      execFileSync(process.execPath, [path.join(UI, 'build.mjs')], { stdio: 'ignore' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface ConsoleWorker {
  runtime: ConnectRuntime;
  rest: RunningRestServer;
  url: string;
}

/**
 * A distributed worker (its own group and internal topics) with its REST API, and so the console, on a free port;
 * the console's schema registry is the one the worker config names, as the CLI does it.
 */
export async function startConsoleWorker(name: string, extra: Record<string, string> = {}): Promise<ConsoleWorker> {
  const props = testWorkerProps(name, extra);
  const runtime = await startTestWorker(props);
  const rest = await startRestServer({
    herder: runtime.herder,
    listeners: 'http://127.0.0.1:0',
    schemaRegistry: ConsoleSchemaRegistry.fromWorkerConfig(props),
  });
  return { runtime, rest, url: rest.urls[0]! };
}

/** A fresh Chromium profile per run: the flags above need a --user-data-dir of their own. */
export async function launchBrowser(): Promise<BrowserContext> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'tributary-ui-chromium-'));
  // headless is passed as a flag (above) so that exactly these flags start Chromium.
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: false,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
  });
}

/** Saves a full-page screenshot as a test artifact (test/artifacts/ui, git-ignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
