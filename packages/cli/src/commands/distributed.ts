/** `tributary distributed worker.properties`: runs a worker in distributed mode (Kafka Connect's connect-distributed). */
import { readConfigFile, startDistributed } from '@tributary/runtime';
import { serveUntilSignalled } from '../worker-process.js';

/** tributary distributed worker.properties — a worker in distributed mode (Kafka-backed config, offsets, status). */
export async function run(args: string[]): Promise<number> {
  const [file] = args;
  if (!file) {
    process.stderr.write('usage: tributary distributed <worker.properties|worker.json>\n');
    return 2;
  }
  const props = await readConfigFile(file);
  const runtime = await startDistributed(props);
  return serveUntilSignalled(runtime);
}
