import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { kafkaBrokers, repoRoot, servicesUp } from '@tributary/testkit';
import { startDistributed } from '@tributary/runtime';
import { serveUntilSignalled } from '../worker-process.js';

const DEMO_TOPIC = 'demo-orders';

/**
 * tributary dev — the quick start: brings up the local services (a Kafka broker unless
 * KAFKA_BOOTSTRAP_SERVERS points at one), runs a distributed-mode worker on :8083 and a demo
 * pipeline (datagen orders → Kafka topic → file sink), then tells the user where to look.
 */
export async function run(args: string[]): Promise<number> {
  const port = Number(
    args.find((a) => a.startsWith('--port='))?.slice('--port='.length) ?? process.env.TRIBUTARY_DEV_PORT ?? 8083,
  );
  // The quick start speaks to a person: worker logs only when something is wrong (TRIBUTARY_LOG_LEVEL overrides).
  process.env.TRIBUTARY_LOG_LEVEL ??= 'warn';
  process.stdout.write('Starting services (first run downloads Kafka from Maven Central)...\n');
  const endpoints = await servicesUp();
  const dir = path.join(repoRoot(), '.tributary', 'dev');
  mkdirSync(dir, { recursive: true });
  const output = path.join(dir, `${DEMO_TOPIC}.jsonl`);
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
    listeners: `http://:${port}`,
    'rest.advertised.host.name': 'localhost',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
  };
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
  return serveUntilSignalled(runtime, (url) => {
    process.stdout.write(
      [
        '',
        `Tributary is running. REST API: ${url}`,
        `  Kafka:        ${kafkaBrokers(endpoints).join(',')}`,
        `  Demo output:  ${output}   (tail -f it to watch orders arrive)`,
        `  Connectors:   curl -s ${url}/connectors?expand=status`,
        '  Stop with Ctrl-C.',
        '',
      ].join('\n'),
    );
  });
}
