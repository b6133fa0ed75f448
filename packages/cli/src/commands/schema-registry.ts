/** `tributary schema-registry schema-registry.properties`: runs a Confluent-compatible schema registry with Confluent's config keys. */
import { readConfigFile } from '@tributary/runtime';
import { startSchemaRegistry } from '@tributary/schema-registry';

/**
 * tributary schema-registry schema-registry.properties — a Confluent-compatible schema registry
 * taking Confluent's own keys (listeners, kafkastore.bootstrap.servers, kafkastore.topic,
 * schema.registry.group.id, leader.eligibility, …). Runs until SIGINT/SIGTERM.
 */
export async function run(args: string[]): Promise<number> {
  const [file] = args;
  if (!file) {
    process.stderr.write('usage: tributary schema-registry <schema-registry.properties>\n');
    return 2;
  }
  const props = await readConfigFile(file);
  const registry = await startSchemaRegistry(props);
  process.stdout.write(`Schema registry listening on ${registry.urls.join(', ')}\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      registry.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
