import { ConfigException } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';

describe('parseConfig', () => {
  it('names every bad key at once: a value that does not parse does not hide the rules on other keys', () => {
    let err: unknown;
    try {
      parseConfig({
        'database.hostname': '127.0.0.1',
        'database.user': 'root',
        'database.port': 'five',
        'topic.prefix': 'shop!',
        'database.server.id': '0',
        'table.include.list': 'shop\\.(orders',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigException);
    const errors = (err as ConfigException).errors;
    expect(Object.keys(errors).sort()).toEqual([
      'database.port',
      'database.server.id',
      'table.include.list',
      'topic.prefix',
    ]);
    expect(errors['database.server.id']).toEqual([
      'database.server.id must be between 1 and 4294967295 (a replica server id).',
    ]);
    expect(errors['table.include.list']![0]).toMatch(/^'shop\\\.\(orders' is not a valid regular expression: /);
  });

  it('wants the schema history topic and its brokers together (old key names too)', () => {
    const base = { 'database.hostname': 'h', 'database.user': 'u', 'topic.prefix': 'p' };
    const errors = (props: Record<string, string>) => {
      try {
        parseConfig({ ...base, ...props });
        return {};
      } catch (e) {
        return (e as ConfigException).errors;
      }
    };
    expect(errors({ 'database.history.kafka.topic': 'h' })).toEqual({
      'schema.history.internal.kafka.bootstrap.servers': [
        'schema.history.internal.kafka.topic is set: the brokers of the schema history topic are needed too.',
      ],
    });
    expect(Object.keys(errors({ 'schema.history.internal.kafka.bootstrap.servers': 'k:9092' }))).toEqual([
      'schema.history.internal.kafka.topic',
    ]);
    expect(
      errors({ 'database.history.kafka.topic': 'h', 'database.history.kafka.bootstrap.servers': 'k:9092' }),
    ).toEqual({});
  });

  it('refuses a queue no larger than a poll batch (the queueSizeCheck shared with postgres-cdc)', () => {
    const base = { 'database.hostname': 'h', 'database.user': 'u', 'topic.prefix': 'p' };
    expect(() => parseConfig({ ...base, 'max.queue.size': '100', 'max.batch.size': '200' })).toThrow(
      'max.queue.size must be larger than max.batch.size.',
    );
    expect(() => parseConfig({ ...base, 'max.queue.size': '201', 'max.batch.size': '200' })).not.toThrow();
  });
});
