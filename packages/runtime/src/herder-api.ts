/** The Herder interface the REST API calls, and the connector, task, offset, plugin and cluster types it answers with. */
import type { ConfigKeyInfo, ConfigValueInfo, SourceOffset, SourcePartition } from '@tributary/api';

/** Connector and task states as Kafka Connect reports them. */
export type ConnectorState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'RESTARTING' | 'STOPPED';
/** What a user asked a connector to be (config topic `target-state-<c>`). */
export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';
export type ConnectorType = 'source' | 'sink' | 'unknown';

export interface ConnectorTaskId {
  connector: string;
  task: number;
}

/** GET /connectors/{c} */
export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: ConnectorTaskId[];
  type: ConnectorType;
}

export interface TaskState {
  id: number;
  state: ConnectorState;
  worker_id: string;
  trace?: string;
  /** The plugin version while it runs (Kafka Connect 4), null otherwise. */
  version: string | null;
  /** Tributary's self-healing state (not in Kafka Connect); present once it failed under auto.restart.enable. */
  auto_restart?: AutoRestartInfo;
  /** Set by the stuck-task watchdog while poll()/put() has not returned for task.watchdog.timeout.ms. */
  stuck?: StuckInfo;
}

export interface AutoRestartInfo {
  restarts: number;
  last_failure: string | null;
  /** Epoch ms. */
  last_failure_at: number | null;
  /** Epoch ms; null when no restart is scheduled. */
  next_attempt_at: number | null;
  gave_up: boolean;
}

export interface StuckInfo {
  call: 'poll' | 'put';
  /** Epoch ms the call began. */
  since: number;
}

/** GET /connectors/{c}/status */
export interface ConnectorStateInfo {
  name: string;
  connector: {
    state: ConnectorState;
    worker_id: string;
    trace?: string;
    version: string | null;
    auto_restart?: AutoRestartInfo;
  };
  tasks: TaskState[];
  type: ConnectorType;
}

/** GET /connectors/{c}/tasks entries */
export interface TaskInfo {
  id: ConnectorTaskId;
  config: Record<string, string>;
}

/** Source offsets use the connector's partition maps; sink offsets use {kafka_topic, kafka_partition} / {kafka_offset}. */
export interface ConnectorOffset {
  partition: SourcePartition;
  offset: SourceOffset | null;
}
export interface ConnectorOffsets {
  offsets: ConnectorOffset[];
}

/** GET /connector-plugins entries */
export interface PluginInfo {
  class: string;
  type: 'source' | 'sink' | 'converter' | 'header_converter' | 'transformation' | 'predicate';
  version: string;
}

/** PUT /connector-plugins/{p}/config/validate response */
export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: Array<{ definition: ConfigKeyInfo; value: ConfigValueInfo }>;
}

export interface ServerInfo {
  version: string;
  commit: string;
  kafka_cluster_id: string;
}

export interface HealthInfo {
  status: 'healthy' | 'starting' | 'unhealthy';
  message: string;
  details?: string;
}

export interface RestartRequest {
  includeTasks: boolean;
  onlyFailed: boolean;
}

export interface PutConfigResult {
  created: boolean;
  info: ConnectorInfo;
}

/** One worker of the cluster, as the console shows it (GET /tributary/cluster). */
export interface ClusterWorker {
  /** host:port, the worker_id statuses carry. */
  id: string;
  leader: boolean;
  /** The worker that answered. */
  self: boolean;
  connectors: string[];
  tasks: ConnectorTaskId[];
}

export interface ClusterInfo {
  /** The leader's worker id; null while unknown (during a rebalance). */
  leader: string | null;
  self: string;
  /** Workers that run something, plus this worker and the leader. */
  workers: ClusterWorker[];
  /** Every FAILED connector and task, with when it failed (epoch ms, null when unknown). */
  failed: Array<{
    connector: string;
    task: number | null;
    worker_id: string;
    since: number | null;
    trace: string | null;
  }>;
}

/** A record read from a topic, bytes undecoded (the console decodes JSON, string or bytes itself). */
export interface TopicRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReadonlyArray<readonly [string, Buffer | null]>;
}

export interface TopicRecords {
  topic: string;
  partitions: Array<{ partition: number; start: number; end: number }>;
  /** Oldest first. */
  records: TopicRecord[];
}

export interface MetricsHistoryInfo {
  interval_ms: number;
  worker_id: string;
  samples: MetricsSample[];
}

/** Per DLQ record asked for: where it was re-sent, or why not. */
export interface ReplayResult {
  partition: number;
  offset: number;
  topic?: string;
  target_partition?: number;
  error?: string;
}

export interface LoggerLevel {
  level: string;
  last_modified: number | null;
}

/**
 * Everything the REST layer asks of the runtime (Kafka Connect's Herder). Implementations throw
 * ConnectRestException subclasses (404 not found, 409 conflict/rebalance, 400 bad request) and
 * ConfigException for invalid connector configs (the REST layer renders it as a 400 naming fields).
 */
export interface Herder {
  serverInfo(): ServerInfo;
  health(): Promise<HealthInfo>;

  connectors(): Promise<string[]>;
  connectorInfo(name: string): Promise<ConnectorInfo>;
  connectorConfig(name: string): Promise<Record<string, string>>;
  /** Create (allowReplace=false → 409 when it exists) or replace a connector's config. */
  putConnectorConfig(
    name: string,
    config: Record<string, string>,
    options: { allowReplace: boolean; initialState?: TargetState },
  ): Promise<PutConfigResult>;
  /** Merge: keys with null values are removed. */
  patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo>;
  deleteConnector(name: string): Promise<void>;

  connectorStatus(name: string): Promise<ConnectorStateInfo>;
  taskStatus(name: string, task: number): Promise<TaskState>;
  taskConfigs(name: string): Promise<TaskInfo[]>;

  /** Returns the status after the restart was requested when includeTasks or onlyFailed is set, else null. */
  restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null>;
  restartTask(name: string, task: number): Promise<void>;
  pauseConnector(name: string): Promise<void>;
  resumeConnector(name: string): Promise<void>;
  stopConnector(name: string): Promise<void>;

  connectorActiveTopics(name: string): Promise<string[]>;
  resetConnectorActiveTopics(name: string): Promise<void>;

  connectorOffsets(name: string): Promise<ConnectorOffsets>;
  /** The connector must be STOPPED (else 400 with Kafka Connect's message). */
  alterConnectorOffsets(name: string, offsets: ConnectorOffset[]): Promise<{ message: string }>;
  resetConnectorOffsets(name: string): Promise<{ message: string }>;

  plugins(connectorsOnly: boolean): PluginInfo[];
  /** 404 when no plugin has that name or alias. */
  pluginConfig(plugin: string): ConfigKeyInfo[];
  /** Validates against the plugin named in the path (400 when it differs from connector.class). */
  validateConnectorConfig(plugin: string, config: Record<string, string>): Promise<ConfigInfos>;

  /**
   * Internal endpoint (POST /connectors/{c}/tasks): a follower running the connector hands its
   * task configs to the leader, signed with the cluster's session key (HMAC over the time it was signed at, the
   * connector and the raw body).
   */
  putTaskConfigsFromWorker(
    name: string,
    configs: Record<string, string>[],
    auth: { signature: string | null; algorithm: string | null; body: string; timestamp?: string | null },
  ): Promise<void>;

  loggers(): Record<string, LoggerLevel>;
  logger(name: string): LoggerLevel;
  /** Returns the logger names whose level changed. */
  setLoggerLevel(name: string, level: string): string[];
  /** Every worker of the cluster sets the level (scope=cluster): a logger-cluster-<name> record in the config topic. */
  setClusterLoggerLevel(name: string, level: string): Promise<void>;

  // The console's extra endpoints (under /tributary); not part of Kafka Connect's API.

  /** The workers of the cluster, what each runs and which is the leader. */
  cluster(): Promise<ClusterInfo>;
  /** The last `limit` records of a topic (404 when it does not exist). */
  readTopic(topic: string, options: { limit: number; partition?: number }): Promise<TopicRecords>;
  /** Re-sends the dead letter queue records at these offsets to the topic and partition they came from. */
  replayDeadLetters(
    topic: string,
    records: ReadonlyArray<{ partition: number; offset: number }>,
  ): Promise<ReplayResult[]>;
  /** This worker's task metric samples since `since` (epoch ms), oldest first. */
  metricsHistory(since: number): MetricsHistoryInfo;
}

/** Cumulative counters of one task at one instant; the console derives rates from consecutive samples. */
export interface TaskMetricsSample extends ConnectorTaskId {
  type: 'source' | 'sink';
  /** source-task-metrics source-record-poll-total / -write-total, and the number of poll() calls that returned records. */
  polled: number;
  batches: number;
  written: number;
  /** sink-task-metrics sink-record-read-total / -send-total. */
  read: number;
  put: number;
  /** task-error-metrics total-record-errors, total-records-skipped, deadletterqueue-produce-requests. */
  errors: number;
  skipped: number;
  dlq: number;
  /** Sink tasks: consumer lag per assigned partition (empty while nobody reads the history). */
  lag: Array<{ topic: string; partition: number; lag: number }>;
}

export interface MetricsSample {
  /** Epoch ms. */
  at: number;
  tasks: TaskMetricsSample[];
}
