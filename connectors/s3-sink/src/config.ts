/** The S3 sink's config: Confluent's S3SinkConnector keys, names and defaults, format and partitioner aliases, and the cross-key checks. */
import { ConfigException, ConfigKeys, type ConfigOf, defineConfig, type RawConfig } from '@tributary/api';
import { z } from 'zod';

/** Confluent's Java class names and our short names for each format. */
export const FORMAT_ALIASES: Readonly<Record<string, FormatName>> = {
  'io.confluent.connect.s3.format.parquet.ParquetFormat': 'parquet',
  'io.confluent.connect.s3.format.json.JsonFormat': 'json',
  'io.confluent.connect.s3.format.avro.AvroFormat': 'avro',
  'io.confluent.connect.s3.format.bytearray.ByteArrayFormat': 'bytearray',
  ParquetFormat: 'parquet',
  JsonFormat: 'json',
  AvroFormat: 'avro',
  ByteArrayFormat: 'bytearray',
};
export type FormatName = 'parquet' | 'json' | 'avro' | 'bytearray';

const PARTITIONER_PACKAGE = 'io.confluent.connect.storage.partitioner.';
export type PartitionerName = 'default' | 'field' | 'time' | 'hourly' | 'daily';
export const PARTITIONER_ALIASES: Readonly<Record<string, PartitionerName>> = {
  [`${PARTITIONER_PACKAGE}DefaultPartitioner`]: 'default',
  [`${PARTITIONER_PACKAGE}FieldPartitioner`]: 'field',
  [`${PARTITIONER_PACKAGE}TimeBasedPartitioner`]: 'time',
  [`${PARTITIONER_PACKAGE}HourlyPartitioner`]: 'hourly',
  [`${PARTITIONER_PACKAGE}DailyPartitioner`]: 'daily',
  DefaultPartitioner: 'default',
  FieldPartitioner: 'field',
  TimeBasedPartitioner: 'time',
  HourlyPartitioner: 'hourly',
  DailyPartitioner: 'daily',
};

export type ExtractorName = 'Record' | 'RecordField' | 'Wallclock';
const EXTRACTOR_ALIASES: Readonly<Record<string, ExtractorName>> = {
  Record: 'Record',
  RecordField: 'RecordField',
  Wallclock: 'Wallclock',
  [`${PARTITIONER_PACKAGE}TimeBasedPartitioner$RecordTimestampExtractor`]: 'Record',
  [`${PARTITIONER_PACKAGE}TimeBasedPartitioner$RecordFieldTimestampExtractor`]: 'RecordField',
  [`${PARTITIONER_PACKAGE}TimeBasedPartitioner$WallclockTimestampExtractor`]: 'Wallclock',
  'io.confluent.connect.storage.partitioner.RecordTimestampExtractor': 'Record',
  'io.confluent.connect.storage.partitioner.RecordFieldTimestampExtractor': 'RecordField',
  'io.confluent.connect.storage.partitioner.WallclockTimestampExtractor': 'Wallclock',
};

export const PARQUET_CODECS = ['none', 'uncompressed', 'snappy', 'gzip', 'zstd', 'brotli'] as const;
export type ParquetCodecName = (typeof PARQUET_CODECS)[number];

const MIB = 1024 * 1024;
/** S3 rejects parts smaller than 5 MiB (except the last), so that is the floor for s3.part.size. */
export const MIN_PART_SIZE = 5 * MIB;

const positiveOrDisabled = z.number().refine((n) => n === -1 || n > 0, 'Value must be -1 (disabled) or positive');

export const S3_SINK_CONFIG = defineConfig({
  's3.bucket.name': ConfigKeys.string({ doc: 'The S3 bucket.', importance: 'HIGH', group: 'S3' }),
  's3.region': ConfigKeys.string({ default: 'us-west-2', doc: 'The AWS region.', group: 'S3' }),
  'store.url': ConfigKeys.string({
    default: null,
    doc: 'Endpoint of an S3-compatible store (MinIO, S3Proxy, …); AWS S3 when unset. Path-style access is used.',
    group: 'S3',
  }),
  's3.path.style.access.enabled': ConfigKeys.boolean({
    default: true,
    doc: 'Address buckets as <endpoint>/<bucket> rather than <bucket>.<endpoint>.',
    group: 'S3',
  }),
  'aws.access.key.id': ConfigKeys.string({
    default: '',
    doc: 'Access key id; with aws.secret.access.key, overrides the standard AWS credential chain.',
    group: 'S3',
  }),
  'aws.secret.access.key': ConfigKeys.password({ default: null, doc: 'Secret access key.', group: 'S3' }),
  's3.part.size': ConfigKeys.int({
    default: 25 * MIB,
    validate: z
      .number()
      .min(MIN_PART_SIZE, 'Value must be at least 5242880')
      .max(2 ** 31 - 1),
    doc: 'Size of each part of a multipart upload; files larger than this are uploaded in parts while they are written.',
    group: 'S3',
  }),
  's3.part.retries': ConfigKeys.int({
    default: 3,
    validate: z.number().min(0),
    doc: 'Retries of a failed S3 request.',
    group: 'S3',
  }),
  's3.retry.backoff.ms': ConfigKeys.long({
    default: 200,
    validate: z.number().min(0),
    doc: 'Wait before the first retry of a failed S3 request; doubles on each further retry.',
    group: 'S3',
  }),
  's3.request.timeout.ms': ConfigKeys.int({
    default: 30_000,
    validate: z.number().min(1000),
    doc: 'An S3 request whose connection stays silent this long is abandoned and retried (the AWS SDK waits forever by default).',
    group: 'S3',
  }),
  's3.compression.type': ConfigKeys.enum(['none', 'gzip'] as const, {
    default: 'none',
    doc: 'Compression of JsonFormat and ByteArrayFormat files.',
    group: 'S3',
  }),
  's3.compression.level': ConfigKeys.int({
    default: -1,
    validate: z.number().min(-1).max(9),
    doc: 'gzip level for s3.compression.type=gzip (-1 = zlib default).',
    group: 'S3',
  }),
  's3.conditional.writes': ConfigKeys.enum(['auto', 'enabled', 'disabled'] as const, {
    default: 'auto',
    doc: 'Upload objects with If-None-Match: * so a replay never overwrites a committed file. auto probes the store once at start.',
    group: 'S3',
  }),
  's3.ssea.name': ConfigKeys.string({
    default: '',
    doc: 'Server-side encryption algorithm (AES256, aws:kms).',
    group: 'S3',
  }),
  's3.sse.kms.key.id': ConfigKeys.string({ default: '', doc: 'KMS key id for aws:kms encryption.', group: 'S3' }),
  's3.acl.canned': ConfigKeys.string({ default: null, doc: 'Canned ACL applied to written objects.', group: 'S3' }),

  'topics.dir': ConfigKeys.string({
    default: 'topics',
    doc: 'Top-level directory of written objects.',
    group: 'Storage',
  }),
  'directory.delim': ConfigKeys.rawString({ default: '/', doc: 'Directory delimiter.', group: 'Storage' }),
  'file.delim': ConfigKeys.rawString({
    default: '+',
    doc: 'Delimiter between topic, partition and offset in file names.',
    group: 'Storage',
  }),
  'filename.offset.zero.pad.width': ConfigKeys.int({
    default: 10,
    validate: z.number().min(0),
    doc: 'Width to which the start offset in file names is zero-padded.',
    group: 'Storage',
  }),

  'format.class': ConfigKeys.class({
    doc: 'Output format: ParquetFormat, JsonFormat, AvroFormat or ByteArrayFormat (Confluent class names accepted).',
    importance: 'HIGH',
    recommended: Object.keys(FORMAT_ALIASES).filter((k) => k.includes('.')),
    group: 'Connector',
  }),
  'flush.size': ConfigKeys.int({
    validate: z.number().min(1),
    doc: 'Records per file: a file is committed once it holds this many records.',
    importance: 'HIGH',
    group: 'Connector',
  }),
  'rotate.interval.ms': ConfigKeys.long({
    default: -1,
    validate: positiveOrDisabled,
    doc: 'Commit files once the timestamps (from timestamp.extractor) of their records span this long. Deterministic: replays cut at the same records.',
    group: 'Connector',
  }),
  'rotate.schedule.interval.ms': ConfigKeys.long({
    default: -1,
    validate: positiveOrDisabled,
    doc: 'Commit open files on a wall-clock schedule aligned to midnight in `timezone`.',
    group: 'Connector',
  }),
  'rotate.size.bytes': ConfigKeys.long({
    default: -1,
    validate: positiveOrDisabled,
    doc: 'Commit files once the records they hold reach this many bytes (measured on the records, so the cut is deterministic).',
    group: 'Connector',
  }),
  'rotate.idle.ms': ConfigKeys.long({
    default: -1,
    validate: positiveOrDisabled,
    doc: 'Commit the open files of a Kafka partition that received no record for this long.',
    group: 'Connector',
  }),
  'memory.buffer.max.bytes': ConfigKeys.long({
    default: 256 * MIB,
    validate: z.number().min(MIB),
    doc: 'Per-task budget for buffered records and encoded bytes; beyond it the largest open files are encoded, uploaded in parts or committed early.',
    group: 'Connector',
  }),
  'parquet.codec': ConfigKeys.enum(PARQUET_CODECS, {
    default: 'snappy',
    doc: 'Parquet compression codec.',
    group: 'Connector',
  }),
  'parquet.row.group.bytes': ConfigKeys.int({
    default: 8 * MIB,
    validate: z.number().min(64 * 1024),
    doc: 'Buffered record bytes at which a Parquet row group is encoded.',
    group: 'Connector',
  }),
  'avro.codec': ConfigKeys.enum(['null', 'deflate'] as const, {
    default: 'null',
    doc: 'Avro container file codec.',
    group: 'Connector',
  }),
  'json.decimal.format': ConfigKeys.enum(['BASE64', 'NUMERIC'] as const, {
    default: 'BASE64',
    doc: 'How JsonFormat writes Decimal values: base64 of the unscaled value (as JsonConverter does by default) or a number.',
    group: 'Connector',
  }),
  'format.bytearray.extension': ConfigKeys.rawString({
    default: '.bin',
    doc: 'Extension of ByteArrayFormat files.',
    group: 'Connector',
  }),
  'format.bytearray.separator': ConfigKeys.rawString({
    default: null,
    doc: 'Written between records by ByteArrayFormat (escape sequences such as \\n allowed); defaults to a newline.',
    group: 'Connector',
  }),
  'schema.compatibility': ConfigKeys.enum(['NONE', 'BACKWARD', 'FORWARD', 'FULL'] as const, {
    default: 'NONE',
    doc: 'How a schema change affects open files: NONE rotates on any change; BACKWARD/FULL rotate on a newer version and project older records to it; FORWARD rotates on an older version and projects newer records.',
    group: 'Connector',
  }),
  'schemaless.inference': ConfigKeys.enum(['infer', 'fail'] as const, {
    default: 'infer',
    doc: 'Schemaless records (no value schema) under ParquetFormat/AvroFormat: infer a schema from the value, or fail.',
    group: 'Connector',
  }),
  'behavior.on.null.values': ConfigKeys.enum(['fail', 'ignore', 'write'] as const, {
    default: 'fail',
    doc: 'Records with a null value (tombstones): fail the task, skip them, or write them to the tombstone.encoded.partition directory.',
    group: 'Connector',
  }),
  'tombstone.encoded.partition': ConfigKeys.string({
    default: 'tombstone',
    doc: 'Directory that tombstones go to when behavior.on.null.values=write.',
    group: 'Connector',
  }),
  'store.kafka.keys': ConfigKeys.boolean({
    default: false,
    doc: 'Also write record keys to <file>.keys.<ext>.',
    group: 'Connector',
  }),
  'store.kafka.headers': ConfigKeys.boolean({
    default: false,
    doc: 'Also write record headers to <file>.headers.<ext>.',
    group: 'Connector',
  }),
  'keys.format.class': ConfigKeys.class({
    default: 'io.confluent.connect.s3.format.avro.AvroFormat',
    doc: 'Format of key files.',
    group: 'Connector',
  }),
  'headers.format.class': ConfigKeys.class({
    default: 'io.confluent.connect.s3.format.avro.AvroFormat',
    doc: 'Format of header files.',
    group: 'Connector',
  }),

  'partitioner.class': ConfigKeys.class({
    default: `${PARTITIONER_PACKAGE}DefaultPartitioner`,
    doc: 'How records map to directories: DefaultPartitioner, FieldPartitioner, TimeBasedPartitioner, HourlyPartitioner, DailyPartitioner.',
    recommended: Object.keys(PARTITIONER_ALIASES).filter((k) => k.includes('.')),
    group: 'Partitioner',
  }),
  'partition.field.name': ConfigKeys.list({
    default: [],
    doc: 'Fields FieldPartitioner partitions by.',
    group: 'Partitioner',
  }),
  'path.format': ConfigKeys.string({
    default: '',
    doc: "Joda-Time pattern of TimeBasedPartitioner directories, e.g. 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH.",
    group: 'Partitioner',
  }),
  'partition.duration.ms': ConfigKeys.long({
    default: -1,
    doc: 'Length of one TimeBasedPartitioner partition.',
    group: 'Partitioner',
  }),
  locale: ConfigKeys.string({
    default: '',
    doc: 'Locale of TimeBasedPartitioner names (en-US, de_DE …).',
    group: 'Partitioner',
  }),
  timezone: ConfigKeys.string({
    default: '',
    doc: 'Time zone of TimeBasedPartitioner paths (UTC, Europe/Berlin …).',
    group: 'Partitioner',
  }),
  'timestamp.extractor': ConfigKeys.string({
    default: 'Wallclock',
    doc: 'Where time comes from: Record (Kafka timestamp), RecordField (timestamp.field), Wallclock.',
    group: 'Partitioner',
  }),
  'timestamp.field': ConfigKeys.string({
    default: 'timestamp',
    doc: 'Field (dotted path for nested fields) holding the time for RecordField.',
    group: 'Partitioner',
  }),
});

export type RawS3SinkConfig = ConfigOf<typeof S3_SINK_CONFIG>;

export interface S3SinkConfig extends RawS3SinkConfig {
  format: FormatName;
  partitioner: PartitionerName;
  extractor: ExtractorName;
  keysFormat: FormatName;
  headersFormat: FormatName;
}

function resolve<T>(aliases: Readonly<Record<string, T>>, value: string): T | undefined {
  return aliases[value] ?? aliases[value.slice(value.lastIndexOf('.') + 1)];
}

/** Parses and cross-checks the config; every problem is reported in one ConfigException. */
export function parseS3SinkConfig(raw: RawConfig): S3SinkConfig {
  const c = S3_SINK_CONFIG.parse(raw);
  const errors: Record<string, string[]> = {};
  const bad = (key: string, msg: string) => {
    errors[key] = [...(errors[key] ?? []), msg];
  };
  const format = resolve(FORMAT_ALIASES, c['format.class']);
  if (!format) bad('format.class', `Unknown format ${c['format.class']}`);
  const keysFormat = resolve(FORMAT_ALIASES, c['keys.format.class']);
  if (!keysFormat) bad('keys.format.class', `Unknown format ${c['keys.format.class']}`);
  const headersFormat = resolve(FORMAT_ALIASES, c['headers.format.class']);
  if (!headersFormat) bad('headers.format.class', `Unknown format ${c['headers.format.class']}`);
  const partitioner = resolve(PARTITIONER_ALIASES, c['partitioner.class']);
  if (!partitioner) bad('partitioner.class', `Unknown partitioner ${c['partitioner.class']}`);
  const extractor = EXTRACTOR_ALIASES[c['timestamp.extractor']];
  if (!extractor)
    bad(
      'timestamp.extractor',
      `Unknown timestamp extractor ${c['timestamp.extractor']}; use Record, RecordField or Wallclock`,
    );
  if (partitioner === 'field' && c['partition.field.name'].length === 0) {
    bad('partition.field.name', 'FieldPartitioner needs at least one field');
  }
  if (partitioner === 'time') {
    if (!c['path.format']) bad('path.format', 'TimeBasedPartitioner needs path.format');
    if (c['partition.duration.ms'] <= 0)
      bad('partition.duration.ms', 'TimeBasedPartitioner needs a positive partition.duration.ms');
  }
  const timeBased = partitioner === 'time' || partitioner === 'hourly' || partitioner === 'daily';
  if (timeBased && !c.locale) bad('locale', 'TimeBasedPartitioner needs a locale');
  if ((timeBased || c['rotate.schedule.interval.ms'] > 0) && !c.timezone) {
    bad(
      'timezone',
      timeBased ? 'TimeBasedPartitioner needs a timezone' : 'rotate.schedule.interval.ms needs a timezone',
    );
  }
  if (c.timezone && !isTimeZone(c.timezone)) bad('timezone', `Unknown time zone ${c.timezone}`);
  if (c['aws.access.key.id'] && !c['aws.secret.access.key']) {
    bad('aws.secret.access.key', 'aws.access.key.id is set but aws.secret.access.key is not');
  }
  if (
    c['behavior.on.null.values'] === 'write' &&
    (format === 'parquet' || format === 'avro') &&
    !c['store.kafka.keys']
  ) {
    bad(
      'behavior.on.null.values',
      'write with ParquetFormat/AvroFormat needs store.kafka.keys=true: a tombstone is only its key',
    );
  }
  if (Object.keys(errors).length > 0) throw new ConfigException(errors);
  return {
    ...c,
    format: format!,
    partitioner: partitioner!,
    extractor: extractor!,
    keysFormat: keysFormat!,
    headersFormat: headersFormat!,
  };
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: normalizeTimeZone(tz) });
    return true;
  } catch {
    return false;
  }
}

/** Joda accepts `UTC`, `GMT`, region ids and fixed offsets (`+02:00`); Intl takes the same ids after this mapping. */
export function normalizeTimeZone(tz: string): string {
  if (/^[+-]\d{2}:?\d{2}$/.test(tz)) return tz.length === 5 ? `${tz.slice(0, 3)}:${tz.slice(3)}` : tz;
  return tz;
}
