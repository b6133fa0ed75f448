/** A small client for any Confluent-compatible schema registry (Confluent's CachedSchemaRegistryClient keys: URL list, basic and bearer auth, request headers, schema.registry.ssl.*). */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { DataException, RetriableException } from '@tributary/api';
import { type ClientTlsSettings, clientTlsOptions } from '@tributary/tls';

export interface RegistryClientOptions {
  urls: string[];
  /** Sent with every request: Authorization and request.header.* values. */
  headers: Record<string, string>;
  timeoutMs: number;
  /** For https URLs; null: Node's default CAs, host names checked, no client certificate. */
  tls?: ClientTlsSettings | null;
  /** Which keys the TLS settings came from, so a handshake failure can name the key to fix. */
  tlsKeys?: { truststore: string; keystore: string; endpointIdentification: string };
}

/** Confluent's compatibility levels, in its order: the registry applies them, the console sets them. */
export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export interface RegistrySchema {
  schema: string;
  schemaType?: string;
  references?: Array<{ name: string; subject: string; version: number }>;
}

export interface SubjectVersion extends RegistrySchema {
  subject: string;
  version: number;
  id: number;
}

/** A registry answer with an error body: 4xx are the request's fault (not retried), 5xx the registry's. */
export class RegistryResponseError extends Error {
  readonly status: number;
  readonly errorCode: number;
  constructor(status: number, errorCode: number, message: string) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

const MEDIA_TYPE = 'application/vnd.schemaregistry.v1+json';

/** OpenSSL's and Node's codes for a server certificate the truststore does not vouch for. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

/**
 * A failed request in words a user can act on: a TLS handshake failure names the key that decides it, where
 * the bare socket error (ECONNRESET, "socket hang up") would not.
 */
function describeFailure(err: NodeJS.ErrnoException, secured: boolean, o: RegistryClientOptions): string {
  const code = err.code ?? '';
  const keys = o.tlsKeys ?? {
    truststore: 'the truststore',
    keystore: 'a client keystore',
    endpointIdentification: 'the host name check',
  };
  if (UNTRUSTED.has(code))
    return `the registry's TLS certificate is not trusted (${code}: ${err.message}); check ${keys.truststore}${o.tls?.ca ? '' : ' (unset: only the default CAs are trusted)'}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the registry's TLS certificate does not name this host (${err.message}); fix the URL or the certificate, or set ${keys.endpointIdentification}= (empty) to skip the host name check`;
  if (
    /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNKNOWN_CA|certificate required/i.test(
      `${code} ${err.message}`,
    )
  )
    return `the registry refused the TLS handshake (${err.message}): it requires a client certificate it trusts; ${o.tls?.pfx || o.tls?.key ? `check ${keys.keystore}` : `set ${keys.keystore}`}`;
  if (secured && (code === 'ECONNRESET' || err.message === 'socket hang up'))
    return `the registry closed the connection during the TLS handshake (${code || err.message}); it may require a client certificate (${keys.keystore}${o.tls?.pfx || o.tls?.key ? ', which was sent' : ', not set'})`;
  return code || err.message;
}

interface RawResponse {
  status: number;
  text: string;
}

export class SchemaRegistryClient {
  readonly #options: RegistryClientOptions;
  /** The URL that answered last; tried first next time. */
  #preferred = 0;
  readonly #http = new HttpAgent({ keepAlive: true });
  readonly #https: HttpsAgent;

  constructor(o: RegistryClientOptions) {
    if (o.urls.length === 0) throw new Error('schema.registry.url must name at least one URL');
    this.#options = o;
    this.#https = new HttpsAgent({ keepAlive: true, ...(o.tls ? clientTlsOptions(o.tls) : {}) });
  }

  /** Closes idle keep-alive connections (the converter's close()). */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }

  /** One HTTP exchange over the keep-alive agents; a failed TLS handshake says why, naming the key to check. */
  #exchange(url: URL, method: string, headers: Record<string, string>, body: string | undefined): Promise<RawResponse> {
    const secured = url.protocol === 'https:';
    const h = { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) };
    return new Promise<RawResponse>((resolve, reject) => {
      const req = (secured ? httpsRequest : httpRequest)(
        url,
        { method, headers: h, agent: secured ? this.#https : this.#http, timeout: this.#options.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error(`no answer within ${this.#options.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (err: NodeJS.ErrnoException) => reject(new Error(describeFailure(err, secured, this.#options))));
      req.end(body);
    });
  }

  get urls(): readonly string[] {
    return this.#options.urls;
  }

  /**
   * One request to each URL in turn until one answers; only a URL that cannot be reached (or, with
   * `nextOn5xx`, answers 5xx) passes the request on. `failures` says why each URL passed.
   */
  async #send(
    method: string,
    path: string,
    body: unknown,
    nextOn5xx: boolean,
  ): Promise<{ res: RawResponse; text: string; base: string } | { failures: string[] }> {
    const n = this.#options.urls.length;
    const failures: string[] = [];
    for (let i = 0; i < n; i++) {
      const index = (this.#preferred + i) % n;
      const base = this.#options.urls[index]!;
      let res: RawResponse;
      try {
        res = await this.#exchange(
          new URL(`${base.replace(/\/+$/, '')}${path}`),
          method,
          {
            accept: MEDIA_TYPE,
            ...(body !== undefined ? { 'content-type': MEDIA_TYPE } : {}),
            ...this.#options.headers,
          },
          body !== undefined ? JSON.stringify(body) : undefined,
        );
      } catch (err) {
        failures.push(`${base}: ${(err as Error).message}`);
        continue;
      }
      const text = res.text;
      if (nextOn5xx && res.status >= 500) {
        failures.push(`${base}: ${res.status} ${errorBody(text).message}`);
        continue;
      }
      if (isOk(res)) this.#preferred = index;
      return { res, text, base };
    }
    return { failures };
  }

  /**
   * Sends to each URL in turn until one answers. An unreachable registry (all URLs) or a 5xx is a
   * RetriableException naming the URLs; a 4xx is a DataException with the registry's message.
   */
  async #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.#send(method, path, body, true);
    if ('failures' in r) throw new RetriableException(`Schema registry unavailable at ${r.failures.join('; ')}`);
    if (isOk(r.res)) return JSON.parse(r.text) as T;
    const e = errorBody(r.text);
    const errorCode = e.errorCode ?? r.res.status;
    throw new RegistryResponseError(
      r.res.status,
      errorCode,
      `${e.message}; error code: ${errorCode} (schema registry ${r.base})`,
    );
  }

  /**
   * A request passed through as the registry answered it (status and body), for a proxy; a registry that
   * cannot be reached at any URL is a RetriableException naming them. `path` includes the query string.
   */
  async forward(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
    const r = await this.#send(method, path, body, false);
    if ('failures' in r) throw new RetriableException(`Schema registry unavailable at ${r.failures.join('; ')}`);
    return { status: r.res.status, body: r.text };
  }

  schemaById(id: number): Promise<RegistrySchema> {
    return this.#request('GET', `/schemas/ids/${id}`);
  }

  /** The subjects and versions a schema id is registered under. */
  versionsOfId(id: number): Promise<Array<{ subject: string; version: number }>> {
    return this.#request('GET', `/schemas/ids/${id}/versions`);
  }

  version(subject: string, version: number | 'latest'): Promise<SubjectVersion> {
    return this.#request('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`);
  }

  async register(subject: string, schema: RegistrySchema, normalize: boolean): Promise<number> {
    const r = await this.#request<{ id: number }>(
      'POST',
      `/subjects/${encodeURIComponent(subject)}/versions?normalize=${normalize}`,
      schema,
    );
    return r.id;
  }

  lookup(subject: string, schema: RegistrySchema, normalize: boolean): Promise<SubjectVersion> {
    return this.#request('POST', `/subjects/${encodeURIComponent(subject)}?normalize=${normalize}`, schema);
  }
}

const isOk = (res: RawResponse): boolean => res.status >= 200 && res.status < 300;

/** A registry error body's message and code; a body that is not JSON (a proxy's page) is its text. */
function errorBody(text: string): { message: string; errorCode?: number } {
  try {
    const e = JSON.parse(text) as { error_code?: number; message?: string };
    return { message: e.message ?? text, ...(e.error_code !== undefined ? { errorCode: e.error_code } : {}) };
  } catch {
    return { message: text };
  }
}

/** Turns a client failure into the converter's error: retriable when the registry could not answer. */
export function converterError(what: string, err: unknown): Error {
  if (err instanceof RetriableException) return new RetriableException(`${what}: ${err.message}`, { cause: err });
  return new DataException(`${what}: ${(err as Error).message}`, { cause: err });
}
