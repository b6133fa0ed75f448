/** `tributary standalone worker.properties connector…`: runs a worker in standalone mode (Kafka Connect's connect-standalone). */
import { readConfigFile, startStandalone } from '@tributary/runtime';
import { serveUntilSignalled } from '../worker-process.js';

/** tributary standalone worker.properties connector1.json [connector2.properties ...] */
export async function run(args: string[]): Promise<number> {
  const [workerFile, ...connectorFiles] = args;
  if (!workerFile) {
    process.stderr.write('usage: tributary standalone <worker.properties> [connector.json|connector.properties ...]\n');
    return 2;
  }
  const props = await readConfigFile(workerFile);
  const connectors = await Promise.all(connectorFiles.map(readConfigFile));
  const runtime = await startStandalone(props);
  try {
    for (const c of connectors) {
      const name = c.name;
      if (!name) throw new Error('a connector config file has no "name"');
      await runtime.herder.putConnectorConfig(name, c, { allowReplace: true });
    }
  } catch (err) {
    await runtime.stop();
    throw err;
  }
  return serveUntilSignalled(runtime);
}
