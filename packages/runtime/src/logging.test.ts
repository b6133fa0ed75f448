import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LoggerRegistry } from './logging.js';

describe('LoggerRegistry.setLevel', () => {
  it("answers, sorted, only the loggers whose level changed, as Kafka Connect's Loggers.setLevel", () => {
    const registry = new LoggerRegistry(pino({ level: 'info' }));
    registry.get('com.example.b', {});
    registry.get('com.example.a', {});
    expect(registry.setLevel('com.example', 'DEBUG')).toEqual(['com.example', 'com.example.a', 'com.example.b']);
    const modified = registry.level('com.example.a')?.last_modified;
    expect(modified).toEqual(expect.any(Number));
    // Nothing changes the second time, so nothing is listed and last_modified stays.
    expect(registry.setLevel('com.example', 'debug')).toEqual([]);
    expect(registry.level('com.example.a')?.last_modified).toBe(modified);
    expect(registry.setLevel('com.example.a', 'WARN')).toEqual(['com.example.a']);
    expect(registry.level('com.example.b')?.level).toBe('DEBUG');
  });
});
