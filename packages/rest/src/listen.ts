/** Serving the REST app on Kafka Connect's `listeners` and `admin.listeners` (http and https), with their parsing. */
import { type Server, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type ServerTlsSettings, createTlsServer } from '@tributary/tls';
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

export interface StartRestServerOptions extends Omit<RestServerOptions, 'endpoints'> {
  /** Kafka Connect's `listeners` (default `http://:8083`). Port 0 picks a free port. */
  listeners?: string | readonly string[];
  /**
   * Kafka Connect's `admin.listeners`: undefined serves /admin/* on the regular listeners, [] nowhere, a list only
   * there (and nothing else there).
   */
  adminListeners?: string | readonly string[];
  /** Key and certificate for https listeners (the worker's ssl.* keys as ServerTlsSettings, or plain PEM). */
  tls?: TlsOptions | ServerTlsSettings;
  /** TLS of https admin listeners (admin.listeners.https.*); default: tls. */
  adminTls?: TlsOptions | ServerTlsSettings;
  /** Adds routes or hooks (e.g. GET /metrics) before the app starts serving. */
  configure?(app: FastifyInstance): void | Promise<void>;
}

export interface RunningRestServer {
  app: FastifyInstance;
  /** The URL of each listener, with the port it actually bound. */
  urls: string[];
  /** The URL of each admin listener (empty when admin.listeners is unset or empty). */
  adminUrls: string[];
  close(): Promise<void>;
}

function urlOf(l: Listener, server: Server): string {
  const port = (server.address() as AddressInfo).port;
  const host = l.host === '' ? 'localhost' : l.host.includes(':') ? `[${l.host}]` : l.host;
  return `${l.protocol}://${host}:${port}`;
}

async function bind(
  l: Listener,
  handler: (req: Parameters<FastifyInstance['routing']>[0], res: Parameters<FastifyInstance['routing']>[1]) => void,
  tls: TlsOptions | ServerTlsSettings | undefined,
): Promise<Server> {
  let server: Server;
  if (l.protocol === 'https') {
    if (!tls)
      throw new Error(`The https listener ${l.host}:${l.port} needs a TLS key and certificate (ssl.keystore.*)`);
    const https = 'clientAuth' in tls ? createTlsServer(tls, handler) : createHttpsServer({ ...tls }, handler);
    server = https as unknown as Server;
  } else server = createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // No host: Node binds every interface (IPv6 and IPv4 where available), as Jetty does for an empty host.
    server.listen(l.host === '' ? { port: l.port } : { port: l.port, host: l.host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Creates the REST app and serves it on every listener (and the admin endpoints on admin.listeners); `close()` stops them all. */
export async function startRestServer(options: StartRestServerOptions): Promise<RunningRestServer> {
  const listeners = parseListeners(options.listeners ?? DEFAULT_LISTENERS);
  const adminListeners =
    options.adminListeners === undefined
      ? undefined
      : (typeof options.adminListeners === 'string' ? options.adminListeners.split(',') : [...options.adminListeners])
          .map((s) => s.trim())
          .filter(Boolean);
  const admin = adminListeners && adminListeners.length > 0 ? parseListeners(adminListeners) : [];
  if (listeners.some((l) => l.protocol === 'https') && !options.tls) {
    throw new Error('An https listener needs a TLS key and certificate (tls option)');
  }
  const app = createRestServer({ ...options, endpoints: adminListeners === undefined ? 'all' : 'main' });
  const adminApp = admin.length > 0 ? createRestServer({ ...options, endpoints: 'admin' }) : null;
  await options.configure?.(app);
  await app.ready();
  await adminApp?.ready();
  const servers: Server[] = [];
  const urls: string[] = [];
  const adminUrls: string[] = [];
  const handler = (req: Parameters<FastifyInstance['routing']>[0], res: Parameters<FastifyInstance['routing']>[1]) =>
    app.routing(req, res);
  try {
    for (const l of listeners) {
      const server = await bind(l, handler, options.tls);
      servers.push(server);
      urls.push(urlOf(l, server));
    }
    if (adminApp) {
      const adminHandler: typeof handler = (req, res) => adminApp.routing(req, res);
      for (const l of admin) {
        const server = await bind(l, adminHandler, options.adminTls ?? options.tls);
        servers.push(server);
        adminUrls.push(urlOf(l, server));
      }
    }
  } catch (e) {
    await Promise.all(servers.map(closeServer));
    await app.close();
    await adminApp?.close();
    throw e;
  }
  return {
    app,
    urls,
    adminUrls,
    async close() {
      await Promise.all(servers.map(closeServer));
      await app.close();
      await adminApp?.close();
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
