// S3 sink bench: records/s and MB/s of one S3SinkTask writing 1 KB records as Parquet (snappy,
// zstd) to S3Proxy, and peak RSS with 1 and with 200 open partitions. Each scenario runs in its
// own process so its RSS is its own. Called by the root `pnpm bench` (BENCH=s3) as run(endpoints),
// or directly:  node bench/s3/index.mjs  (after `pnpm build`; brings the services up itself).
//
// The task is driven directly with SinkRecords, so the figures are the sink's: no Kafka fetch or
// converter in the loop. Nothing here asserts a timing.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const RECORDS = Number(process.env.S3_BENCH_RECORDS ?? 200_000);
const BATCH = 500;

const SCENARIOS = [
  { name: 'snappy, 1 partition', codec: 'snappy', partitions: 1 },
  { name: 'zstd, 1 partition', codec: 'zstd', partitions: 1 },
  { name: 'snappy, 200 partitions, 64 MiB budget', codec: 'snappy', partitions: 200, budget: 64 * 1024 * 1024 },
  { name: 'zstd, 200 partitions, 64 MiB budget', codec: 'zstd', partitions: 200, budget: 64 * 1024 * 1024 },
  // What the budget buys: the same load with a budget larger than the data.
  { name: 'snappy, 200 partitions, 1 GiB budget', codec: 'snappy', partitions: 200, budget: 1024 * 1024 * 1024 },
];

/** Deterministic text that compresses about as well as log lines do. */
function notes(n) {
  const words =
    'order shipped payment accepted customer account region warehouse delayed refund invoice tracking status'.split(
      ' ',
    );
  let x = 12345;
  const rnd = () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x / 4294967296;
  };
  return Array.from({ length: n }, () => {
    let s = '';
    while (s.length < 860) s += `${words[Math.floor(rnd() * words.length)]} ${Math.floor(rnd() * 100000)} `;
    return s;
  });
}

async function child(scenario, s3) {
  const api = await import('@tributary/api');
  const { S3SinkTask } = await import('@tributary/connector-s3-sink');
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const bucket = `bench-s3-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));

  const { Schema, SchemaBuilder, Struct, SinkRecord, ConnectTimestamp, silentLogger } = api;
  const schema = SchemaBuilder.struct()
    .name('bench.Order')
    .field('id', Schema.INT64_SCHEMA)
    .field('ts', ConnectTimestamp.SCHEMA)
    .field('user', Schema.STRING_SCHEMA)
    .field('country', Schema.STRING_SCHEMA)
    .field('amount', Schema.FLOAT64_SCHEMA)
    .field('qty', Schema.INT32_SCHEMA)
    .field('express', Schema.BOOLEAN_SCHEMA)
    .field('category', Schema.STRING_SCHEMA)
    .field('score', Schema.FLOAT64_SCHEMA)
    .field('note', Schema.OPTIONAL_STRING_SCHEMA)
    .build();
  const pool = notes(1000);
  const countries = ['DE', 'FR', 'US', 'GB', 'NL', 'SE', 'PL', 'ES', 'IT', 'JP'];
  const offsets = new Array(scenario.partitions).fill(0);
  const record = (i) => {
    const p = i % scenario.partitions;
    const v = new Struct(schema)
      .put('id', i)
      .put('ts', new Date(1_700_000_000_000 + i * 1000))
      .put('user', `user-${i % 100_000}`)
      .put('country', countries[i % countries.length])
      .put('amount', (i % 100_000) / 100)
      .put('qty', i % 100)
      .put('express', i % 3 === 0)
      .put('category', `category-${i % 20}`)
      .put('score', (i % 997) / 997)
      // Halves of two pool entries: a distinct text per record, as real payloads are.
      .put('note', pool[i % 1000].slice(0, 430) + pool[(i * 31 + 7) % 997].slice(430));
    return new SinkRecord({
      topic: 'bench',
      kafkaPartition: p,
      kafkaOffset: offsets[p]++,
      valueSchema: schema,
      value: v,
      timestamp: 1_700_000_000_000 + i,
    });
  };
  // One record as JsonConverter would carry it: the input volume MB/s is measured against.
  const recordBytes = JSON.stringify(record(0).value.toJSON()).length;
  offsets.fill(0);

  let commits = 0;
  const task = new S3SinkTask();
  task.initialize({
    configs: () => ({}),
    offset: () => undefined,
    timeout: () => undefined,
    assignment: () => [],
    pause: () => undefined,
    resume: () => undefined,
    requestCommit: () => {
      commits++;
    },
    errantRecordReporter: null,
    logger: silentLogger,
  });
  await task.start({
    'store.url': s3.endpoint,
    's3.region': 'us-east-1',
    's3.bucket.name': bucket,
    'aws.access.key.id': s3.accessKeyId,
    'aws.secret.access.key': s3.secretAccessKey,
    'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
    'parquet.codec': scenario.codec,
    // One partition: a file every 50 000 records. 200 partitions: files cut by the budget.
    'flush.size': scenario.partitions === 1 ? '50000' : '1000000',
    ...(scenario.budget ? { 'memory.buffer.max.bytes': String(scenario.budget) } : {}),
    'rotate.idle.ms': '3600000',
  });
  const tps = Array.from({ length: scenario.partitions }, (_, partition) => ({ topic: 'bench', partition }));
  await task.open(tps);
  global.gc?.();
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < RECORDS; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(RECORDS, i + BATCH); j++) batch.push(record(j));
    await task.put(batch);
  }
  // Commit what is still open, as the idle timer would once records stop.
  for (const tp of tps) task.writerFor(tp.topic, tp.partition)?.rotateIfDue(Date.now(), 'idle');
  const committed = await task.preCommit(tps.map((tp) => ({ ...tp, offset: offsets[tp.partition] })));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const done = committed.reduce((n, o) => n + o.offset, 0);
  if (done !== RECORDS) throw new Error(`only ${done} of ${RECORDS} records committed`);
  const result = {
    recordsPerSec: Math.round(RECORDS / (ms / 1000)),
    mbPerSec: (RECORDS * recordBytes) / 1048576 / (ms / 1000),
    recordBytes,
    baseRssMiB: baseRss / 1048576,
    peakRssMiB: peakRss / 1048576,
    peakBufferedMiB: task.peakBufferedBytes / 1048576,
    commits,
  };
  await task.stop();
  client.destroy();
  return result;
}

export async function run(endpoints) {
  console.log(
    `\n== s3 sink bench: ${RECORDS} records per scenario, one task, Parquet to S3Proxy (${endpoints.s3.endpoint})`,
  );
  console.log('| scenario | records/s | MB/s (input) | peak RSS | RSS before | peak buffered |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const results = [];
  for (const scenario of SCENARIOS) {
    const r = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        fileURLToPath(import.meta.url),
        '--child',
        JSON.stringify(scenario),
        JSON.stringify(endpoints.s3),
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        maxBuffer: 16 << 20,
      },
    );
    const line = r.stdout.trim().split('\n').pop() ?? '';
    let out;
    try {
      out = JSON.parse(line);
    } catch {
      console.log(`| ${scenario.name} | failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')} |`);
      continue;
    }
    results.push({ scenario: scenario.name, ...out });
    console.log(
      `| ${scenario.name} | ${out.recordsPerSec} | ${out.mbPerSec.toFixed(1)} | ${out.peakRssMiB.toFixed(0)} MiB | ${out.baseRssMiB.toFixed(0)} MiB | ${out.peakBufferedMiB.toFixed(1)} MiB |`,
    );
  }
  if (results[0]) console.log(`Records are ${results[0].recordBytes} bytes as JSON; MB/s counts those bytes.`);
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--child') {
    const result = await child(JSON.parse(process.argv[3]), JSON.parse(process.argv[4]));
    console.log(JSON.stringify(result));
  } else {
    const { servicesUp } = await import('@tributary/testkit');
    await run(await servicesUp());
  }
  process.exit(0);
}
