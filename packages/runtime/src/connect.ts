/** Starting a worker from its config: distributed (config, offsets, status in Kafka) or standalone (memory and a local offset file). */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Admin } from '@platformatic/kafka';
import { ConfigException } from '@tributary/api';
import { DistributedHerder } from './distributed/distributed-herder.js';
import { type HerderOptions, WorkerHerder } from './herder.js';
import { errorText } from './util/error-text.js';
import { LoggerRegistry } from './logging.js';
import { WorkerMetrics } from './metrics.js';
import { Plugins } from './plugins.js';
import { ConfigTransformer } from './config-providers.js';
import { type ConfigBackingStore, KafkaConfigBackingStore, MemoryConfigBackingStore } from './storage/config-store.js';
import { FileOffsetBackingStore, KafkaOffsetBackingStore, type OffsetBackingStore } from './storage/offset-store.js';
import { KafkaStatusBackingStore, MemoryStatusBackingStore, type StatusBackingStore } from './storage/status-store.js';
import { Worker } from './worker.js';
import { DistributedConfigDef, StandaloneConfigDef, type TaskIsolation, advertisedUrl } from './worker-config.js';
import { type RestSecuritySettings, restSecuritySettings } from './rest-config.js';
import { InterWorkerClient } from './distributed/rest-client.js';

export interface ConnectRuntime {
  herder: WorkerHerder;
  plugins: Plugins;
  loggers: LoggerRegistry;
  workerId: string;
  /** REST listeners from the worker config (e.g. http://:8083). */
  listeners: string[];
  /** The URL other workers reach this one at (rest.advertised.* or the first listener). */
  advertisedUrl: string;
  /** TLS, admin listeners, authentication and the other REST keys, checked at start. */
  restSecurity: RestSecuritySettings;
  /** Prometheus metrics of this worker (GET /metrics). */
  metrics: WorkerMetrics;
  /** topic.tracking.enable / topic.tracking.allow.reset, for the REST layer. */
  topicTracking: { enabled: boolean; allowReset: boolean };
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Port the REST server actually bound (for the advertised URL / worker id). */
  restPort?: number;
  loggers?: LoggerRegistry;
  /** Extra plugin directories (in addition to plugin.path). */
  pluginPath?: string[];
}

async function clusterId(bootstrap: string[], clientId: string): Promise<{ id: string; brokers: number }> {
  const admin = new Admin({ clientId, bootstrapBrokers: bootstrap, retries: 10, retryDelay: 500 });
  try {
    const md = await admin.metadata({ topics: [] });
    return { id: md.id, brokers: md.brokers.size };
  } catch (err) {
    throw new Error(`Cannot reach Kafka at ${bootstrap.join(',')}: ${errorText(err)}`);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

function workerIdFrom(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port}`;
}

interface Stores {
  config: ConfigBackingStore;
  offsets: OffsetBackingStore;
  status: StatusBackingStore;
}

async function assemble(
  props: Record<string, string>,
  cfg: {
    'bootstrap.servers': string[];
    'client.id': string;
    'key.converter': string;
    'value.converter': string;
    'header.converter': string;
    'offset.flush.interval.ms': number;
    'offset.flush.timeout.ms': number;
    'task.shutdown.graceful.timeout.ms': number;
    'task.isolation': TaskIsolation | null;
    listeners: string[];
    'rest.advertised.host.name': string | null;
    'rest.advertised.port': number | null;
    'rest.advertised.listener': string | null;
    'plugin.path': string[];
    'topic.creation.enable': boolean;
    'topic.tracking.enable': boolean;
    'topic.tracking.allow.reset': boolean;
    'producer.max.buffered.records': number;
    'producer.buffer.memory': number;
    'consumer.max.poll.records': number;
    'rest.secrets.mask': boolean;
  },
  group: { sessionTimeoutMs: number; heartbeatIntervalMs: number; rebalanceTimeoutMs: number },
  makeStores: (ctx: { admin: Admin; clientId: string; loggers: LoggerRegistry; brokers: number }) => Stores,
  opts: StartOptions,
  exactlyOnceSource: { groupId: string; offsetTopic: string; offsetPartitions: number } | null,
  makeHerder: (
    o: HerderOptions,
    ctx: { url: string; clientId: string; restClient: InterWorkerClient; internalRequestMaxAgeMs: number },
  ) => WorkerHerder = (o) => new WorkerHerder(o),
): Promise<ConnectRuntime> {
  const loggers = opts.loggers ?? new LoggerRegistry();
  const log = loggers.get('tributary.connect', {});
  const bootstrap = cfg['bootstrap.servers'];
  const url = advertisedUrl(cfg, opts.restPort);
  const workerId = workerIdFrom(url);
  // Bad TLS or auth keys stop the worker before it joins the group: it would take work nobody could reach.
  const restSecurity = restSecuritySettings(props, cfg.listeners, { advertisedUrl: url });
  // The worker's own secrets (keystore passwords, the console token, the REST users' passwords) never reach a log line.
  loggers.secrets.addConfig(props);
  if (restSecurity.bearerToken) loggers.secrets.add(restSecurity.bearerToken);
  for (const password of restSecurity.basicAuth?.credentials.values() ?? []) loggers.secrets.add(password);
  const clientId = cfg['client.id'] || `connect-${workerId.replace(/[^a-zA-Z0-9._-]/g, '-')}`;
  const started = Date.now();
  const [plugins, cluster] = await Promise.all([
    Plugins.discover({ pluginPath: [...cfg['plugin.path'], ...(opts.pluginPath ?? [])], logger: log }),
    clusterId(bootstrap, `${clientId}-probe`),
  ]);
  log.info({ plugins: plugins.all().length, ms: Date.now() - started }, 'plugins discovered');
  const admin = new Admin({ clientId: `${clientId}-stores-admin`, bootstrapBrokers: bootstrap, retries: 5 });
  const stores = makeStores({ admin, clientId, loggers, brokers: cluster.brokers });
  await Promise.all([stores.config.start(), stores.offsets.start(), stores.status.start()]);
  const transformer = new ConfigTransformer(props, plugins, log);
  const worker = new Worker({
    workerId,
    bootstrapServers: bootstrap,
    clientIdPrefix: clientId,
    workerProps: props,
    keyConverter: cfg['key.converter'],
    valueConverter: cfg['value.converter'],
    headerConverter: cfg['header.converter'],
    offsetFlushIntervalMs: cfg['offset.flush.interval.ms'],
    offsetFlushTimeoutMs: cfg['offset.flush.timeout.ms'],
    gracefulShutdownMs: cfg['task.shutdown.graceful.timeout.ms'],
    maxBufferedRecords: cfg['producer.max.buffered.records'],
    maxBufferedBytes: cfg['producer.buffer.memory'],
    maxPollRecords: cfg['consumer.max.poll.records'],
    topicCreationEnable: cfg['topic.creation.enable'],
    taskIsolation: cfg['task.isolation'],
    ...{
      sessionTimeoutMs: group.sessionTimeoutMs,
      heartbeatIntervalMs: group.heartbeatIntervalMs,
      rebalanceTimeoutMs: group.rebalanceTimeoutMs,
    },
    plugins,
    offsetStore: stores.offsets,
    statusStore: stores.status,
    loggers,
    resolveConfig: (p) => transformer.transform(p),
    exactlyOnceSource,
  });
  const herder = makeHerder(
    {
      worker,
      configStore: stores.config,
      statusStore: stores.status,
      offsetStore: stores.offsets,
      plugins,
      loggers,
      kafkaClusterId: cluster.id,
      bootstrapServers: bootstrap,
      maskSecrets: cfg['rest.secrets.mask'],
    },
    {
      url,
      clientId,
      restClient: new InterWorkerClient(restSecurity.clientTls),
      internalRequestMaxAgeMs: restSecurity.internalRequestMaxAgeMs,
    },
  );
  await herder.start();
  log.info({ workerId, ms: Date.now() - started }, 'worker started');
  const metrics = new WorkerMetrics(herder, herder instanceof DistributedHerder ? herder : null);
  return {
    herder,
    metrics,
    topicTracking: { enabled: cfg['topic.tracking.enable'], allowReset: cfg['topic.tracking.allow.reset'] },
    plugins,
    loggers,
    workerId,
    listeners: cfg.listeners,
    advertisedUrl: url,
    restSecurity,
    async stop() {
      await herder.stop();
      await Promise.all([stores.config.stop(), stores.offsets.stop(), stores.status.stop()]);
      await admin.close().catch(() => undefined);
      transformer.close();
    },
  };
}

/** Rejects unknown keys nowhere (workers carry client overrides), but reports missing/invalid ones. */
function parseOrThrow<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigException) throw new Error(`Invalid worker configuration: ${err.message}`);
    throw err;
  }
}

/** A worker in distributed mode: config, offsets and status in Kafka topics. */
export async function startDistributed(
  props: Record<string, string>,
  opts: StartOptions = {},
): Promise<ConnectRuntime> {
  const cfg = parseOrThrow(() => DistributedConfigDef.parse(props));
  const rf = (n: number, brokers: number): number => (n === -1 ? -1 : Math.min(n, Math.max(brokers, 1)));
  return assemble(
    props,
    cfg,
    {
      sessionTimeoutMs: cfg['session.timeout.ms'],
      heartbeatIntervalMs: cfg['heartbeat.interval.ms'],
      rebalanceTimeoutMs: cfg['rebalance.timeout.ms'],
    },
    ({ admin, clientId, loggers, brokers }) => {
      const logger = loggers.get('tributary.storage', {});
      const bootstrapServers = cfg['bootstrap.servers'];
      return {
        config: new KafkaConfigBackingStore({
          bootstrapServers,
          clientId: `${clientId}-configs`,
          topic: cfg['config.storage.topic'],
          replicationFactor: rf(cfg['config.storage.replication.factor'], brokers),
          admin,
          logger,
        }),
        offsets: new KafkaOffsetBackingStore({
          bootstrapServers,
          clientId: `${clientId}-offsets`,
          topic: cfg['offset.storage.topic'],
          partitions: cfg['offset.storage.partitions'],
          replicationFactor: rf(cfg['offset.storage.replication.factor'], brokers),
          admin,
          logger,
          readCommitted: cfg['exactly.once.source.support'] !== 'disabled',
        }),
        status: new KafkaStatusBackingStore({
          bootstrapServers,
          clientId: `${clientId}-statuses`,
          topic: cfg['status.storage.topic'],
          partitions: cfg['status.storage.partitions'],
          replicationFactor: rf(cfg['status.storage.replication.factor'], brokers),
          admin,
          logger,
        }),
      };
    },
    opts,
    cfg['exactly.once.source.support'] === 'enabled'
      ? {
          groupId: cfg['group.id'],
          offsetTopic: cfg['offset.storage.topic'],
          offsetPartitions: cfg['offset.storage.partitions'],
        }
      : null,
    (o, ctx) =>
      new DistributedHerder({
        ...o,
        groupId: cfg['group.id'],
        url: ctx.url,
        restClient: ctx.restClient,
        internalRequestMaxAgeMs: ctx.internalRequestMaxAgeMs,
        clientId: `${ctx.clientId}-group`,
        sessionTimeoutMs: cfg['session.timeout.ms'],
        heartbeatIntervalMs: cfg['heartbeat.interval.ms'],
        rebalanceTimeoutMs: cfg['rebalance.timeout.ms'],
        scheduledRebalanceMaxDelayMs: cfg['scheduled.rebalance.max.delay.ms'],
      }),
  );
}

/** A worker in standalone mode: configs in memory (from files and REST), offsets in a local file. */
export async function startStandalone(props: Record<string, string>, opts: StartOptions = {}): Promise<ConnectRuntime> {
  const withDefault = {
    'offset.storage.file.filename': path.join(os.tmpdir(), `connect-${randomUUID()}.offsets`),
    ...props,
  };
  const cfg = parseOrThrow(() => StandaloneConfigDef.parse(withDefault));
  return assemble(
    withDefault,
    cfg,
    { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3_000, rebalanceTimeoutMs: 60_000 },
    ({ loggers }) => ({
      config: new MemoryConfigBackingStore(loggers.get('tributary.storage', {})),
      offsets: new FileOffsetBackingStore(cfg['offset.storage.file.filename']),
      status: new MemoryStatusBackingStore(),
    }),
    opts,
    null,
  );
}
