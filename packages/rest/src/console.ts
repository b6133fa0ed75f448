// Serves the built web console (packages/ui) at /ui: content types, SPA fallback, cache headers, gzip.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

// Everything the console loads comes from this worker: no CDN, no inline script, no framing.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  /** Hashed names under assets/ never change content, so browsers keep them; index.html is revalidated. */
  immutable: boolean;
}

function load(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const file = path.posix.join(rel, name);
      if (statSync(path.join(dir, file)).isDirectory()) {
        walk(file);
        continue;
      }
      const body = readFileSync(path.join(dir, file));
      assets.set(file, {
        body,
        gzip: gzipSync(body, { level: 9 }),
        type: CONTENT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream',
        immutable: file.startsWith('assets/'),
      });
    }
  };
  walk('');
  return assets;
}

/**
 * GET /ui and /ui/* from `dir`. Paths without a file extension are console routes
 * (/ui/connectors/x) and answer index.html, the SPA fallback; a missing file with an extension is a 404.
 * Files are read once, on the first request, so a worker started before `pnpm build` serves the build later.
 */
export function registerConsole(app: FastifyInstance, dir: string): void {
  let assets: Map<string, Asset> | null = null;
  const serve = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!assets) {
      try {
        assets = load(dir);
      } catch {
        assets = null;
      }
    }
    const index = assets?.get('index.html');
    if (!assets || !index) {
      reply
        .code(404)
        .send({ error_code: 404, message: `The console is not built (no ${dir}/index.html): run pnpm build` });
      return;
    }
    const rel = decodeURIComponent((req.url.split('?')[0] ?? '').replace(/^\/ui\/?/, ''));
    let asset = rel === '' ? index : assets.get(rel);
    if (!asset) {
      if (path.posix.extname(rel) !== '') {
        reply.code(404).send({ error_code: 404, message: 'HTTP 404 Not Found' });
        return;
      }
      asset = index;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    reply
      .code(200)
      .header('content-type', asset.type)
      .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('vary', 'accept-encoding');
    if (asset.type.startsWith('text/html')) reply.header('content-security-policy', CSP);
    if (gzip) reply.header('content-encoding', 'gzip');
    reply.send(gzip ? asset.gzip : asset.body);
  };
  app.get('/ui', serve);
  app.get('/ui/*', serve);
}
