/**
 * The keys of the config and status topics, built and parsed here only: Kafka Connect reads the same topics
 * (KafkaConfigBackingStore's CONNECTOR_KEY, TASK_KEY, COMMIT_TASKS_KEY…; KafkaStatusBackingStore's
 * CONNECTOR_STATUS_PREFIX…), so a key spelled differently in one place is a record the other side never sees.
 */

export const connectorKey = (connector: string): string => `connector-${connector}`;
export const targetStateKey = (connector: string): string => `target-state-${connector}`;
export const taskKey = (connector: string, task: number): string => `task-${connector}-${task}`;
export const commitTasksKey = (connector: string): string => `commit-${connector}`;
export const restartKey = (connector: string): string => `restart-connector-${connector}`;
export const loggerClusterKey = (namespace: string): string => `logger-cluster-${namespace}`;
export const SESSION_KEY_KEY = 'session-key';

export type ConfigTopicKey =
  | { kind: 'connector'; connector: string }
  | { kind: 'target-state'; connector: string }
  | { kind: 'task'; connector: string; task: number }
  | { kind: 'commit'; connector: string }
  | { kind: 'restart'; connector: string }
  | { kind: 'logger-cluster'; namespace: string }
  | { kind: 'session-key' };

/** What a config-topic key names, or null for a key Kafka Connect would ignore too. */
export function parseConfigTopicKey(key: string): ConfigTopicKey | null {
  if (key === SESSION_KEY_KEY) return { kind: 'session-key' };
  return firstMatch(key, CONFIG_TOPIC_KEYS);
}

const CONFIG_TOPIC_KEYS: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => ConfigTopicKey]> = [
  [/^connector-(.+)$/s, (m) => ({ kind: 'connector', connector: m[1]! })],
  [/^target-state-(.+)$/s, (m) => ({ kind: 'target-state', connector: m[1]! })],
  [/^task-(.+)-(\d+)$/s, (m) => ({ kind: 'task', connector: m[1]!, task: Number(m[2]) })],
  [/^commit-(.+)$/s, (m) => ({ kind: 'commit', connector: m[1]! })],
  [/^restart-connector-(.+)$/s, (m) => ({ kind: 'restart', connector: m[1]! })],
  [/^logger-cluster-(.+)$/s, (m) => ({ kind: 'logger-cluster', namespace: m[1]! })],
];

function firstMatch<T>(key: string, patterns: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => T]>): T | null {
  for (const [re, make] of patterns) {
    const m = re.exec(key);
    if (m) return make(m);
  }
  return null;
}

export const connectorStatusKey = (connector: string): string => `status-connector-${connector}`;
export const taskStatusKey = (connector: string, task: number): string => `status-task-${connector}-${task}`;
export const topicStatusKey = (topic: string, connector: string): string =>
  `status-topic-${topic}:connector-${connector}`;

export type StatusTopicKey =
  | { kind: 'connector'; connector: string }
  | { kind: 'task'; connector: string; task: number }
  | { kind: 'topic'; topic: string; connector: string };

export function parseStatusTopicKey(key: string): StatusTopicKey | null {
  return firstMatch(key, STATUS_TOPIC_KEYS);
}

const STATUS_TOPIC_KEYS: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => StatusTopicKey]> = [
  [/^status-connector-(.+)$/s, (m) => ({ kind: 'connector', connector: m[1]! })],
  [/^status-task-(.+)-(\d+)$/s, (m) => ({ kind: 'task', connector: m[1]!, task: Number(m[2]) })],
  [/^status-topic-(.+):connector-(.+)$/s, (m) => ({ kind: 'topic', topic: m[1]!, connector: m[2]! })],
];
