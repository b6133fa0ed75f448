// Requests from one worker to another (forwarding to the leader, task configs), over http or https with the worker's TLS keys.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type ClientTlsSettings, clientTlsOptions } from '@tributary/tls';

/** The headers of the REST call being served that a forwarded request carries on (Kafka Connect's RestClient: Authorization). */
interface CallerContext {
  authorization?: string;
}

const caller = new AsyncLocalStorage<CallerContext>();

/** Runs a REST handler with the caller's Authorization, so a request forwarded to the leader carries it. */
export function runAsCaller<T>(authorization: string | undefined, fn: () => T): T {
  return caller.run(authorization === undefined ? {} : { authorization }, fn);
}

export interface RestResponse {
  status: number;
  text: string;
}

export class InterWorkerClient {
  readonly #http = new HttpAgent({ keepAlive: true });
  readonly #https: HttpsAgent;

  constructor(tls: ClientTlsSettings | null) {
    this.#https = new HttpsAgent({ keepAlive: true, ...(tls ? clientTlsOptions(tls) : {}) });
  }

  request(
    url: URL,
    init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs: number },
  ): Promise<RestResponse> {
    // A body-less write (DELETE, …/pause) passes the other worker's content-type check with this header.
    const headers: Record<string, string> = { 'x-requested-with': 'tributary-worker', ...init.headers };
    const authorization = caller.getStore()?.authorization;
    if (authorization !== undefined && headers.authorization === undefined) headers.authorization = authorization;
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const https = url.protocol === 'https:';
    return new Promise<RestResponse>((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        { method: init.method, headers, agent: https ? this.#https : this.#http, timeout: init.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within ${init.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(init.body);
    });
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}
