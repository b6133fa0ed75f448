/**
 * The tarballs a user installs from: @tributary/api and @tributary/testkit as `pnpm pack` makes them, and the
 * self-contained CLI of scripts/pack-cli.mjs. Packed once per directory; the tests of the installed command
 * and of a connector package outside the workspace share them.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Tarballs {
  api: string;
  testkit: string;
  cli: string;
}

async function pnpmPack(pkgDir: string, outDir: string): Promise<string> {
  const before = new Set(readdirSync(outDir));
  await run('pnpm', ['pack', '--pack-destination', outDir], { cwd: pkgDir, maxBuffer: 16 << 20 });
  const made = readdirSync(outDir).find((f) => !before.has(f) && f.endsWith('.tgz'));
  if (!made) throw new Error(`pnpm pack in ${pkgDir} wrote no tarball to ${outDir}`);
  return path.join(outDir, made);
}

export async function packTarballs(outDir: string): Promise<Tarballs> {
  mkdirSync(outDir, { recursive: true });
  // One at a time: each pack is found as the one new file in outDir.
  const api = await pnpmPack(path.join(repo, 'packages/api'), outDir);
  const testkit = await pnpmPack(path.join(repo, 'packages/testkit'), outDir);
  const { stdout } = await run(process.execPath, [path.join(repo, 'scripts/pack-cli.mjs'), outDir], {
    cwd: repo,
    maxBuffer: 16 << 20,
  });
  return { api, testkit, cli: stdout.trim().split('\n').pop()! };
}
