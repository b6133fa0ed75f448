import type { ConnectRuntime } from '@tributary/runtime';
import { startRestServer } from '@tributary/rest';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Serves the REST API for a started runtime and stops both cleanly on SIGINT/SIGTERM. Resolves
 * with the exit code once the process has been asked to stop and everything is closed.
 */
export async function serveUntilSignalled(runtime: ConnectRuntime, onReady?: (url: string) => void): Promise<number> {
  const rest = await startRestServer({
    herder: runtime.herder,
    listeners: runtime.listeners,
    loggerInstance: runtime.loggers.root as unknown as FastifyBaseLogger,
    advertisedUrl: `http://${runtime.workerId}`,
    topicTrackingEnabled: runtime.topicTracking.enabled,
    topicTrackingAllowReset: runtime.topicTracking.allowReset,
    configure(app) {
      // Prometheus scrape endpoint, next to the Kafka Connect API.
      app.get('/metrics', async (_req, reply) => {
        reply.header('content-type', runtime.metrics.contentType);
        return runtime.metrics.render();
      });
    },
  });
  const url = rest.urls[0] ?? '';
  runtime.loggers.root.info({ urls: rest.urls, workerId: runtime.workerId }, 'REST server listening');
  onReady?.(url);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      runtime.loggers.root.info({ signal }, 'stopping worker');
      const force = setTimeout(() => {
        runtime.loggers.root.error('worker did not stop within 30s; exiting');
        resolve(1);
      }, 30_000);
      force.unref();
      void (async () => {
        await rest.close().catch(() => undefined);
        await runtime
          .stop()
          .catch((e: unknown) => runtime.loggers.root.error({ err: String(e) }, 'error while stopping'));
        clearTimeout(force);
        resolve(0);
      })();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
