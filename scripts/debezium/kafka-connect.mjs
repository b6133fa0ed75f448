// Starting a real Kafka Connect 4.3.1 worker (standalone or distributed) from jars fetched with Maven: the one place the
// comparison scripts (compare.mjs, compare-mariadb.mjs, jdbc-sink/connect.mjs) and the tests in test/kafka-connect/ do it.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@tributary/testkit';

const here = path.dirname(new URL(import.meta.url).pathname);
/** The pom with only Kafka Connect and its file, JSON and transforms plugins. */
export const FILE_CONNECT_POM = path.join(here, 'kafka-connect/pom.xml');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A Java .properties text; backslashes are escaped, as Properties.load() reads them. */
export const props = (o) =>
  `${Object.entries(o)
    .map(([k, v]) => `${k}=${String(v).replaceAll('\\', '\\\\')}`)
    .join('\n')}\n`;

/** The testkit's: below the ephemeral range, so a restarted worker finds its port free again. */
export { freePort };

/**
 * The jars of `pom` (copy-dependencies) in `<cacheDir>/libs`, fetched once. A marker records the pom they were fetched
 * for, so editing the pom refetches. A lock file keeps two processes (two test files on a fresh machine) from
 * fetching into the same directory at once.
 */
export function ensureJars(pom, cacheDir, log = (m) => process.stderr.write(`[kafka-connect] ${m}\n`)) {
  const text = readFileSync(pom, 'utf8');
  const libs = path.join(cacheDir, 'libs');
  const marker = path.join(cacheDir, '.complete');
  const fetched = () => existsSync(marker) && readFileSync(marker, 'utf8') === text;
  if (fetched()) return libs;
  mkdirSync(cacheDir, { recursive: true });
  const lock = path.join(cacheDir, '.lock');
  let fd;
  for (;;) {
    try {
      fd = openSync(lock, 'wx');
      break;
    } catch {
      // A lock older than ten minutes belongs to a fetch that was killed.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 600_000)
        rmSync(lock, { force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    if (fetched()) return libs;
    log(`fetching the jars of ${pom} into ${libs}`);
    rmSync(libs, { recursive: true, force: true });
    const r = spawnSync('mvn', ['-q', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`mvn failed (exit ${r.status ?? r.signal})`);
    writeFileSync(marker, text);
    return libs;
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

/** The Kafka Connect 4.3.1 jars with the file connectors, in ~/.cache/tributary/kafka-connect-file-4.3.1/libs. */
export function ensureFileConnectJars() {
  const version = /<kafka\.version>([^<]+)</.exec(readFileSync(FILE_CONNECT_POM, 'utf8'))?.[1];
  return ensureJars(
    FILE_CONNECT_POM,
    process.env.KAFKA_CONNECT_CACHE ?? path.join(os.homedir(), '.cache/tributary', `kafka-connect-file-${version}`),
  );
}

export const BASIC_AUTH_POM = path.join(here, 'kafka-connect-basic-auth/pom.xml');

/** Kafka Connect 4.3.1's basic-auth REST extension jar, in ~/.cache/tributary/kafka-connect-basic-auth-4.3.1/libs. */
export function ensureBasicAuthJars() {
  return ensureJars(
    BASIC_AUTH_POM,
    process.env.KAFKA_CONNECT_BASIC_AUTH_CACHE ??
      path.join(os.homedir(), '.cache/tributary', 'kafka-connect-basic-auth-4.3.1'),
  );
}

/** The status code of a GET over https trusting `tls.ca` (fetch takes no CA). */
function httpsStatus(url, headers, tls) {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { headers, agent: false, ...tls }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** JVM options that start a worker in about half the time (tests); benchmarks leave them out, as they cost throughput. */
export const FAST_START_JVM = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto'];

/**
 * Starts a Kafka Connect worker JVM: `mode` 'standalone' (with `connectors`, each a properties object with its name)
 * or 'distributed'. `worker` holds the worker keys; `listeners` is set here. Resolves once the REST API answers
 * (with `readyHeaders`, e.g. an Authorization, on the probe). `classpath` adds jar directories (extensions).
 * `https` ({ ca, key?, cert? }, PEM) makes the listener https (the worker keys hold its ssl.*) and the probe trust ca.
 */
export async function startKafkaConnect({
  libs,
  dir,
  mode = 'distributed',
  worker,
  connectors = [],
  jvmOptions = [],
  readyTimeoutMs = 120_000,
  classpath = [],
  readyHeaders = {},
  https = null,
}) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `${https ? 'https' : 'http'}://127.0.0.1:${port}`;
  const tag = `${mode}-${port}`;
  const workerFile = path.join(dir, `connect-${tag}.properties`);
  const logFile = path.join(dir, `connect-${tag}.log`);
  const outFile = path.join(dir, `connect-${tag}.out`);
  const log4j = path.join(dir, `log4j2-${tag}.properties`);
  writeFileSync(workerFile, props({ listeners: url, 'rest.advertised.host.name': '127.0.0.1', ...worker }));
  const connectorFiles = connectors.map((c) => {
    const file = path.join(dir, `${c.name}.properties`);
    writeFileSync(file, props(c));
    return file;
  });
  writeFileSync(
    log4j,
    props({
      status: 'error',
      'appender.file.type': 'File',
      'appender.file.name': 'file',
      'appender.file.fileName': logFile,
      'appender.file.layout.type': 'PatternLayout',
      'appender.file.layout.pattern': '[%d] %p %m (%c)%n',
      'rootLogger.level': 'info',
      'rootLogger.appenderRef.file.ref': 'file',
    }),
  );
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin/java') : 'java';
  const main =
    mode === 'standalone'
      ? 'org.apache.kafka.connect.cli.ConnectStandalone'
      : 'org.apache.kafka.connect.cli.ConnectDistributed';
  const fd = openSync(outFile, 'a');
  const child = spawn(
    java,
    [
      ...jvmOptions,
      `-Dlog4j2.configurationFile=${log4j}`,
      '-cp',
      [libs, ...classpath].map((d) => `${d}/*`).join(path.delimiter),
      main,
      workerFile,
      ...connectorFiles,
    ],
    { stdio: ['ignore', fd, fd] },
  );
  let exited = null;
  const exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = code ?? signal;
      resolve();
    }),
  );
  const tail = (lines = 40) =>
    [outFile, logFile]
      .filter(existsSync)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n')
      .split('\n')
      .slice(-lines)
      .join('\n');
  // SIGTERM runs Kafka Connect's shutdown hook (tasks stop and commit, the worker leaves its group). Now and then the
  // JVM lingers for half a minute after the hook has logged "Kafka Connect stopped"; by then nothing is left to lose.
  const stop = async () => {
    if (exited !== null) return;
    child.kill('SIGTERM');
    const deadline = Date.now() + 30_000;
    let stoppedAt = null;
    while (exited === null) {
      if (stoppedAt === null && existsSync(logFile) && readFileSync(logFile, 'utf8').includes('Kafka Connect stopped'))
        stoppedAt = Date.now();
      if (Date.now() > deadline || (stoppedAt !== null && Date.now() - stoppedAt > 2_000)) child.kill('SIGKILL');
      await Promise.race([exit, sleep(200)]);
    }
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited !== null) throw new Error(`Kafka Connect exited (${exited}):\n${tail()}`);
    const status = https
      ? await httpsStatus(url, readyHeaders, https).catch(() => 0)
      : ((await fetch(url, { headers: readyHeaders }).catch(() => null))?.status ?? 0);
    if (status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Kafka Connect did not answer on ${url}:\n${tail()}`);
    }
    await sleep(250);
  }
  return { url, port, pid: child.pid, logFile, tail, stop, exited: () => exited };
}
