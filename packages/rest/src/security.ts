// Request checks in front of the routes: Host allow-list, CORS, basic auth / bearer token, the JSON content-type rule, response headers.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResponseHeaderRule, RestSecuritySettings } from '@tributary/runtime';

/** What the request checks need; RestSecuritySettings of the runtime has it all. */
export type RestSecurity = Pick<
  RestSecuritySettings,
  'responseHeaders' | 'cors' | 'basicAuth' | 'bearerToken' | 'csrfProtection' | 'allowedHosts'
>;

/** Kafka Connect's JaasBasicAuthFilter lets these through: the session key protects them (INTERNAL_REQUEST_MATCHERS). */
const INTERNAL_REQUESTS: ReadonlyArray<{ method: string; path: RegExp }> = [
  { method: 'POST', path: /^\/?connectors\/[^/]+\/tasks\/?$/ },
  { method: 'PUT', path: /^\/?connectors\/[^/]+\/fence\/?$/ },
];

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Jetty CrossOriginFilter's defaults, which Kafka Connect kept. */
const DEFAULT_CORS_METHODS = ['GET', 'POST', 'HEAD'];
const CORS_HEADERS = 'X-Requested-With,Content-Type,Accept,Origin,Authorization';
/** JaasBasicAuthFilter's answer. */
const UNAUTHORIZED_BODY = 'User cannot access the resource.';

function pathOf(url: string): string {
  return url.split('?')[0] ?? '/';
}

export function isInternalRequest(method: string, url: string): boolean {
  const path = pathOf(url);
  return INTERNAL_REQUESTS.some((m) => m.method === method && m.path.test(path));
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** BasicAuthCredentials: `Basic base64(user:password)`; anything malformed is no credentials. */
function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space <= 0 || header.slice(0, space).toLowerCase() !== 'basic') return null;
  const decoded = Buffer.from(header.slice(space + 1).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function authenticated(req: FastifyRequest, security: RestSecurity): boolean {
  const header = req.headers.authorization;
  if (security.bearerToken && header && /^bearer /i.test(header)) {
    return sameSecret(header.slice(7).trim(), security.bearerToken);
  }
  const basic = security.basicAuth;
  if (!basic) return false;
  // PropertyFileLoginModule lets every request in when its credentials file is empty.
  if (basic.credentials.size === 0) return true;
  const creds = basicCredentials(header);
  if (!creds) return false;
  const expected = basic.credentials.get(creds.user);
  return expected !== undefined && sameSecret(creds.password, expected);
}

function hostOf(header: string | undefined): string {
  if (!header) return '';
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  return h.replace(/:\d+$/, '');
}

function originAllowed(origin: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (p === '*') return true;
    const re = new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
    return re.test(origin);
  });
}

function applyHeaderRules(reply: FastifyReply, rules: readonly ResponseHeaderRule[]): void {
  for (const rule of rules) {
    const value =
      rule.action === 'setDate' || rule.action === 'addDate'
        ? new Date(Date.now() + Number(rule.value)).toUTCString()
        : rule.value;
    if (rule.action === 'set' || rule.action === 'setDate') reply.header(rule.name, value);
    else {
      const existing = reply.getHeader(rule.name);
      const before = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
      reply.header(rule.name, before.length === 0 ? value : [...before, value]);
    }
  }
}

/** Registers the checks on an app; with none of the keys set, requests pass as before. */
export function registerSecurity(app: FastifyInstance, security: RestSecurity): void {
  const authOn = security.basicAuth !== null || security.bearerToken !== null;
  const challenge = [
    ...(security.basicAuth ? ['Basic realm="KafkaConnect"'] : []),
    ...(security.bearerToken ? ['Bearer realm="tributary"'] : []),
  ];

  app.addHook('onRequest', async (req, reply) => {
    if (security.allowedHosts && !security.allowedHosts.includes(hostOf(req.headers.host))) {
      // DNS rebinding: a page of another site reaching this worker through a name that resolves to it.
      return reply
        .code(421)
        .send({ error_code: 421, message: `Host ${JSON.stringify(req.headers.host ?? '')} is not served here` });
    }
    const origin = req.headers.origin;
    if (security.cors && origin && originAllowed(origin, security.cors.allowOrigin)) {
      reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        const methods = security.cors.allowMethods.length > 0 ? security.cors.allowMethods : DEFAULT_CORS_METHODS;
        return reply
          .code(204)
          .header('Access-Control-Allow-Methods', methods.join(','))
          .header('Access-Control-Allow-Headers', CORS_HEADERS)
          .header('Access-Control-Max-Age', '1800')
          .send();
      }
    }
    const internal = isInternalRequest(req.method, req.url);
    // The console's static files hold no data; its API (/tributary/*) is protected like the rest.
    const staticConsole = (req.method === 'GET' || req.method === 'HEAD') && /^\/ui(\/|$|\?)/.test(req.url);
    if (authOn && !internal && !staticConsole && !authenticated(req, security)) {
      req.log.debug({ url: pathOf(req.url) }, 'Request failed authentication');
      return reply.code(401).header('WWW-Authenticate', challenge).type('text/plain').send(UNAUTHORIZED_BODY);
    }
    if (security.csrfProtection && STATE_CHANGING.has(req.method) && !internal) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      // Neither can be sent cross-site without a CORS preflight, which this worker refuses unless configured.
      if (type !== 'application/json' && req.headers['x-requested-with'] === undefined) {
        return reply.code(415).send({
          error_code: 415,
          message: `${req.method} needs Content-Type: application/json (or an X-Requested-With header)`,
        });
      }
    }
    return undefined;
  });

  if (security.responseHeaders.length > 0) {
    app.addHook('onSend', async (_req, reply, payload) => {
      applyHeaderRules(reply, security.responseHeaders);
      return payload;
    });
  }
}
