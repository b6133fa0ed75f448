/** The harness's single-node KRaft Kafka broker: jars, storage format, server.properties, start, stop and health check. */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { probeKafka, warmCoordinators } from './kafka-wire.js';
import { checkJava, fetchJars, jarSet, javaBin } from './maven.js';
import type { HarnessPaths } from './paths.js';
import {
  isAlive,
  isOurProcess,
  readOwner,
  readPid,
  readText,
  run,
  spawnDetached,
  stopProcess,
  tail,
  waitFor,
  writeText,
} from './proc.js';
import type { ServiceOwner } from './types.js';

export const KAFKA_HOST = '127.0.0.1';

export function kafkaJars(paths: HarnessPaths) {
  return jarSet(paths.root, paths.cacheDir, 'kafka', 'kafka.version');
}

export interface KafkaFiles {
  dir: string;
  data: string;
  /** A copy of freshly formatted storage: resetting the data is a copy, not another StorageTool run. */
  pristine: string;
  pid: string;
  owner: string;
  log: string;
  config: string;
  log4j: string;
  /** Class data sharing archive, dumped when the first broker of this Kafka version exits: faster JVM starts. */
  cds: string;
  /** Cluster id and `<Kafka version>@<controller port>` the storage was formatted with; written after a complete format. */
  formatted: string;
}

export function kafkaFiles(paths: HarnessPaths): KafkaFiles {
  const dir = join(paths.stateDir, 'kafka');
  const version = kafkaJars(paths).version;
  return {
    dir,
    data: join(dir, 'data'),
    pristine: join(dir, 'data.pristine'),
    pid: join(dir, 'kafka.pid'),
    owner: join(dir, 'owner'),
    log: join(dir, 'kafka.log'),
    config: join(dir, 'server.properties'),
    log4j: join(dir, 'log4j2.properties'),
    formatted: join(dir, 'formatted'),
    cds: join(dir, `kafka-${version}.jsa`),
  };
}

/** The single-node KRaft broker's server.properties (the harness's broker and private ones). */
export function serverProperties(dataDir: string, port: number, controllerPort: number): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.bootstrap.servers': `${KAFKA_HOST}:${controllerPort}`,
    listeners: `PLAINTEXT://${KAFKA_HOST}:${port},CONTROLLER://${KAFKA_HOST}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${KAFKA_HOST}:${port},CONTROLLER://${KAFKA_HOST}:${controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': dataDir,
    // One node: every internal topic with one replica, so the group and transaction coordinators
    // (idempotent producers, transactions, exactly-once source) work.
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'auto.create.topics.enable': true,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 10,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // Fast tests: no delay before the first rebalance, short session timeouts allowed.
    'group.initial.rebalance.delay.ms': 0,
    'group.min.session.timeout.ms': 1000,
    'log.cleaner.backoff.ms': 1000,
    // Tests write records with fixed timestamps from the past (time-based partitioners, replays);
    // the default seven-day retention deletes them at the first retention check, five minutes after
    // the broker starts, which shows as sinks that stop mid-drain in long runs.
    'log.retention.ms': -1,
  };
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

export const LOG4J2 = `# Written by the Tributary service harness: warnings and errors only.
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
`;

export type KafkaState =
  | { state: 'harness'; pid: number; ready: boolean; owner: ServiceOwner }
  | { state: 'external' }
  | { state: 'other'; reason: string }
  | { state: 'stopped' };

export async function kafkaState(paths: HarnessPaths): Promise<KafkaState> {
  const f = kafkaFiles(paths);
  const pid = readPid(f.pid);
  const ours = pid !== undefined && (await isOurProcess(pid, f.config));
  const probe = await probeKafka(KAFKA_HOST, paths.kafkaPort);
  if (ours) return { state: 'harness', pid, ready: probe.kind === 'kafka' && probe.ready, owner: readOwner(f.owner) };
  if (probe.kind === 'kafka') return { state: 'external' };
  if (probe.kind === 'other') return { state: 'other', reason: probe.reason };
  return { state: 'stopped' };
}

/** True when `dir` holds a complete format matching the recorded cluster id and format key (version@controller port). */
function isFormatted(f: KafkaFiles, dir: string, key: string): boolean {
  const recorded = readText(f.formatted)?.trim().split(/\s+/);
  const meta = readText(join(dir, 'meta.properties'));
  if (recorded?.length !== 2 || !meta) return false;
  const [clusterId, formattedKey] = recorded;
  const props = new Map(
    meta
      .split('\n')
      .filter((l) => l.includes('=') && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()] as const),
  );
  return (
    formattedKey === key &&
    props.get('cluster.id') === clusterId &&
    props.get('node.id') === '1' &&
    existsSync(join(dir, '__cluster_metadata-0'))
  );
}

/**
 * Gets the data directory ready to start on: kept when it holds a complete format, else reset from the
 * pristine copy, else formatted with StorageTool. Returns whether it kept existing data.
 */
async function prepareStorage(
  f: KafkaFiles,
  libs: string,
  version: string,
  log: (line: string) => void,
): Promise<boolean> {
  if (isFormatted(f, f.data, version)) return true;
  if (isFormatted(f, f.pristine, version)) {
    rmSync(f.data, { recursive: true, force: true });
    cpSync(f.pristine, f.data, { recursive: true });
    return false;
  }
  await format(f, libs, version, log);
  return false;
}

/** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (as `StorageTool random-uuid`). */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function format(f: KafkaFiles, libs: string, version: string, log: (line: string) => void): Promise<void> {
  rmSync(f.formatted, { force: true });
  rmSync(f.data, { recursive: true, force: true });
  rmSync(f.pristine, { recursive: true, force: true });
  mkdirSync(f.data, { recursive: true });
  const clusterId = randomClusterId();
  log(`formatting Kafka storage in ${f.data} (cluster id ${clusterId})`);
  const res = await run(javaBin(), [
    `-Dlog4j2.configurationFile=${f.log4j}`,
    '-cp',
    `${libs}/*`,
    'kafka.tools.StorageTool',
    'format',
    '--cluster-id',
    clusterId,
    '--config',
    f.config,
    '--standalone',
    '--ignore-formatted',
  ]);
  if (res.code !== 0) throw new Error(`kafka.tools.StorageTool format failed:\n${res.output.trim()}`);
  cpSync(f.data, f.pristine, { recursive: true });
  writeText(f.formatted, `${clusterId} ${version}\n`);
}

function startBroker(f: KafkaFiles, libs: string): number {
  writeText(f.log, `--- starting Kafka ${new Date().toISOString()}\n`);
  // Class data sharing: the first broker dumps the classes it loaded when it exits cleanly (stopKafka then
  // moves the dump into place); later brokers map them and start faster. A stale archive is ignored by the JVM.
  rmSync(`${f.cds}.tmp`, { force: true });
  const cds = existsSync(f.cds) ? `-XX:SharedArchiveFile=${f.cds}` : `-XX:ArchiveClassesAtExit=${f.cds}.tmp`;
  const pid = spawnDetached(
    javaBin(),
    [
      cds,
      '-Xlog:cds=off',
      '-Xlog:cds+dynamic=off',
      '-Xms256m',
      '-Xmx512m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${f.log4j}`,
      `-Dkafka.logs.dir=${f.dir}`,
      '-cp',
      `${libs}/*`,
      'kafka.Kafka',
      f.config,
    ],
    { cwd: f.dir, logFile: f.log },
  );
  writeText(f.pid, `${pid}\n`);
  return pid;
}

async function waitReady(pid: number, f: KafkaFiles, port: number, timeoutMs: number): Promise<void> {
  await waitFor(
    `Kafka on ${KAFKA_HOST}:${port}`,
    timeoutMs,
    async () => {
      const p = await probeKafka(KAFKA_HOST, port, 2000);
      return p.kind === 'kafka' && p.ready ? true : undefined;
    },
    {
      abort: () => (isAlive(pid) ? undefined : `the broker exited; last lines of ${f.log}:\n${tail(f.log)}`),
    },
  );
}

/**
 * Makes sure a Kafka broker answers on 127.0.0.1:9092: reuses a running one (ours or not), otherwise fetches
 * the jars, formats storage when needed and starts the broker in the background.
 * Returns whether it started one.
 */
export async function ensureKafka(
  paths: HarnessPaths,
  owner: ServiceOwner,
  log: (line: string) => void,
): Promise<boolean> {
  const f = kafkaFiles(paths);
  const jars = kafkaJars(paths);
  const port = paths.kafkaPort;
  const controllerPort = paths.kafkaControllerPort;
  const state = await kafkaState(paths);
  if (state.state === 'harness') {
    if (owner === 'persistent') writeText(f.owner, 'persistent\n');
    if (state.ready) return false;
    // Ours but not answering: still starting (a run killed mid-start), or hung. Give it a little while.
    log(`Kafka (pid ${state.pid}) is running but not ready yet; waiting`);
    try {
      await waitReady(state.pid, f, port, 30_000);
      return false;
    } catch {
      log(`Kafka (pid ${state.pid}) did not become ready; restarting it`);
      await stopProcess(state.pid, 10_000);
    }
  } else if (state.state === 'external') {
    log(`Kafka already answers on ${KAFKA_HOST}:${port} (not started by tributary); reusing it`);
    return false;
  } else if (state.state === 'other') {
    throw new Error(
      `${KAFKA_HOST}:${port} is in use by something that is not a Kafka broker (${state.reason}). ` +
        'Stop it, or point the harness at a Kafka elsewhere with KAFKA_BOOTSTRAP_SERVERS.',
    );
  }
  rmSync(f.pid, { force: true });
  const controller = await probeKafka(KAFKA_HOST, controllerPort, 1000);
  if (controller.kind !== 'closed') {
    throw new Error(`${KAFKA_HOST}:${controllerPort} (the KRaft controller port) is already in use`);
  }
  await checkJava();
  const libs = await fetchJars(jars, log);
  mkdirSync(f.dir, { recursive: true });
  writeText(f.config, serverProperties(f.data, port, controllerPort));
  writeText(f.log4j, LOG4J2);
  // The standalone format records the controller's endpoint, so a new controller port means a new format.
  const formatKey = `${jars.version}@${controllerPort}`;
  const hadData = await prepareStorage(f, libs, formatKey, log);

  const started = Date.now();
  log(`starting Kafka ${jars.version} on ${KAFKA_HOST}:${port} (log: ${f.log})`);
  let pid = startBroker(f, libs);
  writeText(f.owner, `${owner}\n`);
  try {
    await waitReady(pid, f, port, 90_000);
  } catch (err) {
    await stopProcess(pid, 5_000);
    const text = tail(f.log, 200);
    if (!hadData || /BindException|Address already in use/.test(text)) throw err;
    // Data left by a broker that was killed mid-write can keep it from starting: start over once, empty.
    log(`Kafka did not start on its existing data (${(err as Error).message.split('\n')[0]}); starting empty`);
    rmSync(f.data, { recursive: true, force: true });
    await prepareStorage(f, libs, formatKey, log);
    pid = startBroker(f, libs);
    await waitReady(pid, f, port, 90_000);
  }
  const answering = Date.now();
  if (!(await warmCoordinators(KAFKA_HOST, port, 30_000))) {
    log('Kafka group/transaction coordinators are not ready yet; clients will retry');
  }
  const secs = (ms: number): string => (ms / 1000).toFixed(1);
  log(
    `Kafka ready in ${secs(Date.now() - started)}s (pid ${pid}; answered after ${secs(answering - started)}s, ` +
      `coordinators after ${secs(Date.now() - answering)}s more)`,
  );
  return true;
}

/** Stops the broker the harness started, if any. */
export async function stopKafka(paths: HarnessPaths, purge: boolean, log: (line: string) => void): Promise<boolean> {
  const f = kafkaFiles(paths);
  const pid = readPid(f.pid);
  let stopped = false;
  if (pid !== undefined && (await isOurProcess(pid, f.config))) {
    log(`stopping Kafka (pid ${pid})`);
    const how = await stopProcess(pid, 30_000);
    if (how === 'killed') log('Kafka did not stop within 30s; killed it');
    stopped = true;
    // A class data sharing dump is complete only when the JVM exited by itself.
    if (how === 'terminated' && existsSync(`${f.cds}.tmp`)) renameSync(`${f.cds}.tmp`, f.cds);
  }
  rmSync(`${f.cds}.tmp`, { force: true });
  rmSync(f.pid, { force: true });
  rmSync(f.owner, { force: true });
  // The next start copies the pristine format back.
  if (purge) rmSync(f.data, { recursive: true, force: true });
  return stopped;
}

/** Probes a Kafka given by address (KAFKA_BOOTSTRAP_SERVERS): true when the first server answers as Kafka. */
export async function kafkaAnswers(bootstrap: string): Promise<boolean> {
  const first = bootstrap.split(',')[0]?.trim() ?? '';
  const idx = first.lastIndexOf(':');
  if (idx < 0) return false;
  const host = first.slice(0, idx).replace(/^\[|\]$/g, '');
  const port = Number(first.slice(idx + 1));
  const p = await probeKafka(host, port);
  return p.kind === 'kafka' && p.ready;
}
