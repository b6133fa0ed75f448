import { describe, expect, it } from 'vitest';
import { sourceTaskIsolation } from './task-builders.js';

const base = {
  className: 'PostgresConnector',
  connector: null,
  worker: null,
  plugin: null,
  exactlyOnce: false,
  discoverable: true,
} as const;

describe('sourceTaskIsolation', () => {
  it("takes the connector's key over the worker's, the worker's over the plugin's, and the worker's thread last", () => {
    expect(sourceTaskIsolation(base)).toEqual({ isolation: 'none' });
    expect(sourceTaskIsolation({ ...base, plugin: 'thread' })).toEqual({ isolation: 'thread' });
    expect(sourceTaskIsolation({ ...base, plugin: 'thread', worker: 'none' })).toEqual({ isolation: 'none' });
    expect(sourceTaskIsolation({ ...base, plugin: 'thread', worker: 'none', connector: 'thread' })).toEqual({
      isolation: 'thread',
    });
    expect(sourceTaskIsolation({ ...base, worker: 'thread', connector: 'none' })).toEqual({ isolation: 'none' });
    expect(sourceTaskIsolation({ ...base, worker: 'thread' })).toEqual({ isolation: 'thread' });
  });

  it('gives way quietly where only the plugin prefers a thread and the task cannot have one', () => {
    expect(sourceTaskIsolation({ ...base, plugin: 'thread', exactlyOnce: true })).toEqual({ isolation: 'none' });
    expect(sourceTaskIsolation({ ...base, plugin: 'thread', discoverable: false })).toEqual({ isolation: 'none' });
  });

  it('warns for an exactly-once task and refuses an in-process plugin where a config asked for a thread', () => {
    const eos = sourceTaskIsolation({ ...base, worker: 'thread', exactlyOnce: true });
    expect(eos.isolation).toBe('none');
    expect(eos.warning).toContain('does not apply to exactly-once source tasks');
    const inProcess = sourceTaskIsolation({ ...base, connector: 'thread', discoverable: false });
    expect(inProcess.error).toContain('PostgresConnector was registered in-process');
  });
});
