// The worker keys of Kafka Connect's RestServerConfig (and Tributary's own rest keys), read and checked once for the REST layer.
import { readFileSync } from 'node:fs';
import { type ClientTlsSettings, type ServerTlsSettings, clientTlsSettings, serverTlsSettings } from '@tributary/tls';
import { jaasFileFromKafkaOpts, parseJaasFile } from '@tributary/api';
import { parseProperties } from './worker-config.js';

export const BASIC_AUTH_EXTENSION = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';
const PROPERTY_FILE_LOGIN_MODULE = 'org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule';
/** The JAAS login context the basic-auth extension reads (JaasBasicAuthFilter.CONNECT_LOGIN_MODULE). */
const CONNECT_LOGIN_CONTEXT = 'KafkaConnect';

/** One rule of response.http.headers.config (Jetty's HeaderFilter): `[action] [header name]:[header value]`. */
export interface ResponseHeaderRule {
  action: 'set' | 'add' | 'setDate' | 'addDate';
  name: string;
  value: string;
}

export interface BasicAuthSettings {
  /** Where the JAAS file came from (worker key or KAFKA_OPTS), for logs. */
  jaasFile: string;
  credentialsFile: string;
  /** user → password; empty: every request is let in, as PropertyFileLoginModule does for an empty file. */
  credentials: ReadonlyMap<string, string>;
}

export interface RestSecuritySettings {
  /** admin.listeners: undefined = the /admin endpoints on the regular listeners, [] = nowhere. */
  adminListeners: string[] | undefined;
  /** TLS of https listeners (listeners.https.* or ssl.*); null when no listener is https. */
  tls: ServerTlsSettings | null;
  /** TLS of https admin listeners (admin.listeners.https.* or ssl.*). */
  adminTls: ServerTlsSettings | null;
  /** TLS of requests to other workers; null when this worker's advertised URL is http. */
  clientTls: ClientTlsSettings | null;
  responseHeaders: ResponseHeaderRule[];
  cors: { allowOrigin: string[]; allowMethods: string[] } | null;
  basicAuth: BasicAuthSettings | null;
  /** tributary.console.token: a bearer token accepted on every endpoint (for the console and scripts). */
  bearerToken: string | null;
  /** State-changing requests need Content-Type: application/json or an X-Requested-With header. */
  csrfProtection: boolean;
  /** Host header values allowed (lower case, no port); null = any. */
  allowedHosts: string[] | null;
  /** tributary.internal.request.max.age.ms: how old a signed internal request may be. */
  internalRequestMaxAgeMs: number;
}

function list(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Splits on commas outside double quotes and drops the quotes, as Jetty's StringUtil.csvSplit. */
function csvSplit(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of value) {
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out.filter(Boolean);
}

/** response.http.headers.config as Kafka Connect validates it (RestServerConfig.validateHttpResponseHeaderConfig). */
export function parseResponseHeaders(value: string): ResponseHeaderRule[] {
  if (value.trim() === '') return [];
  return csvSplit(value).map((rule) => {
    const tokens = rule.trim().split(/\s+/);
    const action = tokens.shift() ?? '';
    const header = tokens.join(' ');
    const where = `response.http.headers.config: `;
    if (header === '')
      throw new Error(
        `${where}Invalid format of header config '${rule}'. Expected: '[action] [header name]:[header value]'`,
      );
    const canonical = (['set', 'add', 'setDate', 'addDate'] as const).find(
      (a) => a.toLowerCase() === action.toLowerCase(),
    );
    if (!canonical)
      throw new Error(
        `${where}Invalid header config action: '${action}'. Expected one of [set, add, setDate, addDate]`,
      );
    const parts = header.trim().split(':');
    if (parts.length !== 2) {
      throw new Error(
        `${where}Invalid format of header name and header value pair '${header}'. Expected: '[header name]:[header value]'`,
      );
    }
    const name = parts[0]!.trim();
    if (name === '' || /\s/.test(name))
      throw new Error(`${where}Invalid header name '${name}'. The '[header name]' cannot contain whitespace`);
    const headerValue = parts[1]!.trim();
    if ((canonical === 'setDate' || canonical === 'addDate') && !/^-?\d+$/.test(headerValue)) {
      throw new Error(`${where}${canonical} needs a number of milliseconds, not '${headerValue}'`);
    }
    return { action: canonical, name, value: headerValue };
  });
}

function basicAuth(props: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): BasicAuthSettings {
  const fromConfig = props['java.security.auth.login.config'];
  const jaasFile = fromConfig ?? jaasFileFromKafkaOpts(env.KAFKA_OPTS);
  if (!jaasFile) {
    throw new Error(
      `rest.extension.classes names ${BASIC_AUTH_EXTENSION}, which needs a JAAS file: set java.security.auth.login.config in the worker config or -Djava.security.auth.login.config=<file> in KAFKA_OPTS`,
    );
  }
  const where = fromConfig ? 'java.security.auth.login.config' : 'KAFKA_OPTS -Djava.security.auth.login.config';
  let text: string;
  try {
    text = readFileSync(jaasFile, 'utf8');
  } catch (e) {
    throw new Error(
      `${where}: cannot read the JAAS file ${jaasFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  const entries = parseJaasFile(text).get(CONNECT_LOGIN_CONTEXT);
  if (!entries || entries.length === 0) {
    throw new Error(
      `${where}: the JAAS file ${jaasFile} has no ${CONNECT_LOGIN_CONTEXT} section (the basic-auth extension logs in with it)`,
    );
  }
  const others = entries.filter((e) => e.module !== PROPERTY_FILE_LOGIN_MODULE);
  if (others.length > 0 || entries.length !== 1) {
    throw new Error(
      `${where}: the ${CONNECT_LOGIN_CONTEXT} section of ${jaasFile} must hold exactly one ${PROPERTY_FILE_LOGIN_MODULE} (found ${entries.map((e) => e.module).join(', ')}); other login modules are Java code Tributary cannot run`,
    );
  }
  const credentialsFile = entries[0]!.options.file;
  if (!credentialsFile || credentialsFile.trim() === '') {
    throw new Error(
      `${where}: Property Credentials file must be specified (file="…" in the ${CONNECT_LOGIN_CONTEXT} section of ${jaasFile})`,
    );
  }
  let credentialsText: string;
  try {
    credentialsText = readFileSync(credentialsFile, 'utf8');
  } catch (e) {
    throw new Error(
      `${where}: Error loading Property Credentials file ${credentialsFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  return { jaasFile, credentialsFile, credentials: new Map(Object.entries(parseProperties(credentialsText))) };
}

const KNOWN_EXTENSIONS = new Set([BASIC_AUTH_EXTENSION]);

/**
 * Reads every REST security key of the worker config; throws one error naming each bad key. `advertisedUrl` is
 * this worker's: its host is let through the Host check, and an https one means other workers are reached over https
 * (the client TLS keys are then needed).
 */
export function restSecuritySettings(
  props: Readonly<Record<string, string>>,
  listeners: readonly string[],
  opts: { advertisedUrl?: string; env?: NodeJS.ProcessEnv } = {},
): RestSecuritySettings {
  const errors: string[] = [];
  const attempt = <T>(f: () => T): T | null => {
    try {
      return f();
    } catch (e) {
      errors.push((e as Error).message);
      return null;
    }
  };
  const isHttps = (l: string): boolean => /^\s*https:/i.test(l);
  const adminListeners = props['admin.listeners'] === undefined ? undefined : list(props['admin.listeners']);
  const tls = listeners.some(isHttps) ? attempt(() => serverTlsSettings(props, 'listeners.https.')) : null;
  const adminTls = adminListeners?.some(isHttps)
    ? attempt(() => serverTlsSettings(props, 'admin.listeners.https.'))
    : null;
  const advertised = opts.advertisedUrl ? new URL(opts.advertisedUrl) : null;
  const advertisedHttps = advertised?.protocol === 'https:';
  const clientTls = advertisedHttps ? attempt(() => clientTlsSettings(props)) : null;
  const responseHeaders = attempt(() => parseResponseHeaders(props['response.http.headers.config'] ?? '')) ?? [];
  const allowOrigin = list(props['access.control.allow.origin']);
  const cors =
    allowOrigin.length > 0 ? { allowOrigin, allowMethods: list(props['access.control.allow.methods']) } : null;
  const extensions = list(props['rest.extension.classes']);
  const unknown = extensions.filter((e) => !KNOWN_EXTENSIONS.has(e));
  if (unknown.length > 0) {
    errors.push(
      `rest.extension.classes: ${unknown.join(', ')} cannot be loaded (Java REST extensions do not run here); supported: ${BASIC_AUTH_EXTENSION}`,
    );
  }
  const basic = extensions.includes(BASIC_AUTH_EXTENSION)
    ? attempt(() => basicAuth(props, opts.env ?? process.env))
    : null;
  const token = props['tributary.console.token'];
  if (token !== undefined && token.length < 16) errors.push('tributary.console.token: use at least 16 characters');
  const secured = basic !== null || (token !== undefined && token !== '');
  const csrf = props['tributary.rest.csrf.protection'];
  if (csrf !== undefined && csrf !== 'true' && csrf !== 'false') {
    errors.push(`tributary.rest.csrf.protection: ${csrf} is not true or false`);
  }
  const hostsKey = props['tributary.rest.allowed.hosts'];
  let allowedHosts: string[] | null = null;
  if (hostsKey !== undefined) {
    const hosts = list(hostsKey).map((h) => h.toLowerCase());
    allowedHosts = hosts.includes('*') ? null : hosts;
  } else if (secured) {
    const fromListeners = [...listeners, ...(adminListeners ?? [])]
      .map((l) => /^\s*[a-z]+:\/\/(\[[^\]]*\]|[^:/]*)/i.exec(l)?.[1] ?? '')
      .map((h) => h.replace(/^\[|\]$/g, '').toLowerCase());
    // A listener on every interface (empty host) names no host: any Host is let in, as the listener accepts any address.
    if (!fromListeners.includes('') && !fromListeners.includes('0.0.0.0') && !fromListeners.includes('::')) {
      const loopback = fromListeners.some((h) => h === 'localhost' || h === '::1' || h.startsWith('127.'));
      allowedHosts = [
        ...new Set([
          ...fromListeners,
          ...(advertised ? [advertised.hostname.replace(/^\[|\]$/g, '').toLowerCase()] : []),
          // A listener on the loopback interface is reached by any of its names.
          ...(loopback ? ['localhost', '127.0.0.1', '::1'] : []),
        ]),
      ];
    }
  }
  const maxAgeKey = props['tributary.internal.request.max.age.ms'];
  const internalRequestMaxAgeMs = maxAgeKey === undefined ? 60_000 : Number(maxAgeKey);
  if (!Number.isSafeInteger(internalRequestMaxAgeMs) || internalRequestMaxAgeMs <= 0) {
    errors.push(`tributary.internal.request.max.age.ms: ${maxAgeKey} is not a positive number of milliseconds`);
  }
  if (errors.length > 0) throw new Error(`Invalid REST configuration: ${errors.join('; ')}`);
  return {
    adminListeners,
    tls,
    adminTls,
    clientTls,
    responseHeaders,
    cors,
    basicAuth: basic,
    bearerToken: token === undefined || token === '' ? null : token,
    csrfProtection: csrf === undefined ? secured : csrf === 'true',
    allowedHosts,
    internalRequestMaxAgeMs,
  };
}
