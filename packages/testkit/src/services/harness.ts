/** The local service harness: brings Kafka, S3Proxy, Postgres and Redis up or down, with test-run sessions and environment overrides. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureKafka, KAFKA_HOST, kafkaAnswers, kafkaFiles, kafkaJars, kafkaState, stopKafka } from './kafka.js';
import { fetchJars } from './maven.js';
import { type HarnessPaths, harnessPaths } from './paths.js';
import { DEFAULT_PG_URL, ensurePostgres, pgAnswers, redactUrl } from './postgres.js';
import { isAlive, readText, withFileLock, writeText } from './proc.js';
import { DEFAULT_REDIS_URL, ensureRedis, redisAnswers } from './redis.js';
import {
  ensureS3,
  S3_ACCESS_KEY_ID,
  S3_SECRET_ACCESS_KEY,
  s3Answers,
  s3Endpoint,
  s3Files,
  s3proxyJars,
  s3State,
  stopS3,
} from './s3.js';
import type {
  ServiceEndpoints,
  ServiceName,
  ServiceSession,
  ServicesDownOptions,
  ServicesOptions,
  ServicesStatus,
  ServicesUpOptions,
  ServiceState,
} from './types.js';

const LOCK_TIMEOUT_MS = 15 * 60_000;

function defaultLog(line: string): void {
  process.stderr.write(`[services] ${line}\n`);
}

/** Addresses given through the environment; a service with one is used as is and never started. */
export interface ServiceOverrides {
  kafka?: string;
  s3?: { endpoint: string; accessKeyId: string; secretAccessKey: string };
  postgres?: string;
  redis?: string;
}

export function serviceOverrides(env: NodeJS.ProcessEnv = process.env): ServiceOverrides {
  const o: ServiceOverrides = {};
  if (env.KAFKA_BOOTSTRAP_SERVERS) o.kafka = env.KAFKA_BOOTSTRAP_SERVERS;
  if (env.S3_ENDPOINT) {
    o.s3 = {
      endpoint: env.S3_ENDPOINT.replace(/\/$/, ''),
      accessKeyId: env.S3_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID ?? S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? env.AWS_SECRET_ACCESS_KEY ?? S3_SECRET_ACCESS_KEY,
    };
  }
  if (env.PG_URL) o.postgres = env.PG_URL;
  if (env.REDIS_URL) o.redis = env.REDIS_URL;
  return o;
}

function context(opts: ServicesOptions) {
  const paths = harnessPaths(opts);
  mkdirSync(paths.stateDir, { recursive: true });
  return {
    paths,
    overrides: serviceOverrides(opts.env ?? process.env),
    log: opts.log ?? defaultLog,
    lock: join(paths.stateDir, 'lock'),
  };
}

function endpointsOf(o: ServiceOverrides, s3Port: number | undefined, kafkaPort: number): ServiceEndpoints {
  return {
    kafka: { bootstrap: o.kafka ?? `${KAFKA_HOST}:${kafkaPort}` },
    s3: o.s3 ?? {
      endpoint: s3Port === undefined ? '' : s3Endpoint(s3Port),
      accessKeyId: S3_ACCESS_KEY_ID,
      secretAccessKey: S3_SECRET_ACCESS_KEY,
    },
    postgres: { url: o.postgres ?? DEFAULT_PG_URL },
    redis: { url: o.redis ?? DEFAULT_REDIS_URL },
  };
}

async function upLocked(
  ctx: ReturnType<typeof context>,
  owner: 'persistent' | 'session',
): Promise<{ endpoints: ServiceEndpoints; started: ServiceName[] }> {
  const { paths, overrides: o, log } = ctx;
  const started: ServiceName[] = [];
  // Jars first, one Maven at a time (concurrent Maven runs can trip over the shared local repository).
  if (!o.kafka) await fetchJars(kafkaJars(paths), log);
  if (!o.s3) await fetchJars(s3proxyJars(paths), log);

  let s3Port: number | undefined;
  const tasks: Promise<void>[] = [
    (async () => {
      if (o.kafka) {
        if (!(await kafkaAnswers(o.kafka)))
          throw new Error(`Kafka does not answer at ${o.kafka} (KAFKA_BOOTSTRAP_SERVERS)`);
      } else if (await ensureKafka(paths, owner, log)) started.push('kafka');
    })(),
    (async () => {
      if (o.s3) {
        if (!(await s3Answers(o.s3.endpoint))) throw new Error(`S3 does not answer at ${o.s3.endpoint} (S3_ENDPOINT)`);
      } else {
        const res = await ensureS3(paths, owner, log);
        s3Port = res.port;
        if (res.started) started.push('s3');
      }
    })(),
    ensurePostgres(o.postgres ?? DEFAULT_PG_URL, !o.postgres, log),
    ensureRedis(o.redis ?? DEFAULT_REDIS_URL, !o.redis, log),
  ];
  const results = await Promise.allSettled(tasks);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failures.length > 0) {
    throw new Error(`services up failed:\n${failures.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return { endpoints: endpointsOf(o, s3Port, paths.kafkaPort), started };
}

/**
 * Brings Kafka, S3Proxy, Postgres and Redis up (each only when not already answering) and returns where they
 * are. Idempotent. What it starts keeps running after this process exits, until {@link servicesDown}.
 */
export async function servicesUp(opts: ServicesUpOptions = {}): Promise<ServiceEndpoints> {
  const ctx = context(opts);
  const res = await withFileLock(ctx.lock, LOCK_TIMEOUT_MS, () => upLocked(ctx, opts.owner ?? 'persistent'));
  return res.endpoints;
}

/**
 * For test runs (the vitest global setup): brings the services up like {@link servicesUp} and registers a
 * session. `release()` ends it; the last session to end stops the processes that sessions started, and
 * leaves alone what `tributary services up` started or was running before.
 */
export async function acquireServices(opts: ServicesOptions = {}): Promise<ServiceSession> {
  const ctx = context(opts);
  const sessions = join(ctx.paths.stateDir, 'sessions');
  const lease = join(sessions, `${process.pid}-${randomBytes(3).toString('hex')}`);
  const res = await withFileLock(ctx.lock, LOCK_TIMEOUT_MS, async () => {
    const r = await upLocked(ctx, 'session');
    writeText(lease, `${new Date().toISOString()}\n`);
    return r;
  });
  let released = false;
  return {
    endpoints: res.endpoints,
    started: res.started,
    release: async () => {
      if (released) return [];
      released = true;
      return withFileLock(ctx.lock, LOCK_TIMEOUT_MS, async () => {
        rmSync(lease, { force: true });
        if (liveSessions(sessions).length > 0) return [];
        const stopped: ServiceName[] = [];
        // Test runs leave nothing behind: what a session started goes away with its topics and buckets.
        if (readText(kafkaFiles(ctx.paths).owner)?.trim() === 'session') {
          if (await stopKafka(ctx.paths, true, ctx.log)) stopped.push('kafka');
        }
        if (readText(s3Files(ctx.paths).owner)?.trim() === 'session') {
          if (await stopS3(ctx.paths, true, ctx.log)) stopped.push('s3');
        }
        return stopped;
      });
    },
  };
}

/** Session leases whose process is alive; removes the others (runs that were killed). */
function liveSessions(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => {
    const pid = Number(n.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return true;
    rmSync(join(dir, n), { force: true });
    return false;
  });
}

/** Stops the Kafka and S3Proxy the harness started (whoever started them). Postgres and Redis keep running. */
export async function servicesDown(opts: ServicesDownOptions = {}): Promise<ServiceName[]> {
  const ctx = context(opts);
  return withFileLock(ctx.lock, LOCK_TIMEOUT_MS, async () => {
    const [kafka, s3] = await Promise.all([
      stopKafka(ctx.paths, opts.purge ?? false, ctx.log),
      stopS3(ctx.paths, opts.purge ?? false, ctx.log),
    ]);
    const stopped: ServiceName[] = [];
    if (kafka) stopped.push('kafka');
    if (s3) stopped.push('s3');
    return stopped;
  });
}

/**
 * Set-up that needs no running broker: fetches the Kafka and S3Proxy jars, starts the machine's Postgres and
 * Redis when they do not answer and turns on logical decoding in Postgres. `up` does all of this too.
 */
export async function servicesPrepare(opts: ServicesOptions = {}): Promise<void> {
  const ctx = context(opts);
  const { paths, overrides: o, log } = ctx;
  await withFileLock(ctx.lock, LOCK_TIMEOUT_MS, async () => {
    if (!o.kafka) await fetchJars(kafkaJars(paths), log);
    if (!o.s3) await fetchJars(s3proxyJars(paths), log);
    await Promise.all([
      ensurePostgres(o.postgres ?? DEFAULT_PG_URL, !o.postgres, log),
      ensureRedis(o.redis ?? DEFAULT_REDIS_URL, !o.redis, log),
    ]);
  });
}

/** Where each service is and whether it answers. Starts nothing. */
export async function servicesStatus(opts: ServicesOptions = {}): Promise<ServicesStatus> {
  const ctx = context(opts);
  const { paths, overrides: o } = ctx;

  const kafka = async (): Promise<ServiceState> => {
    if (o.kafka) return { name: 'kafka', running: await kafkaAnswers(o.kafka), manager: 'env', endpoint: o.kafka };
    const endpoint = `${KAFKA_HOST}:${paths.kafkaPort}`;
    const s = await kafkaState(paths);
    switch (s.state) {
      case 'harness':
        return {
          name: 'kafka',
          running: s.ready,
          manager: 'harness',
          owner: s.owner,
          pid: s.pid,
          endpoint,
          ...(s.ready ? {} : { detail: 'process running but not answering' }),
        };
      case 'external':
        return { name: 'kafka', running: true, manager: 'external', endpoint, detail: 'not started by tributary' };
      case 'other':
        return {
          name: 'kafka',
          running: false,
          manager: 'external',
          endpoint,
          detail: `port held by something else: ${s.reason}`,
        };
      default:
        return { name: 'kafka', running: false, manager: 'harness', endpoint };
    }
  };
  const s3 = async (): Promise<ServiceState> => {
    if (o.s3) return { name: 's3', running: await s3Answers(o.s3.endpoint), manager: 'env', endpoint: o.s3.endpoint };
    const s = await s3State(paths);
    const endpoint = s.port === undefined ? null : s3Endpoint(s.port);
    if (s.state === 'harness') {
      return {
        name: 's3',
        running: s.ready,
        manager: 'harness',
        owner: s.owner,
        pid: s.pid,
        endpoint,
        ...(s.ready ? {} : { detail: 'process running but not answering' }),
      };
    }
    return { name: 's3', running: false, manager: 'harness', endpoint };
  };
  const postgres = async (): Promise<ServiceState> => {
    const url = o.postgres ?? DEFAULT_PG_URL;
    return {
      name: 'postgres',
      running: await pgAnswers(url),
      manager: o.postgres ? 'env' : 'machine',
      endpoint: redactUrl(url),
    };
  };
  const redis = async (): Promise<ServiceState> => {
    const url = o.redis ?? DEFAULT_REDIS_URL;
    return { name: 'redis', running: await redisAnswers(url), manager: o.redis ? 'env' : 'machine', endpoint: url };
  };

  const [k, s, p, r] = await Promise.all([kafka(), s3(), postgres(), redis()]);
  const services = { kafka: k, s3: s, postgres: p, redis: r };
  const running = k.running && s.running && p.running && r.running;
  const port = o.s3 ? undefined : (await s3State(paths)).port;
  return { running, endpoints: running ? endpointsOf(o, port, paths.kafkaPort) : null, services };
}

/** Sets KAFKA_BOOTSTRAP_SERVERS, S3_ENDPOINT (+ keys), PG_URL and REDIS_URL so child processes find the services. */
export function exportEndpoints(endpoints: ServiceEndpoints, env: NodeJS.ProcessEnv = process.env): void {
  env.KAFKA_BOOTSTRAP_SERVERS = endpoints.kafka.bootstrap;
  env.S3_ENDPOINT = endpoints.s3.endpoint;
  env.S3_ACCESS_KEY_ID = endpoints.s3.accessKeyId;
  env.S3_SECRET_ACCESS_KEY = endpoints.s3.secretAccessKey;
  env.PG_URL = endpoints.postgres.url;
  env.REDIS_URL = endpoints.redis.url;
}

/** The endpoints from KAFKA_BOOTSTRAP_SERVERS, S3_ENDPOINT, PG_URL and REDIS_URL, or undefined unless all are set. */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceEndpoints | undefined {
  const o = serviceOverrides(env);
  if (!o.kafka || !o.s3 || !o.postgres || !o.redis) return undefined;
  return endpointsOf(o, undefined, 9092);
}

/** Options for `new S3Client(...)` from @aws-sdk/client-s3 that work against S3Proxy, MinIO and other S3-compatible stores. */
export interface S3ClientOptions {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle: true;
  requestChecksumCalculation: 'WHEN_REQUIRED';
  responseChecksumValidation: 'WHEN_REQUIRED';
}

export function s3ClientOptions(endpoints: Pick<ServiceEndpoints, 's3'>, region = 'us-east-1'): S3ClientOptions {
  return {
    endpoint: endpoints.s3.endpoint,
    region,
    credentials: { accessKeyId: endpoints.s3.accessKeyId, secretAccessKey: endpoints.s3.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/** The bootstrap servers as a list, as kafkajs' `brokers` wants them. */
export function kafkaBrokers(endpoints: Pick<ServiceEndpoints, 'kafka'>): string[] {
  return endpoints.kafka.bootstrap
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export type { HarnessPaths };
export { harnessPaths };
