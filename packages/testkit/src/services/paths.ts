import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServicesOptions } from './types.js';

export interface HarnessPaths {
  /** The repository root (holds scripts/kafka/pom.xml). */
  root: string;
  cacheDir: string;
  stateDir: string;
}

/** The repository root: `$TRIBUTARY_ROOT`, else the nearest ancestor of this file that holds scripts/kafka/pom.xml. */
export function repoRoot(): string {
  const fromEnv = process.env.TRIBUTARY_ROOT;
  if (fromEnv) return resolve(fromEnv);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'kafka', 'pom.xml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error('cannot find the Tributary repository (scripts/kafka/pom.xml); set TRIBUTARY_ROOT');
    }
    dir = parent;
  }
}

export function harnessPaths(opts: ServicesOptions = {}): HarnessPaths {
  const env = opts.env ?? process.env;
  const cacheDir = resolve(
    opts.cacheDir ?? env.TRIBUTARY_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tributary'),
  );
  const stateDir = resolve(opts.stateDir ?? env.TRIBUTARY_STATE_DIR ?? join(cacheDir, 'run'));
  return { root: repoRoot(), cacheDir, stateDir };
}

/** Reads `<name>` from the `<properties>` of a pom.xml. */
export function pomProperty(pomFile: string, name: string): string {
  const text = readFileSync(pomFile, 'utf8');
  const m = new RegExp(`<${name.replace(/\./g, '\\.')}>\\s*([^<\\s]+)\\s*</`).exec(text);
  if (!m?.[1]) throw new Error(`${pomFile} has no <${name}> property`);
  return m[1];
}
