// `pnpm bench`: brings the services up (as the tests do), then runs each benchmark and prints
// its figures. BENCH=runtime,cdc,mysql-cdc,s3,jdbc,ui,avro picks a subset; BENCH=kafka-connect (not in the
// default set: it starts Kafka Connect JVMs for several minutes) runs the file pipelines, Postgres CDC and
// MariaDB CDC beside a real Kafka Connect 4.3.1 worker with Debezium, and Kafka's own producer and consumer
// tools. Figures are ratios measured side by side in one run on this machine; nothing here asserts a timing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kafkaBrokers, servicesUp } from '@tributary/testkit';
import { exportEndpoints } from '@tributary/testkit';
import { deleteBenchTopicsSince, listTopics } from './topics.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = new Set(
  (process.env.BENCH ?? 'runtime,cluster,cdc,mysql-cdc,s3,jdbc,ui,avro').split(',').map((s) => s.trim()),
);

const endpoints = await servicesUp();
exportEndpoints(endpoints);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const brokers = kafkaBrokers(endpoints);

/** Runs one benchmark, then deletes the topics it made, so benchmarks one after another do not fill the broker's disk. */
async function step(bench) {
  const before = await listTopics(brokers);
  try {
    await bench();
  } finally {
    await deleteBenchTopicsSince(brokers, before);
  }
}

if (wanted.has('runtime')) await step(async () => (await import('./runtime.mjs')).runRuntimeBench(brokers));
if (wanted.has('cluster')) await step(async () => (await import('./cluster.mjs')).runClusterBench(brokers));
if (wanted.has('ui')) await step(async () => (await import('./ui.mjs')).runUiBench(brokers));
for (const [name, file] of [
  ['cdc', 'cdc/index.mjs'],
  ['mysql-cdc', 'mysql-cdc/index.mjs'],
  ['s3', 's3/index.mjs'],
  ['jdbc', 'jdbc/index.mjs'],
  ['avro', 'avro/index.mjs'],
  ['kafka-connect', 'kafka-connect/index.mjs'],
]) {
  if (!wanted.has(name)) continue;
  const full = path.join(here, file);
  if (!existsSync(full)) {
    console.log(`\n== ${name} bench: ${file} not present`);
    continue;
  }
  await step(async () => (await import(pathToFileURL(full).href)).run(endpoints));
}
process.exit(0);
