/** `tributary dev`, the quick start: local services, a distributed worker, a schema registry and a demo datagen-to-file pipeline. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { kafkaBrokers, repoRoot, type ServicesStatus, servicesStatus, servicesUp } from '@tributary/testkit';
import { startDistributed } from '@tributary/runtime';
import { startSchemaRegistry } from '@tributary/schema-registry';
import { serveUntilSignalled } from '../worker-process.js';

const DEMO_TOPIC = 'demo-orders';

export interface DevOptions {
  host: string;
  port: number;
}

export const DEV_USAGE =
  'usage: tributary dev [--host=127.0.0.1] [--port=8083]   (TRIBUTARY_DEV_HOST, TRIBUTARY_DEV_PORT)\n';

/**
 * Where the dev worker listens: 127.0.0.1 unless told otherwise, since the dev worker has no authentication and
 * its REST API creates connectors that read files and databases. `--host=0.0.0.0` opens it to the network.
 */
export function devOptions(args: readonly string[], env: NodeJS.ProcessEnv = process.env): DevOptions {
  let host = env.TRIBUTARY_DEV_HOST ?? '127.0.0.1';
  let port = env.TRIBUTARY_DEV_PORT ?? '8083';
  const bad: string[] = [];
  for (const a of args) {
    if (a.startsWith('--host=')) host = a.slice('--host='.length);
    else if (a.startsWith('--port=')) port = a.slice('--port='.length);
    else bad.push(`unknown argument '${a}'`);
  }
  const n = Number(port);
  if (!/^\d+$/.test(port.trim()) || n < 0 || n > 65535) bad.push(`port '${port}' is not a port number (0-65535)`);
  if (host.trim() === '' || /[\s/]/.test(host)) bad.push(`host '${host}' is not a host name or address`);
  if (bad.length) throw new Error(`${bad.join('; ')}\n${DEV_USAGE}`);
  return { host: host.trim(), port: n };
}

/** What Ctrl-C leaves running and how to stop it: the services the harness runs outlive the worker. */
export function stillRunning(status: ServicesStatus): string {
  const names: Record<string, string> = { kafka: 'Kafka', s3: 'S3Proxy' };
  const kept = Object.values(status.services).filter((s) => s.manager === 'harness' && s.running && names[s.name]);
  if (kept.length === 0) return 'Worker stopped.\n';
  const list = kept.map((s) => `${names[s.name]} (${s.endpoint ?? 'no endpoint'})`).join(' and ');
  return (
    `Worker stopped. Still running for the next \`tributary dev\`: ${list}.\n` +
    "Stop them with: tributary services down   (the machine's Postgres and Redis are left alone)\n"
  );
}

/**
 * tributary dev — the quick start: brings up the local services (a Kafka broker unless
 * KAFKA_BOOTSTRAP_SERVERS points at one), runs a distributed-mode worker on 127.0.0.1:8083, a schema registry on
 * :8081 and a demo pipeline (datagen orders → Kafka topic → file sink), then tells the user where to look.
 */
export async function run(args: string[]): Promise<number> {
  let opts: DevOptions;
  try {
    opts = devOptions(args);
  } catch (err) {
    process.stderr.write(`tributary dev: ${(err as Error).message}`);
    return 2;
  }
  const { host, port } = opts;
  // The quick start speaks to a person: worker logs only when something is wrong (TRIBUTARY_LOG_LEVEL overrides).
  process.env.TRIBUTARY_LOG_LEVEL ??= 'warn';
  process.stdout.write('Starting services (first run downloads Kafka from Maven Central)...\n');
  const endpoints = await servicesUp();
  const dir = path.join(repoRoot(), '.tributary', 'dev');
  mkdirSync(dir, { recursive: true });
  const output = path.join(dir, `${DEMO_TOPIC}.jsonl`);
  const secrets = path.join(dir, 'secrets');
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const props: Record<string, string> = {
    'bootstrap.servers': kafkaBrokers(endpoints).join(','),
    'group.id': 'tributary-dev',
    'config.storage.topic': '_tributary-dev-configs',
    'offset.storage.topic': '_tributary-dev-offsets',
    'status.storage.topic': '_tributary-dev-status',
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'offset.flush.interval.ms': '5000',
    listeners: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    'rest.advertised.host.name': host === '0.0.0.0' || host === '::' ? 'localhost' : host,
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    // ${file:…} and ${directory:…} placeholders read only under .tributary/dev/secrets: without allowed.paths
    // (Kafka's default) anyone who can create a connector can read every file the worker can.
    'config.providers': 'file,directory',
    'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
    'config.providers.file.param.allowed.paths': secrets,
    'config.providers.directory.class': 'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
    'config.providers.directory.param.allowed.paths': secrets,
  };
  // The registry Avro converters point at (schema.registry.url); its state lives in the broker's _schemas topic.
  // A registry already on the port (another dev session, Confluent's) is the user's: say so and go on without ours.
  const registryPort = Number(process.env.TRIBUTARY_DEV_REGISTRY_PORT ?? 8081);
  const registry = await startSchemaRegistry({
    listeners: `http://${host.includes(':') ? `[${host}]` : host}:${registryPort}`,
    'host.name': 'localhost',
    'kafkastore.bootstrap.servers': kafkaBrokers(endpoints).join(','),
    'kafkastore.topic': '_schemas',
    'schema.registry.group.id': 'tributary-dev-schema-registry',
  }).catch((err: unknown) => {
    process.stdout.write(
      `Schema registry not started on port ${registryPort} (${err instanceof Error ? err.message : String(err)}); set TRIBUTARY_DEV_REGISTRY_PORT to use another port.\n`,
    );
    return null;
  });
  // The console's registry pages and its Avro / JSON Schema / Protobuf decoding use the registry started here.
  if (registry) props['tributary.console.schema.registry.url'] = registry.url;
  writeFileSync(
    path.join(dir, 'worker.properties'),
    Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  const runtime = await startDistributed(props);
  const herder = runtime.herder;
  const existing = await herder.connectors();
  if (!existing.includes('demo-datagen')) {
    await herder.putConnectorConfig(
      'demo-datagen',
      {
        'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
        'kafka.topic': DEMO_TOPIC,
        quickstart: 'orders',
        'max.interval': '200',
        'tasks.max': '1',
      },
      { allowReplace: true },
    );
  }
  if (!existing.includes('demo-file-sink')) {
    await herder.putConnectorConfig(
      'demo-file-sink',
      {
        'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
        topics: DEMO_TOPIC,
        file: output,
        'tasks.max': '1',
      },
      { allowReplace: true },
    );
  }
  const code = await serveUntilSignalled(runtime, (url) => {
    process.stdout.write(
      [
        '',
        `Tributary is running. REST API: ${url}`,
        `  Console:      ${url}/ui`,
        `  Kafka:        ${kafkaBrokers(endpoints).join(',')}`,
        ...(registry ? [`  Schema Registry: ${registry.url}   (schema.registry.url for the Avro converter)`] : []),
        `  Demo output:  ${output}   (tail -f it to watch orders arrive)`,
        `  Connectors:   curl -s ${url}/connectors?expand=status`,
        '  Stop with Ctrl-C.',
        '',
      ].join('\n'),
    );
  });
  await registry?.close().catch(() => undefined);
  process.stdout.write(stillRunning(await servicesStatus()));
  return code;
}
