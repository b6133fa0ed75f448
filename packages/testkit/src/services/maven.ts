/** Fetches the jars a scripts/<name>/pom.xml depends on (Kafka, S3Proxy) with Maven once, and checks for Java. */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pomProperty } from './paths.js';
import { run, writeText } from './proc.js';

export interface JarSet {
  /** e.g. `kafka` or `s3proxy`: the folder under scripts/ that holds pom.xml. */
  name: string;
  version: string;
  /** Directory holding the jars. */
  libs: string;
}

/** The pom under scripts/<name>/ and the cache directory its jars go to (`<cache>/<name>-<version>/libs`). */
export function jarSet(
  root: string,
  cacheDir: string,
  name: string,
  versionProperty: string,
): JarSet & { pom: string } {
  const pom = join(root, 'scripts', name, 'pom.xml');
  const version = pomProperty(pom, versionProperty);
  return { name, version, pom, libs: join(cacheDir, `${name}-${version}`, 'libs') };
}

const MARKER = '.complete';

export function jarsPresent(set: JarSet): boolean {
  return existsSync(join(set.libs, MARKER));
}

/**
 * Fetches the jars a pom depends on with `mvn dependency:copy-dependencies`, once. The marker file is written
 * only after a complete download, so an interrupted one is redone.
 */
export async function fetchJars(set: JarSet & { pom: string }, log: (line: string) => void): Promise<string> {
  if (jarsPresent(set)) return set.libs;
  const partial = `${set.libs}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const started = Date.now();
  log(`fetching ${set.name} ${set.version} jars with Maven into ${set.libs} (first run only)`);
  const res = await run('mvn', [
    '-q',
    '-B',
    '-Dstyle.color=never',
    '-f',
    set.pom,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${partial}`,
  ]);
  if (res.code !== 0) {
    rmSync(partial, { recursive: true, force: true });
    const hint = res.code === 127 ? ' (is Maven installed and `mvn` on PATH?)' : '';
    throw new Error(`mvn failed for ${set.pom}${hint}:\n${res.output.trim()}`);
  }
  if (!readdirSync(partial).some((f) => f.endsWith('.jar'))) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`mvn copied no jars for ${set.pom}`);
  }
  rmSync(set.libs, { recursive: true, force: true });
  renameSync(partial, set.libs);
  writeText(join(set.libs, MARKER), `${new Date().toISOString()}\n`);
  log(`fetched ${set.name} ${set.version} jars in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return set.libs;
}

let javaChecked: Promise<void> | undefined;

/** Fails with a clear message unless `java` is on PATH and at least version 17. */
export function checkJava(): Promise<void> {
  javaChecked ??= (async () => {
    const res = await run(javaBin(), ['-version']);
    if (res.code !== 0)
      throw new Error(`Java 17+ is needed to run Kafka and S3Proxy; \`${javaBin()} -version\` failed:\n${res.output}`);
    const m = /version "(\d+)(?:\.(\d+))?/.exec(res.output);
    const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
    if (major < 17) throw new Error(`Java 17+ is needed to run Kafka and S3Proxy; found: ${res.output.split('\n')[0]}`);
  })();
  return javaChecked;
}

export function javaBin(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}
