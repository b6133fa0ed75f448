/** Serves the REST API for a started worker runtime and shuts both down cleanly on SIGINT/SIGTERM. */
import type { ConnectRuntime } from '@tributary/runtime';
import { ConsoleSchemaRegistry, startRestServer } from '@tributary/rest';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Serves the REST API for a started runtime and stops both cleanly on SIGINT/SIGTERM. Resolves
 * with the exit code once the process has been asked to stop and everything is closed.
 */
export async function serveUntilSignalled(runtime: ConnectRuntime, onReady?: (url: string) => void): Promise<number> {
  let rest: Awaited<ReturnType<typeof startRestServer>>;
  try {
    rest = await startRestServer(restOptions(runtime));
  } catch (err) {
    // A worker nobody can reach must not stay in the group taking connectors and tasks: leave it and exit.
    runtime.loggers.root.error(
      { err: err instanceof Error ? err.message : String(err), listeners: runtime.listeners },
      'REST server could not start; leaving the group and exiting',
    );
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await runtime.stop().catch((e: unknown) => runtime.loggers.root.error({ err: String(e) }, 'error while stopping'));
    clearTimeout(force);
    // Clients the runtime closed may still hold the event loop for a moment; the exit code is what counts.
    setTimeout(() => process.exit(1), 2_000).unref();
    return 1;
  }
  return serve(runtime, rest, onReady);
}

function restOptions(runtime: ConnectRuntime): Parameters<typeof startRestServer>[0] {
  return {
    herder: runtime.herder,
    listeners: runtime.listeners,
    ...(runtime.restSecurity.adminListeners !== undefined
      ? { adminListeners: runtime.restSecurity.adminListeners }
      : {}),
    ...(runtime.restSecurity.tls ? { tls: runtime.restSecurity.tls } : {}),
    ...(runtime.restSecurity.adminTls ? { adminTls: runtime.restSecurity.adminTls } : {}),
    security: runtime.restSecurity,
    loggerInstance: runtime.loggers.root as unknown as FastifyBaseLogger,
    advertisedUrl: runtime.advertisedUrl.replace(/\/$/, ''),
    topicTrackingEnabled: runtime.topicTracking.enabled,
    topicTrackingAllowReset: runtime.topicTracking.allowReset,
    // The console's registry pages and registry formats (tributary.console.schema.registry.url, docs/console.md).
    schemaRegistry: ConsoleSchemaRegistry.fromWorkerConfig(runtime.herder.worker.opts.workerProps),
    configure(app) {
      // Prometheus scrape endpoint, next to the Kafka Connect API.
      app.get('/metrics', async (_req, reply) => {
        reply.header('content-type', runtime.metrics.contentType);
        return runtime.metrics.render();
      });
    },
  };
}

function serve(
  runtime: ConnectRuntime,
  rest: Awaited<ReturnType<typeof startRestServer>>,
  onReady?: (url: string) => void,
): Promise<number> {
  const url = rest.urls[0] ?? '';
  runtime.loggers.root.info(
    {
      urls: rest.urls,
      ...(rest.adminUrls.length > 0 ? { adminUrls: rest.adminUrls } : {}),
      console: rest.urls.map((u) => `${u}/ui`),
      workerId: runtime.workerId,
      auth: [
        ...(runtime.restSecurity.basicAuth ? ['basic'] : []),
        ...(runtime.restSecurity.bearerToken ? ['bearer'] : []),
      ],
    },
    'REST server listening',
  );
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
