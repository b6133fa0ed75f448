import { describe, expect, it } from 'vitest';
import { plugins } from './index.js';

describe('plugins manifest', () => {
  const byAlias = new Map(plugins.flatMap((p) => (p.aliases ?? []).map((a) => [a, p] as const)));

  it('offers every Kafka Connect SMT under its Java class names, with $Key/$Value where Kafka has them', () => {
    const variants = [
      'Cast',
      'ExtractField',
      'Flatten',
      'HeaderFrom',
      'HoistField',
      'InsertField',
      'MaskField',
      'ReplaceField',
      'SetSchemaMetadata',
      'TimestampConverter',
    ];
    for (const name of variants) {
      for (const v of ['Key', 'Value']) {
        const p = byAlias.get(`org.apache.kafka.connect.transforms.${name}$${v}`);
        expect(p?.kind, `${name}$${v}`).toBe('transformation');
        expect((p!.create() as { side?: string }).side).toBe(v.toLowerCase());
      }
    }
    for (const name of ['DropHeaders', 'Filter', 'InsertHeader', 'RegexRouter', 'TimestampRouter', 'ValueToKey']) {
      expect(byAlias.get(`org.apache.kafka.connect.transforms.${name}`)?.kind, name).toBe('transformation');
    }
    expect(byAlias.get('io.debezium.transforms.ExtractNewRecordState')?.kind).toBe('transformation');
  });

  it('offers the predicates', () => {
    for (const name of ['TopicNameMatches', 'HasHeaderKey', 'RecordIsTombstone']) {
      const p = byAlias.get(`org.apache.kafka.connect.transforms.predicates.${name}`);
      expect(p?.kind).toBe('predicate');
      expect(typeof (p!.create() as { test?: unknown }).test).toBe('function');
    }
  });

  it('gives every plugin a config definition', () => {
    for (const p of plugins) {
      const instance = p.create() as { config(): { definitions(): unknown[] } };
      expect(Array.isArray(instance.config().definitions())).toBe(true);
    }
    expect(new Set(plugins.map((p) => p.className)).size).toBe(plugins.length);
  });
});
