/** Generates the OpenAPI 3.1 document of the REST API from the route table and its zod schemas. */
import { z } from 'zod';
import type { RouteSpec, SchemaRef } from './routes.js';
import { pathParams } from './routes.js';
import { requestSchemas, responseSchemas } from './schemas.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const REF = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

/** Component schemas generated from the zod definitions; nested named schemas become $refs. */
function componentSchemas(): Record<string, Json> {
  const out: Record<string, Json> = {};
  const emit = (schemas: Record<string, z.ZodType>, io: 'input' | 'output') => {
    const registry = z.registry<{ id: string }>();
    for (const [id, s] of Object.entries(schemas)) registry.add(s, { id });
    const r = z.toJSONSchema(registry, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      uri: (id) => `#/components/schemas/${id}`,
    }) as { schemas: Record<string, Record<string, Json>> };
    for (const [id, s] of Object.entries(r.schemas)) {
      const { $schema: _s, $id: _i, ...rest } = s;
      out[id] = rest;
    }
  };
  emit(responseSchemas, 'output');
  // Request bodies are documented as users may write them (numbers accepted for config values).
  emit(requestSchemas, 'input');
  return out;
}

function schemaOf(ref: SchemaRef): JsonObject {
  if (typeof ref === 'string') return REF(ref);
  if ('array' in ref) return { type: 'array', items: ref.array === 'string' ? { type: 'string' } : REF(ref.array) };
  if ('map' in ref) {
    return { type: 'object', additionalProperties: ref.map === 'string' ? { type: 'string' } : REF(ref.map) };
  }
  return { oneOf: ref.oneOf.map(schemaOf) };
}

function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z]+)/g, '{$1}');
}

export interface OpenApiInfo {
  title?: string;
  version: string;
  serverUrl?: string;
}

/** The OpenAPI 3.1 document of the REST API, built from the same route table the server runs. */
export function openApiDocument(routes: readonly RouteSpec[], info: OpenApiInfo): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const r of routes) {
    if (r.internal) continue;
    const path = openApiPath(r.url);
    const parameters: Json[] = [];
    for (const m of r.url.matchAll(/:([A-Za-z]+)/g)) {
      const name = m[1]!;
      parameters.push({
        name,
        in: 'path',
        required: true,
        description: pathParams[name] ?? name,
        schema: name === 'task' ? { type: 'integer', format: 'int32' } : { type: 'string' },
      });
    }
    for (const q of r.query ?? []) {
      const base: JsonObject = { type: q.type };
      if (q.enum) base.enum = q.enum;
      if (q.default !== undefined) base.default = q.default;
      parameters.push({
        name: q.name,
        in: 'query',
        required: false,
        description: q.description,
        schema: q.repeated ? { type: 'array', items: base } : base,
        ...(q.repeated ? { style: 'form', explode: true } : {}),
      });
    }
    const responses: JsonObject = {};
    for (const [code, res] of Object.entries(r.responses)) {
      const entry: JsonObject = { description: res.description };
      if (res.schema) entry.content = { 'application/json': { schema: schemaOf(res.schema) } };
      if (res.headers) {
        const headers: JsonObject = {};
        for (const [h, d] of Object.entries(res.headers)) headers[h] = { description: d, schema: { type: 'string' } };
        entry.headers = headers;
      }
      responses[code] = entry;
    }
    const op: JsonObject = {
      operationId: operationId(r),
      tags: [r.tag],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              description: r.body.description,
              content: { 'application/json': { schema: REF(r.body.schema) } },
            },
          }
        : {}),
      responses,
    };
    paths[path] = { ...(paths[path] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'Tributary REST API',
      version: info.version,
      description:
        'The Kafka Connect REST API as Tributary serves it: the same paths, JSON shapes and status codes. Errors are {"error_code": <int>, "message": <string>}.',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    tags: ['Server', 'Connectors', 'Tasks', 'Topics', 'Offsets', 'Plugins', 'Loggers'].map((name) => ({ name })),
    paths,
    components: { schemas: componentSchemas() },
  };
}

function operationId(r: RouteSpec): string {
  const words = r.url
    .split('/')
    .filter(Boolean)
    .map((s) => (s.startsWith(':') ? `by-${s.slice(1)}` : s))
    .join('-')
    .split(/[-_]/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return r.method.toLowerCase() + (words.join('') || 'Root');
}
