/** Where the service harness keeps things: repository root, cache and state directories, Kafka ports, and pom.xml properties. */
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
  /** Kafka's client port: `$TRIBUTARY_KAFKA_PORT`, default 9092. */
  kafkaPort: number;
  /** The KRaft controller port: `$TRIBUTARY_KAFKA_CONTROLLER_PORT`, default the client port + 1. */
  kafkaControllerPort: number;
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
  const kafkaPort = portFrom(env.TRIBUTARY_KAFKA_PORT, 9092);
  const kafkaControllerPort = portFrom(env.TRIBUTARY_KAFKA_CONTROLLER_PORT, kafkaPort + 1);
  return { root: repoRoot(), cacheDir, stateDir, kafkaPort, kafkaControllerPort };
}

function portFrom(value: string | undefined, fallback: number): number {
  if (!value) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`not a port: ${value}`);
  return n;
}

/** Reads `<name>` from the `<properties>` of a pom.xml. */
export function pomProperty(pomFile: string, name: string): string {
  const text = readFileSync(pomFile, 'utf8');
  const m = new RegExp(`<${name.replace(/\./g, '\\.')}>\\s*([^<\\s]+)\\s*</`).exec(text);
  if (!m?.[1]) throw new Error(`${pomFile} has no <${name}> property`);
  return m[1];
}
