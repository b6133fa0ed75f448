/** Builds a WorkerSinkTask or a source task variant from a connector's resolved config: converters, transforms, errors.* and clients (Kafka Connect's Worker.TaskBuilder). */
import type { Admin } from '@platformatic/kafka';
import type {
  Connector,
  Converter,
  HeaderConverter,
  Logger,
  SinkTask,
  SourceOffset,
  SourcePartition,
  SourceTask,
} from '@tributary/api';
import {
  ConnectorConfigDef,
  SinkConnectorConfigDef,
  SourceConnectorConfigDef,
  TransformationChain,
} from '../connector-config.js';
import { DeadLetterQueueReporter } from '../errors/dlq.js';
import { type ErrorReporter, LogReporter, RetryWithToleranceOperator } from '../errors/tolerance.js';
import type { ConnectorTaskId, TargetState } from '../herder-api.js';
import type { Plugins } from '../plugins.js';
import { KafkaOffsetBackingStore, type OffsetBackingStore } from '../storage/offset-store.js';
import { type TaskIsolation, withPrefix } from '../worker-config.js';
import type { SourceTaskDeps } from './abstract-worker-source-task.js';
import { ExactlyOnceWorkerSourceTask } from './exactly-once-worker-source-task.js';
import { SourceTaskThread, ThreadedWorkerSourceTask } from './threaded-worker-source-task.js';
import { TopicCreation } from './topic-creation.js';
import { WorkerSinkTask } from './worker-sink-task.js';
import { WorkerSourceTask } from './worker-source-task.js';
import type { Converters, TaskStatusListener, WorkerTask, WorkerTaskDeps } from './worker-task.js';

/** What of the worker's configuration and clients a task is built from. */
export interface TaskEnvironment {
  bootstrapServers: string[];
  clientIdPrefix: string;
  workerProps: Readonly<Record<string, string>>;
  keyConverter: string;
  valueConverter: string;
  headerConverter: string;
  offsetFlushIntervalMs: number;
  offsetFlushTimeoutMs: number;
  maxBufferedRecords: number;
  maxBufferedBytes: number;
  maxPollRecords: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  topicCreationEnable: boolean;
  /** Where source tasks' connector code runs unless their connector says (task.isolation); null leaves it to the plugin. */
  taskIsolation: TaskIsolation | null;
  plugins: Plugins;
  offsetStore: OffsetBackingStore;
  /** Exactly-once source support (distributed mode with exactly.once.source.support=enabled). */
  exactlyOnceSource: { groupId: string; offsetTopic: string; offsetPartitions: number } | null;
}

/** One task to build: its connector (instantiated), both configs with placeholders resolved, and where it reports. */
export interface TaskSpec {
  id: ConnectorTaskId;
  connector: Connector;
  connectorConfig: Record<string, string>;
  taskConfig: Record<string, string>;
  targetState: TargetState;
  logger: Logger;
  listener: TaskStatusListener;
  /** Records a topic the task wrote to for the first time (active topics, KIP-558). */
  onTopicUsed: (topic: string) => void;
}

/** Builds the task of a sink or source connector; a source one at least once or, with exactly.once.source.support, exactly once. */
export async function buildTask(env: TaskEnvironment, admin: () => Admin, spec: TaskSpec): Promise<WorkerTask> {
  const common = commonDeps(env, spec);
  return spec.connector.kind === 'sink'
    ? buildSinkTask(env, admin, spec, common)
    : buildSourceTask(env, admin, spec, common);
}

interface CommonDeps {
  deps: WorkerTaskDeps;
  /** errors.* reporters; a sink adds its dead letter queue. */
  reporters: ErrorReporter[];
  clientId: string;
  /** Hands the built task to the operator, which asks it whether it is stopping. */
  setTask: (t: WorkerTask) => void;
}

/** What of the worker's configuration a task's record stages are built from (a task thread has this much). */
export type StageEnvironment = Pick<
  TaskEnvironment,
  'plugins' | 'workerProps' | 'keyConverter' | 'valueConverter' | 'headerConverter'
>;

/** A task's record stages: its converters, transforms and errors.* operator (with the log reporter). */
export interface RecordStages {
  converters: Converters;
  transforms: TransformationChain;
  tolerance: RetryWithToleranceOperator;
  /** errors.* reporters; a sink adds its dead letter queue. */
  reporters: ErrorReporter[];
}

/** Builds the record stages of either direction; the operator asks `isStopping` whether to end its retries. */
export function recordStages(
  env: StageEnvironment,
  resolved: Readonly<Record<string, string>>,
  logger: Logger,
  isStopping: () => boolean,
): RecordStages {
  const key = converter(env, 'key', resolved);
  const value = converter(env, 'value', resolved);
  const header = headerConverter(env, resolved);
  const converters: Converters = {
    key: key.conv,
    value: value.conv,
    header: header.conv,
    keyClass: key.cls,
    valueClass: value.cls,
    headerClass: header.cls,
  };
  const transforms = TransformationChain.build(resolved, env.plugins);
  const errorsCfg = ConnectorConfigDef.parse(resolved);
  const reporters: ErrorReporter[] = [];
  const tolerance = new RetryWithToleranceOperator(errorsCfg, reporters, isStopping);
  if (errorsCfg['errors.log.enable'])
    reporters.push(new LogReporter(logger, errorsCfg['errors.log.include.messages'], () => tolerance.counters));
  return { converters, transforms, tolerance, reporters };
}

/** Converters, transforms and errors.* (log reporter) of either direction. */
function commonDeps(env: TaskEnvironment, spec: TaskSpec): CommonDeps {
  // The operator asks whether the task is stopping (to end retries); the task exists only after it.
  let task: WorkerTask | null = null;
  const { converters, transforms, tolerance, reporters } = recordStages(
    env,
    spec.connectorConfig,
    spec.logger,
    () => task?.stopping ?? false,
  );
  return {
    deps: {
      id: spec.id,
      taskConfig: spec.taskConfig,
      connectorConfig: spec.connectorConfig,
      converters,
      transforms,
      tolerance,
      listener: spec.listener,
      logger: spec.logger,
      initialState: spec.targetState,
    },
    reporters,
    clientId: `${env.clientIdPrefix}-${spec.id.connector}-${spec.id.task}`,
    setTask: (t) => {
      task = t;
    },
  };
}

async function buildSinkTask(
  env: TaskEnvironment,
  admin: () => Admin,
  spec: TaskSpec,
  common: CommonDeps,
): Promise<WorkerSinkTask> {
  const { deps, reporters, clientId, setTask } = common;
  const sinkCfg = SinkConnectorConfigDef.parse(spec.connectorConfig);
  const dlqTopic = sinkCfg['errors.deadletterqueue.topic.name'];
  if (dlqTopic) {
    reporters.push(
      await DeadLetterQueueReporter.create({
        admin: admin(),
        bootstrapServers: env.bootstrapServers,
        clientId: `${clientId}-dlq`,
        topic: dlqTopic,
        replicationFactor: sinkCfg['errors.deadletterqueue.topic.replication.factor'],
        contextHeaders: sinkCfg['errors.deadletterqueue.context.headers.enable'],
        connector: spec.id.connector,
        task: spec.id.task,
        logger: spec.logger,
        counters: () => deps.tolerance.counters,
      }),
    );
  }
  const topics = (spec.taskConfig.topics ?? sinkCfg.topics.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const regex = spec.taskConfig['topics.regex'] ?? sinkCfg['topics.regex'];
  const TaskClass = spec.connector.taskClass();
  const task = new WorkerSinkTask({
    ...deps,
    task: new TaskClass() as SinkTask,
    connectorName: spec.id.connector,
    bootstrapServers: env.bootstrapServers,
    clientId,
    topics,
    topicsRegex: regex ? new RegExp(`^(?:${regex})$`) : null,
    offsetFlushIntervalMs: env.offsetFlushIntervalMs,
    maxPollRecords: env.maxPollRecords,
    sessionTimeoutMs: env.sessionTimeoutMs,
    heartbeatIntervalMs: env.heartbeatIntervalMs,
    rebalanceTimeoutMs: env.rebalanceTimeoutMs,
    onTopicUsed: spec.onTopicUsed,
  });
  setTask(task);
  return task;
}

/**
 * Where a source task runs: its connector's task.isolation, else the worker's, else its plugin's own choice,
 * else the worker's thread. A thread that was asked for and cannot be (an exactly-once task, a plugin registered
 * in-process) is a warning or an error; one the plugin only prefers gives way without a word.
 */
export function sourceTaskIsolation(o: {
  className: string;
  connector: TaskIsolation | null;
  worker: TaskIsolation | null;
  plugin: TaskIsolation | null;
  exactlyOnce: boolean;
  discoverable: boolean;
}): { isolation: TaskIsolation; error?: string; warning?: string } {
  const asked = o.connector ?? o.worker;
  const wanted = asked ?? o.plugin ?? 'none';
  if (wanted === 'none') return { isolation: 'none' };
  if (o.exactlyOnce)
    return asked
      ? {
          isolation: 'none',
          warning:
            'task.isolation=thread does not apply to exactly-once source tasks; the task runs in the worker thread',
        }
      : { isolation: 'none' };
  if (!o.discoverable)
    return asked
      ? {
          isolation: 'none',
          error: `task.isolation=thread needs the connector's plugin on plugin.path: ${o.className} was registered in-process, and a task thread cannot load it`,
        }
      : { isolation: 'none' };
  return { isolation: 'thread' };
}

function buildSourceTask(
  env: TaskEnvironment,
  admin: () => Admin,
  spec: TaskSpec,
  common: CommonDeps,
): WorkerSourceTask | ExactlyOnceWorkerSourceTask | ThreadedWorkerSourceTask {
  const { deps, clientId, setTask } = common;
  const resolved = spec.connectorConfig;
  // Parsed for every source task, so a bad transaction.boundary fails the task as it starts.
  const srcCfg = SourceConnectorConfigDef.parse(resolved);
  const base: Omit<SourceTaskDeps, 'task'> = {
    ...deps,
    offsetStore: env.offsetStore,
    connectorName: spec.id.connector,
    bootstrapServers: env.bootstrapServers,
    clientId,
    offsetFlushIntervalMs: env.offsetFlushIntervalMs,
    offsetFlushTimeoutMs: env.offsetFlushTimeoutMs,
    maxBufferedRecords: env.maxBufferedRecords,
    maxBufferedBytes: env.maxBufferedBytes,
    onTopicUsed: spec.onTopicUsed,
    topicCreation: TopicCreation.of(resolved, env.topicCreationEnable, admin()),
    deliveryTimeoutMs: deliveryTimeoutMs(env.workerProps, resolved),
  };
  const eos = env.exactlyOnceSource;
  const cls = resolved['connector.class'] ?? '';
  const plugin = env.plugins.find(cls)?.descriptor;
  const where = sourceTaskIsolation({
    className: cls,
    connector: srcCfg['task.isolation'],
    worker: env.taskIsolation,
    plugin: plugin?.kind === 'source' ? (plugin.taskIsolation ?? null) : null,
    exactlyOnce: eos !== null,
    discoverable: env.plugins.discoverable(cls),
  });
  if (where.error) throw new Error(where.error);
  if (where.warning) spec.logger.warn(where.warning);
  if (where.isolation === 'thread') {
    const thread = new SourceTaskThread({
      data: {
        connector: spec.id.connector,
        task: spec.id.task,
        connectorConfig: resolved,
        taskConfig: spec.taskConfig,
        workerProps: { ...env.workerProps },
        keyConverter: env.keyConverter,
        valueConverter: env.valueConverter,
        headerConverter: env.headerConverter,
        plugins: {
          ...env.plugins.discovery,
          packages: env.plugins.packagesNamedIn([
            ...Object.values(resolved),
            env.keyConverter,
            env.valueConverter,
            env.headerConverter,
            ...Object.entries(env.workerProps)
              .filter(([k]) => k.includes('converter'))
              .map(([, v]) => v),
          ]),
        },
      },
      logger: spec.logger,
      paused: spec.targetState !== 'STARTED',
      // The thread runs errors.*: its counts are the task's, for task-error-metrics.
      onErrors: (errors) => Object.assign(deps.tolerance.counters, errors),
      commitTimeoutMs: env.offsetFlushTimeoutMs,
    });
    const task = new ThreadedWorkerSourceTask({ ...base, task: thread });
    setTask(task);
    return task;
  }
  const TaskClass = spec.connector.taskClass();
  const sourceDeps: SourceTaskDeps = { ...base, task: new TaskClass() as SourceTask };
  let task: WorkerSourceTask | ExactlyOnceWorkerSourceTask;
  if (eos) {
    const store = env.offsetStore;
    const connector = spec.id.connector;
    task = new ExactlyOnceWorkerSourceTask({
      ...sourceDeps,
      exactlyOnce: {
        transactionalId: `${eos.groupId}-${spec.id.connector}-${spec.id.task}`,
        boundary: srcCfg['transaction.boundary'],
        intervalMs: srcCfg['transaction.boundary.interval.ms'] ?? env.offsetFlushIntervalMs,
        offsetTopic: eos.offsetTopic,
        offsetPartitions: eos.offsetPartitions,
        onCommitted: (entries: Array<{ partition: SourcePartition; offset: SourceOffset }>) => {
          if (store instanceof KafkaOffsetBackingStore) store.applyCommitted(connector, entries);
        },
      },
    });
  } else {
    task = new WorkerSourceTask(sourceDeps);
  }
  setTask(task);
  return task;
}

function converter(
  env: StageEnvironment,
  kind: 'key' | 'value',
  props: Readonly<Record<string, string>>,
): { conv: Converter; cls: string } {
  const key = `${kind}.converter`;
  const fromConnector = props[key];
  const cls = fromConnector ?? (kind === 'key' ? env.keyConverter : env.valueConverter);
  const conv = env.plugins.create(cls, 'converter');
  // Connector-level converter keys replace the worker's entirely, as in Kafka Connect.
  const cfg = fromConnector ? withPrefix(props, `${key}.`) : withPrefix(env.workerProps, `${key}.`);
  conv.configure(cfg, kind === 'key');
  return { conv, cls };
}

function headerConverter(
  env: StageEnvironment,
  props: Readonly<Record<string, string>>,
): { conv: HeaderConverter; cls: string } {
  const fromConnector = props['header.converter'];
  const cls = fromConnector ?? env.headerConverter;
  const conv = env.plugins.create(cls, 'header_converter', 'converter') as HeaderConverter;
  conv.configure(
    fromConnector ? withPrefix(props, 'header.converter.') : withPrefix(env.workerProps, 'header.converter.'),
  );
  return { conv, cls };
}

/** delivery.timeout.ms of a source task's producer: producer.override.* of the connector, else producer.* of the worker. */
function deliveryTimeoutMs(
  worker: Readonly<Record<string, string>>,
  connector: Readonly<Record<string, string>>,
): number {
  const raw = connector['producer.override.delivery.timeout.ms'] ?? worker['producer.delivery.timeout.ms'];
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n > 0 ? n : 120_000;
}
