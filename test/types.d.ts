import type { ServiceEndpoints } from '../packages/testkit/src/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where Kafka, S3, Postgres and Redis answer; provided by test/global-setup.ts. */
    services: ServiceEndpoints;
  }
}
