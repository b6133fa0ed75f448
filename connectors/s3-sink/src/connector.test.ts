import { describe, expect, it } from 'vitest';
import { plugins, S3SinkConnector, S3SinkTask } from './index.js';

describe('S3SinkConnector', () => {
  it('is exported as a sink plugin under its own name and Confluent class name', () => {
    expect(plugins).toHaveLength(1);
    const p = plugins[0];
    expect(p.kind).toBe('sink');
    expect(p.className).toBe('S3SinkConnector');
    expect(p.aliases).toContain('io.confluent.connect.s3.S3SinkConnector');
    const c = p.create();
    expect(c).toBeInstanceOf(S3SinkConnector);
    expect(c.taskClass()).toBe(S3SinkTask);
  });

  it('gives every task the same config', () => {
    const c = new S3SinkConnector();
    const props = {
      's3.bucket.name': 'b',
      'format.class': 'io.confluent.connect.s3.format.json.JsonFormat',
      'flush.size': '3',
    };
    c.start(props);
    expect(c.taskConfigs(3)).toEqual([props, props, props]);
  });

  it('validate() reports per-key and cross-key problems in Kafka Connect shape', () => {
    const c = new S3SinkConnector();
    const r = c.validate({
      'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
      'flush.size': '0',
      'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner',
    });
    const errors = Object.fromEntries(r.configs.filter((x) => x.errors.length > 0).map((x) => [x.name, x.errors]));
    expect(Object.keys(errors).sort()).toEqual(['flush.size', 's3.bucket.name']);
    const defs = c.config().definitions();
    expect(defs.find((d) => d.name === 'parquet.codec')?.default_value).toBe('snappy');
    expect(defs.find((d) => d.name === 's3.bucket.name')?.required).toBe(true);
  });

  it('accepts the documented short class names (JsonFormat, ParquetFormat, FieldPartitioner …)', () => {
    const c = new S3SinkConnector();
    for (const [format, partitioner] of [
      ['JsonFormat', 'FieldPartitioner'],
      ['ParquetFormat', 'DefaultPartitioner'],
      ['AvroFormat', 'TimeBasedPartitioner'],
      ['ByteArrayFormat', 'DailyPartitioner'],
    ] as const) {
      const r = c.validate({
        's3.bucket.name': 'b',
        'flush.size': '3',
        'format.class': format,
        'partitioner.class': partitioner,
        'partition.field.name': 'region',
        'path.format': "'year'=YYYY",
        'partition.duration.ms': '3600000',
        locale: 'en-US',
        timezone: 'UTC',
      });
      const bad = r.configs.filter((x) => x.errors.length > 0 && x.name.endsWith('.class'));
      expect(bad, `${format} + ${partitioner}`).toEqual([]);
    }
  });
});
