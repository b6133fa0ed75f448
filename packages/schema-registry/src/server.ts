/** Confluent Schema Registry's REST API (v7 paths, media types, error bodies) on fastify; writes on a follower are forwarded to the writer. */
import { timingSafeEqual } from 'node:crypto';
import type { InterWorkerClient } from '@tributary/runtime';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { RegistryError, errors } from './errors.js';
import { type SchemaRequest, SchemaRegistry, view } from './registry.js';
import { SCHEMA_TYPES } from './schema-types.js';

/** The media types Confluent accepts and answers with; the first is the default response type. */
export const MEDIA_TYPES = [
  'application/vnd.schemaregistry.v1+json',
  'application/vnd.schemaregistry+json',
  'application/json',
] as const;

/** Marks a request already forwarded once, so two instances that disagree about the writer never loop. */
const FORWARDED_HEADER = 'x-tributary-forwarded';

export interface LeaderView {
  /** The writer's URL, null while none is elected. */
  leaderUrl(): string | null;
  /** True when this instance is the writer and has read the log to its end. */
  isLeader(): boolean;
}

export interface BasicAuthUsers {
  realm: string;
  users: Map<string, { password: string; roles: string[] }>;
  /** authentication.roles: whether a user with these roles may call the API. */
  allows(roles: readonly string[]): boolean;
}

export interface RegistryServerOptions {
  registry: SchemaRegistry;
  leader: LeaderView;
  basicAuth?: BasicAuthUsers;
  /** Sends writes to the writer (over https with the registry's ssl.* keys when it is reached that way). */
  forwarder: Pick<InterWorkerClient, 'request'>;
  /** How long a forwarded write may take (Confluent's leader forwarding timeout). */
  forwardTimeoutMs?: number;
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

const flag = (q: Query, name: string): boolean => q[name] === 'true';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A TLS failure towards the writer names the ssl.* key that decides it. */
function forwardFailure(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO/.test(code) && code !== 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the writer's TLS certificate is not trusted (${code}: ${err.message}); check ssl.truststore.location`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the writer's TLS certificate does not name its host (${err.message}); fix host.name or the certificate, or unset ssl.endpoint.identification.algorithm`;
  if (/CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA/i.test(`${code} ${err.message}`))
    return `the writer refused this instance's client certificate (${err.message}); check ssl.keystore.location and the writer's ssl.truststore.location`;
  return err.message;
}

export function createRegistryServer(o: RegistryServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024, routerOptions: { ignoreTrailingSlash: true } });
  const r = o.registry;

  // application/json is fastify's own; the registry's media types (and clients that send octet-stream) parse the same way.
  for (const type of [MEDIA_TYPES[0], MEDIA_TYPES[1], 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, body === '' ? {} : JSON.parse(body as string));
      } catch (err) {
        (err as { statusCode?: number }).statusCode = 400;
        done(err as Error, undefined);
      }
    });
  }

  app.addHook('onRequest', async (req, reply) => {
    if (!o.basicAuth) return;
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(header);
    const [user, ...rest] = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':') : [];
    const expected = user !== undefined ? o.basicAuth.users.get(user) : undefined;
    if (expected === undefined || !safeEqual(expected.password, rest.join(':'))) {
      await reply
        .code(401)
        .header('www-authenticate', `Basic realm="${o.basicAuth.realm}"`)
        .type(MEDIA_TYPES[0])
        .send({ error_code: 401, message: 'Unauthorized' });
    } else if (!o.basicAuth.allows(expected.roles)) {
      // Jetty's constraint: known user, none of authentication.roles.
      await reply.code(403).type(MEDIA_TYPES[0]).send({ error_code: 403, message: 'Forbidden' });
    }
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    const ct = String(reply.getHeader('content-type') ?? '');
    if (ct.startsWith('application/json')) reply.header('content-type', MEDIA_TYPES[0]);
    return payload;
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err instanceof RegistryError) return reply.code(err.status).type(MEDIA_TYPES[0]).send(err.body());
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply
      .code(status)
      .type(MEDIA_TYPES[0])
      .send({ error_code: status === 500 ? 50001 : status, message: err.message });
  });

  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).type(MEDIA_TYPES[0]).send({ error_code: 404, message: 'HTTP 404 Not Found' }),
  );

  /** A write runs on the writer; anywhere else it is forwarded there, as Confluent's followers do. */
  const write = async <T>(req: FastifyRequest, reply: FastifyReply, run: () => Promise<T>): Promise<T | undefined> => {
    if (o.leader.isLeader()) return run();
    const leaderUrl = o.leader.leaderUrl();
    if (!leaderUrl || req.headers[FORWARDED_HEADER]) throw errors.unknownLeader();
    let res: { status: number; text: string };
    try {
      res = await o.forwarder.request(new URL(req.url, leaderUrl), {
        method: req.method,
        headers: {
          'content-type': MEDIA_TYPES[0],
          accept: MEDIA_TYPES[0],
          [FORWARDED_HEADER]: '1',
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        },
        ...(req.body !== undefined && req.method !== 'DELETE' ? { body: JSON.stringify(req.body) } : {}),
        timeoutMs: o.forwardTimeoutMs ?? 30_000,
      });
    } catch (err) {
      throw errors.forwardingFailed(`${leaderUrl}: ${forwardFailure(err as NodeJS.ErrnoException)}`);
    }
    await reply.code(res.status).type(MEDIA_TYPES[0]).send(res.text);
    return undefined;
  };

  const body = (req: FastifyRequest): SchemaRequest => {
    const b = req.body;
    if (!b || typeof b !== 'object' || Array.isArray(b))
      throw errors.invalidRequest('the request body must be a JSON object');
    return b as SchemaRequest;
  };

  app.get('/', async () => ({}));

  app.get('/schemas/types', async () => SCHEMA_TYPES);

  app.get('/subjects', async (req) => {
    const q = req.query as Query;
    return r.subjects({ deleted: flag(q, 'deleted'), ...(q.subjectPrefix ? { subjectPrefix: q.subjectPrefix } : {}) });
  });

  app.get('/schemas', async (req) => {
    const q = req.query as Query;
    const out = [];
    for (const s of r.subjects({
      deleted: flag(q, 'deleted'),
      ...(q.subjectPrefix ? { subjectPrefix: q.subjectPrefix } : {}),
    })) {
      const vs = r.store.versions(s, flag(q, 'deleted'));
      for (const e of flag(q, 'latestOnly') ? vs.slice(-1) : vs) out.push(view(e));
    }
    return out;
  });

  app.post('/subjects/:subject', async (req) => {
    const { subject } = req.params as Params;
    const q = req.query as Query;
    return view(r.lookup(subject!, body(req), { normalize: flag(q, 'normalize'), deleted: flag(q, 'deleted') }));
  });

  app.delete('/subjects/:subject', async (req, reply) => {
    const { subject } = req.params as Params;
    return write(req, reply, () => r.deleteSubject(subject!, flag(req.query as Query, 'permanent')));
  });

  app.get('/subjects/:subject/versions', async (req) => {
    const { subject } = req.params as Params;
    return r.versions(subject!, flag(req.query as Query, 'deleted'));
  });

  app.post('/subjects/:subject/versions', async (req, reply) => {
    const { subject } = req.params as Params;
    const b = body(req);
    return write(req, reply, async () => {
      const e = await r.register(subject!, b, { normalize: flag(req.query as Query, 'normalize') });
      return { id: e.id };
    });
  });

  app.get('/subjects/:subject/versions/:version', async (req) => {
    const { subject, version } = req.params as Params;
    const e = r.get(subject!, version!, flag(req.query as Query, 'deleted'));
    return { ...view(e), schema: r.formatted(e, (req.query as Query).format) };
  });

  app.get('/subjects/:subject/versions/:version/schema', async (req, reply) => {
    const { subject, version } = req.params as Params;
    const e = r.get(subject!, version!, flag(req.query as Query, 'deleted'));
    return reply.type(MEDIA_TYPES[0]).send(e.schema);
  });

  app.get('/subjects/:subject/versions/:version/referencedby', async (req) => {
    const { subject, version } = req.params as Params;
    const e = r.get(subject!, version!, true);
    return r.store.referencedBy(e.subject, e.version);
  });

  app.delete('/subjects/:subject/versions/:version', async (req, reply) => {
    const { subject, version } = req.params as Params;
    return write(req, reply, () => r.deleteVersion(subject!, version!, flag(req.query as Query, 'permanent')));
  });

  app.get('/schemas/ids/:id', async (req) => {
    const s = r.schemaById(idParam(req));
    return {
      ...(s.schemaType !== 'AVRO' ? { schemaType: s.schemaType } : {}),
      ...(s.references.length > 0 ? { references: s.references } : {}),
      schema: r.formatted(s, (req.query as Query).format),
    };
  });

  app.get('/schemas/ids/:id/schema', async (req, reply) => {
    const s = r.schemaById(idParam(req));
    return reply.type(MEDIA_TYPES[0]).send(s.schema);
  });

  app.get('/schemas/ids/:id/subjects', async (req) => {
    const id = idParam(req);
    r.schemaById(id);
    return [...new Set(r.store.usesOf(id, flag(req.query as Query, 'deleted')).map((e) => e.subject))];
  });

  app.get('/schemas/ids/:id/versions', async (req) => {
    const id = idParam(req);
    r.schemaById(id);
    return r.store
      .usesOf(id, flag(req.query as Query, 'deleted'))
      .map((e) => ({ subject: e.subject, version: e.version }));
  });

  app.get('/config', async () => ({ compatibilityLevel: r.compatibilityOf(null) }));
  app.put('/config', async (req, reply) => {
    const b = body(req) as { compatibility?: unknown };
    return write(req, reply, async () => ({ compatibility: await r.setCompatibility(null, b.compatibility) }));
  });
  app.delete('/config', async (req, reply) =>
    write(req, reply, async () => ({ compatibilityLevel: await r.deleteCompatibility(null) })),
  );
  app.get('/config/:subject', async (req) => {
    const { subject } = req.params as Params;
    const own = r.store.config(subject!);
    if (own !== undefined) return { compatibilityLevel: own };
    if (flag(req.query as Query, 'defaultToGlobal')) return { compatibilityLevel: r.compatibilityOf(null) };
    throw errors.subjectConfigNotFound(subject!);
  });
  app.put('/config/:subject', async (req, reply) => {
    const { subject } = req.params as Params;
    const b = body(req) as { compatibility?: unknown };
    return write(req, reply, async () => ({ compatibility: await r.setCompatibility(subject!, b.compatibility) }));
  });
  app.delete('/config/:subject', async (req, reply) => {
    const { subject } = req.params as Params;
    return write(req, reply, async () => ({ compatibilityLevel: await r.deleteCompatibility(subject!) }));
  });

  app.get('/mode', async () => ({ mode: r.modeOf(null) }));
  app.put('/mode', async (req, reply) => {
    const b = body(req) as { mode?: unknown };
    return write(req, reply, async () => ({ mode: await r.setMode(null, b.mode, flag(req.query as Query, 'force')) }));
  });
  app.get('/mode/:subject', async (req) => {
    const { subject } = req.params as Params;
    const own = r.store.mode(subject!);
    if (own !== undefined) return { mode: own };
    if (flag(req.query as Query, 'defaultToGlobal')) return { mode: r.modeOf(null) };
    throw errors.subjectModeNotFound(subject!);
  });
  app.put('/mode/:subject', async (req, reply) => {
    const { subject } = req.params as Params;
    const b = body(req) as { mode?: unknown };
    return write(req, reply, async () => ({
      mode: await r.setMode(subject!, b.mode, flag(req.query as Query, 'force')),
    }));
  });
  app.delete('/mode/:subject', async (req, reply) => {
    const { subject } = req.params as Params;
    return write(req, reply, async () => ({ mode: await r.deleteMode(subject!) }));
  });

  const compatibility = async (req: FastifyRequest, version: string | null) => {
    const { subject } = req.params as Params;
    const messages = r.testCompatibility(subject!, version, body(req));
    const verbose = flag(req.query as Query, 'verbose');
    return { is_compatible: messages.length === 0, ...(verbose ? { messages } : {}) };
  };
  app.post('/compatibility/subjects/:subject/versions', async (req) => compatibility(req, null));
  app.post('/compatibility/subjects/:subject/versions/:version', async (req) =>
    compatibility(req, (req.params as Params).version!),
  );

  return app;
}

function idParam(req: FastifyRequest): number {
  const raw = (req.params as Params).id ?? '';
  if (!/^\d+$/.test(raw)) throw errors.schemaNotFound();
  return Number(raw);
}

export { SchemaRegistry };
