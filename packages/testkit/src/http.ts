/** One HTTP(S) call for tests, with node:http(s): unlike fetch it takes a CA, a client certificate and a TLS version cap. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface HttpCallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** For https: the CA to trust instead of Node's defaults. */
  ca?: string;
  /** For https: a client certificate. */
  key?: string;
  cert?: string;
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** For https: what the handshake settled on. */
  cipher?: string;
  protocol?: string | null;
}

/** Without an agent, so every call makes its own connection and handshake. */
export function httpCall(url: string, init: HttpCallOptions = {}): Promise<HttpAnswer> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      u,
      {
        method: init.method ?? 'GET',
        headers: {
          ...init.headers,
          ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}),
        },
        agent: false,
        ...(https && init.ca ? { ca: init.ca } : {}),
        ...(https && init.key ? { key: init.key, cert: init.cert } : {}),
        ...(https && init.maxVersion ? { maxVersion: init.maxVersion } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const socket = res.socket as TLSSocket;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            ...(https ? { cipher: socket.getCipher?.()?.name, protocol: socket.getProtocol?.() } : {}),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
