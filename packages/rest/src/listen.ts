import { type Server, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type RestServerOptions, createRestServer } from './server.js';

/** One entry of Kafka Connect's `listeners` worker config, e.g. `http://:8083`. */
export interface Listener {
  protocol: 'http' | 'https';
  /** Empty means every interface. */
  host: string;
  port: number;
}

/** Kafka Connect's default `listeners`. */
export const DEFAULT_LISTENERS = 'http://:8083';

/**
 * Parses `listeners` as Kafka Connect does: a comma-separated list of `protocol://host:port`,
 * where an empty host binds every interface and IPv6 hosts are bracketed.
 */
export function parseListeners(value: string | readonly string[]): Listener[] {
  const entries = (typeof value === 'string' ? value.split(',') : [...value]).map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('listeners must name at least one listener, e.g. http://:8083');
  return entries.map((entry) => {
    const m = /^([A-Za-z]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)\/?$/.exec(entry);
    if (!m)
      throw new Error(`Invalid listener ${JSON.stringify(entry)}: expected protocol://host:port, e.g. http://:8083`);
    const protocol = m[1]!.toLowerCase();
    if (protocol !== 'http' && protocol !== 'https') {
      throw new Error(`Invalid listener ${JSON.stringify(entry)}: the protocol must be http or https`);
    }
    const port = Number(m[3]);
    if (port > 65535) throw new Error(`Invalid listener ${JSON.stringify(entry)}: port out of range`);
    const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
    return { protocol, host, port };
  });
}

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer | Array<string | Buffer>;
  passphrase?: string;
}

export interface StartRestServerOptions extends RestServerOptions {
  /** Kafka Connect's `listeners` (default `http://:8083`). Port 0 picks a free port. */
  listeners?: string | readonly string[];
  /** Key and certificate for https listeners. */
  tls?: TlsOptions;
  /** Adds routes or hooks (e.g. GET /metrics) before the app starts serving. */
  configure?(app: FastifyInstance): void | Promise<void>;
}

export interface RunningRestServer {
  app: FastifyInstance;
  /** The URL of each listener, with the port it actually bound. */
  urls: string[];
  close(): Promise<void>;
}

function urlOf(l: Listener, server: Server): string {
  const port = (server.address() as AddressInfo).port;
  const host = l.host === '' ? 'localhost' : l.host.includes(':') ? `[${l.host}]` : l.host;
  return `${l.protocol}://${host}:${port}`;
}

/** Creates the REST app and serves it on every listener; `close()` stops them all. */
export async function startRestServer(options: StartRestServerOptions): Promise<RunningRestServer> {
  const listeners = parseListeners(options.listeners ?? DEFAULT_LISTENERS);
  if (listeners.some((l) => l.protocol === 'https') && !options.tls) {
    throw new Error('An https listener needs a TLS key and certificate (tls option)');
  }
  const app = createRestServer(options);
  await options.configure?.(app);
  await app.ready();
  const servers: Server[] = [];
  const urls: string[] = [];
  const handler = (req: Parameters<FastifyInstance['routing']>[0], res: Parameters<FastifyInstance['routing']>[1]) =>
    app.routing(req, res);
  try {
    for (const l of listeners) {
      const server: Server =
        l.protocol === 'https' ? createHttpsServer({ ...options.tls }, handler) : createHttpServer(handler);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // No host: Node binds every interface (IPv6 and IPv4 where available), as Jetty does for an empty host.
        server.listen(l.host === '' ? { port: l.port } : { port: l.port, host: l.host }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.push(server);
      urls.push(urlOf(l, server));
    }
  } catch (e) {
    await Promise.all(servers.map(closeServer));
    await app.close();
    throw e;
  }
  return {
    app,
    urls,
    async close() {
      await Promise.all(servers.map(closeServer));
      await app.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive connections would hold close() open until they time out.
    server.closeIdleConnections();
  });
}
