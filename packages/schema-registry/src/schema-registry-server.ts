/** One running registry instance: the `_schemas` log, the writer election, and the REST listeners. */
import { randomUUID } from 'node:crypto';
import { type Server, createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@tributary/api';
import { createTlsServer } from '@tributary/tls';
import { InterWorkerClient, LoggerRegistry } from '@tributary/runtime';
import { parseRegistryConfig, readUsersFile, rolesAllow } from './config.js';
import { errors } from './errors.js';
import { KafkaStore } from './kafka-store.js';
import { LeaderElector } from './leader.js';
import { SchemaRegistry } from './registry.js';
import { createRegistryServer } from './server.js';
import { SchemaStore } from './store.js';

export interface RunningSchemaRegistry {
  /** Each listener's URL with the port it bound. */
  urls: string[];
  /** This instance's URL as the group knows it. */
  url: string;
  registry: SchemaRegistry;
  isLeader(): boolean;
  leaderUrl(): string | null;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Where SCHEMA_REGISTRY_OPTS (-Djava.security.auth.login.config) is read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts an instance from schema-registry.properties keys: binds the listeners first (so the URL
 * it advertises is real, port 0 included), reads `_schemas` to its end, then joins the group.
 * Reads are served once the log is read; writes once a writer is known.
 */
export async function startSchemaRegistry(
  props: Readonly<Record<string, string>>,
  opts: StartOptions = {},
): Promise<RunningSchemaRegistry> {
  const config = parseRegistryConfig(props, opts.env);
  const logger = opts.logger ?? new LoggerRegistry().get('tributary.schema-registry', {});
  const store = new SchemaStore();
  const instanceId = randomUUID().slice(0, 8);
  const kafkaStore = new KafkaStore({
    bootstrapServers: config.bootstrapServers,
    topic: config.topic,
    replicationFactor: config.replicationFactor,
    clientId: `schema-registry-${instanceId}`,
    timeoutMs: config.timeoutMs,
    logger,
    store,
  });

  let leaderUrl: string | null = null;
  let isLeader = false;
  /** Bumped on every change, so a slow read-to-end never crowns a writer that lost the role meanwhile. */
  let epoch = 0;
  const leader = { leaderUrl: () => leaderUrl, isLeader: () => isLeader };

  const registry = new SchemaRegistry({
    store,
    // Checked again at write time: a request queued behind others may find this instance no longer the writer.
    write: async (records) => {
      if (!isLeader) throw errors.unknownLeader();
      await kafkaStore.write(records);
    },
    defaultCompatibility: config.compatibility,
    modeMutability: config.modeMutability,
  });
  // Writes a follower takes go to the writer's inter.instance.protocol listener, over TLS with ssl.* when https.
  const forwarder = new InterWorkerClient(config.forwardTls);
  const app = createRegistryServer({
    registry,
    leader,
    forwarder,
    ...(config.basicAuth
      ? {
          basicAuth: {
            realm: config.basicAuth.realm,
            users: readUsersFile(config.basicAuth.usersFile),
            allows: (roles: readonly string[]) => rolesAllow(config.basicAuth!.roles, roles),
          },
        }
      : {}),
  });
  await app.ready();

  const servers: Server[] = [];
  const urls: string[] = [];
  const handler = (req: Parameters<typeof app.routing>[0], res: Parameters<typeof app.routing>[1]) =>
    app.routing(req, res);
  const closeServers = () =>
    Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  try {
    for (const l of config.listeners) {
      const server =
        l.protocol === 'https' && config.tls
          ? (createTlsServer(config.tls, handler) as unknown as Server)
          : createHttpServer(handler);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(l.host === '' ? { port: l.port } : { port: l.port, host: l.host }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.push(server);
      const port = (server.address() as AddressInfo).port;
      const host = config.hostName ?? (l.host === '' ? 'localhost' : l.host.includes(':') ? `[${l.host}]` : l.host);
      urls.push(`${l.protocol}://${host}:${port}`);
    }
    await kafkaStore.start();
  } catch (err) {
    await closeServers();
    await kafkaStore.stop().catch(() => undefined);
    await app.close();
    forwarder.close();
    throw err;
  }
  // As Confluent's getInterInstanceListener: the last listener of the inter.instance.protocol scheme.
  const url = urls[config.listeners.map((l) => l.protocol).lastIndexOf(config.interInstanceProtocol)]!;

  const elector = new LeaderElector({
    bootstrapServers: config.bootstrapServers,
    groupId: config.groupId,
    clientId: `schema-registry-${instanceId}`,
    url,
    eligible: config.leaderEligibility,
    sessionTimeoutMs: config.sessionTimeoutMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    logger,
    onLeaderChange: async (newUrl, mine) => {
      const my = ++epoch;
      isLeader = false;
      leaderUrl = mine ? null : newUrl;
      if (!mine) {
        if (newUrl) logger.info({ leader: newUrl }, 'schema registry writer elected');
        return;
      }
      // A new writer reads everything its predecessor wrote before it allocates an id.
      try {
        await kafkaStore.readToEnd();
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'could not read the schemas topic to its end; not taking writes');
        return;
      }
      if (my !== epoch) return;
      leaderUrl = url;
      isLeader = true;
      logger.info({ leader: url, maxId: store.maxId }, 'this instance is the schema registry writer');
    },
  });
  elector.start();
  logger.info({ urls, topic: config.topic, group: config.groupId }, 'schema registry started');

  return {
    urls,
    url,
    registry,
    isLeader: () => isLeader,
    leaderUrl: () => leaderUrl,
    close: async () => {
      isLeader = false;
      leaderUrl = null;
      await elector.stop();
      await closeServers();
      await app.close();
      forwarder.close();
      await kafkaStore.stop();
    },
  };
}
