import { ConfigException } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { PostgresConnector } from './connector.js';
import { parseConfig } from './config.js';

const base = {
  'database.hostname': '127.0.0.1',
  'database.user': 'postgres',
  'database.dbname': 'shop',
  'topic.prefix': 'shop',
};

describe('parseConfig', () => {
  it('names every bad key at once: a value that does not parse does not hide the rules on other keys', () => {
    let err: unknown;
    try {
      parseConfig({ ...base, 'database.port': 'five', 'plugin.name': 'decoderbufs', 'slot.name': 'Bad-Slot' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigException);
    expect(Object.keys((err as ConfigException).errors).sort()).toEqual(['database.port', 'plugin.name', 'slot.name']);
    expect((err as ConfigException).message).toContain(
      'database.port: Invalid value five for configuration database.port',
    );
    expect((err as ConfigException).message).toContain('plugin.name: Only the pgoutput plugin is supported');
  });

  it('reports every bad key in one validate response, each message under its key', async () => {
    const connector = new PostgresConnector();
    const { configs } = await connector.validate({
      ...base,
      'database.port': 'five',
      'plugin.name': 'decoderbufs',
      'snapshot.max.threads': '0',
    });
    const bad = Object.fromEntries(configs.filter((c) => c.errors.length > 0).map((c) => [c.name, c.errors]));
    expect(Object.keys(bad).sort()).toEqual(['database.port', 'plugin.name', 'snapshot.max.threads']);
    expect(bad['snapshot.max.threads']).toEqual(['snapshot.max.threads must be at least 1.']);
  });

  it('refuses a queue no larger than a poll batch (the shared queueSizeCheck)', () => {
    expect(() => parseConfig({ ...base, 'max.queue.size': '2048', 'max.batch.size': '2048' })).toThrow(
      'max.queue.size must be larger than max.batch.size.',
    );
    expect(() => parseConfig({ ...base, 'max.queue.size': '2049', 'max.batch.size': '2048' })).not.toThrow();
  });
});
