/** Worker configs: .properties and JSON files parsed, the distributed and standalone worker keys, and the advertised URL. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { ConfigKeys, type ConfigOf, defineConfig, type TaskIsolation } from '@tributary/api';

/**
 * Parses a Java .properties file (Kafka's own worker config format): `key=value`, `key: value` or
 * `key value`, `#`/`!` comments, backslash line continuations and \t \n \uXXXX escapes.
 */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    let k = 0;
    let key = '';
    for (; k < line.length; k++) {
      const c = line[k]!;
      if (c === '\\') {
        key += line[k] + (line[k + 1] ?? '');
        k++;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
    }
    let rest = line.slice(k).replace(/^[ \t\f]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]*/, '');
    out[unescapeJava(key)] = unescapeJava(rest);
  }
  return out;
}

function unescapeJava(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e[0] === 'u' && e.length === 5) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    return ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[e] ?? e;
  });
}

/** Reads worker config from a .properties or .json file; JSON values are stringified. */
export async function readConfigFile(file: string): Promise<Record<string, string>> {
  const text = await fs.readFile(file, 'utf8');
  if (file.endsWith('.json') || text.trimStart().startsWith('{')) {
    const obj = JSON.parse(text) as Record<string, unknown>;
    // A connector JSON file may be {name, config} as POSTed to /connectors.
    const flat =
      obj.config && typeof obj.config === 'object'
        ? { name: obj.name, ...(obj.config as Record<string, unknown>) }
        : obj;
    return Object.fromEntries(
      Object.entries(flat)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => [k, String(v)]),
    );
  }
  return parseProperties(text);
}

/** Values of task.isolation, of the worker and of a connector. */
export const TASK_ISOLATION = ['none', 'thread'] as const satisfies readonly TaskIsolation[];
export type { TaskIsolation };

const common = {
  'bootstrap.servers': ConfigKeys.list({
    default: ['localhost:9092'],
    importance: 'HIGH',
    doc: 'Kafka brokers to bootstrap from.',
  }),
  'client.id': ConfigKeys.string({ default: '' }),
  'key.converter': ConfigKeys.class({ default: 'org.apache.kafka.connect.json.JsonConverter', importance: 'HIGH' }),
  'value.converter': ConfigKeys.class({ default: 'org.apache.kafka.connect.json.JsonConverter', importance: 'HIGH' }),
  'header.converter': ConfigKeys.class({ default: 'org.apache.kafka.connect.storage.SimpleHeaderConverter' }),
  'offset.flush.interval.ms': ConfigKeys.long({ default: 60_000, doc: 'How often source offsets are committed.' }),
  'offset.flush.timeout.ms': ConfigKeys.long({ default: 5_000 }),
  'task.shutdown.graceful.timeout.ms': ConfigKeys.long({ default: 5_000 }),
  /**
   * Tributary: where source tasks' connector code runs unless a connector's config says (see the connector key).
   * Unset, each connector plugin's own preference applies (the CDC connectors': thread), else none.
   */
  'task.isolation': ConfigKeys.enum(TASK_ISOLATION, { default: null }),
  listeners: ConfigKeys.list({ default: ['http://:8083'], doc: 'REST listeners, e.g. http://:8083.' }),
  'rest.advertised.host.name': ConfigKeys.string({ default: null }),
  'rest.advertised.port': ConfigKeys.int({ default: null }),
  'rest.advertised.listener': ConfigKeys.string({ default: null }),
  'plugin.path': ConfigKeys.list({ default: [] }),
  'config.providers': ConfigKeys.list({ default: [] }),
  'topic.creation.enable': ConfigKeys.boolean({ default: true }),
  'topic.tracking.enable': ConfigKeys.boolean({ default: true }),
  'topic.tracking.allow.reset': ConfigKeys.boolean({ default: true }),
  'connector.client.config.override.policy': ConfigKeys.string({ default: 'All' }),
  'response.http.headers.config': ConfigKeys.string({ default: '' }),
  'producer.batch.size': ConfigKeys.int({ default: 16_384 }),
  /** Tributary: records a source task may have unacknowledged before poll() waits (back-pressure). */
  'producer.max.buffered.records': ConfigKeys.int({ default: 10_000 }),
  /**
   * As the Java producer's buffer.memory (same default, 32 MiB): bytes of converted records a source
   * task may have unacknowledged before poll() waits; the record bound above applies too.
   */
  'producer.buffer.memory': ConfigKeys.long({ default: 33_554_432 }),
  /** Tributary: records a sink task may hold for put() per fetch. */
  'consumer.max.poll.records': ConfigKeys.int({ default: 500 }),
  // Tributary's own: false shows secret config values over REST as Kafka Connect does (literally).
  'rest.secrets.mask': ConfigKeys.boolean({
    default: true,
    doc: 'Show the values of password and well-known secret keys as [hidden] in every REST and console response. false: as Kafka Connect, literally.',
  }),
};

export const DistributedConfigDef = defineConfig({
  ...common,
  'group.id': ConfigKeys.string({ importance: 'HIGH', doc: 'The Connect cluster this worker belongs to.' }),
  'config.storage.topic': ConfigKeys.string({ importance: 'HIGH' }),
  'offset.storage.topic': ConfigKeys.string({ importance: 'HIGH' }),
  'status.storage.topic': ConfigKeys.string({ importance: 'HIGH' }),
  'config.storage.replication.factor': ConfigKeys.short({ default: 3 }),
  'offset.storage.replication.factor': ConfigKeys.short({ default: 3 }),
  'status.storage.replication.factor': ConfigKeys.short({ default: 3 }),
  'offset.storage.partitions': ConfigKeys.int({ default: 25 }),
  'status.storage.partitions': ConfigKeys.int({ default: 5 }),
  'session.timeout.ms': ConfigKeys.int({ default: 10_000 }),
  'heartbeat.interval.ms': ConfigKeys.int({ default: 3_000 }),
  'rebalance.timeout.ms': ConfigKeys.int({ default: 60_000 }),
  'worker.sync.timeout.ms': ConfigKeys.int({ default: 3_000 }),
  'scheduled.rebalance.max.delay.ms': ConfigKeys.int({
    default: 3_000,
    doc: 'How long lost work waits for its worker to return before it is reassigned (Kafka Connect: 300000).',
  }),
  'exactly.once.source.support': ConfigKeys.enum(['disabled', 'preparing', 'enabled'], { default: 'disabled' }),
  'inter.worker.key.generation.algorithm': ConfigKeys.string({ default: 'HmacSHA256' }),
});

export const StandaloneConfigDef = defineConfig({
  ...common,
  'offset.storage.file.filename': ConfigKeys.string({ importance: 'HIGH', doc: 'File that stores source offsets.' }),
});

export type DistributedConfig = ConfigOf<typeof DistributedConfigDef>;
export type StandaloneConfig = ConfigOf<typeof StandaloneConfigDef>;

/** Keys under a prefix with the prefix removed (e.g. key.converter.schemas.enable → schemas.enable). */
export function withPrefix(props: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/**
 * The URL this worker is reached at by others, as Kafka Connect's RestServer.advertisedUrl: the protocol is
 * rest.advertised.listener, else http when any listener is http, else https; host and port are rest.advertised.*,
 * else those of the first listener of that protocol.
 */
export function advertisedUrl(
  cfg: {
    listeners: string[];
    'rest.advertised.host.name': string | null;
    'rest.advertised.port': number | null;
    'rest.advertised.listener': string | null;
  },
  boundPort?: number,
): string {
  const listeners = cfg.listeners.length > 0 ? cfg.listeners : ['http://:8083'];
  const raw = listeners.join(',').toLowerCase();
  const protocol =
    cfg['rest.advertised.listener']?.toLowerCase() ??
    (raw.includes('http://') ? 'http' : raw.includes('https://') ? 'https' : 'http');
  const listener = listeners.find((l) => l.trim().toLowerCase().startsWith(`${protocol}://`)) ?? listeners[0]!;
  const m = /^\s*[A-Za-z]+:\/\/(\[[^\]]*\]|[^:/]*):?(\d*)/.exec(listener);
  const listenerHost = m?.[1] ?? '';
  const host =
    cfg['rest.advertised.host.name'] ??
    (listenerHost === '' || listenerHost === '0.0.0.0' || listenerHost === '[::]' ? os.hostname() : listenerHost);
  const port = cfg['rest.advertised.port'] ?? boundPort ?? Number(m?.[2] || 8083);
  return `${protocol}://${host}:${port}/`;
}
