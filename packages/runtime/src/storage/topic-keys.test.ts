import { describe, expect, it } from 'vitest';
import {
  commitTasksKey,
  connectorKey,
  connectorStatusKey,
  loggerClusterKey,
  parseConfigTopicKey,
  parseStatusTopicKey,
  restartKey,
  SESSION_KEY_KEY,
  targetStateKey,
  taskKey,
  taskStatusKey,
  topicStatusKey,
} from './topic-keys.js';

describe('internal topic keys', () => {
  it("spells Kafka Connect's config-topic keys and reads them back", () => {
    // The literals are Kafka Connect's (KafkaConfigBackingStore), written out here on purpose.
    expect(connectorKey('orders-1')).toBe('connector-orders-1');
    expect(targetStateKey('orders-1')).toBe('target-state-orders-1');
    expect(taskKey('orders-1', 12)).toBe('task-orders-1-12');
    expect(commitTasksKey('orders-1')).toBe('commit-orders-1');
    expect(restartKey('orders-1')).toBe('restart-connector-orders-1');
    expect(loggerClusterKey('org.apache.kafka')).toBe('logger-cluster-org.apache.kafka');
    expect(SESSION_KEY_KEY).toBe('session-key');
    expect(parseConfigTopicKey(taskKey('orders-1', 12))).toEqual({ kind: 'task', connector: 'orders-1', task: 12 });
    expect(parseConfigTopicKey(connectorKey('task-x-0'))).toEqual({ kind: 'connector', connector: 'task-x-0' });
    expect(parseConfigTopicKey(targetStateKey('a'))).toEqual({ kind: 'target-state', connector: 'a' });
    expect(parseConfigTopicKey(commitTasksKey('a'))).toEqual({ kind: 'commit', connector: 'a' });
    expect(parseConfigTopicKey(restartKey('a'))).toEqual({ kind: 'restart', connector: 'a' });
    expect(parseConfigTopicKey(loggerClusterKey('root'))).toEqual({ kind: 'logger-cluster', namespace: 'root' });
    expect(parseConfigTopicKey('session-key')).toEqual({ kind: 'session-key' });
    // A name with a newline still round-trips (the patterns match across lines).
    expect(parseConfigTopicKey(connectorKey('a\nb'))).toEqual({ kind: 'connector', connector: 'a\nb' });
    expect(parseConfigTopicKey('task-a')).toBeNull();
    expect(parseConfigTopicKey('something-else')).toBeNull();
  });

  it("spells Kafka Connect's status-topic keys and reads them back", () => {
    expect(connectorStatusKey('c-1')).toBe('status-connector-c-1');
    expect(taskStatusKey('c-1', 3)).toBe('status-task-c-1-3');
    expect(topicStatusKey('in-1', 'c-1')).toBe('status-topic-in-1:connector-c-1');
    expect(parseStatusTopicKey(taskStatusKey('c-1', 3))).toEqual({ kind: 'task', connector: 'c-1', task: 3 });
    expect(parseStatusTopicKey(connectorStatusKey('c-1'))).toEqual({ kind: 'connector', connector: 'c-1' });
    expect(parseStatusTopicKey(topicStatusKey('in-1', 'c-1'))).toEqual({
      kind: 'topic',
      topic: 'in-1',
      connector: 'c-1',
    });
    expect(parseStatusTopicKey('status-task-c')).toBeNull();
  });
});
