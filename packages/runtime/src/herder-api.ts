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
}

/** GET /connectors/{c}/status */
export interface ConnectorStateInfo {
  name: string;
  connector: { state: ConnectorState; worker_id: string; trace?: string };
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
   * task configs to the leader, signed with the cluster's session key (HMAC over the raw body).
   */
  putTaskConfigsFromWorker(
    name: string,
    configs: Record<string, string>[],
    auth: { signature: string | null; algorithm: string | null; body: string },
  ): Promise<void>;

  loggers(): Record<string, LoggerLevel>;
  logger(name: string): LoggerLevel;
  /** Returns the logger names whose level changed. */
  setLoggerLevel(name: string, level: string): string[];
}
