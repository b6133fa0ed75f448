/**
 * vitest globalSetup for the integration project: brings Kafka, S3Proxy, Postgres and Redis up through the
 * service harness, hands their endpoints to the tests (`inject('services')`) and to child processes
 * (KAFKA_BOOTSTRAP_SERVERS, S3_ENDPOINT, PG_URL, REDIS_URL), and on teardown stops only what test runs
 * started — a Kafka that was running before (`tributary services up`, or another test run still going) stays.
 */
import type { TestProject } from 'vitest/node';
import { acquireServices, dropStaleTestDatabases, exportEndpoints } from '../packages/testkit/src/index.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const session = await acquireServices();
  project.provide('services', session.endpoints);
  exportEndpoints(session.endpoints);
  // Node 20 is our floor; the AWS SDK's notice that future releases need Node 22 is noise in test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // In-process workers log warnings and errors only, so test output stays readable; worker
  // processes that tests read logs from set their own level.
  process.env.TRIBUTARY_LOG_LEVEL ??= 'warn';
  const dropped = await dropStaleTestDatabases(session.endpoints.postgres.url);
  if (dropped.length > 0)
    process.stderr.write(`[services] dropped ${dropped.length} test databases left by killed runs\n`);
  return async () => {
    await session.release();
  };
}
