import type { Admin } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { TopicCreation } from './topic-creation.js';

// specOf and groupOf never reach the broker; only ensure() uses the admin client.
const noAdmin = {} as Admin;

describe('TopicCreation (KIP-158)', () => {
  it('is off without a default group or when the worker disables it, as in Kafka Connect', () => {
    expect(TopicCreation.of({}, true, noAdmin)).toBeNull();
    expect(TopicCreation.of({ 'topic.creation.default.partitions': '3' }, false, noAdmin)).toBeNull();
    expect(TopicCreation.of({ 'topic.creation.default.replication.factor': '-1' }, true, noAdmin)).not.toBeNull();
  });

  it('gives a topic the first matching group, its settings over the default ones', () => {
    const tc = TopicCreation.of(
      {
        'topic.creation.groups': 'orders, logs',
        'topic.creation.default.partitions': '3',
        'topic.creation.default.replication.factor': '-1',
        'topic.creation.default.cleanup.policy': 'delete',
        'topic.creation.orders.include': 'orders\\..*',
        'topic.creation.orders.exclude': 'orders\\.tmp.*',
        'topic.creation.orders.partitions': '12',
        'topic.creation.orders.cleanup.policy': 'compact',
        'topic.creation.logs.include': '.*log.*, audit',
        'topic.creation.logs.retention.ms': '60000',
      },
      true,
      noAdmin,
    )!;
    expect(tc.groupOf('orders.eu')).toBe('orders');
    expect(tc.groupOf('orders.tmp1')).toBe('default');
    expect(tc.groupOf('audit')).toBe('logs');
    expect(tc.groupOf('orders')).toBe('default');
    expect(tc.specOf('orders.eu')).toEqual({
      name: 'orders.eu',
      partitions: 12,
      replicationFactor: 1,
      configs: { 'cleanup.policy': 'compact' },
    });
    expect(tc.specOf('app-logs')).toEqual({
      name: 'app-logs',
      partitions: 3,
      replicationFactor: 1,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '60000' },
    });
  });
});
