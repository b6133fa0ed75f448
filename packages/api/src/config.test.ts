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
      order: 1,
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
