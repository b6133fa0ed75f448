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
// Whatever topics the benchmarks made go at the end, so runs one after another do not fill the broker's disk.
const brokers = kafkaBrokers(endpoints);
const topicsBefore = await listTopics(brokers);

try {
  if (wanted.has('runtime')) {
    const { runRuntimeBench } = await import('./runtime.mjs');
    await runRuntimeBench(brokers);
  }
  if (wanted.has('cluster')) {
    const { runClusterBench } = await import('./cluster.mjs');
    await runClusterBench(brokers);
  }
  if (wanted.has('ui')) {
    const { runUiBench } = await import('./ui.mjs');
    await runUiBench(brokers);
  }
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
    const mod = await import(pathToFileURL(full).href);
    await mod.run(endpoints);
  }
} finally {
  await deleteBenchTopicsSince(brokers, topicsBefore);
}
process.exit(0);
