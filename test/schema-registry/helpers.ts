/** Starting registry instances for the schema registry tests (each suite gets its own `_schemas` topic and group), and awaiting a converter's registry lookups. */
import { NotReadyException } from '@tributary/api';
import { type RunningSchemaRegistry, type StartOptions, startSchemaRegistry } from '@tributary/schema-registry';
import { eventually, kafkaBootstrap, unique } from '../helpers.js';

export interface RegistryCluster {
  topic: string;
  group: string;
  instances: RunningSchemaRegistry[];
  start(extra?: Record<string, string>, opts?: StartOptions): Promise<RunningSchemaRegistry>;
  /** Resolves once some instance is the writer and every instance knows it. */
  writerElected(): Promise<RunningSchemaRegistry>;
  close(): Promise<void>;
}

export function registryCluster(name: string, props: Record<string, string> = {}): RegistryCluster {
  const topic = unique(`_schemas-${name}`);
  const group = unique(`sr-${name}`);
  const instances: RunningSchemaRegistry[] = [];
  return {
    topic,
    group,
    instances,
    async start(extra = {}, opts = {}) {
      const r = await startSchemaRegistry(
        {
          listeners: 'http://127.0.0.1:0',
          'kafkastore.bootstrap.servers': kafkaBootstrap().join(','),
          'kafkastore.topic': topic,
          'schema.registry.group.id': group,
          'kafkagroup.session.timeout.ms': '6000',
          'kafkagroup.heartbeat.interval.ms': '1000',
          ...props,
          ...extra,
        },
        opts,
      );
      instances.push(r);
      return r;
    },
    async writerElected() {
      return eventually(
        () => {
          const writer = instances.find((i) => i.isLeader());
          if (!writer) return undefined;
          return instances.every((i) => i === writer || i.leaderUrl() === writer.url) ? writer : undefined;
        },
        { timeoutMs: 30_000, what: 'a schema registry writer' },
      );
    },
    async close() {
      await Promise.all(instances.map((i) => i.close().catch(() => undefined)));
    },
  };
}

/** Runs a converter call the way the runtime does: awaiting its registry lookup when it asks to. */
export async function settle<T>(fn: () => T): Promise<T> {
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof NotReadyException)) throw err;
      await err.ready;
    }
  }
}
