/** @tributary/rest, the Kafka Connect REST API server: its public exports. */
export { createRestServer, type RestServerOptions } from './server.js';
export {
  CONSOLE_REGISTRY_PREFIX,
  ConsoleSchemaRegistry,
  type DecodedPart,
  type DecodedRecord,
  type RegistryFormat,
  consoleRegistryProps,
  registryRequest,
} from './console-registry.js';
export {
  DEFAULT_LISTENERS,
  type Listener,
  type RunningRestServer,
  type StartRestServerOptions,
  type TlsOptions,
  parseListeners,
  startRestServer,
} from './listen.js';
export { type RestSecurity, isInternalRequest } from './security.js';
export { openApiDocument, type OpenApiInfo } from './openapi.js';
export { routes, type RouteSpec } from './routes.js';
export { RestError, type ErrorBody, configErrorMessage, toErrorResponse } from './errors.js';
export * as schemas from './schemas.js';
