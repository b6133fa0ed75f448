// Console bench (issue 17): the built console's size, and first paint and time to a rendered overview in
// Debian's Chromium against a worker (the built CLI) running 10 connectors. Median of 5 cold loads.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(repo, 'packages/cli/dist/bin.js');
const ASSETS = path.join(repo, 'packages/ui/dist/public');
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function runUiBench(bootstrap) {
  console.log('\n== console bench: built assets, then 5 cold loads of /ui in Chromium (worker with 10 connectors)');
  const all = files(ASSETS);
  const raw = all.reduce((n, f) => n + statSync(f).size, 0);
  const gz = all.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0);
  console.log(`console assets: ${all.length} files, ${raw} B, ${gz} B gzipped (budget 204800 B)`);

  const name = `bench-ui-${Date.now()}`;
  const dir = path.join(os.tmpdir(), name);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const props = path.join(dir, 'worker.properties');
  writeFileSync(
    props,
    [
      `bootstrap.servers=${bootstrap.join(',')}`,
      `group.id=${name}`,
      `config.storage.topic=${name}-configs`,
      `offset.storage.topic=${name}-offsets`,
      `status.storage.topic=${name}-status`,
      'config.storage.replication.factor=1',
      'offset.storage.replication.factor=1',
      'status.storage.replication.factor=1',
      'offset.storage.partitions=5',
      'status.storage.partitions=2',
      `listeners=http://127.0.0.1:${port}`,
      'rest.advertised.host.name=127.0.0.1',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [BIN, 'distributed', props], {
    stdio: 'ignore',
    env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${port}`;
  let browser;
  try {
    for (let i = 0; i < 1200; i++) {
      if (
        await fetch(`${url}/`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await sleep(50);
    }
    for (let i = 0; i < 10; i++) {
      for (;;) {
        const r = await fetch(`${url}/connectors`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            name: `${name}-gen-${i}`,
            config: {
              'connector.class': 'DatagenConnector',
              'kafka.topic': `${name}-t`,
              quickstart: 'orders',
              'max.interval': '1000',
            },
          }),
        }).catch(() => null);
        if (r && (r.status === 201 || r.status === 409)) break;
        await sleep(200);
      }
    }
    const { chromium } = await import('playwright-core');
    // launch() gives every run a fresh temporary profile (its own --user-data-dir).
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
    const fcp = [];
    const ready = [];
    const bytes = [];
    for (let i = 0; i < 5; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${url}/ui/`);
      await page.locator('.counts').first().waitFor();
      const m = await page.evaluate(`(() => {
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        const nav = performance.getEntriesByType('navigation')[0];
        const res = performance.getEntriesByType('resource');
        return {
          fcp: paint ? paint.startTime : -1,
          ready: performance.now(),
          bytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0),
        };
      })()`);
      fcp.push(Math.round(m.fcp));
      ready.push(Math.round(m.ready));
      bytes.push(m.bytes);
      await context.close();
    }
    console.log(`first contentful paint: median ${median(fcp)} ms of ${fcp.join(', ')}`);
    console.log(`overview rendered with live data: median ${median(ready)} ms of ${ready.join(', ')}`);
    console.log(`bytes transferred for a cold load (assets + API calls): median ${median(bytes)} B`);
  } finally {
    await browser?.close();
    child.kill('SIGTERM');
  }
}
