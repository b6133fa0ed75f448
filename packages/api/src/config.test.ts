import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigKeys, Password, defineConfig } from './config.js';
import { ConfigException } from './errors.js';

const def = defineConfig({
  'kafka.topic': ConfigKeys.string({ doc: 'Topic to write to', importance: 'HIGH' }),
  'max.interval': ConfigKeys.long({ default: 500, validate: z.number().min(0) }),
  quickstart: ConfigKeys.enum(['orders', 'users'], { default: null }),
  'topics.list': ConfigKeys.list({ default: [] }),
  secret: ConfigKeys.password({ default: null }),
  flag: ConfigKeys.boolean({ default: false }),
});

describe('ConfigDef', () => {
  it('parses strings into typed values with defaults', () => {
    const c = def.parse({
      'kafka.topic': ' t ',
      quickstart: 'USERS',
      'topics.list': 'a, b',
      secret: 's3cr3t',
      flag: 'TRUE',
    });
    expect(c['kafka.topic']).toBe('t');
    expect(c['max.interval']).toBe(500);
    expect(c.quickstart).toBe('users');
    expect(c['topics.list']).toEqual(['a', 'b']);
    expect(c.secret).toBeInstanceOf(Password);
    expect(String(c.secret)).toBe('[hidden]');
    expect(c.secret?.value()).toBe('s3cr3t');
    expect(c.flag).toBe(true);
  });

  it('reports every bad field with Kafka wording', () => {
    try {
      def.parse({ 'max.interval': 'abc', quickstart: 'nope' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigException);
      const errors = (e as ConfigException).errors;
      expect(errors['kafka.topic']).toEqual([
        'Missing required configuration "kafka.topic" which has no default value.',
      ]);
      expect(errors['max.interval']).toEqual([
        'Invalid value abc for configuration max.interval: Not a number of type LONG',
      ]);
      expect(errors.quickstart?.[0]).toMatch(/String must be one of: orders, users/);
    }
    expect(() => def.parse({ 'kafka.topic': 't', 'max.interval': '-1' })).toThrow(/max.interval/);
  });

  it('renders definitions and validation results as the REST API shows them', () => {
    const info = def.definitions();
    expect(info[0]).toEqual({
      name: 'kafka.topic',
      type: 'STRING',
      required: true,
      default_value: null,
      importance: 'HIGH',
      documentation: 'Topic to write to',
      group: null,
      width: 'NONE',
      display_name: 'kafka.topic',
      dependents: [],
      order_in_group: -1,
    });
    const v = def.validate({ secret: 'x' });
    expect(v.find((x) => x.name === 'secret')?.value).toBe('[hidden]');
    expect(v.find((x) => x.name === 'kafka.topic')?.errors).toHaveLength(1);
    expect(v.find((x) => x.name === 'quickstart')?.recommended_values).toEqual(['orders', 'users']);
  });

  it('is usable as a zod schema', () => {
    const r = def.zod.safeParse({ 'kafka.topic': 'x' });
    expect(r.success).toBe(true);
    const bad = def.zod.safeParse({});
    expect(bad.success).toBe(false);
  });
});

describe('ConfigDef.parse with checks', () => {
  const def = defineConfig({
    port: ConfigKeys.int({ default: 5432 }),
    'batch.size': ConfigKeys.int({ default: 10 }),
    'queue.size': ConfigKeys.int({ default: 100 }),
    plugin: ConfigKeys.string({ default: 'pgoutput' }),
  });
  const checks = [
    (c: { plugin: string }, report: (k: string, m: string) => void) => {
      if (c.plugin !== 'pgoutput') report('plugin', 'plugin must be pgoutput.');
    },
    (c: { 'batch.size': number; 'queue.size': number }, report: (k: string, m: string) => void) => {
      if (c['queue.size'] <= c['batch.size']) report('queue.size', 'queue.size must be larger than batch.size.');
    },
  ];

  it('runs every check, also when a key failed, and reports all in one exception', () => {
    let err: unknown;
    try {
      def.parse({ port: 'five', plugin: 'decoderbufs', 'batch.size': '50', 'queue.size': '20' }, checks);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigException);
    expect((err as ConfigException).errors).toEqual({
      port: ['Invalid value five for configuration port: Not a number of type INT'],
      plugin: ['plugin must be pgoutput.'],
      'queue.size': ['queue.size must be larger than batch.size.'],
    });
  });

  it('skips a check that reads a key which failed to parse (that key is reported already)', () => {
    expect(() => def.parse({ 'batch.size': 'many', 'queue.size': '20' }, checks)).toThrow(
      expect.objectContaining({ errors: { 'batch.size': [expect.stringContaining('Invalid value many')] } }),
    );
    expect(def.parse({ 'batch.size': '5' }, checks)).toEqual({
      port: 5432,
      'batch.size': 5,
      'queue.size': 100,
      plugin: 'pgoutput',
    });
  });
});

describe('ConfigDef.withChecks', () => {
  const def = defineConfig({
    'batch.size': ConfigKeys.int({ default: 10 }),
    'queue.size': ConfigKeys.int({ default: 100 }),
  }).withChecks((c, report) => {
    if (c['queue.size'] <= c['batch.size']) report('queue.size', 'queue.size must be larger than batch.size.');
  });

  it('runs its checks in parse() and in validate(), beside the per-key errors', () => {
    expect(() => def.parse({ 'batch.size': '50', 'queue.size': '20' })).toThrow(
      'queue.size: queue.size must be larger than batch.size.',
    );
    const infos = def.validate({ 'batch.size': '50', 'queue.size': '20' });
    expect(infos.map((i) => [i.name, i.errors])).toEqual([
      ['batch.size', []],
      ['queue.size', ['queue.size must be larger than batch.size.']],
    ]);
  });

  it('reports a key a check names that the spec does not declare after the declared ones', () => {
    const patterned = def.withChecks((_c, report) => report('column.mask.x', 'column.mask.x: not a number'));
    const infos = patterned.validate({ 'column.mask.x': 'abc' });
    expect(infos.at(-1)).toEqual({
      name: 'column.mask.x',
      value: 'abc',
      recommended_values: [],
      errors: ['column.mask.x: not a number'],
      visible: true,
    });
  });

  it('keeps the checks of both specs when extended', () => {
    const more = defineConfig({ topic: ConfigKeys.string({ default: 't' }) }).withChecks((c, report) => {
      if (c.topic.startsWith('_')) report('topic', 'topic must not start with _.');
    });
    expect(() => def.extend(more).parse({ 'batch.size': '50', 'queue.size': '20', topic: '_x' })).toThrow(
      'queue.size: queue.size must be larger than batch.size., topic: topic must not start with _.',
    );
  });
});
