// A private Kafka broker (own data directory and ports) for tests that stop and start it, e.g. broker outages.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOG4J2, KAFKA_HOST, kafkaJars, randomClusterId, serverProperties } from './kafka.js';
import { probeKafka, warmCoordinators } from './kafka-wire.js';
import { checkJava, fetchJars, javaBin } from './maven.js';
import { harnessPaths } from './paths.js';
import { freePort, run, tail, waitFor } from './proc.js';

/** A running private broker; the harness's shared broker is never touched. */
export interface PrivateKafka {
  /** host:port for bootstrap.servers. */
  bootstrap: string;
  port: number;
  dir: string;
  logFile: string;
  /** Stops the broker (SIGTERM, then SIGKILL after 30 s); its data stays for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data; resolves once it answers and its coordinators are ready. */
  start(): Promise<void>;
  /** Stops it and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

/**
 * Formats a fresh single-node KRaft broker in a temporary directory and starts it on free ports,
 * with the jars and settings of the harness's broker (`serverProperties`).
 */
export async function startPrivateKafka(): Promise<PrivateKafka> {
  // A free port can be taken by someone else before the broker binds it: try again on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts();
    } catch (err) {
      if (attempt >= 3 || !/BindException|Address already in use/.test(String(err))) throw err;
    }
  }
}

async function startOnFreePorts(): Promise<PrivateKafka> {
  await checkJava();
  const paths = harnessPaths();
  const libs = await fetchJars(kafkaJars(paths), () => undefined);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-kafka-'));
  const data = path.join(dir, 'data');
  const config = path.join(dir, 'server.properties');
  const log4j = path.join(dir, 'log4j2.properties');
  const logFile = path.join(dir, 'kafka.log');
  const port = await freePort(KAFKA_HOST);
  let controllerPort = await freePort(KAFKA_HOST);
  while (controllerPort === port) controllerPort = await freePort(KAFKA_HOST);
  mkdirSync(data, { recursive: true });
  writeFileSync(config, serverProperties(data, port, controllerPort));
  writeFileSync(log4j, LOG4J2);
  const format = await run(javaBin(), [
    `-Dlog4j2.configurationFile=${log4j}`,
    '-cp',
    `${libs}/*`,
    'kafka.tools.StorageTool',
    'format',
    '--cluster-id',
    randomClusterId(),
    '--config',
    config,
    '--standalone',
  ]);
  if (format.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`kafka.tools.StorageTool format failed:\n${format.output.trim()}`);
  }
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    const fd = openSync(logFile, 'a');
    try {
      child = spawn(
        javaBin(),
        [
          '-Xms256m',
          '-Xmx512m',
          '-XX:+UseG1GC',
          '-Djava.awt.headless=true',
          `-Dlog4j2.configurationFile=${log4j}`,
          `-Dkafka.logs.dir=${dir}`,
          '-cp',
          `${libs}/*`,
          'kafka.Kafka',
          config,
        ],
        { cwd: dir, stdio: ['ignore', fd, fd] },
      );
    } finally {
      closeSync(fd);
    }
    const proc = child;
    await waitFor(
      `private Kafka on ${KAFKA_HOST}:${port}`,
      90_000,
      async () => {
        const p = await probeKafka(KAFKA_HOST, port, 2000);
        return p.kind === 'kafka' && p.ready ? true : undefined;
      },
      {
        abort: () =>
          proc.exitCode !== null || proc.signalCode !== null
            ? `the broker exited; last lines of ${logFile}:\n${tail(logFile)}`
            : undefined,
      },
    );
    await warmCoordinators(KAFKA_HOST, port, 30_000);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await exited(proc);
    clearTimeout(timer);
  };

  try {
    await start();
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    bootstrap: `${KAFKA_HOST}:${port}`,
    port,
    dir,
    logFile,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
