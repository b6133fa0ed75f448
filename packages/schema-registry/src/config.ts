/** schema-registry.properties: Confluent Schema Registry's own keys, validated all at once. */
import { readFileSync } from 'node:fs';
import { ConfigException, jaasFileFromKafkaOpts, parseJaasFile } from '@tributary/api';
import {
  type ClientTlsSettings,
  type ServerTlsSettings,
  type SslProblem,
  clientTlsFrom,
  listenerTlsSettings,
  prefixedSslValues,
} from '@tributary/tls';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel } from './avro.js';

export interface RegistryListener {
  protocol: 'http' | 'https';
  host: string;
  port: number;
}

export interface RegistryConfig {
  listeners: RegistryListener[];
  /** host.name: the host other instances reach this one on (its URL in the group). */
  hostName: string | null;
  bootstrapServers: string[];
  topic: string;
  replicationFactor: number;
  timeoutMs: number;
  initTimeoutMs: number;
  groupId: string;
  leaderEligibility: boolean;
  compatibility: CompatibilityLevel;
  modeMutability: boolean;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** authentication.method=BASIC: the realm, the users file (Jetty's `user: password[,role...]`), authentication.roles. */
  basicAuth: { realm: string; usersFile: string; roles: string[] } | null;
  /** The https listeners' TLS (ssl.keystore.*, ssl.truststore.*, ssl.client.authentication); null without one. */
  tls: ServerTlsSettings | null;
  /** inter.instance.protocol: the listener this instance is known by in the group, and writes are forwarded to. */
  interInstanceProtocol: 'http' | 'https';
  /** TLS of writes forwarded to an https leader: the same ssl.* keys, the keystore presented when asked. */
  forwardTls: ClientTlsSettings | null;
}

export class RegistryConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid schema registry configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Parses and validates; every bad key is named in one RegistryConfigError. */
export function parseRegistryConfig(
  props: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): RegistryConfig {
  const problems: string[] = [];
  const int = (key: string, def: number, min = 0): number => {
    const raw = props[key];
    if (raw === undefined || raw.trim() === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      problems.push(`${key}: '${raw}' is not an integer >= ${min}`);
      return def;
    }
    return n;
  };
  const bool = (key: string, def: boolean): boolean => {
    const raw = props[key]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return def;
    if (raw !== 'true' && raw !== 'false') {
      problems.push(`${key}: '${props[key]}' is not true or false`);
      return def;
    }
    return raw === 'true';
  };

  const listeners: RegistryListener[] = [];
  for (const entry of list(props.listeners ?? 'http://127.0.0.1:8081')) {
    const m = /^([A-Za-z]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)\/?$/.exec(entry);
    const protocol = m?.[1]?.toLowerCase();
    if (!m || (protocol !== 'http' && protocol !== 'https') || Number(m[3]) > 65535) {
      problems.push(`listeners: '${entry}' is not http://host:port or https://host:port`);
      continue;
    }
    const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
    listeners.push({ protocol, host: host === '0.0.0.0' ? '' : host, port: Number(m[3]) });
  }
  if (listeners.length === 0 && problems.length === 0) problems.push('listeners: must name at least one listener');

  // Confluent accepts PLAINTEXT://host:port entries here; only plaintext is supported.
  const bootstrapServers = list(props['kafkastore.bootstrap.servers']).map((s) => s.replace(/^PLAINTEXT:\/\//i, ''));
  if (bootstrapServers.length === 0)
    problems.push('kafkastore.bootstrap.servers: required (the Kafka cluster that holds the schemas topic)');
  for (const s of bootstrapServers)
    if (/^[A-Z_]+:\/\//i.test(s))
      problems.push(
        `kafkastore.bootstrap.servers: '${s}' uses a security protocol other than PLAINTEXT, which is not supported`,
      );

  const level = (props['schema.compatibility.level'] ?? props['avro.compatibility.level'] ?? 'backward').toUpperCase();
  if (!(COMPATIBILITY_LEVELS as readonly string[]).includes(level))
    problems.push(
      `schema.compatibility.level: '${level.toLowerCase()}' is not one of ${COMPATIBILITY_LEVELS.map((l) => l.toLowerCase()).join(', ')}`,
    );

  const method = (props['authentication.method'] ?? 'NONE').toUpperCase();
  let basicAuth: RegistryConfig['basicAuth'] = null;
  if (method === 'BASIC') {
    const realm = props['authentication.realm'] ?? '';
    const roles = list(props['authentication.roles'] ?? '*');
    const usersFile = props['authentication.basic.users.file'] || jaasUsersFile(props, realm, env, problems);
    if (usersFile) basicAuth = { realm: realm || 'SchemaRegistry', usersFile, roles };
  } else if (method !== 'NONE') problems.push(`authentication.method: '${method}' is not NONE or BASIC`);

  const interInstanceProtocol = (
    props['schema.registry.inter.instance.protocol']?.trim() ||
    props['inter.instance.protocol']?.trim() ||
    'http'
  ).toLowerCase();
  const protocolKey = props['schema.registry.inter.instance.protocol']?.trim()
    ? 'schema.registry.inter.instance.protocol'
    : 'inter.instance.protocol';
  if (interInstanceProtocol !== 'http' && interInstanceProtocol !== 'https')
    problems.push(`${protocolKey}: '${interInstanceProtocol}' is not http or https`);
  else if (listeners.length > 0 && !listeners.some((l) => l.protocol === interInstanceProtocol))
    problems.push(
      `${protocolKey}: no listener configured with requested scheme ${interInstanceProtocol} (listeners: ${props.listeners ?? 'http://127.0.0.1:8081'})`,
    );

  // rest-utils' keys, unprefixed: one keystore and truststore for every https listener and for forwarding.
  const ssl = prefixedSslValues(props, '');
  const attempt = <T>(f: () => T): T | null => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ConfigException)) throw e;
      for (const [key, messages] of Object.entries(e.errors)) for (const m of messages) problems.push(`${key}: ${m}`);
      return null;
    }
  };
  const authProblems: SslProblem[] = [];
  const clientAuth = clientAuthOf(props, authProblems);
  const tls = listeners.some((l) => l.protocol === 'https')
    ? attempt(() => listenerTlsSettings(ssl, clientAuth, { what: 'schema registry', problems: authProblems }))
    : null;
  // rest-utils' ssl.endpoint.identification.algorithm defaults to null: Confluent's followers skip the host name check.
  const forwardTls =
    interInstanceProtocol === 'https'
      ? attempt(() => clientTlsFrom(ssl, { what: 'schema registry forwarding', defaultAlgorithm: '' }))
      : null;

  const config: RegistryConfig = {
    listeners,
    hostName: props['host.name'] ?? null,
    bootstrapServers,
    topic: props['kafkastore.topic'] ?? '_schemas',
    replicationFactor: int('kafkastore.topic.replication.factor', 1, 1),
    timeoutMs: int('kafkastore.timeout.ms', 10_000, 1),
    initTimeoutMs: int('kafkastore.init.timeout.ms', 60_000, 1),
    groupId: props['schema.registry.group.id'] ?? 'schema-registry',
    leaderEligibility: bool('leader.eligibility', bool('master.eligibility', true)),
    compatibility: level as CompatibilityLevel,
    modeMutability: bool('mode.mutability', true),
    sessionTimeoutMs: int('kafkagroup.session.timeout.ms', 10_000, 1),
    heartbeatIntervalMs: int('kafkagroup.heartbeat.interval.ms', 3_000, 1),
    basicAuth,
    tls,
    interInstanceProtocol: interInstanceProtocol === 'https' ? 'https' : 'http',
    forwardTls,
  };
  if (problems.length > 0) throw new RegistryConfigError(problems);
  return config;
}

/**
 * rest-utils' SslConfig.getClientAuth: ssl.client.authentication (NONE, REQUESTED, REQUIRED) when set, else the
 * deprecated boolean ssl.client.auth (true: REQUIRED).
 */
function clientAuthOf(
  props: Readonly<Record<string, string>>,
  problems: SslProblem[],
): ServerTlsSettings['clientAuth'] {
  const authentication = props['ssl.client.authentication']?.trim();
  if (authentication) {
    const level = authentication.toUpperCase();
    if (level === 'NONE' || level === 'REQUESTED' || level === 'REQUIRED')
      return level.toLowerCase() as ServerTlsSettings['clientAuth'];
    problems.push({
      key: 'ssl.client.authentication',
      message: `'${authentication}' is not one of NONE, REQUESTED, REQUIRED`,
    });
    return 'none';
  }
  const legacy = props['ssl.client.auth']?.trim().toLowerCase();
  if (legacy === undefined || legacy === '' || legacy === 'false') return 'none';
  if (legacy === 'true') return 'required';
  problems.push({ key: 'ssl.client.auth', message: `'${props['ssl.client.auth']}' is not true or false` });
  return 'none';
}

/** Jetty's login modules that read a `user: password[,role...]` file (Jetty 9 in Confluent 7, Jetty 12 in 8). */
const PROPERTY_FILE_LOGIN_MODULES = [
  'org.eclipse.jetty.jaas.spi.PropertyFileLoginModule',
  'org.eclipse.jetty.security.jaas.spi.PropertyFileLoginModule',
];

/**
 * Confluent's basic auth (rest-utils): the JAAS file the JVM was given (-Djava.security.auth.login.config in
 * SCHEMA_REGISTRY_OPTS, or the same key in the properties) has a section named authentication.realm holding
 * Jetty's PropertyFileLoginModule, whose file= lists the users.
 */
function jaasUsersFile(
  props: Readonly<Record<string, string>>,
  realm: string,
  env: NodeJS.ProcessEnv,
  problems: string[],
): string | null {
  const fromProps = props['java.security.auth.login.config'];
  const jaasFile = fromProps ?? jaasFileFromKafkaOpts(env.SCHEMA_REGISTRY_OPTS);
  const where = fromProps
    ? 'java.security.auth.login.config'
    : 'SCHEMA_REGISTRY_OPTS -Djava.security.auth.login.config';
  if (!jaasFile) {
    problems.push(
      'authentication.method: BASIC needs the users: a JAAS file (-Djava.security.auth.login.config=<file> in SCHEMA_REGISTRY_OPTS, or java.security.auth.login.config) with an authentication.realm section, or authentication.basic.users.file',
    );
    return null;
  }
  let sections: ReturnType<typeof parseJaasFile>;
  try {
    sections = parseJaasFile(readFileSync(jaasFile, 'utf8'));
  } catch (e) {
    problems.push(
      `${where}: cannot read the JAAS file ${jaasFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
    return null;
  }
  if (!realm) {
    problems.push(
      `authentication.realm: required with a JAAS file: the name of its section (${[...sections.keys()].join(', ') || 'none'} in ${jaasFile})`,
    );
    return null;
  }
  const entries = sections.get(realm);
  if (!entries || entries.length === 0) {
    problems.push(`authentication.realm: the JAAS file ${jaasFile} has no ${realm} section`);
    return null;
  }
  const entry = entries.length === 1 ? entries[0]! : undefined;
  if (!entry || !PROPERTY_FILE_LOGIN_MODULES.includes(entry.module)) {
    problems.push(
      `${where}: the ${realm} section of ${jaasFile} must hold one ${PROPERTY_FILE_LOGIN_MODULES[0]} (found ${entries.map((e) => e.module).join(', ')}); other login modules are Java code that cannot run here`,
    );
    return null;
  }
  if (!entry.options.file) {
    problems.push(`${where}: the ${realm} section of ${jaasFile} names no file="…" of users`);
    return null;
  }
  return entry.options.file;
}

export interface RegistryUser {
  password: string;
  roles: string[];
}

/** Jetty's HashLoginService file, which Confluent's basic auth reads: `user: password[,role...]` per line. */
export function readUsersFile(path: string): Map<string, RegistryUser> {
  const users = new Map<string, RegistryUser>();
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const i = t.indexOf(':');
    if (i < 0) continue;
    const [password, ...roles] = t
      .slice(i + 1)
      .split(',')
      .map((s) => s.trim());
    users.set(t.slice(0, i).trim(), { password: password!, roles: roles.filter(Boolean) });
  }
  return users;
}

/**
 * rest-utils' authentication.roles: `*` (the default) lets in a user with any role, `**` any user at all, a list
 * those with one of its roles, an empty list nobody.
 */
export function rolesAllow(allowed: readonly string[], roles: readonly string[]): boolean {
  if (allowed.length === 1 && allowed[0] === '**') return true;
  if (allowed.length === 1 && allowed[0] === '*') return roles.length > 0;
  return roles.some((r) => allowed.includes(r));
}
