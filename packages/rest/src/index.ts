export { createRestServer, type RestServerOptions } from './server.js';
export {
  DEFAULT_LISTENERS,
  type Listener,
  type RunningRestServer,
  type StartRestServerOptions,
  type TlsOptions,
  parseListeners,
  startRestServer,
} from './listen.js';
export { openApiDocument, type OpenApiInfo } from './openapi.js';
export { routes, type RouteSpec } from './routes.js';
export { RestError, type ErrorBody, configErrorMessage, toErrorResponse } from './errors.js';
export * as schemas from './schemas.js';
