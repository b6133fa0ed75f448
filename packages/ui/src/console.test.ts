// The console's build (size budget, no remote URL) and its secret masking rules.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HIDDEN, isSecret, masked, unmasked } from '../app/secrets.js';
import { consoleAssetsDir, consoleBuilt } from './index.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('the console build', () => {
  it('writes index.html and hashed assets, under 200 kB gzipped in all, loading nothing from elsewhere', () => {
    execFileSync(process.execPath, [path.resolve(import.meta.dirname, '..', 'build.mjs')], { stdio: 'ignore' });
    expect(consoleBuilt()).toBe(true);
    const all = files(consoleAssetsDir());
    const gzipped = all.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0);
    expect(gzipped).toBeLessThan(200 * 1024);
    const html = readFileSync(path.join(consoleAssetsDir(), 'index.html'), 'utf8');
    expect(html).toMatch(/src="\/ui\/assets\/main-[A-Z0-9]+\.js"/);
    // Works offline: no script, style or font is fetched from another origin.
    for (const f of all) expect(readFileSync(f, 'utf8'), f).not.toMatch(/(src|href)=["']?https?:\/\//);
  });
});

describe('secrets', () => {
  it('treats PASSWORD-typed keys, *.password, *.secret* and sasl.jaas.config as secret', () => {
    for (const k of [
      'connection.password',
      'password',
      'ssl.key.password',
      'aws.secret.access.key',
      'secret.key',
      'sasl.jaas.config',
      'producer.override.sasl.jaas.config',
    ])
      expect(isSecret(k), k).toBe(true);
    for (const k of ['topics', 'file', 'password.encoder.kind.x', 'tasks.max']) expect(isSecret(k), k).toBe(false);
    expect(isSecret('api.token', { type: 'PASSWORD' })).toBe(true);
  });

  it('masks secrets for display and puts the stored values back where the user left them hidden or empty', () => {
    const stored = { topics: 't', 'connection.password': 'pw', 'db.secret': 's' };
    const defs = new Map();
    expect(masked(stored, defs)).toEqual({ topics: 't', 'connection.password': HIDDEN, 'db.secret': HIDDEN });
    expect(unmasked({ topics: 'u', 'connection.password': HIDDEN, 'db.secret': 'new' }, stored, defs)).toEqual({
      topics: 'u',
      'connection.password': 'pw',
      'db.secret': 'new',
    });
    expect(unmasked({ 'connection.password': '' }, stored, defs)).toEqual({ 'connection.password': 'pw' });
  });
});
